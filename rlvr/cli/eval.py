"""``rlvr eval``: pass@k of an agent on an environment, as a table and a JSON file."""

from __future__ import annotations

import argparse
import re
import sys
from typing import TYPE_CHECKING

from rlvr.cli.common import UsageError, add_env_arguments, console, env_kwargs, make_env, positive_int, require_text_env, resolve_env, seed

if TYPE_CHECKING:
    from rich.table import Table

    from rlvr.agents.evaluate import EvalReport

NAME = "eval"
HELP = "measure an agent's pass@k on an environment"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("env", metavar="ENV", help="environment id, or MODULE:ID to import your module first")
    parser.add_argument("--agent", default="oracle", metavar="SPEC", help="oracle, random, random:SEED, scripted:FILE.json, hf:PATH[,key=value...], vllm:PATH or openai:MODEL@URL (default: oracle); vla:POLICY_DIR for VLA envs (success rate per task)")
    parser.add_argument("--episodes", type=positive_int, default=100, metavar="N", help="tasks to attempt (default: 100)")
    parser.add_argument("--k", type=positive_int, default=1, metavar="K", help="attempts per task; reports pass@1..K (default: 1)")
    parser.add_argument("--seed", type=seed, default=0, metavar="N", help="task i is the one reset(seed=N+i) draws (default: 0)")
    parser.add_argument("--workers", type=positive_int, metavar="N", help="episodes run at once (default: up to 4 with tools, else 1)")
    parser.add_argument("--batch-size", type=positive_int, default=64, metavar="N", help="model agents (hf, vllm, openai with a tokenizer) run N attempts at once in batched generation (default: 64)")
    parser.add_argument("--out", metavar="FILE", help="where the JSON results go (default: eval-ENV-AGENT.json)")
    add_env_arguments(parser)


def default_out(env_id: str, agent: str) -> str:
    """``eval-<env>-<agent>.json`` with anything but letters, digits, ``.`` and ``_`` made ``-``."""
    return re.sub(r"[^A-Za-z0-9._]+", "-", f"eval-{env_id}-{agent}").strip("-") + ".json"


def report_table(report: EvalReport) -> Table:
    """One row: pass@1..k, mean reward, mean turns and throughput."""
    from rich.table import Table

    table = Table(title=f"{report.env} · {report.agent} · {report.episodes} tasks × {report.k} · seed {report.seed}", header_style="bold")
    for j in report.pass_at_k:
        table.add_column(f"pass@{j}", justify="right")
    for name in ("reward", "turns", "episodes/s"):
        table.add_column(name, justify="right")
    table.add_row(
        *(f"{value:.3f}" for value in report.pass_at_k.values()),
        f"{report.mean_reward:.3f}",
        f"{report.mean_turns:.2f}",
        f"{report.episodes_per_second:.1f}",
    )
    return table


def run(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from rlvr.agents.evaluate import evaluate
    from rlvr.agents.specs import agent_factory
    from rlvr.registry import registered_envs

    env_id = resolve_env(args.env)
    if env_id in {entry.id for entry in registered_envs(kind="vla")}:
        from rlvr.cli.eval_vla import run_vla_eval

        return run_vla_eval(env_id, args)
    try:
        agent_factory(args.agent)
    except (ValueError, OSError) as exc:
        raise UsageError(str(exc)) from None
    kwargs = env_kwargs(args)
    probe = make_env(env_id, kwargs)
    require_text_env(probe, "rlvr eval")
    probe.close()
    err = console(stderr=True)
    with Progress(console=err, transient=True, disable=not sys.stderr.isatty()) as progress:
        bar = progress.add_task(f"{env_id} · {args.agent}", total=args.episodes)
        report = evaluate(
            env_id,
            args.agent,
            episodes=args.episodes,
            k=args.k,
            seed=args.seed,
            env_kwargs=kwargs,
            workers=args.workers,
            batch_size=args.batch_size,
            on_task_done=lambda: progress.advance(bar),
        )
    out = report.save(args.out or default_out(env_id, args.agent))
    console().print(report_table(report))
    console().print(f"results: {out}")
    return 0
