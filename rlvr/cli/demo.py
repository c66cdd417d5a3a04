"""``rlvr demo``: the suite end to end, as a list of stages.

1. the built-in agents (oracle and random) on every registered environment — seconds;
2. GRPO on the embedded default model (built once into ``models/tiny-countdown``, about two
   minutes on two cores) — a few minutes, showing the reward rise;
3. PPO on a MuJoCo control task (``rlvr/InvertedPendulum-v0``) — under a minute, showing the
   episode return rise and the deterministic evaluation at the end;
4. a VLA policy for ``rlvr/VLA-ButtonPress-v0`` (camera image + instruction → action tokens),
   behaviour-cloned from scripted-expert demonstrations — about two minutes, showing its success
   rate on held-out layouts with training and with held-out instructions.
"""

from __future__ import annotations

import argparse
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from rlvr.cli.common import console, positive_int, seed

if TYPE_CHECKING:
    from rich.console import Console

NAME = "demo"
HELP = "evaluate the built-in agents on every environment, train the embedded default model with GRPO, a control policy with PPO and a VLA policy with BC"
BUILTIN_AGENTS = ("oracle", "random")
DEFAULT_MODEL = "models/tiny-countdown"
DEMO_ENV = "rlvr/Countdown-v0"
DEMO_LEARNING_RATE = 1e-4
CONTROL_ENV = "rlvr/InvertedPendulum-v0"
VLA_TASK = "ButtonPress"


@dataclass(frozen=True)
class Stage:
    """One step of the demo: a title, and a function that runs it and prints what it found."""

    title: str
    run: Callable[[argparse.Namespace, Console], None]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--episodes", type=positive_int, default=20, metavar="N", help="tasks per environment and agent (default: 20)")
    parser.add_argument("--k", type=positive_int, default=2, metavar="K", help="attempts per task (default: 2)")
    parser.add_argument("--seed", type=seed, default=0, metavar="N", help="first task seed (default: 0)")
    parser.add_argument("--model", default=DEFAULT_MODEL, metavar="DIR", help=f"the model GRPO trains; built here when missing (default: {DEFAULT_MODEL})")
    parser.add_argument("--grpo-steps", type=int, default=50, metavar="N", help="GRPO steps; 0 skips training (default: 50)")
    parser.add_argument("--out", default="runs/demo-grpo", metavar="DIR", help="the GRPO run folder, replaced on every demo (default: runs/demo-grpo)")
    parser.add_argument("--ppo-steps", type=int, default=12288, metavar="N", help=f"PPO environment steps on {CONTROL_ENV}; 0 skips it (default: 12288)")
    parser.add_argument("--vla-steps", type=int, default=400, metavar="N", help=f"behaviour-cloning steps of the VLA policy on rlvr/VLA-{VLA_TASK}-v0; 0 skips it (default: 400)")


def evaluate_builtin_agents(args: argparse.Namespace, out: Console) -> None:
    """pass@1 and pass@k of the oracle and random agents on every registered text environment.
    Environments that cannot be made here (a missing extra) or are not text environments are
    listed as skipped, with the reason."""
    from rich.table import Table

    from rlvr import registered_envs, registry
    from rlvr.agents.evaluate import evaluate
    from rlvr.env import TextEnv

    table = Table(title=f"{args.episodes} tasks × {args.k} attempts, seed {args.seed}", header_style="bold")
    passes = sorted({1, args.k})
    for column in ("env", "agent", *(f"pass@{j}" for j in passes), "reward", "episodes/s"):
        table.add_column(column, justify="left" if column in ("env", "agent") else "right", no_wrap=column == "env")
    skipped = []
    for entry in registered_envs(kind="text"):
        try:
            env = registry.make(entry.id)
        except ImportError as exc:
            skipped.append(f"{entry.id}: {exc}")
            continue
        text = isinstance(env.unwrapped, TextEnv)
        env.close()
        if not text:
            skipped.append(f"{entry.id}: not a text environment")
            continue
        for index, agent in enumerate(BUILTIN_AGENTS):
            report = evaluate(entry.id, agent, episodes=args.episodes, k=args.k, seed=args.seed)
            table.add_row(
                entry.id if index == 0 else "",
                agent,
                *(f"{report.pass_at_k[j]:.3f}" for j in passes),
                f"{report.mean_reward:.3f}",
                f"{report.episodes_per_second:.0f}",
                end_section=index == len(BUILTIN_AGENTS) - 1,
            )
    if table.rows:
        out.print(table)
    for line in skipped:
        out.print(f"skipped {line}", markup=False)


def train_default_model(args: argparse.Namespace, out: Console) -> None:
    """A short GRPO run on Countdown with the embedded default model: the reward per step, and
    held-out sampled pass@1 (temperature 1, as in training) before and after."""
    if args.grpo_steps < 1:
        out.print("skipped (--grpo-steps 0)")
        return
    try:
        from rlvr.agents.tiny_model import BuildConfig, build_model
        from rlvr.trainers.grpo import GRPOConfig, GRPOTrainer
        from rlvr.trainers.metrics import read_metrics
    except ImportError as exc:
        out.print(f"skipped: training needs the llm extra ({exc}); pip install 'rlvr[llm]'", markup=False)
        return
    model = Path(args.model)
    if not (model / "config.json").is_file():
        out.print(f"building the embedded default model into {model} (once; about two minutes on two cores)", markup=False)
        build_model(BuildConfig.from_preset("quick", tasks=(DEMO_ENV,)), model, log=lambda line: out.print(f"  {line}", markup=False))
    run_dir = Path(args.out)
    shutil.rmtree(run_dir, ignore_errors=True)
    config = GRPOConfig(env=DEMO_ENV, env_kwargs={"difficulty": 0.0}, model=str(model), out=str(run_dir), steps=args.grpo_steps, tasks_per_step=16, group_size=8,
                        max_new_tokens=64, learning_rate=DEMO_LEARNING_RATE, eval_every=args.grpo_steps, eval_tasks=256, eval_temperature=1.0,
                        checkpoint_every=args.grpo_steps, seed=args.seed, tensorboard=False)
    trainer = GRPOTrainer(config)
    try:
        history = trainer.train()
    finally:
        trainer.close()
    before = next(m for m in read_metrics(run_dir) if m["step"] == 0)
    show_rewards(history, out)
    out.print(f"held-out sampled pass@1 on {DEMO_ENV}: {before['eval_accuracy']:.3f} → {history[-1]['eval_accuracy']:.3f} "
              f"({config.eval_tasks} tasks); model: {run_dir}/latest", markup=False)


