"""GRPO learning curve on the CPU: held-out pass@1 of the project's tiny model before and after.

Trains with :class:`rlvr.trainers.grpo.GRPOTrainer` for ``--minutes`` of wall-clock (or
``--steps``), evaluating every ``--eval-every`` steps on the same ``--eval-tasks`` held-out tasks
(seeds no training step draws) both greedily and sampled at the training temperature (sampled
pass@1 is estimated from ``--eval-samples`` attempts per task). Training tasks are fresh every
step, so the training reward is itself a sampled pass@1 on unseen tasks. Writes
``results/grpo_learning.json`` and ``results/grpo_learning.png`` (reward and accuracy against
steps).

    .venv/bin/python benchmarks/grpo_learning.py --model models/tiny-countdown --minutes 30
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import tempfile
import time
from pathlib import Path

from rlvr.trainers.grpo import EVAL_STREAM, GRPOConfig, GRPOTrainer, rollout_metrics
from rlvr.agents.llm.engine import EpisodeRequest, derive_seed

RESULTS = Path(__file__).parent / "results"


def held_out(trainer: GRPOTrainer, tasks: int, samples: int, seed: int) -> dict[str, float]:
    """Greedy pass@1 and sampled pass@1 (mean over ``samples`` attempts per task) on the fixed tasks
    of ``seed``'s evaluation stream (which no training step draws from)."""
    greedy_requests = [EpisodeRequest(group=i, seed=derive_seed(seed, EVAL_STREAM, i)) for i in range(tasks)]
    sampled_requests = [EpisodeRequest(group=i, seed=derive_seed(seed, EVAL_STREAM, i)) for i in range(tasks) for _ in range(samples)]
    trainer.rollouts.sync(trainer.model, trainer.weights_version)
    greedy = rollout_metrics(trainer.rollouts.run(greedy_requests, trainer.eval_params, seed=derive_seed(seed, EVAL_STREAM)))
    sampled = rollout_metrics(trainer.rollouts.run(sampled_requests, trainer.params, seed=derive_seed(seed, EVAL_STREAM, 1)))
    return {"greedy_pass1": greedy["accuracy"], "sampled_pass1": sampled["accuracy"]}


def plot(history: list[dict], evaluations: list[dict], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    steps = [h["step"] for h in history]
    window = 10
    smoothed = [statistics.fmean(h["reward"] for h in history[max(0, i - window + 1) : i + 1]) for i in range(len(history))]
    ax.plot(steps, [h["reward"] for h in history], color="tab:blue", alpha=0.25, linewidth=1)
    ax.plot(steps, smoothed, color="tab:blue", label=f"training reward (fresh tasks, {window}-step mean)")
    ax.plot([e["step"] for e in evaluations], [e["sampled_pass1"] for e in evaluations], "o-", color="tab:orange", label="held-out sampled pass@1")
    ax.plot([e["step"] for e in evaluations], [e["greedy_pass1"] for e in evaluations], "s-", color="tab:green", label="held-out greedy pass@1")
    ax.set_xlabel("GRPO step")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1)
    ax.set_title(title, fontsize=9)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="models/tiny-countdown")
    parser.add_argument("--env", default="rlvr/Countdown-v0")
    parser.add_argument("--difficulty", type=float, default=0.0)
    parser.add_argument("--minutes", type=float, default=30.0, help="training wall-clock budget (evaluations not counted)")
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--tasks", type=int, default=16)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--lr-schedule", choices=("constant", "linear"), default="constant", help="linear: decay to 0 at --steps")
    parser.add_argument("--eval-every", type=int, default=25)
    parser.add_argument("--eval-tasks", type=int, default=200)
    parser.add_argument("--eval-samples", type=int, default=4)
    parser.add_argument("--dynamic-sampling", action="store_true", help="skip groups whose rewards are all equal")
    parser.add_argument("--mini-batches", type=int, default=1, help="optimiser steps per step's batch (clipped surrogate beyond the first)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-seed", type=int, default=0, help="picks the held-out tasks; the same for every --seed so seeds are compared on the same tasks (runs before 2026-12-06 used --seed)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads of the learner and sampler (2 uses both cores of a quiet 2-core machine)")
    parser.add_argument("--name", default="grpo_learning")
    args = parser.parse_args()

    config = GRPOConfig(
        env=args.env, env_kwargs={"difficulty": args.difficulty}, model=args.model, out=tempfile.mkdtemp(prefix="grpo-learning-"),
        steps=args.steps, tasks_per_step=args.tasks, group_size=args.group, max_new_tokens=args.max_new_tokens, learning_rate=args.lr, lr_schedule=args.lr_schedule, dynamic_sampling=args.dynamic_sampling,
        mini_batches=args.mini_batches, torch_threads=args.threads,
        eval_every=0, checkpoint_every=10**9, seed=args.seed, progress=False, tensorboard=False, device="cpu",
    )
    trainer = GRPOTrainer(config)
    evaluations = [{"step": 0, "train_seconds": 0.0, **held_out(trainer, args.eval_tasks, args.eval_samples, args.eval_seed)}]
    print(f"step 0: {evaluations[-1]}", flush=True)
    history, trained = [], 0.0
    while trainer.step < args.steps and trained < args.minutes * 60:
        started = time.perf_counter()
        metrics = trainer.train_step()
        trainer.step += 1
        trained += time.perf_counter() - started
        history.append({"step": trainer.step, "seconds": trained, **metrics})  # reward, entropy, clip fractions, ... per step
        if trainer.step % args.eval_every == 0:
            evaluations.append({"step": trainer.step, "train_seconds": trained, **held_out(trainer, args.eval_tasks, args.eval_samples, args.eval_seed)})
            print(f"step {trainer.step} ({trained / 60:.1f} min): {evaluations[-1]}", flush=True)
    if evaluations[-1]["step"] != trainer.step:
        evaluations.append({"step": trainer.step, "train_seconds": trained, **held_out(trainer, args.eval_tasks, args.eval_samples, args.eval_seed)})
    trainer.close()

    first, last = evaluations[0], evaluations[-1]
    summary = {
        "settings": {**vars(args), "config": dataclasses.asdict(config)},
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
        "greedy_pass1": [first["greedy_pass1"], last["greedy_pass1"]],
        "sampled_pass1": [first["sampled_pass1"], last["sampled_pass1"]],
        "train_minutes": trained / 60,
        "evaluations": evaluations,
        "history": history,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(summary, indent=2))
    title = f"GRPO on {args.env} (difficulty {args.difficulty:g}), {Path(args.model).name}, {args.tasks}x{args.group} per step, lr {args.lr:g}"
    try:
        plot(history, evaluations, title, RESULTS / f"{args.name}.png")
    except ImportError:  # the numbers are saved above; only the picture needs matplotlib
        print(f"no plot: matplotlib is missing (pip install 'rlvr[bench]'); the results are in {RESULTS / args.name}.json", flush=True)
    print(f"greedy pass@1 {first['greedy_pass1']:.3f} → {last['greedy_pass1']:.3f}; sampled pass@1 {first['sampled_pass1']:.3f} → {last['sampled_pass1']:.3f} "
          f"after {trainer.step} steps, {trained / 60:.1f} min → {RESULTS / args.name}.json/.png")


if __name__ == "__main__":
    main()
