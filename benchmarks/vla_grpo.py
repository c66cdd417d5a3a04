"""BC → BC+GRPO on VLA tasks: success per task on fixed held-out initial states, per seed.

    .venv/bin/python benchmarks/vla_grpo.py --seed 0            # one seed: demos, BC, eval, GRPO, eval
    .venv/bin/python benchmarks/vla_grpo.py --seed 1 &          # seeds run as separate processes
    .venv/bin/python benchmarks/vla_grpo.py --summarize         # table of every finished seed
    .venv/bin/python benchmarks/vla_grpo.py --bc-screen --tasks Push DrawerOpen --eval-episodes 40   # BC only, validation layouts

One seed does, in order (wall-clock time of each stage recorded):

1. ``--demos`` scripted-expert episodes per task (training layouts, seed-dependent) → Minari datasets.
2. Behaviour cloning of one multi-task policy (``--bc-steps``, action chunk ``--chunk``).
3. Greedy success per task on the first ``--eval-episodes`` evaluation layouts (1000, 1001, ...;
   never trained on, the same for every seed and both policies).
4. GRPO from the BC policy (``--grpo-steps`` updates of ``--states`` initial states x ``--group``
   attempts, mixed-outcome groups only, KL to the BC policy). With ``--eval-every N`` the trainer
   measures greedy success on validation layouts (500, 501, ...) every N updates and keeps the
   best policy so far, BC included, in ``grpo/best``.
5. The same held-out evaluation of the last GRPO policy and, when there is one, of the best one
   on validation (the reported result: choosing it never looks at the held-out layouts).

Results go to ``results/vla_grpo/NAME/seed-N.json`` (``--name``; the runs to ``runs/bench-vla-grpo/seed-N``),
with the load average at start and end: on a shared machine the times move with the load, the
success rates do not.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rlvr.agents.vla.policy import VLAPolicy

RESULTS_ROOT = Path(__file__).resolve().parent / "results" / "vla_grpo"
# Tasks whose 5-demo BC policy lands mid-range (0.5-0.8 greedy success in sessions 5-6), so there is room to gain.
TASKS = ("ButtonPress", "HandlePress", "PlateSlide", "CoffeeButton", "WindowClose")


def train_bc(args: argparse.Namespace, run: Path, size: dict, report: dict, lap) -> VLAPolicy:
    """Stages 1-2: expert demonstrations per task, then behaviour cloning of one multi-task policy."""
    from rlvr.agents.vla.collect import collect_expert_dataset
    from rlvr.trainers.bc import BCConfig, BCTrainer

    datasets = []
    for task in args.tasks:
        dataset = collect_expert_dataset(f"rlvr/VLA-{task}-v0", args.demos, seed=1000 * args.seed, datasets_path=run / "datasets", dataset_id=f"bench/VLA-{task}/expert-v0", env_kwargs=size)
        datasets.append(dataset.spec.dataset_id)
    lap("collect")
    bc = BCTrainer(BCConfig(datasets=tuple(datasets), datasets_path=str(run / "datasets"), out=str(run / "bc"), steps=args.bc_steps, chunk=args.chunk, seed=args.seed, checkpoint_every=args.bc_steps, tensorboard=False))
    bc.train(progress=False)
    bc.close()
    lap("bc")
    return bc.policy


def screen_bc(args: argparse.Namespace) -> dict:
    """``--bc-screen``: demos + BC on ``--tasks``, then greedy success on the first ``--eval-episodes``
    validation layouts per task — to pick tasks whose BC leaves room to gain, without looking at
    the held-out layouts the GRPO comparison reports."""
    import torch

    from rlvr.agents.vla.evaluate import evaluate_policy
    from rlvr.envs.robotics.env import VALIDATION_LAYOUTS

    torch.set_num_threads(1)
    run = Path(args.runs) / f"bc-screen-seed-{args.seed}"
    size = {"width": args.image_size, "height": args.image_size}
    policy = train_bc(args, run, size, {}, lambda name: print(f"seed {args.seed}: {name} done", flush=True))
    report = evaluate_policy(policy, args.tasks, episodes=args.eval_episodes, layouts=VALIDATION_LAYOUTS)
    result = {"seed": args.seed, "tasks": list(args.tasks), "episodes": args.eval_episodes, "validation_success": report.per_task}
    out = RESULTS_ROOT / args.name / f"bc-screen-seed-{args.seed}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"seed {args.seed}: BC validation success {report.per_task}", flush=True)
    return result


def run_seed(args: argparse.Namespace) -> dict:
    import torch

    from rlvr.agents.vla.evaluate import evaluate_policy
    from rlvr.agents.vla.policy import VLAPolicy
    from rlvr.trainers.losses import PolicyLossConfig
    from rlvr.trainers.vla_grpo import VLAGRPOConfig, VLAGRPOTrainer

    torch.set_num_threads(1)
    results = RESULTS_ROOT / args.name
    run = Path(args.runs) / f"seed-{args.seed}"
    report: dict = {"seed": args.seed, "tasks": list(args.tasks), "settings": {k: v for k, v in vars(args).items() if k != "summarize"}, "loadavg_start": os.getloadavg(), "seconds": {}}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report["seconds"][name] = round(now - clock, 1)
        clock = now
        print(f"seed {args.seed}: {name} done in {report['seconds'][name]} s", flush=True)
        results.mkdir(parents=True, exist_ok=True)
        (results / f"seed-{args.seed}.json").write_text(json.dumps(report, indent=1) + "\n")  # partial until the end

    size = {"width": args.image_size, "height": args.image_size}
    if args.reuse_bc and (run / "bc" / "latest").exists():
        bc_policy = VLAPolicy.from_pretrained(run / "bc" / "latest")
        report["bc_reused"] = True
    else:
        bc_policy = train_bc(args, run, size, report, lap)
    before = evaluate_policy(bc_policy, args.tasks, episodes=args.eval_episodes)
    report["bc"] = before.as_dict()
    lap("eval_bc")
    print(f"seed {args.seed}: BC {before.per_task}", flush=True)
    (results / f"seed-{args.seed}.json").write_text(json.dumps(report, indent=1) + "\n")
    grpo = VLAGRPOTrainer(VLAGRPOConfig(
        policy=str(run / "bc" / "latest"), tasks=tuple(args.tasks), out=str(run / "grpo"), steps=args.grpo_steps,
        states_per_step=args.states, group_size=args.group, learning_rate=args.lr, lr_schedule=args.lr_schedule, seed=args.seed,
        loss=PolicyLossConfig(kl_coef=args.kl), checkpoint_every=args.grpo_steps, tensorboard=False,
        eval_every=args.eval_every, eval_episodes=args.eval_every_episodes, episode_mean=not args.decision_mean,
        train_layouts=args.train_layouts,
    ))
    history = grpo.train(progress=False)
    grpo.close()
    report["grpo_history"] = history
    lap("grpo")
    after = evaluate_policy(grpo.policy, args.tasks, episodes=args.eval_episodes)
    report["grpo"] = after.as_dict()
    report["gain_points"] = {task: round(100 * (after.per_task[task] - before.per_task[task]), 1) for task in args.tasks}
    print(f"seed {args.seed}: GRPO (last) {after.per_task}; gain (points) {report['gain_points']}", flush=True)
    if grpo.best_step >= 0:
        best = evaluate_policy(VLAPolicy.from_pretrained(run / "grpo" / "best"), args.tasks, episodes=args.eval_episodes)
        report["grpo_best"] = {**best.as_dict(), "step": grpo.best_step, "val_success": grpo.best_success}
        report["gain_points_best"] = {task: round(100 * (best.per_task[task] - before.per_task[task]), 1) for task in args.tasks}
        print(f"seed {args.seed}: GRPO (best on validation, update {grpo.best_step}) {best.per_task}; gain (points) {report['gain_points_best']}", flush=True)
    lap("eval_grpo")
    report["loadavg_end"] = os.getloadavg()
    (results / f"seed-{args.seed}.json").write_text(json.dumps(report, indent=1) + "\n")
    return report


def summarize(name: str) -> None:
    results = RESULTS_ROOT / name
    reports = [r for r in (json.loads(p.read_text()) for p in sorted(results.glob("seed-*.json"))) if "grpo" in r]
    if not reports:
        print(f"no results in {results}; run a seed first")
        return
    tasks = reports[0]["tasks"]
    chosen = "grpo_best" if all("grpo_best" in r for r in reports) else "grpo"
    print(f"GRPO column: {'the policy with the best validation success' if chosen == 'grpo_best' else 'the last policy'}")
    print("| task | " + " | ".join(f"BC s{r['seed']}" for r in reports) + " | " + " | ".join(f"GRPO s{r['seed']}" for r in reports) + " | mean gain (points) |")
    print("|---" * (2 + 2 * len(reports)) + "|")
    for task in tasks + ["mean"]:
        bc = [r["bc"]["mean"] if task == "mean" else r["bc"]["per_task"][task] for r in reports]
        grpo = [r[chosen]["mean"] if task == "mean" else r[chosen]["per_task"][task] for r in reports]
        gain = statistics.mean(100 * (g - b) for g, b in zip(grpo, bc))
        print(f"| {task} | " + " | ".join(f"{v:.3f}" for v in bc) + " | " + " | ".join(f"{v:.3f}" for v in grpo) + f" | {gain:+.1f} |")
    for r in reports:
        if "grpo_best" in r:
            print(f"seed {r['seed']}: best on validation at update {r['grpo_best']['step']} (validation {r['grpo_best']['val_success']:.3f}); last policy held-out mean {r['grpo']['mean']:.3f}")
        print(f"seed {r['seed']}: seconds {r['seconds']}, load {r['loadavg_start']} → {r['loadavg_end']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--summarize", action="store_true", help="print the table of finished seeds and exit")
    parser.add_argument("--bc-screen", action="store_true", help="only demos + BC, then success on validation layouts (for choosing tasks with room to gain)")
    parser.add_argument("--tasks", nargs="+", default=list(TASKS))
    parser.add_argument("--demos", type=int, default=5, help="expert episodes per task")
    parser.add_argument("--bc-steps", type=int, default=1500)
    parser.add_argument("--chunk", type=int, default=4)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--eval-episodes", type=int, default=100)
    parser.add_argument("--grpo-steps", type=int, default=128)
    parser.add_argument("--states", type=int, default=12)
    parser.add_argument("--train-layouts", type=int, default=500, help="GRPO draws its initial states from the first N training layouts per task (500 = all of them; sessions 5-8 had 50)")
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--lr-schedule", choices=("constant", "linear"), default="constant")
    parser.add_argument("--kl", type=float, default=0.02)
    parser.add_argument("--eval-every", type=int, default=32, help="greedy success on --eval-every-episodes validation layouts every N updates; the best policy is kept (0: off, the last policy is reported)")
    parser.add_argument("--eval-every-episodes", type=int, default=25)
    parser.add_argument("--decision-mean", action="store_true", help="weigh every decision the same in the loss (the trainer's default weighs every episode the same)")
    parser.add_argument("--name", default="latest", help="results go to results/vla_grpo/NAME/")
    parser.add_argument("--runs", default="runs/bench-vla-grpo")
    parser.add_argument("--reuse-bc", action="store_true", help="start from the BC policy a previous run of this seed left in --runs")
    args = parser.parse_args()
    if args.summarize:
        summarize(args.name)
    elif args.bc_screen:
        screen_bc(args)
    else:
        run_seed(args)


if __name__ == "__main__":
    main()