def show_rewards(history: list[dict[str, float]], out: Console, window: int = 5) -> None:
    """One row per step: mean reward of its rollouts and the mean over the last ``window`` steps
    (each step draws new tasks, so single steps are noisy), with a bar for the latter."""
    from rich.table import Table

    table = Table(header_style="bold")
    for column in ("step", "reward", f"last {window}", "", "tokens/s"):
        table.add_column(column, justify="right" if column else "left")
    for index, row in enumerate(history):
        recent = [h["reward"] for h in history[max(0, index - window + 1) : index + 1]]
        smoothed = sum(recent) / len(recent)
        table.add_row(str(int(row["step"])), f"{row['reward']:.3f}", f"{smoothed:.3f}", "█" * round(40 * smoothed), f"{row['tokens_per_second']:.0f}")
    out.print(table)


def fresh_run_dir(args: argparse.Namespace, stage: str) -> Path:
    """``<--out>-<stage>``, emptied: every demo starts its runs from scratch."""
    run_dir = Path(args.out).with_name(f"{Path(args.out).name}-{stage}")
    shutil.rmtree(run_dir, ignore_errors=True)
    return run_dir


def train_control_policy(args: argparse.Namespace, out: Console) -> None:
    """A short PPO run on InvertedPendulum: the mean episode return per iteration, then the
    deterministic evaluation of the final policy."""
    if args.ppo_steps < 1:
        out.print("skipped (--ppo-steps 0)")
        return
    try:
        from rlvr.trainers.ppo import PPOConfig, PPOTrainer
    except ImportError as exc:
        out.print(f"skipped: PPO needs the control extra ({exc}); pip install 'rlvr[control]'", markup=False)
        return
    run_dir = fresh_run_dir(args, "ppo")
    config = PPOConfig(env=CONTROL_ENV, out=str(run_dir), steps=args.ppo_steps, rollout_steps=1024, learning_rate=1e-3, eval_episodes=3,
                       checkpoint_every=0, seed=args.seed, tensorboard=False, progress=False)
    trainer = PPOTrainer(config)
    try:
        history = trainer.train()
    finally:
        trainer.close()
    iterations = [h for h in history if "reward" in h and "eval_return" not in h]
    for row in iterations:
        out.print(f"  steps {int(row['step']):>6}  mean episode return {row['reward']:8.1f}  {row['steps_per_second']:.0f} steps/s", markup=False)
    final = history[-1]
    out.print(f"deterministic evaluation after {int(final['step'])} steps: return {final['eval_return']:.1f} "
              f"(success {final['eval_success']:.2f}; the task's maximum is 1000); run: {run_dir}", markup=False)


def train_vla_policy(args: argparse.Namespace, out: Console) -> None:
    """Five scripted-expert demonstrations, behaviour cloning, then the greedy success rate on ten
    held-out layouts, with the training instructions and with held-out paraphrases."""
    if args.vla_steps < 1:
        out.print("skipped (--vla-steps 0)")
        return
    try:
        from rlvr.agents.vla.demo import run_demo
        from rlvr.agents.vla.evaluate import evaluate_policy
        from rlvr.agents.vla.policy import VLAPolicy
    except ImportError as exc:
        out.print(f"skipped: the VLA stage needs the robotics extra ({exc}); pip install 'rlvr[robotics]'", markup=False)
        return
    run_dir = fresh_run_dir(args, "vla")
    try:
        report = run_demo(run_dir, (VLA_TASK,), demos=5, bc_steps=args.vla_steps, eval_episodes=10, seed=args.seed)
    except RuntimeError as exc:  # no offscreen OpenGL (EGL/OSMesa) on this machine
        out.print(f"skipped: {exc}", markup=False)
        return
    heldout = evaluate_policy(VLAPolicy.from_pretrained(run_dir / "bc" / "latest"), [VLA_TASK], episodes=10, instructions="heldout")
    out.print(f"BC from 5 expert demos, {args.vla_steps} steps: success on 10 held-out layouts {report.mean:.2f} "
              f"(held-out instructions: {heldout.mean:.2f}); policy: {run_dir / 'bc' / 'latest'}", markup=False)


STAGES: tuple[Stage, ...] = (
    Stage("built-in agents on every environment", evaluate_builtin_agents),
    Stage("GRPO on the embedded default model", train_default_model),
    Stage(f"PPO on {CONTROL_ENV}", train_control_policy),
    Stage(f"behaviour cloning of a VLA policy on rlvr/VLA-{VLA_TASK}-v0", train_vla_policy),
)


def run(args: argparse.Namespace) -> int:
    out = console()
    start = time.perf_counter()
    for number, stage in enumerate(STAGES, 1):
        out.rule(f"{number}/{len(STAGES)} · {stage.title}", align="left")
        stage.run(args, out)
    out.print(f"demo done in {time.perf_counter() - start:.1f} s")
    return 0
