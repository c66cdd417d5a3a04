"""Offline-to-online vs offline-only vs SAC from scratch, on locally collected medium datasets.

For each task: ``rlvr collect --recipe medium`` (PPO behaviour policy, cached), then per seed
one offline-to-online run of ``--algo`` (its last offline evaluation is the offline-only result)
and one SAC-from-scratch run with the same number of online env steps. Every run is its own
``rlvr train o2o`` process (``--jobs`` at a time, one torch thread each) writing
``RUNS/<Task>-<algo>-<seed>/metrics.jsonl`` as it goes, so runs cut short still give curves;
``--summarize RUNS`` rebuilds the results from whatever the runs wrote. Scores are
D4RL-normalised; each run reports its last evaluation at the steps every run reached and, since one
5-episode evaluation of HalfCheetah can swing by 15 points (an episode where the cheetah flips), the
mean of its evaluations over the last quarter of those steps. Curves go to benchmarks/results/o2o_<Task>.png, numbers to results/o2o.json.

    python benchmarks/o2o_curves.py --tasks Hopper HalfCheetah --seeds 0 1 2 --jobs 12 \
        --offline-steps 20000 --online-steps 100000 --algo iql
    python benchmarks/o2o_curves.py --tasks HalfCheetah --algo rlpd --device cuda --jobs 12   # lent GPU machine
    python benchmarks/o2o_curves.py --summarize runs/o2o-bench
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["Hopper", "HalfCheetah"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--algo", default="iql")
    parser.add_argument("--behaviour-steps", type=int, default=1_000_000, help="most PPO steps of the medium behaviour policy (it stops at a third of the expert score)")
    parser.add_argument("--dataset-steps", type=int, default=100_000)
    parser.add_argument("--offline-steps", type=int, default=20_000)
    parser.add_argument("--online-steps", type=int, default=100_000)
    parser.add_argument("--eval-every", type=int, default=5_000)
    parser.add_argument("--device", default="cpu", help="where the --algo runs learn (cuda pays off for RLPD's 10-critic ensemble and "
                        "Cal-QL/WSRL pre-training; SAC runs stay on CPU cores: many processes sharing one GPU are slower than the CPU)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="runs at a time (default: one per CPU)")
    parser.add_argument("--runs", default="runs/o2o-bench", help="where the runs write their metrics")
    parser.add_argument("--datasets-path", default=os.path.expanduser("~/.cache/rlvr/datasets"))
    parser.add_argument("--summarize", metavar="RUNS", help="only rebuild the JSON and plots from RUNS")
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args()
    if args.summarize:
        summarize(Path(args.summarize), Path(args.out), args.algo)
        return

    for task in args.tasks:  # datasets first (cached), one process per task
        collect = [sys.executable, "-m", "rlvr.cli", "collect", "--env", f"rlvr/{task}-v0", "--recipe", "medium",
                   "--steps", str(args.dataset_steps), "--behaviour-steps", str(args.behaviour_steps)]
        if not (Path(args.datasets_path) / "rlvr" / task / "medium-v0").exists():
            subprocess.run(collect, check=True, env={**os.environ, "MINARI_DATASETS_PATH": args.datasets_path})
    commands = []
    for task in args.tasks:
        for seed in args.seeds:
            for algo in (args.algo, "sac"):
                run = Path(args.runs) / f"{task}-{algo}-{seed}"
                command = [sys.executable, "-m", "rlvr.cli", "train", "o2o", "--algo", algo, "--env", f"rlvr/{task}-v0", "--seed", str(seed),
                           "--online-steps", str(args.online_steps), "--eval-every", str(args.eval_every), "--eval-episodes", "5",
                           "--out", str(run), "--no-tensorboard", "--checkpoint-every", str(10 * args.online_steps)]
                if algo != "sac":
                    command += ["--device", args.device, "--dataset", f"rlvr/{task}/medium-v0", "--datasets-path", args.datasets_path, "--offline-steps", str(args.offline_steps)]
                commands.append((run, command))
    running: list[subprocess.Popen] = []
    for run, command in commands:
        while len(running) >= args.jobs:
            running.pop(0).wait()
        run.parent.mkdir(parents=True, exist_ok=True)
        running.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=open(f"{run}.log", "w"), env={**os.environ, "OMP_NUM_THREADS": "1"}))
    for process in running:
        process.wait()
    summarize(Path(args.runs), Path(args.out), args.algo)


def read_run(folder: Path) -> dict | None:
    """The run's evaluation curve against online env steps, and its offline-only score."""
    metrics = folder / "metrics.jsonl"
    if not metrics.exists():
        return None
    rows = [json.loads(line) for line in metrics.read_text().splitlines() if line.strip()]
    evals = [r for r in rows if "score" in r]
    offline = [r for r in evals if r.get("phase_online") == 0.0]
    offline_steps = offline[-1]["step"] if offline else 0
    curve = [(r["step"] - offline_steps, r["score"]) for r in evals if r.get("phase_online") == 1.0]
    return {"seed": int(folder.name.rsplit("-", 1)[1]), "curve": curve, "offline_score": offline[-1]["score"] if offline else None,
            "online_regret": evals[-1].get("online_regret") if evals else None}


