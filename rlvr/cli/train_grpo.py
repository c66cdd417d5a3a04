"""``rlvr train grpo``: train a local language model with GRPO on any text environment."""

from __future__ import annotations

import argparse

from rlvr.cli.common import UsageError, add_env_arguments, add_reproducibility_arguments, add_run_folder_arguments, console, default_run_dir, env_kwargs, positive_int, resolve_env


def fraction(text: str) -> float:
    """A non-negative number."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative number, got {text!r}")
    return value


def add_parser(algorithms: argparse._SubParsersAction) -> None:
    """Add ``grpo`` to the ``rlvr train`` algorithms."""
    grpo = algorithms.add_parser("grpo", help="GRPO on a text environment with a local Hugging Face model", description="GRPO on a text environment with a local Hugging Face model: rollouts in groups per task, group-relative advantages, a clipped policy-gradient step on the policy's own tokens.")
    grpo.add_argument("--env", required=True, metavar="ID", help="environment id, or MODULE:ID")
    grpo.add_argument("--model", required=True, metavar="DIR", help="local model folder (build one with `rlvr model build`)")
    add_run_folder_arguments(grpo, "runs/grpo-<env>")
    grpo.add_argument("--steps", type=positive_int, default=100, metavar="N", help="training steps (default: 100)")
    grpo.add_argument("--tasks-per-step", type=positive_int, default=8, metavar="N", help="tasks per step (default: 8)")
    grpo.add_argument("--group-size", type=int, default=8, metavar="G", help="episodes per task, at least 2 (default: 8)")
    grpo.add_argument("--max-new-tokens", type=positive_int, default=256, metavar="N", help="tokens per assistant turn (default: 256)")
    grpo.add_argument("--temperature", type=fraction, default=1.0, metavar="T", help="sampling temperature (default: 1.0)")
    grpo.add_argument("--lr", type=fraction, default=1e-5, metavar="LR", help="learning rate (default: 1e-5)")
    grpo.add_argument("--lr-schedule", choices=("constant", "linear"), default="constant", help="after the warm-up: constant, or linear decay to 0 at --steps (default: constant)")
    grpo.add_argument("--warmup-steps", type=int, default=0, metavar="N", help="linear learning-rate warm-up (default: 0)")
    grpo.add_argument("--epochs", type=positive_int, default=1, metavar="N", help="passes over each step's rollouts (default: 1)")
    grpo.add_argument("--mini-batches", type=positive_int, default=1, metavar="N", help="optimiser steps per pass (default: 1)")
    grpo.add_argument("--micro-batch-size", type=positive_int, default=16, metavar="N", help="sequences per forward/backward (default: 16)")
    loss = grpo.add_argument_group("loss")
    loss.add_argument("--clip-low", type=fraction, default=0.2, metavar="E", help="lower clip range (default: 0.2)")
    loss.add_argument("--clip-high", type=fraction, default=0.2, metavar="E", help="upper clip range; DAPO uses 0.28 (default: 0.2)")
    loss.add_argument("--ratio-level", choices=("token", "sequence"), default="token", help="importance ratio per token or per sequence (GSPO)")
    loss.add_argument("--aggregation", choices=("token-mean", "seq-mean-token-mean", "seq-mean-token-sum-norm"), default="token-mean", help="how token losses are averaged (default: token-mean)")
    loss.add_argument("--std-scaling", choices=("group", "batch", "none"), default="group", help="divide advantages by the group's, the batch's or no std (Dr. GRPO: none)")
    loss.add_argument("--kl-coef", type=fraction, default=0.0, metavar="B", help="KL penalty to the initial model (default: 0, off)")
    loss.add_argument("--kl-estimator", choices=("k1", "k2", "k3"), default="k3", help="KL estimator (default: k3)")
    loss.add_argument("--entropy-coef", type=fraction, default=0.0, metavar="C", help="entropy bonus (default: 0)")
    loss.add_argument("--tis-cap", type=fraction, metavar="C", help="truncated importance sampling between sampler and learner, capped at C")
    loss.add_argument("--dynamic-sampling", action="store_true", help="skip groups whose rewards are all equal (DAPO)")
    loss.add_argument("--overlong-filter", action="store_true", help="no loss on turns cut at --max-new-tokens (DAPO)")
    run_group = grpo.add_argument_group("run")
    run_group.add_argument("--eval-every", type=int, default=10, metavar="N", help="held-out evaluation every N steps; 0 turns it off (default: 10)")
    run_group.add_argument("--eval-temperature", type=fraction, default=0.0, metavar="T", help="0 evaluates greedily; T > 0 measures sampled pass@1 at temperature T (default: 0)")
    run_group.add_argument("--eval-tasks", type=positive_int, default=64, metavar="N", help="held-out tasks per evaluation (default: 64)")
    run_group.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 (default: auto)")
    run_group.add_argument("--sampler", choices=("hf", "vllm"), default="hf", help="what generates rollouts: hf samples with the learner's own model (CPU or GPU); vllm runs a vLLM engine on the GPU that gets the learner's weights after every optimiser step (needs rlvr[vllm]) (default: hf)")
    run_group.add_argument("--vllm-memory", type=fraction, default=0.4, metavar="F", help="share of GPU memory the vLLM sampler may take; the learner needs the rest (default: 0.4)")
    run_group.add_argument("--rollout-shards", type=positive_int, default=1, metavar="N", help="cut each step's episodes into N shards, each sampled with its own seed; results depend on N, not on where shards run (default: 1)")
    run_group.add_argument("--ray", action="store_true", help="run each rollout shard on its own Ray actor (needs rlvr[dist] and --rollout-shards 2 or more); the learner stays in this process")
    add_reproducibility_arguments(run_group, 10, "steps", threads_help=" on the CPU; more threads contend on small models")
    add_env_arguments(grpo)
    grpo.set_defaults(run=run, command_parser=grpo)



def run(args: argparse.Namespace) -> int:
    env_id = resolve_env(args.env)
    try:
        from rlvr.trainers.grpo import ConfigError, GRPOConfig, GRPOTrainer
        from rlvr.trainers.losses import PolicyLossConfig
    except ImportError as exc:
        raise UsageError(f"training needs torch and transformers ({exc}); install them with: pip install 'rlvr[llm]'") from None
    try:
        loss = PolicyLossConfig(
            clip_low=args.clip_low,
            clip_high=args.clip_high,
            ratio_level=args.ratio_level,
            aggregation=args.aggregation,
            max_tokens_norm=args.max_new_tokens if args.aggregation == "seq-mean-token-sum-norm" else None,
            kl_coef=args.kl_coef,
            kl_estimator=args.kl_estimator,
            entropy_coef=args.entropy_coef,
            tis_cap=args.tis_cap,
        )
        config = GRPOConfig(
            env=args.env,
            model=args.model,
            out=args.out or default_run_dir("grpo", env_id),
            env_kwargs=env_kwargs(args),
            steps=args.steps,
            tasks_per_step=args.tasks_per_step,
            group_size=args.group_size,
            max_new_tokens=args.max_new_tokens,
            temperature=args.temperature,
            learning_rate=args.lr,
            warmup_steps=args.warmup_steps,
            lr_schedule=args.lr_schedule,
            epochs=args.epochs,
            mini_batches=args.mini_batches,
            micro_batch_size=args.micro_batch_size,
            std_scaling=args.std_scaling,
            dynamic_sampling=args.dynamic_sampling,
            overlong_filter=args.overlong_filter,
            loss=loss,
            eval_every=args.eval_every,
            eval_tasks=args.eval_tasks,
            eval_temperature=args.eval_temperature,
            checkpoint_every=args.checkpoint_every,
            seed=args.seed,
            device=args.device,
            torch_threads=args.threads,
            sampler=args.sampler,
            vllm_memory=args.vllm_memory,
            rollout_shards=args.rollout_shards,
            ray=args.ray,
            tensorboard=not args.no_tensorboard,
            wandb_project=args.wandb,
        )
        trainer = GRPOTrainer(config, resume=args.resume)
    except (ConfigError, ValueError, ImportError) as exc:
        raise UsageError(str(exc)) from None
    try:
        history = trainer.train()
    finally:
        trainer.close()
    show = console()
    if history:
        first, last = history[0], history[-1]
        show.print(f"reward {first['reward']:.3f} → {last['reward']:.3f} over steps {first['step']}–{last['step']}", markup=False)
        if "eval_accuracy" in last:
            how = "greedy" if config.eval_temperature == 0 else f"sampled (T={config.eval_temperature:g})"
            show.print(f"held-out {how} pass@1 at step {last['step']}: {last['eval_accuracy']:.3f}", markup=False)
    show.print(f"run folder: {config.out}  (evaluate: rlvr eval {args.env} --agent hf:{config.out}/latest)", markup=False)
    return 0
