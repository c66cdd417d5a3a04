"""Evaluation: run an agent on many tasks, k attempts each, and report pass@k.

pass@k is the probability that at least one of k attempts solves a task, estimated per task
from ``c`` correct out of ``n`` attempts with the unbiased estimator of Chen et al. (2021),
then averaged over tasks.
"""

from __future__ import annotations

import json
import math
import os
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import gymnasium as gym
import numpy as np

from rlvr import registry
from rlvr.agents.base import AgentFactory
from rlvr.agents.rollout import run_episode
from rlvr.agents.specs import agent_factory


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from ``c`` correct of ``n`` attempts: ``1 - C(n-c, k) / C(n, k)``,
    computed as a product so it stays exact for large ``n``."""
    if not 0 <= c <= n:
        raise ValueError(f"need 0 <= c <= n, got c={c}, n={n}")
    if not 1 <= k <= n:
        raise ValueError(f"need 1 <= k <= n, got k={k}, n={n}")
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


@dataclass(frozen=True)
class AttemptRecord:
    """One attempt at one task: the ``attempt``-th of k on the ``episode``-th task."""

    episode: int
    attempt: int
    task_id: str
    reward: float
    correct: bool
    turns: int
    reason: str
    terminated: bool
    truncated: bool


@dataclass
class EvalReport:
    """The outcome of :func:`evaluate`: every attempt, and the summary computed from them."""

    env: str
    agent: str
    episodes: int
    k: int
    seed: int
    seconds: float
    records: list[AttemptRecord] = field(default_factory=list)
    env_kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def pass_at_k(self) -> dict[int, float]:
        """pass@j for j = 1..k, averaged over tasks."""
        correct = [0] * self.episodes
        for record in self.records:
            correct[record.episode] += record.correct
        return {j: sum(pass_at_k(self.k, c, j) for c in correct) / self.episodes for j in range(1, self.k + 1)}

    @property
    def mean_reward(self) -> float:
        return sum(r.reward for r in self.records) / len(self.records)

    @property
    def mean_turns(self) -> float:
        return sum(r.turns for r in self.records) / len(self.records)

    @property
    def episodes_per_second(self) -> float:
        """Episodes run (all attempts) per second of wall-clock time."""
        return len(self.records) / self.seconds if self.seconds > 0 else float("inf")

    def summary(self) -> dict[str, Any]:
        """The headline numbers: pass@1..k, mean reward and turns, throughput."""
        return {
            **{f"pass@{j}": value for j, value in self.pass_at_k.items()},
            "mean_reward": self.mean_reward,
            "mean_turns": self.mean_turns,
            "truncated": sum(r.truncated for r in self.records) / len(self.records),
            "episodes_run": len(self.records),
            "seconds": self.seconds,
            "episodes_per_second": self.episodes_per_second,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "env": self.env,
            "agent": self.agent,
            "episodes": self.episodes,
            "k": self.k,
            "seed": self.seed,
            "env_kwargs": self.env_kwargs,
            "summary": self.summary(),
            "records": [asdict(r) for r in self.records],
        }

    def save(self, path: str | Path) -> Path:
        """Write :meth:`to_dict` as JSON to ``path`` (parent folders are created)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2, default=repr) + "\n", encoding="utf-8")
        return path


def attempt_seed(seed: int, episode: int, attempt: int) -> int:
    """The agent seed of one attempt: distinct per (seed, task, attempt), reproducible."""
    return int(np.random.SeedSequence([seed, episode, attempt]).generate_state(1)[0])


def default_workers(env: gym.Env) -> int:
    """Threads that help: tools spend their time in subprocesses, so envs with tools run up to
    four episodes at once; tool-free text envs are pure Python and run on one thread."""
    return min(4, os.cpu_count() or 1) if getattr(env.unwrapped, "tools", None) else 1


class _EnvPool:
    """Environments handed to one worker at a time (environments are not thread-safe)."""

    def __init__(self, make: Callable[[], gym.Env]):
        self.make = make
        self.first = make()
        self.all = [self.first]
        self.idle: queue.SimpleQueue[gym.Env] = queue.SimpleQueue()
        self.idle.put(self.first)
        self.lock = threading.Lock()

    def borrow(self) -> gym.Env:
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            env = self.make()
            with self.lock:
                self.all.append(env)
            return env

    def give_back(self, env: gym.Env) -> None:
        self.idle.put(env)

    def close(self) -> None:
        for env in self.all:
            env.close()


