"""Batched rollouts of a VLA policy: many envs step together, one policy forward per decision for all.

:class:`EnvPool` keeps envs per task and reuses them between calls (making a MetaWorld env and its
GL context costs far more than resetting one). :func:`rollout` runs one episode per
:class:`Start` (task, layout, seed), up to ``max_envs`` at once, and returns what GRPO and
evaluation need: success, length and, when ``record`` is set, the inputs, sampled tokens and
their log-probabilities at every decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import Tensor

from rlvr.agents.vla.policy import VLAPolicy


@dataclass(frozen=True)
class Start:
    """Where an episode starts: task name, layout number (initial state) and the reset seed
    (which picks the instruction sentence)."""

    task: str
    layout: int
    seed: int = 0


@dataclass
class Episode:
    """One finished episode. ``inputs``/``tokens``/``logp`` hold one row per decision when recorded."""

    start: Start
    instruction: str
    success: bool
    steps: int
    inputs: dict[str, Tensor] = field(default_factory=dict)
    tokens: Tensor | None = None
    logp: Tensor | None = None


class EnvPool:
    """VLA envs per task, made on demand with ``env_kwargs`` and kept for reuse; ``close()`` frees them.

    At most ``keep`` idle envs stay open (each MetaWorld env holds ~50 MB): making a new one when
    that many exist closes an idle env of another task first.
    """

    def __init__(self, keep: int = 32, **env_kwargs: Any):
        self.env_kwargs, self.keep = env_kwargs, keep
        self._free: dict[str, list[gym.Env]] = {}

    def take(self, task: str) -> gym.Env:
        envs = self._free.setdefault(task, [])
        if envs:
            return envs.pop()
        others = [idle for name, idle in self._free.items() if name != task and idle]
        if others and sum(len(idle) for idle in self._free.values()) >= self.keep:
            max(others, key=len).pop().close()
        return gym.make(f"rlvr/VLA-{task}-v0", **self.env_kwargs)

    def give_back(self, task: str, env: gym.Env) -> None:
        self._free.setdefault(task, []).append(env)

    def close(self) -> None:
        for envs in self._free.values():
            for env in envs:
                env.close()
        self._free.clear()


def pool_for(policy: VLAPolicy, *, max_steps: int = 150, instructions: str = "train") -> EnvPool:
    """An :class:`EnvPool` whose envs match ``policy``: its image size and action chunk."""
    size = policy.config.image_size
    return EnvPool(width=size, height=size, action_chunk=policy.config.chunk, max_steps=max_steps, instructions=instructions)


@torch.no_grad()
def rollout(
    policy: VLAPolicy,
    pool: EnvPool,
    starts: list[Start],
    *,
    greedy: bool = False,
    temperature: float = 1.0,
    generator: torch.Generator | None = None,
    record: bool = False,
    max_envs: int = 32,
) -> list[Episode]:
    """Run one episode per start (in order), at most ``max_envs`` envs at a time."""
    episodes: list[Episode] = []
    policy.eval()
    for first in range(0, len(starts), max_envs):
        episodes += _run_wave(policy, pool, starts[first:first + max_envs], greedy, temperature, generator, record)
    return episodes


def _run_wave(
    policy: VLAPolicy, pool: EnvPool, starts: list[Start], greedy: bool, temperature: float, generator: torch.Generator | None, record: bool
) -> list[Episode]:
    envs = [pool.take(start.task) for start in starts]
    observations: list[Any] = []
    for env, start in zip(envs, starts):
        obs, _ = env.reset(seed=start.seed, options={"layout": start.layout})
        observations.append(obs)
    instructions = [obs["instruction"] for obs in observations]
    active = list(range(len(starts)))
    results: list[dict[str, Any]] = [{"success": False, "steps": 0, "inputs": [], "tokens": [], "logp": []} for _ in starts]
    while active:
        batch = policy.batch_observations([observations[i] for i in active])
        tokens, logp = policy.sample(batch, greedy=greedy, temperature=temperature, generator=generator)
        actions = policy.actions_from_tokens(tokens).numpy()
        still_active = []
        for row, index in enumerate(active):
            if record:
                results[index]["inputs"].append({key: value[row] for key, value in batch.items()})
                results[index]["tokens"].append(tokens[row])
                results[index]["logp"].append(logp[row])
            env = envs[index]
            action = actions[row] if policy.config.chunk > 1 else actions[row, 0]
            obs, _, terminated, truncated, info = env.step(action)
            observations[index] = obs
            results[index]["steps"] = info["steps"]
            if terminated or truncated:
                results[index]["success"] = bool(info["success"])
            else:
                still_active.append(index)
        active = still_active
    for env, start in zip(envs, starts):
        pool.give_back(start.task, env)
    episodes = []
    for start, instruction, result in zip(starts, instructions, results):
        episode = Episode(start=start, instruction=instruction, success=result["success"], steps=result["steps"])
        if record:
            episode.inputs = {key: torch.stack([step[key] for step in result["inputs"]]) for key in result["inputs"][0]}
            episode.tokens = torch.stack(result["tokens"])
            episode.logp = torch.stack(result["logp"])
        episodes.append(episode)
    return episodes


def success_rates(episodes: list[Episode]) -> dict[str, float]:
    """Success rate per task, in the order tasks first appear."""
    totals: dict[str, list[int]] = {}
    for episode in episodes:
        totals.setdefault(episode.start.task, []).append(int(episode.success))
    return {task: float(np.mean(values)) for task, values in totals.items()}
