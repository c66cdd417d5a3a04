"""Env steps/s of the VLA envs with and without camera images, against raw MetaWorld.

    .venv/bin/python benchmarks/vla_env_speed.py                 # ~2 minutes; writes results/vla_env_speed.json
    .venv/bin/python benchmarks/vla_env_speed.py --seconds 1     # quicker, noisier

Configurations, each stepping random actions (episodes reset when they end, resets counted in the time):

- ``metaworld raw``: MetaWorld's own env (MT1 task), state observations only.
- ``metaworld render 64/224``: the same env with ``render_mode="rgb_array"`` and ``render()`` every
  step — MuJoCo's default renderer settings (shadows, reflections, 4x multisampling).
- ``rlvr no image``: ``rlvr/VLA-<Task>-v0`` with ``camera=None``.
- ``rlvr 64/224``: images every step (shadows, reflections and multisampling off).
- ``rlvr 64 chunk 4``: 4 sub-steps per ``step`` and one image at the end (steps/s counts sub-steps).

The configurations take turns in time-boxed slots (``--seconds`` each, ``--rounds`` rounds, the
order rotating), so load from other work on a shared machine reaches all of them alike; the
median over rounds is reported, with the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("MUJOCO_GL", "egl")  # raw MetaWorld renders through gymnasium, which reads it on import

import gymnasium as gym
import numpy as np

import rlvr

RESULTS = Path(__file__).resolve().parent / "results" / "vla_env_speed.json"
TASKS = {"Reach": "reach-v3", "DrawerOpen": "drawer-open-v3", "PickPlace": "pick-place-v3"}


class Stepper:
    """Something to step for a while: ``run(seconds)`` returns the simulator steps it made."""

    def __init__(self, make: Callable[[], Any], step: Callable[[Any, np.random.Generator], tuple[int, bool]], reset: Callable[[Any], None]):
        self.env = make()
        self._step, self._reset = step, reset
        self.rng = np.random.default_rng(0)
        self._reset(self.env)

    def run(self, seconds: float) -> float:
        steps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            made, done = self._step(self.env, self.rng)
            steps += made
            if done:
                self._reset(self.env)
        return steps / (time.perf_counter() - start)


def metaworld_stepper(name: str, size: int | None) -> Stepper:
    import metaworld

    def make() -> Any:
        benchmark = metaworld.MT1(name, seed=0)
        kwargs = {} if size is None else {"render_mode": "rgb_array", "width": size, "height": size, "camera_name": "corner"}
        env = benchmark.train_classes[name](**kwargs)
        env.set_task(benchmark.train_tasks[0])
        env.max_path_length = 150
        return env

    def step(env: Any, rng: np.random.Generator) -> tuple[int, bool]:
        _, _, terminated, truncated, _ = env.step(rng.uniform(-1, 1, 4))
        if size is not None:
            env.render()
        return 1, terminated or truncated

    return Stepper(make, step, lambda env: env.reset())


def rlvr_stepper(task: str, size: int | None, chunk: int = 1) -> Stepper:
    kwargs: dict[str, Any] = {"camera": None} if size is None else {"width": size, "height": size}

    def step(env: Any, rng: np.random.Generator) -> tuple[int, bool]:
        before = env.unwrapped._steps
        _, _, terminated, truncated, info = env.step(rng.uniform(-1, 1, env.action_space.shape).astype(np.float32))
        return info["steps"] - before, terminated or truncated

    return Stepper(lambda: gym.make(f"rlvr/VLA-{task}-v0", action_chunk=chunk, **kwargs), step, lambda env: env.reset())


def configurations(task: str) -> dict[str, Stepper]:
    name = TASKS[task]
    return {
        "metaworld raw": metaworld_stepper(name, None),
        "metaworld render 64": metaworld_stepper(name, 64),
        "metaworld render 224": metaworld_stepper(name, 224),
        "rlvr no image": rlvr_stepper(task, None),
        "rlvr 64": rlvr_stepper(task, 64),
        "rlvr 224": rlvr_stepper(task, 224),
        "rlvr 64 chunk 4": rlvr_stepper(task, 64, chunk=4),
    }


def measure_task(task: str, seconds: float, rounds: int) -> dict[str, float]:
    """Median steps/s of every configuration on ``task``, slots rotating between rounds."""
    steppers = configurations(task)
    names = list(steppers)
    for stepper in steppers.values():
        stepper.run(0.2)  # warm-up: first images, compiled code paths
    samples: dict[str, list[float]] = {n: [] for n in names}
    for round_index in range(rounds):
        order = names[round_index % len(names):] + names[:round_index % len(names)]
        for name in order:
            samples[name].append(steppers[name].run(seconds))
    for stepper in steppers.values():
        stepper.env.close()
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one timed slot")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--one-task", choices=list(TASKS), help=argparse.SUPPRESS)  # internal: measure in this process
    args = parser.parse_args()
    if args.one_task:
        print(json.dumps(measure_task(args.one_task, args.seconds, args.rounds)))
        return
    load_before = os.getloadavg()
    results: dict[str, dict[str, float]] = {}
    for task in args.tasks:
        # One process per task: every task starts from a fresh MuJoCo/OpenGL state, as a user's run does.
        command = [sys.executable, __file__, "--one-task", task, "--seconds", str(args.seconds), "--rounds", str(args.rounds)]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        results[task] = json.loads(output.strip().splitlines()[-1])
        print(task, "  ".join(f"{name}: {value:.0f}" for name, value in results[task].items()), flush=True)
    report = {
        "results_steps_per_second": results,
        "seconds_per_slot": args.seconds,
        "rounds": args.rounds,
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "rlvr": rlvr.__version__,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"load average before {load_before}, after {report['loadavg_after']}; wrote {RESULTS}")


if __name__ == "__main__":
    main()
