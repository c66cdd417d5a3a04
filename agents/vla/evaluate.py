"""Success rate per task of a VLA policy on fixed initial states (held-out, or validation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

from rlvr.agents.vla.policy import VLAPolicy
from rlvr.agents.vla.rollout import EnvPool, Start, pool_for, rollout, success_rates
from rlvr.envs.robotics.env import EVAL_LAYOUTS


@dataclass(frozen=True)
class SuccessReport:
    """Success rate per task (and their mean) over ``episodes`` fixed layouts per task."""

    per_task: dict[str, float]
    episodes: int
    instructions: str
    greedy: bool

    @property
    def mean(self) -> float:
        return sum(self.per_task.values()) / max(len(self.per_task), 1)

    def as_dict(self) -> dict[str, object]:
        return {"per_task": self.per_task, "mean": self.mean, "episodes_per_task": self.episodes, "instructions": self.instructions, "greedy": self.greedy}


def evaluate_policy(
    policy: VLAPolicy,
    tasks: Sequence[str],
    *,
    episodes: int = 100,
    instructions: str = "train",
    greedy: bool = True,
    max_steps: int = 150,
    seed: int = 0,
    pool: EnvPool | None = None,
    max_envs: int = 32,
    layouts: Sequence[int] = EVAL_LAYOUTS,
) -> SuccessReport:
    """Success rate per task on the first ``episodes`` of ``layouts`` (default the held-out
    evaluation layouts 1000, 1001, ...; a trainer choosing checkpoints passes ``VALIDATION_LAYOUTS``).

    The layouts are the same for every policy and every call, so two policies are compared on
    the same initial states. ``instructions="heldout"`` uses paraphrases never trained on.
    Sampling (``greedy=False``) draws from ``seed``.
    """
    if episodes > len(layouts):
        raise ValueError(f"there are {len(layouts)} evaluation layouts per task; asked for {episodes}")
    own_pool = pool is None
    pool = pool or pool_for(policy, max_steps=max_steps, instructions=instructions)
    starts = [Start(task, layouts[i], seed=seed + i) for task in tasks for i in range(episodes)]
    generator = torch.Generator().manual_seed(seed)
    try:
        results = rollout(policy, pool, starts, greedy=greedy, generator=generator, max_envs=max_envs)
    finally:
        if own_pool:
            pool.close()
    return SuccessReport(success_rates(results), episodes, instructions, greedy)
