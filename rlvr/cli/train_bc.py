"""``rlvr train bc``: behaviour cloning of the VLA token policy on expert datasets."""

from __future__ import annotations

import argparse

from rlvr.cli.common import UsageError, add_reproducibility_arguments, add_run_folder_arguments, console, positive_int


def add_parser(algorithms: argparse._SubParsersAction) -> None:
    """Add ``bc`` to the ``rlvr train`` algorithms."""
    bc = algorithms.add_parser("bc", help="behaviour cloning of the VLA policy on expert datasets", description="Behaviour cloning of the VLA token policy (CNN + instruction + proprioception → action bins) on Minari datasets written by `rlvr collect --expert`.")
    bc.add_argument("--dataset", action="append", required=True, metavar="ID_OR_DIR", help="a dataset id (e.g. rlvr/VLA-Reach/expert-v0) or folder; repeat for several tasks")
    bc.add_argument("--datasets-path", metavar="DIR", help="where dataset ids are looked up (default: $MINARI_DATASETS_PATH, else ~/.cache/rlvr/datasets)")
    add_run_folder_arguments(bc, "runs/bc-vla")
    bc.add_argument("--steps", type=positive_int, default=2000, metavar="N", help="gradient steps (default: 2000)")
    bc.add_argument("--batch-size", type=positive_int, default=64, metavar="N", help="demonstration steps per gradient step (default: 64)")
    bc.add_argument("--lr", type=float, default=3e-4, metavar="LR", help="learning rate (default: 3e-4)")
    bc.add_argument("--chunk", type=positive_int, default=4, metavar="K", help="actions per decision (action chunk); the env runs with action_chunk=K (default: 4)")
    bc.add_argument("--word-dropout", type=float, default=0.3, metavar="P", help="chance each instruction word is replaced by the unknown-word id while training, so unseen phrasings still work (default: 0.3)")
    bc.add_argument("--bins", type=positive_int, default=256, metavar="N", help="action bins per dimension (default: 256)")
    bc.add_argument("--eval-every", type=int, default=0, metavar="N", help="greedy success rate on validation layouts every N steps; 0: off (default: 0)")
    bc.add_argument("--eval-episodes", type=positive_int, default=20, metavar="N", help="validation layouts per task (default: 20)")
    add_reproducibility_arguments(bc, 500, "steps")
    bc.set_defaults(run=run, command_parser=bc)


def run(args: argparse.Namespace) -> int:
    try:
        from rlvr.trainers.bc import BCConfig, BCTrainer
    except ImportError as exc:
        raise UsageError(f"behaviour cloning needs torch, minari and metaworld ({exc}); install them with: pip install 'rlvr[robotics]'") from None
    try:
        config = BCConfig(
            datasets=tuple(args.dataset), out=args.out, datasets_path=args.datasets_path, steps=args.steps,
            batch_size=args.batch_size, learning_rate=args.lr, chunk=args.chunk, bins=args.bins, word_dropout=args.word_dropout,
            eval_every=args.eval_every, eval_episodes=args.eval_episodes, checkpoint_every=args.checkpoint_every,
            seed=args.seed, torch_threads=args.threads, tensorboard=not args.no_tensorboard, wandb_project=args.wandb,
        )
        trainer = BCTrainer(config, resume=args.resume)
    except (ValueError, FileNotFoundError) as exc:
        raise UsageError(str(exc)) from None
    try:
        history = trainer.train()
    finally:
        trainer.close()
    show = console()
    if history:
        show.print(f"loss {history[0]['loss']:.3f} → {history[-1]['loss']:.3f}, token accuracy {history[-1]['token_accuracy']:.3f}", markup=False)
    tasks = " ".join(trainer.data.tasks)
    show.print(f"run folder: {args.out}  (evaluate: rlvr eval rlvr/VLA-<Task>-v0 --agent vla:{args.out}/latest; tasks: {tasks})", markup=False, soft_wrap=True)
    return 0
