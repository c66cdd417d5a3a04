"""``rlvr train ppo``: PPO on a continuous-control environment (``rlvr/HalfCheetah-v0``, ...)."""

from __future__ import annotations

import argparse

from rlvr.cli.common import UsageError, add_env_arguments, add_reproducibility_arguments, add_run_folder_arguments, console, default_run_dir, env_kwargs, positive_int, resolve_env
from rlvr.cli.train_grpo import fraction
from rlvr.trainers.ppo_presets import PRESETS, preset_overrides


def add_parser(algorithms: argparse._SubParsersAction) -> None:
    """Add ``ppo`` to the ``rlvr train`` algorithms."""
    ppo = algorithms.add_parser("ppo", help="PPO on a continuous-control environment", description="PPO on Gymnasium vector envs with observation/reward normalisation; hyper-parameters come from --preset (rl-baselines3-zoo's mujoco-defaults unless told otherwise) and the flags that override it. Ends with a deterministic evaluation.")
    ppo.add_argument("--env", required=True, metavar="ID", help="control environment id, e.g. rlvr/HalfCheetah-v0")
    add_run_folder_arguments(ppo, "runs/ppo-<env>")
    ppo.add_argument("--steps", type=positive_int, default=1_000_000, metavar="N", help="env steps (default: 1000000)")
    ppo.add_argument("--num-envs", type=positive_int, default=1, metavar="N", help="parallel envs (default: 1)")
    ppo.add_argument("--preset", choices=PRESETS, default="mujoco-defaults", help="hyper-parameter set: mujoco-defaults (SB3's PPO defaults, normalised), or zoo: rl-baselines3-zoo's tuned entry for HalfCheetah and Hopper (the defaults elsewhere); the flags below override it")
    ppo.add_argument("--rollout-steps", type=positive_int, metavar="N", help="steps per env per iteration (mujoco-defaults: 2048)")
    ppo.add_argument("--minibatch-size", type=positive_int, metavar="N", help="(mujoco-defaults: 64)")
    ppo.add_argument("--epochs", type=positive_int, metavar="N", help="passes per iteration (mujoco-defaults: 10)")
    ppo.add_argument("--lr", type=fraction, metavar="LR", help="learning rate (mujoco-defaults: 3e-4)")
    ppo.add_argument("--anneal-lr", action="store_true", help="decay the learning rate linearly to 0")
    ppo.add_argument("--gamma", type=fraction, metavar="G", help="(mujoco-defaults: 0.99)")
    ppo.add_argument("--gae-lambda", type=fraction, metavar="L", help="(mujoco-defaults: 0.95)")
    ppo.add_argument("--clip-range", type=fraction, metavar="E", help="(mujoco-defaults: 0.2)")
    ppo.add_argument("--value-clip", type=fraction, metavar="E", help="clip value updates to this range (CleanRL: 0.2; default: off)")
    ppo.add_argument("--entropy-coef", type=fraction, metavar="C", help="(mujoco-defaults: 0)")
    ppo.add_argument("--value-coef", type=fraction, metavar="C", help="(mujoco-defaults: 0.5)")
    ppo.add_argument("--max-grad-norm", type=fraction, metavar="N", help="(mujoco-defaults: 0.5)")
    ppo.add_argument("--target-kl", type=fraction, metavar="KL", help="stop an iteration's epochs early past 1.5x this KL")
    ppo.add_argument("--no-normalize", action="store_true", help="no observation or reward normalisation")
    ppo.add_argument("--hidden-sizes", metavar="A,B", help="MLP widths (mujoco-defaults: 64,64)")
    ppo.add_argument("--eval-episodes", type=int, default=10, metavar="N", help="deterministic evaluation episodes at the end (default: 10)")
    add_reproducibility_arguments(ppo, 100_000, "env steps", zero_turns_off=True)
    add_env_arguments(ppo)
    ppo.set_defaults(run=run, command_parser=ppo)



def run(args: argparse.Namespace) -> int:
    env_id = resolve_env(args.env)
    try:
        from rlvr.trainers.ppo import ConfigError, PPOConfig, PPOTrainer
    except ImportError as exc:
        raise UsageError(f"PPO needs torch and MuJoCo ({exc}); install them with: pip install 'rlvr[control]'") from None
    hyper = preset_overrides(env_id, args.preset)
    if args.hidden_sizes is not None:
        try:
            hyper["hidden_sizes"] = tuple(int(width) for width in args.hidden_sizes.split(","))
        except ValueError:
            raise UsageError(f"--hidden-sizes takes comma-separated widths such as 64,64, got {args.hidden_sizes!r}") from None
    flags = dict(rollout_steps=args.rollout_steps, minibatch_size=args.minibatch_size, epochs=args.epochs, learning_rate=args.lr,
                 gamma=args.gamma, gae_lambda=args.gae_lambda, clip_range=args.clip_range, entropy_coef=args.entropy_coef,
                 value_coef=args.value_coef, max_grad_norm=args.max_grad_norm)
    hyper.update({name: value for name, value in flags.items() if value is not None})
    config = PPOConfig(
        env=args.env, out=args.out or default_run_dir("ppo", env_id), env_kwargs=env_kwargs(args), steps=args.steps,
        num_envs=args.num_envs, anneal_lr=args.anneal_lr, value_clip=args.value_clip, target_kl=args.target_kl,
        normalize_observations=not args.no_normalize, normalize_rewards=not args.no_normalize, eval_episodes=args.eval_episodes,
        checkpoint_every=args.checkpoint_every, seed=args.seed, torch_threads=args.threads,
        tensorboard=not args.no_tensorboard, wandb_project=args.wandb, **hyper,
    )
    try:
        trainer = PPOTrainer(config, resume=args.resume)
    except (ConfigError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    try:
        history = trainer.train()
    finally:
        trainer.close()
    show = console()
    trained = [h for h in history if "reward" in h]
    if trained:
        show.print(f"training episode return {trained[0]['reward']:.1f} → {trained[-1]['reward']:.1f} at {trained[-1]['step']} steps", markup=False)
    if history and "eval_return" in history[-1]:
        last = history[-1]
        score = f", D4RL-normalised {last['eval_normalized_score']:.1f}" if "eval_normalized_score" in last else ""
        show.print(f"deterministic evaluation: return {last['eval_return']:.1f} ± {last['eval_return_std']:.1f}, success {last['eval_success']:.0%}{score}", markup=False)
    show.print(f"run folder: {config.out}  (policy: {config.out}/latest)", markup=False)
    return 0
