"""``rlvr collect``: record an offline dataset (Minari format) on an environment.

The env's registry kind picks the domain function that does the work:

- ``vla``: ``--expert`` episodes of the scripted expert (``rlvr.agents.vla.collect``).
- ``control``: ``--recipe {random,medium,medium-replay,expert} --steps N`` (``rlvr.trainers.collect``).

Datasets go to ``--out`` (a datasets folder), else ``$MINARI_DATASETS_PATH``, else the rlvr cache
(``~/.cache/rlvr/datasets``).
"""

from __future__ import annotations

import argparse
import sys

from rlvr.cli.common import UsageError, add_env_arguments, console, env_kwargs, positive_int, resolve_env, seed

NAME = "collect"
HELP = "record an offline dataset (Minari format) on an environment"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", required=True, metavar="ID", help="environment id, or MODULE:ID")
    parser.add_argument("--episodes", type=positive_int, default=10, metavar="N", help="episodes to record (default: 10)")
    parser.add_argument("--expert", action="store_true", help="record the env's scripted expert (VLA envs)")
    parser.add_argument("--noise", type=float, default=0.0, metavar="STD", help="Gaussian noise on the expert's actions; failed episodes are replaced (default: 0)")
    parser.add_argument("--dataset-id", metavar="ID", help="Minari dataset id (default: rlvr/<env name>/expert-v0)")
    parser.add_argument("--out", metavar="DIR", help="datasets folder (default: $MINARI_DATASETS_PATH, else ~/.cache/rlvr/datasets)")
    parser.add_argument("--seed", type=seed, default=0, metavar="N", help="episode i resets with seed N+i (default: 0)")
    control = parser.add_argument_group("control envs")
    control.add_argument("--recipe", choices=("random", "medium", "medium-replay", "expert"), help="which behaviour policy records the data (control envs)")
    control.add_argument("--steps", type=positive_int, default=200_000, metavar="N", help="transitions to record (control envs; default: 200000)")
    control.add_argument("--behaviour-steps", type=positive_int, default=1_000_000, metavar="N", help="most PPO steps of the cached medium behaviour policy (it stops at --medium-score); expert trains 5x this (default: 1000000)")
    control.add_argument("--medium-score", type=float, default=100 / 3, metavar="S", help="D4RL-normalised score at which the medium behaviour policy stops training (default: 33.3, a third of the expert, as D4RL)")
    add_env_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from rlvr.registry import registered_envs

    env_id = resolve_env(args.env)
    kinds = {entry.id: entry.kind for entry in registered_envs()}
    kind = kinds.get(env_id)
    if kind == "vla":
        return _collect_vla(env_id, args)
    if kind == "control":
        return _collect_control(env_id, args)
    raise UsageError(f"rlvr collect has no recipe for {env_id} (kind {kind!r}); it records VLA and control envs (rlvr list shows them under robotics and control)")


def _collect_control(env_id: str, args: argparse.Namespace) -> int:
    if args.recipe is None:
        raise UsageError("control envs record a recipe: add --recipe random, medium, medium-replay or expert")
    try:
        from rlvr.trainers.collect import collect_control_dataset
    except ImportError as exc:
        raise UsageError(f"collecting needs rlvr[control] ({exc}); install it with: pip install 'rlvr[control]'") from None
    show = console(stderr=True)
    dataset = collect_control_dataset(
        env_id, args.recipe, args.steps, seed=args.seed, behaviour_steps=args.behaviour_steps, medium_score=args.medium_score, dataset_id=args.dataset_id,
        datasets_path=args.out, env_kwargs=env_kwargs(args), progress=lambda line: show.print(line, markup=False),
    )
    console().print(
        f"{dataset.spec.dataset_id}: {dataset.total_episodes} episodes, {dataset.total_steps} steps → {dataset.spec.data_path}",
        markup=False,
        soft_wrap=True,
    )
    return 0


def _collect_vla(env_id: str, args: argparse.Namespace) -> int:
    if not args.expert:
        raise UsageError("VLA envs record scripted-expert demonstrations: add --expert")
    if args.noise < 0:
        raise UsageError(f"--noise must be >= 0, got {args.noise}")
    try:
        from rlvr.agents.vla.collect import collect_expert_dataset
    except ImportError as exc:
        raise UsageError(f"collecting needs rlvr[robotics] ({exc}); install it with: pip install 'rlvr[robotics]'") from None
    show = console(stderr=True)
    tty = sys.stderr.isatty()

    def progress(done: int) -> None:
        if tty:
            show.print(f"\r{done}/{args.episodes} episodes", end="", markup=False)

    try:
        dataset = collect_expert_dataset(
            env_id,
            args.episodes,
            seed=args.seed,
            noise=args.noise,
            dataset_id=args.dataset_id,
            datasets_path=args.out,
            env_kwargs=env_kwargs(args),
            progress=progress,
        )
    except (ValueError, TypeError, RuntimeError) as exc:
        raise UsageError(str(exc)) from None
    if tty:
        show.print()
    console().print(
        f"{dataset.spec.dataset_id}: {dataset.total_episodes} episodes, {dataset.total_steps} steps → {dataset.spec.data_path}",
        markup=False,
        soft_wrap=True,
    )
    return 0
