"""PPO return curves on HalfCheetah: rlvr under rl-zoo's ``mujoco-defaults`` and under the zoo's tuned
HalfCheetah hyper-parameters (the setting behind the zoo's published 5819 ± 664 at 1M steps), and
SB3 PPO under ``mujoco-defaults`` for a side-by-side curve. One process per run, one torch thread
each, all started at once; each run appends ``(env steps, mean training return)`` to
``OUT/<run>.jsonl`` as it goes, so a run stopped early still leaves its curve.

    python benchmarks/ppo_returns.py --runs rlvr-defaults:0 rlvr-defaults:1 rlvr-defaults:2 rlvr-tuned:0 sb3-defaults:0
    python benchmarks/ppo_returns.py --summarize OUT      # table of the last points
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "ppo_returns.json"


def run_rlvr(preset: str, seed: int, steps: int, out: Path) -> None:
    import rlvr  # noqa: F401
    from rlvr.trainers.ppo import PPOConfig, PPOTrainer
    from rlvr.trainers.ppo_presets import preset_overrides

    extra = preset_overrides("rlvr/HalfCheetah-v0", "zoo" if preset == "tuned" else "mujoco-defaults")
    trainer = PPOTrainer(PPOConfig(env="rlvr/HalfCheetah-v0", out=str(out / f"rlvr-{preset}-{seed}"), steps=steps, seed=seed, progress=False,
                                   tensorboard=False, checkpoint_every=0, eval_episodes=5, **extra))
    trainer.train()  # metrics.jsonl in the run folder holds the curve
    trainer.close()


def run_sb3(seed: int, steps: int, out: Path) -> None:
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import VecNormalize

    curve = (out / f"sb3-defaults-{seed}.jsonl").open("a")

    class Curve(BaseCallback):
        def _on_rollout_end(self) -> None:
            returns = [e["r"] for e in self.model.ep_info_buffer]
            if returns:
                curve.write(json.dumps({"step": self.num_timesteps, "reward": sum(returns) / len(returns), "time": time.time()}) + "\n")
                curve.flush()

        def _on_step(self) -> bool:
            return True

    env = VecNormalize(make_vec_env("HalfCheetah-v5", n_envs=1, seed=seed), norm_obs=True, norm_reward=True)
    PPO("MlpPolicy", env, seed=seed, device="cpu", verbose=0).learn(total_timesteps=steps, callback=Curve())


def _child(spec: str, steps: int, out: str) -> None:
    import warnings

    import torch

    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    name, seed = spec.split(":")
    side, preset = name.split("-")
    if side == "sb3":
        run_sb3(int(seed), steps, Path(out))
    else:
        run_rlvr(preset, int(seed), steps, Path(out))


def summarize(out: Path) -> None:
    """Print each run's last points and add their curves to results/ppo_returns.json (runs of the
    same name are replaced, others kept)."""
    curves = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for path in sorted(out.glob("*/metrics.jsonl")) + sorted(out.glob("*.jsonl")):
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        points = [(r["step"], round(r["reward"], 1)) for r in rows if "reward" in r]
        evals = [r["eval_return"] for r in rows if "eval_return" in r]
        if points:
            name = path.parent.name if path.name == "metrics.jsonl" else path.stem
            last = points[-10:]
            mean_last = sum(p[1] for p in last) / len(last)
            curves[name] = {"steps": points[-1][0], "training_return_last10": round(mean_last, 1), "eval_return": evals[-1] if evals else None, "curve": points[:: max(1, len(points) // 100)]}
            print(f"{name:22s} steps {points[-1][0]:>8d}  training return (last 10 points) {mean_last:8.1f}" + (f"  eval {evals[-1]:.1f}" if evals else ""))
    RESULTS.write_text(json.dumps(curves, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", default=["rlvr-defaults:0", "rlvr-defaults:1", "rlvr-defaults:2", "rlvr-tuned:0", "sb3-defaults:0"])
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--out", default="runs/ppo-returns")
    parser.add_argument("--summarize", metavar="OUT", help="print the curves' last points and exit")
    args = parser.parse_args()
    if args.summarize:
        summarize(Path(args.summarize))
        return
    Path(args.out).mkdir(parents=True, exist_ok=True)
    children = [mp.get_context("spawn").Process(target=_child, args=(spec, args.steps, args.out)) for spec in args.runs]
    for child in children:
        child.start()
    for child in children:
        child.join()
    summarize(Path(args.out))


if __name__ == "__main__":
    main()
