"""The rollout engine: many episodes in flight, one batched generate call per turn-step.

Each request is one episode of one task; requests that share a ``group`` share their task (GRPO's
G completions per prompt). Every turn-step, the prompts of all running episodes go to the backend
in one call; the environments then step in a thread pool (tools such as the sandboxed Python
interpreter run in parallel) and each agent's token ledger records the sampled ids and the
rendered environment messages.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Sequence

import gymnasium as gym
import numpy as np

from rlvr.agents.llm.agent import LLMAgent
from rlvr.agents.llm.backends.base import Backend, SamplingParams
from rlvr.agents.llm.ledger import Trajectory


@dataclass(frozen=True)
class EpisodeRequest:
    """One episode to run: ``group`` labels the task it shares with others; ``options`` go to
    ``env.reset`` (e.g. ``{"task": task_id}``) after seeding with ``seed``."""

    group: int
    seed: int
    options: Mapping[str, Any] | None = None


@dataclass
class Rollout:
    """A finished episode: its group, task and the agent's token trajectory."""

    group: int
    task_id: str
    trajectory: Trajectory


def derive_seed(*parts: int) -> int:
    """A 31-bit seed mixed from integers (step, group, turn, ...), independent for each tuple."""
    return int(np.random.SeedSequence([abs(int(p)) for p in parts]).generate_state(1)[0] >> 1)


class RolloutEngine:
    """Runs episodes of one environment with an LLM policy, batching generation across episodes.

    Args:
        make_env: builds one environment (one per episode slot; slots are reused between calls).
        make_agent: builds the LLM agent of one slot (sharing the backend and tokenizer).
        backend: the sampler; called once per turn-step with every running episode's prompt.
        workers: threads that step environments.
    """

    def __init__(self, make_env: Callable[[], gym.Env], make_agent: Callable[[], LLMAgent], backend: Backend, workers: int = 4):
        self.make_env = make_env
        self.make_agent = make_agent
        self.backend = backend
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="rlvr-env")
        self._slots: list[tuple[gym.Env, LLMAgent]] = []

    def run(self, requests: Sequence[EpisodeRequest], params: SamplingParams, seed: int) -> list[Rollout]:
        """Run every request to its end; rollouts come back in request order. ``seed`` seeds
        the sampler for this call (turn ``t`` of the call uses ``derive_seed(seed, t)``)."""
        while len(self._slots) < len(requests):
            self._slots.append((self.make_env(), self.make_agent()))
        slots = self._slots[: len(requests)]
        task_ids = list(self.pool.map(self._reset, slots, requests))
        results: list[Rollout | None] = [None] * len(requests)
        running = list(range(len(requests)))
        turn = 0
        while running:
            prompts = [slots[i][1].prompt_ids() for i in running]
            samples = self.backend.generate(prompts, replace(params, seed=derive_seed(seed, turn)))
            steps = list(self.pool.map(lambda i, s: self._step(slots[i], s), running, samples))
            still = []
            for i, (obs, reward, terminated, truncated, info) in zip(running, steps):
                agent = slots[i][1]
                if terminated or truncated:
                    trajectory = agent.trajectory(reward, truncated=truncated, verdict=info.get("verdict"))
                    results[i] = Rollout(requests[i].group, task_ids[i], trajectory)
                else:
                    agent.observe_env(obs)
                    still.append(i)
            running = still
            turn += 1
        return [r for r in results if r is not None]

    @staticmethod
    def _reset(slot: tuple[gym.Env, LLMAgent], request: EpisodeRequest) -> str:
        env, agent = slot
        obs, info = env.reset(seed=request.seed, options=dict(request.options) if request.options else None)
        agent.reset(obs, info)
        return info["task_id"]

    @staticmethod
    def _step(slot: tuple[gym.Env, LLMAgent], sample) -> tuple:
        env, agent = slot
        return env.step(agent.observe_sample(sample))

    def close(self) -> None:
        """Close every environment and stop the thread pool."""
        for env, _ in self._slots:
            env.close()
        self._slots.clear()
        self.pool.shutdown(wait=True)
