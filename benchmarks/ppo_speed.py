"""PPO on HalfCheetah-v5: rlvr vs Stable-Baselines3 vs CleanRL, same hyper-parameters, one torch thread each.

All three run rl-baselines3-zoo's ``mujoco-defaults`` for PPO (SB3's PPO defaults — n_steps 2048,
batch 64, 10 epochs, lr 3e-4, gamma 0.99, GAE 0.95, clip 0.2, 64x64 tanh MLPs — with observations
and rewards normalised, one env). Each trainer runs in its own subprocess, one after the other in
this one script, so they see the same machine load; the load average is recorded.

    python benchmarks/ppo_speed.py --steps 40960                 # speed (steps/s, training included)
    python benchmarks/ppo_speed.py --steps 200000 --seeds 0 1 2  # + returns at that horizon

Results go to benchmarks/results/ppo_speed.json (and the per-run returns of the last episodes).
rlvr trains on ``rlvr/HalfCheetah-v0`` (Gymnasium's HalfCheetah-v5 with a success flag; the same
dynamics and reward); SB3 and CleanRL on ``HalfCheetah-v5``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_rlvr(steps: int, seed: int, out: str) -> dict:
    import rlvr  # noqa: F401  (registers rlvr/HalfCheetah-v0)
    from rlvr.trainers.ppo import PPOConfig, PPOTrainer

    trainer = PPOTrainer(PPOConfig(env="rlvr/HalfCheetah-v0", out=out, steps=steps, seed=seed, progress=False, tensorboard=False, checkpoint_every=0, eval_episodes=5))
    start = time.perf_counter()
    history = trainer.train()
    trained = [h for h in history if "steps_per_second" in h]
    elapsed = sum(h["collect_seconds"] + h["update_seconds"] for h in trained)
    trainer.close()
    returns = [h["reward"] for h in trained if "reward" in h]
    return {"steps_per_second": trained[-1]["step"] / elapsed, "wall_seconds": time.perf_counter() - start,
            "final_train_return": returns[-1] if returns else None, "eval_return": history[-1].get("eval_return")}


def run_sb3(steps: int, seed: int, out: str) -> dict:
    import gymnasium as gym
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.vec_env import VecNormalize

    env = VecNormalize(make_vec_env("HalfCheetah-v5", n_envs=1, seed=seed), norm_obs=True, norm_reward=True)
    model = PPO("MlpPolicy", env, seed=seed, device="cpu", verbose=0)
    start = time.perf_counter()
    model.learn(total_timesteps=steps)
    elapsed = time.perf_counter() - start
    returns = [e["r"] for e in model.ep_info_buffer]
    env.training, env.norm_reward = False, False
    mean, _ = evaluate_policy(model, env, n_eval_episodes=5, deterministic=True)
    return {"steps_per_second": model.num_timesteps / elapsed, "wall_seconds": elapsed,
            "final_train_return": float(sum(returns[-2:]) / len(returns[-2:])) if returns else None, "eval_return": float(mean)}


def run_cleanrl(steps: int, seed: int, out: str) -> dict:
    sys.path.insert(0, str(HERE))
    from cleanrl_ppo_continuous import train

    start = time.perf_counter()
    result = train("HalfCheetah-v5", steps, seed=seed)
    returns = result["returns"]
    return {"steps_per_second": result["steps_per_second"], "wall_seconds": time.perf_counter() - start,
            "final_train_return": float(sum(returns[-2:]) / len(returns[-2:])) if returns else None, "eval_return": None}


RUNNERS = {"rlvr": run_rlvr, "sb3": run_sb3, "cleanrl": run_cleanrl}


def _child(name: str, steps: int, seed: int, out: str, queue: mp.Queue) -> None:
    import warnings

    import torch

    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    queue.put(RUNNERS[name](steps, seed, out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40960)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--only", nargs="+", choices=list(RUNNERS), default=list(RUNNERS))
    parser.add_argument("--out", default=str(HERE / "results" / "ppo_speed.json"))
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = "1"
    context = mp.get_context("spawn")
    results: dict = {"steps": args.steps, "loadavg_before": Path("/proc/loadavg").read_text().split()[:3], "runs": []}
    for seed in args.seeds:
        for name in args.only:
            queue = context.Queue()
            process = context.Process(target=_child, args=(name, args.steps, seed, f"/tmp/ppo_speed_{name}_{seed}", queue))
            process.start()
            run = {"trainer": name, "seed": seed, **queue.get()}
            process.join()
            run["loadavg"] = Path("/proc/loadavg").read_text().split()[:3]
            results["runs"].append(run)
            print(json.dumps(run), flush=True)
    summary = {}
    for name in args.only:
        runs = [r for r in results["runs"] if r["trainer"] == name]
        summary[name] = {key: sum(r[key] for r in runs) / len(runs) for key in ("steps_per_second", "final_train_return", "eval_return") if all(r[key] is not None for r in runs)}
    if "rlvr" in summary:
        for name in summary:
            summary[name]["rlvr_speedup"] = summary["rlvr"]["steps_per_second"] / summary[name]["steps_per_second"]
    results["summary"] = summary
    print(json.dumps(summary, indent=2))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
