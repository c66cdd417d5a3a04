"""``rlvr swe``: build the Docker image of SWE-v0 and synthesise repair tasks from a repository."""

from __future__ import annotations

import argparse
from pathlib import Path

from rlvr.cli.common import UsageError, console, positive_int, seed

NAME = "swe"
HELP = "software-engineering tasks: build the sandbox image, synthesise tasks from a repository"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    image = actions.add_parser("image", help="the Docker image episodes run in", description="Manage the locally built Docker image of rlvr/SWE-v0.")
    image_actions = image.add_subparsers(title="actions", metavar="ACTION", required=True)
    build = image_actions.add_parser("build", help="build the image (mmdebstrap + docker import) unless it is up to date",
                                     description="Build the SWE image from a Debian root filesystem made by mmdebstrap; needs root, mmdebstrap and Docker.")
    build.add_argument("--force", action="store_true", help="rebuild even if an image with the recipe's tag exists")
    build.set_defaults(run=run_image_build, command_parser=build)

    synth = actions.add_parser("synthesize", help="turn a git repository with a pytest suite into tasks",
                               description="Mutate the library code of a repository (libcst operators) and keep the mutants that make good repair tasks (SWE-smith style); writes SWE-bench-format JSONL.")
    synth.add_argument("--repo", action="append", required=True, metavar="PATH",
                       help="a local git repository (its HEAD commit is used), builtin:<name>, or 'builtin' for every built-in library; repeatable")
    synth.add_argument("--out", required=True, metavar="FILE", help="where the tasks go (.jsonl)")
    synth.add_argument("--max-tasks", type=positive_int, default=150, metavar="N", help="tasks per repository at most (default: 150)")
    synth.add_argument("--max-candidates", type=positive_int, default=1000, metavar="N", help="mutants tried per repository at most (default: 1000)")
    synth.add_argument("--per-function", type=positive_int, default=8, metavar="N", help="tasks per function at most (default: 8)")
    synth.add_argument("--workers", type=positive_int, default=2, metavar="N", help="mutants tested in parallel (default: 2)")
    synth.add_argument("--seed", type=seed, default=0, metavar="N", help="order in which mutants are tried (default: 0)")
    synth.add_argument("--sandbox", choices=("bwrap", "docker"), default="bwrap", help="where the tests run (default: bwrap)")
    synth.set_defaults(run=run_synthesize, command_parser=synth)


def run_image_build(args: argparse.Namespace) -> int:
    from rlvr.envs.swe.image import build_image
    from rlvr.tools.sandbox import SandboxUnavailable

    err = console(stderr=True)
    try:
        tag = build_image(force=args.force, log=lambda message: err.print(message, markup=False, soft_wrap=True))
    except SandboxUnavailable as exc:
        raise UsageError(str(exc)) from None
    print(tag)
    return 0


def run_synthesize(args: argparse.Namespace) -> int:
    from rlvr.envs.swe.backends import make_backend
    from rlvr.envs.swe.instances import BUILTIN_PREFIX, TreeStore, builtin_repo_names, head_commit, write_instances
    from rlvr.envs.swe.synthesis import SynthesisConfig, synthesize
    from rlvr.tools.sandbox import SandboxUnavailable

    repos: list[tuple[str, str]] = []
    for spec in args.repo:
        if spec == "builtin":
            repos += [(BUILTIN_PREFIX + name, "") for name in builtin_repo_names()]
        elif spec.startswith(BUILTIN_PREFIX):
            if spec[len(BUILTIN_PREFIX):] not in builtin_repo_names():
                raise UsageError(f"no built-in repository {spec!r}; choose one of: {', '.join(builtin_repo_names())}")
            repos.append((spec, ""))
        else:
            path = Path(spec).expanduser()
            if not path.is_dir():
                raise UsageError(f"--repo {spec!r} is not a folder; pass a local git repository with a pytest suite")
            try:
                repos.append((str(path.resolve()), head_commit(path)))
            except ValueError as exc:
                raise UsageError(str(exc)) from None
    config = SynthesisConfig(max_tasks=args.max_tasks, max_candidates=args.max_candidates, per_function=args.per_function,
                             workers=args.workers, seed=args.seed)
    err = console(stderr=True)
    try:
        backend = make_backend(args.sandbox)
    except SandboxUnavailable as exc:
        raise UsageError(str(exc)) from None
    store = TreeStore()
    instances = []
    try:
        for repo, commit in repos:
            try:
                instances += synthesize(backend, repo, store, config, base_commit=commit,
                                        log=lambda message: err.print(message, markup=False, soft_wrap=True))
            except ValueError as exc:
                raise UsageError(str(exc)) from None
    finally:
        backend.close()
    write_instances(instances, args.out)
    err.print(f"wrote {len(instances)} tasks to {args.out}", markup=False)
    return 0
