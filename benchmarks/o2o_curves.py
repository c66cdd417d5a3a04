"""Offline-to-online vs offline-only vs SAC from scratch, on locally collected medium datasets.

For each task: ``rlvr collect --recipe medium`` (PPO behaviour policy, cached), then per seed
one offline-to-online run of ``--algo`` (its score at the switch is the offline-only result) and
one SAC-from-scratch run with the same number of online env steps. Scores are D4RL-normalised.
Curves go to benchmarks/results/o2o_<Task>.png and the numbers to benchmarks/results/o2o.json.

    python benchmarks/o2o_curves.py --tasks Hopper HalfCheetah --seeds 0 1 2 \
        --offline-steps 5000 --online-steps 10000 --algo iql
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["Hopper", "HalfCheetah"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--algo", default="iql")
    parser.add_argument("--behaviour-steps", type=int, default=100_000)
    parser.add_argument("--dataset-steps", type=int, default=50_000)
    parser.add_argument("--offline-steps", type=int, default=5_000)
    parser.add_argument("--online-steps", type=int, default=10_000)
    parser.add_argument("--eval-every", type=int, default=1_000)
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args()

    import torch

    import rlvr  # noqa: F401
    from rlvr.trainers.collect import collect_control_dataset
    from rlvr.trainers.offline_to_online import O2OConfig, O2OTrainer

    torch.set_num_threads(1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    datasets = "/tmp/rlvr_o2o_bench_datasets"
    results: dict = {"args": vars(args), "loadavg_before": Path("/proc/loadavg").read_text().split()[:3], "tasks": {}}
    for task in args.tasks:
        env_id = f"rlvr/{task}-v0"
        started = time.perf_counter()
        dataset = collect_control_dataset(env_id, "medium", args.dataset_steps, behaviour_steps=args.behaviour_steps, datasets_path=datasets, progress=print)
        episodes = list(dataset.iterate_episodes())
        behaviour_return = sum(float(e.rewards.sum()) for e in episodes) / len(episodes)
        runs = {"collect_seconds": time.perf_counter() - started, "dataset_mean_return": behaviour_return, "o2o": [], "sac": []}
        for seed in args.seeds:
            for name, algo in (("o2o", args.algo), ("sac", "sac")):
                config = O2OConfig(
                    algo=algo, env=env_id, dataset=None if algo == "sac" else dataset.spec.dataset_id, datasets_path=datasets,
                    out=f"/tmp/rlvr_o2o_bench/{task}-{algo}-{seed}", offline_steps=args.offline_steps, online_steps=args.online_steps,
                    eval_every=args.eval_every, eval_episodes=3, seed=seed, progress=False, tensorboard=False, checkpoint_every=0,
                )
                trainer = O2OTrainer(config)
                t0 = time.perf_counter()
                history = trainer.train()
                trainer.close()
                curve = [(r["step"] - (config.offline_steps if config.pretrains else 0), r["score"]) for r in history]
                runs[name].append({"seed": seed, "curve": curve, "seconds": time.perf_counter() - t0,
                                   "offline_score": next((r["offline_score"] for r in history if "offline_score" in r), None),
                                   "online_regret": history[-1].get("online_regret")})
                print(task, name, seed, curve[-1], flush=True)
        results["tasks"][task] = runs
        _plot(task, runs, out / f"o2o_{task}.png", args.algo)
    results["loadavg_after"] = Path("/proc/loadavg").read_text().split()[:3]
    (out / "o2o.json").write_text(json.dumps(results, indent=2))


def _plot(task: str, runs: dict, path: Path, algo: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    figure, axis = plt.subplots(figsize=(6, 4))
    for name, label in (("o2o", f"{algo} (offline → online)"), ("sac", "SAC from scratch")):
        steps = [s for s, _ in runs[name][0]["curve"]]
        scores = np.array([[v for _, v in run["curve"]] for run in runs[name]])
        axis.plot(steps, scores.mean(0), label=label)
        axis.fill_between(steps, scores.min(0), scores.max(0), alpha=0.2)
    offline = [r["offline_score"] for r in runs["o2o"] if r["offline_score"] is not None]
    if offline:
        axis.axhline(float(np.mean(offline)), linestyle="--", color="grey", label="offline only")
    axis.set_xlabel("online env steps (0 = end of offline pre-training)")
    axis.set_ylabel("D4RL-normalised score")
    axis.set_title(f"{task}: medium dataset, {len(runs['o2o'])} seeds (band: min-max)")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