def summarize(runs: Path, out: Path, algo: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    results: dict = {"algo": algo, "runs": str(runs), "tasks": {}}
    for task in sorted({p.name.split("-")[0] for p in runs.iterdir() if p.is_dir()}):
        found = {name: [r for r in (read_run(p) for p in sorted(runs.glob(f"{task}-{name}-*")) if p.is_dir()) if r and r["curve"]]
                 for name in (algo, "sac")}
        if not found[algo] or not found["sac"]:
            continue
        horizon = min(run["curve"][-1][0] for runs_ in found.values() for run in runs_)  # the steps every run reached
        table = {name: [dict(run, score_at_horizon=next(v for s, v in reversed(run["curve"]) if s <= horizon),
                             last_quarter_mean=_mean([v for s, v in run["curve"] if 0.75 * horizon <= s <= horizon])) for run in runs_]
                 for name, runs_ in found.items()}
        results["tasks"][task] = {"online_steps_compared": horizon, "o2o": table[algo], "sac": table["sac"]}
        for name, runs_ in table.items():
            print(f"{task} {name}: " + ", ".join(f"seed {r['seed']}: offline {r['offline_score']} → {r['score_at_horizon']:.1f} at {horizon} online steps "
                                                  f"(mean {r['last_quarter_mean']:.1f} over the last quarter)" for r in runs_))
        _plot(task, table[algo], table["sac"], horizon, out / f"o2o_{task}.png", algo)
    (out / "o2o.json").write_text(json.dumps(results, indent=2))


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _plot(task: str, o2o: list[dict], sac: list[dict], horizon: int, path: Path, algo: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    figure, axis = plt.subplots(figsize=(6, 4))
    for runs, label in ((o2o, f"{algo} (offline → online)"), (sac, "SAC from scratch")):
        steps = sorted({s for run in runs for s, _ in run["curve"] if s <= horizon})
        scores = np.array([[dict(run["curve"]).get(s, np.nan) for s in steps] for run in runs])
        axis.plot(steps, np.nanmean(scores, 0), label=label)
        axis.fill_between(steps, np.nanmin(scores, 0), np.nanmax(scores, 0), alpha=0.2)
    offline = [r["offline_score"] for r in o2o if r["offline_score"] is not None]
    if offline:
        axis.axhline(float(np.mean(offline)), linestyle="--", color="grey", label="offline only")
    axis.set_xlabel("online env steps (0 = end of offline pre-training)")
    axis.set_ylabel("D4RL-normalised score")
    axis.set_title(f"{task}: medium dataset, {len(o2o)} seeds (band: min-max)")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
