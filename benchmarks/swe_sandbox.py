"""rlvr/SWE-v0 sandbox costs: episode setup (reset) and grading (oracle fix + submit) p50/p99 on
bwrap vs docker, then N concurrent episodes (threads, one env each, warm container pool) and the
throughput in episodes/min. Both backends run in this one script so they see the same load.

    .venv/bin/python benchmarks/swe_sandbox.py --episodes 20 --concurrency 4 16
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rlvr.envs.swe import SWEEnv


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def oracle_episode(env: SWEEnv, seed: int) -> tuple[float, float, float]:
    """(setup s, grading s, reward) of one oracle episode."""
    started = time.perf_counter()
    env.reset(seed=seed)
    setup = time.perf_counter() - started
    for call in env.oracle_tool_calls(env.task):
        env.step(env.call_format.render([call]))
    started = time.perf_counter()
    _, reward, *_ = env.step(env.oracle_response(env.task))
    return setup, time.perf_counter() - started, reward


def latency(sandbox: str, episodes: int) -> dict:
    with SWEEnv(sandbox=sandbox, pool_size=2) as env:
        oracle_episode(env, 10_000)  # warm-up: trees materialised, pool filled
        rows = [oracle_episode(env, seed) for seed in range(episodes)]
    setups, grades, rewards = zip(*rows)
    return {"setup_p50_s": statistics.median(setups), "setup_p99_s": percentile(setups, 0.99),
            "grade_p50_s": statistics.median(grades), "grade_p99_s": percentile(grades, 0.99), "mean_reward": statistics.mean(rewards)}


def throughput(sandbox: str, concurrency: int, episodes_each: int) -> dict:
    envs = [SWEEnv(sandbox=sandbox, pool_size=2) for _ in range(concurrency)]
    try:
        for index, env in enumerate(envs):
            oracle_episode(env, 20_000 + index)
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            results = list(pool.map(lambda i: [oracle_episode(envs[i], 30_000 + i * 100 + j) for j in range(episodes_each)], range(concurrency)))
        elapsed = time.perf_counter() - started
    finally:
        for env in envs:
            env.close()
    done = sum(len(r) for r in results)
    return {"concurrency": concurrency, "episodes": done, "seconds": elapsed, "episodes_per_min": 60 * done / elapsed,
            "mean_reward": statistics.mean(reward for r in results for _, _, reward in r)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4, 16])
    parser.add_argument("--episodes-each", type=int, default=2)
    parser.add_argument("--out", default="benchmarks/results/swe_sandbox.json")
    args = parser.parse_args()
    report = {"loadavg_start": Path("/proc/loadavg").read_text().split()[:3], "latency": {}, "throughput": []}
    for sandbox in ("bwrap", "docker"):
        report["latency"][sandbox] = latency(sandbox, args.episodes)
        print(sandbox, json.dumps(report["latency"][sandbox]), flush=True)
    for concurrency in args.concurrency:
        for sandbox in ("bwrap", "docker"):
            row = {"sandbox": sandbox, **throughput(sandbox, concurrency, args.episodes_each)}
            report["throughput"].append(row)
            print(json.dumps(row), flush=True)
    report["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))
    print("load average (1/5/15 min) at start", report["loadavg_start"], "end", report["loadavg_end"])


if __name__ == "__main__":
    main()
