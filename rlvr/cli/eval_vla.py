"""``rlvr eval rlvr/VLA-...  --agent vla:RUN/latest``: success rate per task of a VLA policy.

Called by ``rlvr eval`` when the env's kind is "vla". Episodes are the fixed evaluation layouts
(1000, 1001, ...), ``--episodes`` per task (at most 100); the multi-task id evaluates every task.
``--env-arg instructions=heldout`` uses held-out paraphrases; ``--env-arg max_steps=N`` the limit.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rlvr.cli.common import UsageError, console

AGENT_PREFIX = "vla:"


def run_vla_eval(env_id: str, args: argparse.Namespace) -> int:
    if not args.agent.startswith(AGENT_PREFIX):
        raise UsageError(f"{env_id} is a VLA env: pass --agent vla:POLICY_DIR (e.g. vla:runs/bc-vla/latest), not {args.agent!r}")
    try:
        import torch

        from rlvr.agents.vla.evaluate import evaluate_policy
        from rlvr.agents.vla.policy import VLAPolicy
        from rlvr.envs.robotics.env import EVAL_LAYOUTS
        from rlvr.envs.robotics.tasks import TASKS
    except ImportError as exc:
        raise UsageError(f"VLA evaluation needs rlvr[robotics] ({exc}); install it with: pip install 'rlvr[robotics]'") from None
    try:
        policy = VLAPolicy.from_pretrained(args.agent[len(AGENT_PREFIX):])
    except (FileNotFoundError, RuntimeError) as exc:
        raise UsageError(str(exc)) from None
    options = dict(args.env_arg)
    unknown = set(options) - {"instructions", "max_steps"}
    if unknown:
        raise UsageError(f"VLA evaluation takes --env-arg instructions=... and max_steps=... only, not {', '.join(sorted(unknown))}")
    if args.episodes > len(EVAL_LAYOUTS):
        raise UsageError(f"there are {len(EVAL_LAYOUTS)} evaluation layouts per task: pass --episodes {len(EVAL_LAYOUTS)} or fewer")
    name = env_id.rpartition("/")[2].removeprefix("VLA-").rsplit("-v", 1)[0]
    tasks = list(TASKS) if name not in TASKS else [name]
    torch.set_num_threads(1)
    try:
        report = evaluate_policy(
            policy, tasks, episodes=args.episodes, instructions=options.get("instructions", "train"),
            max_steps=int(options.get("max_steps", 150)), seed=args.seed,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.out or f"eval-{name}-vla.json")
    out.write_text(json.dumps({"env": env_id, "agent": args.agent, **report.as_dict()}, indent=2) + "\n")
    from rich.table import Table

    table = Table(title=f"{env_id} · {args.agent} · {report.episodes} layouts per task · {report.instructions} instructions", header_style="bold")
    table.add_column("task")
    table.add_column("success", justify="right")
    for task, value in report.per_task.items():
        table.add_row(task, f"{value:.3f}")
    table.add_row("mean", f"{report.mean:.3f}")
    console().print(table)
    console().print(f"results: {out}", markup=False)
    return 0
