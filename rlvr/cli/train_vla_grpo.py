"""``rlvr train vla-grpo``: GRPO on task success for a VLA policy trained by ``rlvr train bc``."""

from __future__ import annotations

import argparse

from rlvr.cli.common import UsageError, add_reproducibility_arguments, add_run_folder_arguments, console, positive_int


def add_parser(algorithms: argparse._SubParsersAction) -> None:
    """Add ``vla-grpo`` to the ``rlvr train`` algorithms."""
    grpo = algorithms.add_parser("vla-grpo", help="GRPO on task success for a VLA policy (start from rlvr train bc)", description="GRPO on VLA tasks: G sampled episodes from each of N fixed initial states per update, reward = success, group-relative advantages on every action token, clipped policy-gradient loss with a KL term toward the starting policy.")
    grpo.add_argument("--policy", required=True, metavar="DIR", help="starting policy, e.g. runs/bc-vla/latest")
    grpo.add_argument("--tasks", required=True, metavar="NAME,...", help="tasks to train on, e.g. ButtonPress,DrawerClose")
    add_run_folder_arguments(grpo, "runs/vla-grpo")
    grpo.add_argument("--steps", type=positive_int, default=20, metavar="N", help="updates (default: 20)")
    grpo.add_argument("--states-per-step", type=positive_int, default=8, metavar="N", help="initial states per update (default: 8)")
    grpo.add_argument("--group-size", type=int, default=8, metavar="G", help="episodes per initial state, at least 2 (default: 8)")
    grpo.add_argument("--lr", type=float, default=1e-4, metavar="LR", help="learning rate (default: 1e-4)")
    grpo.add_argument("--lr-schedule", choices=("constant", "linear"), default="constant", help="constant, or linear decay to 0 over --steps (default: constant)")
    grpo.add_argument("--epochs", type=positive_int, default=2, metavar="N", help="passes over each update's decisions (default: 2)")
    grpo.add_argument("--kl-coef", type=float, default=0.01, metavar="B", help="KL penalty toward the starting policy (default: 0.01)")
    grpo.add_argument("--clip-high", type=float, default=0.2, metavar="E", help="upper clip range; DAPO uses 0.28 (default: 0.2)")
    grpo.add_argument("--temperature", type=float, default=1.0, metavar="T", help="sampling temperature (default: 1.0)")
    grpo.add_argument("--all-groups", action="store_true", help="also train on groups whose episodes all succeeded or all failed")
    grpo.add_argument("--decision-mean", action="store_true", help="weigh every decision the same in the loss (default: every episode the same, however long it ran)")
    grpo.add_argument("--max-steps", type=positive_int, default=150, metavar="N", help="simulator steps per episode (default: 150)")
    grpo.add_argument("--eval-every", type=int, default=0, metavar="N", help="greedy success on validation layouts every N updates, keeping the best policy in OUT/best; 0: off (default: 0)")
    grpo.add_argument("--eval-episodes", type=positive_int, default=20, metavar="N", help="validation layouts per task (default: 20)")
    add_reproducibility_arguments(grpo, 5, "updates")
    grpo.set_defaults(run=run, command_parser=grpo)


def run(args: argparse.Namespace) -> int:
    try:
        from rlvr.trainers.losses import PolicyLossConfig
        from rlvr.trainers.vla_grpo import VLAGRPOConfig, VLAGRPOTrainer
    except ImportError as exc:
        raise UsageError(f"VLA GRPO needs torch and metaworld ({exc}); install them with: pip install 'rlvr[robotics]'") from None
    try:
        config = VLAGRPOConfig(
            policy=args.policy, tasks=tuple(t.strip() for t in args.tasks.split(",") if t.strip()), out=args.out,
            steps=args.steps, states_per_step=args.states_per_step, group_size=args.group_size, learning_rate=args.lr, lr_schedule=args.lr_schedule,
            epochs=args.epochs, temperature=args.temperature, keep_mixed_only=not args.all_groups, episode_mean=not args.decision_mean,
            loss=PolicyLossConfig(kl_coef=args.kl_coef, clip_high=args.clip_high), max_steps=args.max_steps,
            eval_every=args.eval_every, eval_episodes=args.eval_episodes, checkpoint_every=args.checkpoint_every,
            seed=args.seed, torch_threads=args.threads, tensorboard=not args.no_tensorboard, wandb_project=args.wandb,
        )
        trainer = VLAGRPOTrainer(config, resume=args.resume)
    except (ValueError, KeyError, FileNotFoundError) as exc:
        raise UsageError(str(exc).strip("'\"")) from None
    try:
        history = trainer.train()
    finally:
        trainer.close()
    show = console()
    if history:
        rewards = [r["success"] for r in history if "success" in r]
        if rewards:
            show.print(f"rollout success {rewards[0]:.3f} → {rewards[-1]:.3f} over {len(rewards)} updates", markup=False)
    chosen = "latest"
    if trainer.best_step >= 0:
        chosen = "best"
        show.print(f"best validation success {trainer.best_success:.3f} at update {trainer.best_step} (saved in {args.out}/best)", markup=False)
    show.print(f"run folder: {args.out}  (evaluate: rlvr eval rlvr/VLA-<Task>-v0 --agent vla:{args.out}/{chosen} --episodes 100)", markup=False, soft_wrap=True)
    return 0
