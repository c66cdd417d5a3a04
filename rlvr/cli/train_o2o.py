"""``rlvr train o2o``: offline pre-training then online fine-tuning on a control env (IQL, Cal-QL, RLPD, WSRL)."""

from __future__ import annotations

import argparse
import re

from rlvr.cli.common import UsageError, add_reproducibility_arguments, add_run_folder_arguments, console, positive_int, resolve_env
from rlvr.cli.train_grpo import fraction


def add_parser(algorithms: argparse._SubParsersAction) -> None:
    """Add ``o2o`` to the ``rlvr train`` algorithms."""
    o2o = algorithms.add_parser("o2o", help="offline-to-online RL on a Minari dataset (IQL, Cal-QL, RLPD, WSRL)", description="Offline pre-training on a dataset recorded with `rlvr collect`, then online fine-tuning; reports D4RL-normalised scores and online regret.")
    o2o.add_argument("--algo", required=True, choices=("iql", "calql", "rlpd", "wsrl", "sac"), help="sac: online SAC from scratch, no dataset (the baseline)")
    o2o.add_argument("--env", required=True, metavar="ID", help="control environment id, e.g. rlvr/Hopper-v0")
    o2o.add_argument("--dataset", metavar="ID", help="Minari dataset id (e.g. rlvr/Hopper/medium-v0) or dataset folder")
    o2o.add_argument("--datasets-path", metavar="DIR", help="where datasets live (default: $MINARI_DATASETS_PATH, else ~/.cache/rlvr/datasets)")
    add_run_folder_arguments(o2o, "runs/o2o-<algo>-<env>")
    o2o.add_argument("--offline-steps", type=int, default=100_000, metavar="N", help="offline gradient steps (default: 100000)")
    o2o.add_argument("--online-steps", type=int, default=100_000, metavar="N", help="online env steps (default: 100000)")
    o2o.add_argument("--batch-size", type=positive_int, default=256, metavar="N", help="(default: 256)")
    o2o.add_argument("--utd", type=positive_int, default=1, metavar="N", help="gradient steps per env step (default: 1; RLPD's paper uses 20)")
    o2o.add_argument("--offline-ratio", type=fraction, metavar="X", help="share of offline transitions in online batches (default per algo)")
    o2o.add_argument("--warmup-steps", type=int, default=5000, metavar="N", help="WSRL: env steps of the pretrained policy before updates (default: 5000)")
    o2o.add_argument("--ensemble-size", type=positive_int, metavar="E", help="critics (default: 10 for rlpd, else 2)")
    o2o.add_argument("--critic-subset", type=positive_int, default=2, metavar="M", help="target = min over M random critics (default: 2)")
    o2o.add_argument("--lr", type=fraction, default=3e-4, metavar="LR", help="(default: 3e-4)")
    o2o.add_argument("--gamma", type=fraction, default=0.99, metavar="G", help="(default: 0.99)")
    o2o.add_argument("--cql-alpha", type=fraction, default=5.0, metavar="A", help="Cal-QL regulariser weight (default: 5)")
    o2o.add_argument("--eval-every", type=positive_int, default=10_000, metavar="N", help="steps between evaluations (default: 10000)")
    o2o.add_argument("--eval-episodes", type=positive_int, default=5, metavar="N", help="(default: 5)")
    o2o.add_argument("--device", default="cpu", help="where the networks learn: cpu, cuda, cuda:1, auto (default: cpu)")
    add_reproducibility_arguments(o2o, 50_000, "steps", zero_turns_off=True)
    o2o.set_defaults(run=run, command_parser=o2o)


def run(args: argparse.Namespace) -> int:
    env_id = resolve_env(args.env)
    try:
        from rlvr.trainers.offline_to_online import ConfigError, DatasetError, O2OConfig, O2OTrainer
    except ImportError as exc:
        raise UsageError(f"offline-to-online RL needs torch, MuJoCo and Minari ({exc}); install them with: pip install 'rlvr[control]'") from None
    name = re.sub(r"[^a-z0-9]+", "-", re.sub(r"-v\d+$", "", env_id.rpartition("/")[2]).lower()).strip("-")
    config = O2OConfig(
        algo=args.algo, env=args.env, dataset=args.dataset, datasets_path=args.datasets_path, out=args.out or f"runs/o2o-{args.algo}-{name}",
        offline_steps=args.offline_steps, online_steps=args.online_steps, batch_size=args.batch_size, utd=args.utd,
        offline_ratio=args.offline_ratio, warmup_steps=args.warmup_steps, ensemble_size=args.ensemble_size, critic_subset=args.critic_subset,
        learning_rate=args.lr, gamma=args.gamma, cql_alpha=args.cql_alpha, eval_every=args.eval_every, eval_episodes=args.eval_episodes,
        checkpoint_every=args.checkpoint_every, seed=args.seed, torch_threads=args.threads, device=args.device, tensorboard=not args.no_tensorboard, wandb_project=args.wandb,
    )
    try:
        trainer = O2OTrainer(config, resume=args.resume)
    except (ConfigError, DatasetError, KeyError) as exc:
        raise UsageError(str(exc).strip("'\"")) from None
    try:
        history = trainer.train()
    finally:
        trainer.close()
    show = console()
    offline = next((r["offline_score"] for r in history if "offline_score" in r), None)
    if offline is not None:
        show.print(f"after offline pre-training: score {offline:.1f}", markup=False)
    if history:
        last = history[-1]
        regret = f", online regret {last['online_regret']:.3f}" if "online_regret" in last else ""
        show.print(f"after {config.online_steps} online steps: score {last['score']:.1f} (return {last['eval_return']:.1f}){regret}", markup=False)
    show.print(f"run folder: {config.out}  (actor: {config.out}/latest)", markup=False)
    return 0