def evaluate(
    env: str | Callable[[], gym.Env],
    agent: str | AgentFactory,
    *,
    episodes: int = 100,
    k: int = 1,
    seed: int = 0,
    env_kwargs: Mapping[str, Any] | None = None,
    workers: int | None = None,
    batch_size: int = 64,
    on_task_done: Callable[[], None] | None = None,
) -> EvalReport:
    """Attempt ``episodes`` tasks ``k`` times each and report pass@1..k.

    Task ``i`` is the one ``reset(seed=seed + i)`` draws; its attempts replay it with
    ``options={"task": task_id}``, each with a fresh agent seeded by :func:`attempt_seed`.

    Args:
        env: a registered id (made with ``env_kwargs``) or a function returning a new environment.
        agent: a spec (``"oracle"``, ``"random:7"``, see :mod:`rlvr.agents.specs`) or an
            :class:`~rlvr.agents.base.AgentFactory`.
        workers: threads running tasks at once, one environment each; default :func:`default_workers`.
        batch_size: model agents (``hf:``, ``vllm:``, ``openai:`` with a tokenizer) run this many
            attempts at once, one batched generate call per turn-step; the sampler is then seeded
            per batch and turn, so a report is reproducible for a given ``batch_size``.
        on_task_done: called after each task's k attempts (for progress bars).
    """
    if episodes < 1 or k < 1:
        raise ValueError(f"episodes and k must be at least 1, got episodes={episodes}, k={k}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    kwargs = dict(env_kwargs or {})
    make_env = (lambda: registry.make(env, **kwargs)) if isinstance(env, str) else env
    make_agent = agent_factory(agent) if isinstance(agent, str) else agent
    env_name = env if isinstance(env, str) else None
    agent_name = agent if isinstance(agent, str) else getattr(agent, "__name__", type(agent).__name__)
    if hasattr(make_agent, "rollout_engine"):
        start = time.perf_counter()
        records = _batched_attempts(make_agent, make_env, episodes, k, seed, batch_size, workers, on_task_done)
        return EvalReport(env=env_name or _env_name(make_env), agent=agent_name, episodes=episodes, k=k, seed=seed, seconds=time.perf_counter() - start, records=records, env_kwargs=kwargs)
    pool = _EnvPool(make_env)

    def run_task(episode: int) -> list[AttemptRecord]:
        env_ = pool.borrow()
        try:
            records, options = [], None
            for attempt in range(k):
                result = run_episode(env_, make_agent(env_, attempt_seed(seed, episode, attempt)), seed=seed + episode, options=options)
                options = {"task": result.task_id}
                verdict = result.verdict
                records.append(
                    AttemptRecord(
                        episode=episode,
                        attempt=attempt,
                        task_id=result.task_id,
                        reward=result.reward,
                        correct=result.correct,
                        turns=result.turns,
                        reason=verdict.reason if verdict is not None else "no verdict",
                        terminated=result.terminated,
                        truncated=result.truncated,
                    )
                )
            return records
        finally:
            pool.give_back(env_)

    threads = workers or default_workers(pool.first)
    results: list[AttemptRecord] = []
    start = time.perf_counter()
    try:
        if threads == 1:
            for episode in range(episodes):
                results.extend(run_task(episode))
                if on_task_done:
                    on_task_done()
        else:
            with ThreadPoolExecutor(max_workers=threads) as executor:
                futures = [executor.submit(run_task, episode) for episode in range(episodes)]
                try:
                    for future in as_completed(futures):
                        results.extend(future.result())
                        if on_task_done:
                            on_task_done()
                except BaseException:
                    executor.shutdown(wait=True, cancel_futures=True)
                    raise
    finally:
        pool.close()
    seconds = time.perf_counter() - start
    return EvalReport(
        env=env_name or _name_of(pool.first),
        agent=agent_name,
        episodes=episodes,
        k=k,
        seed=seed,
        seconds=seconds,
        records=sorted(results, key=lambda r: (r.episode, r.attempt)),
        env_kwargs=kwargs,
    )


def _name_of(env: gym.Env) -> str:
    return env.spec.id if env.spec else type(env.unwrapped).__name__


def _env_name(make_env: Callable[[], gym.Env]) -> str:
    env = make_env()
    try:
        return _name_of(env)
    finally:
        env.close()


def _batched_attempts(
    factory: Any,
    make_env: Callable[[], gym.Env],
    episodes: int,
    k: int,
    seed: int,
    batch_size: int,
    workers: int | None,
    on_task_done: Callable[[], None] | None,
) -> list[AttemptRecord]:
    """Every attempt of a model agent through its rollout engine, ``batch_size`` at a time.

    Attempt ``(i, j)`` resets with ``seed + i`` (the task :func:`evaluate` promises); batch
    ``b`` samples with seed ``(seed, b)``.
    """
    from rlvr.agents.llm.engine import EpisodeRequest, derive_seed

    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    engine = factory.rollout_engine(make_env, workers=workers or 4)
    attempts = [(episode, attempt) for episode in range(episodes) for attempt in range(k)]
    records: list[AttemptRecord] = []
    try:
        for b, start in enumerate(range(0, len(attempts), batch_size)):
            chunk = attempts[start : start + batch_size]
            requests = [EpisodeRequest(group=episode, seed=seed + episode) for episode, _ in chunk]
            for (episode, attempt), rollout in zip(chunk, engine.run(requests, factory.params, seed=derive_seed(seed, b))):
                trajectory = rollout.trajectory
                verdict = trajectory.verdict
                records.append(
                    AttemptRecord(
                        episode=episode,
                        attempt=attempt,
                        task_id=rollout.task_id,
                        reward=trajectory.reward,
                        correct=bool(verdict and verdict.correct),
                        turns=trajectory.turns,
                        reason=verdict.reason if verdict is not None else "no verdict",
                        terminated=not trajectory.truncated,
                        truncated=trajectory.truncated,
                    )
                )
                if attempt == k - 1 and on_task_done:
                    on_task_done()
    finally:
        engine.close()
    return records
