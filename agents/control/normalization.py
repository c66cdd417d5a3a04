"""Running mean/variance statistics and the observation/reward normalisation built on them (the
scheme of SB3's ``VecNormalize``: observations standardised and clipped, rewards divided by the
standard deviation of the discounted return)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class RunningMeanStd:
    """Mean and variance of a stream of arrays of ``shape``, updated in batches (Chan et al.'s parallel formula)."""

    shape: tuple[int, ...] = ()
    mean: np.ndarray = field(init=False)
    var: np.ndarray = field(init=False)
    count: float = 1e-4

    def __post_init__(self) -> None:
        self.mean = np.zeros(self.shape, np.float64)
        self.var = np.ones(self.shape, np.float64)

    def update(self, batch: np.ndarray) -> None:
        batch = np.asarray(batch, np.float64).reshape(-1, *self.shape)
        batch_count = batch.shape[0]
        if batch_count == 1:  # the common one-env case, without numpy's reduction overhead
            batch_mean, batch_var = batch[0], 0.0
        else:
            batch_mean = batch.mean(0)
            batch_var = np.square(batch - batch_mean).mean(0)
        delta = batch_mean - self.mean
        total = self.count + batch_count
        self.mean = self.mean + delta * batch_count / total
        self.var = (self.var * self.count + batch_var * batch_count + delta**2 * self.count * batch_count / total) / total
        self.count = total

    def state_dict(self) -> dict[str, Any]:
        return {"mean": self.mean.copy(), "var": self.var.copy(), "count": self.count}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.mean, self.var, self.count = np.array(state["mean"]), np.array(state["var"]), float(state["count"])


class ObservationNormalizer:
    """``clip((obs - mean) / sqrt(var + eps), -clip, clip)`` with running statistics; ``update=False`` freezes them (evaluation)."""

    def __init__(self, shape: tuple[int, ...], clip: float = 10.0, epsilon: float = 1e-8, enabled: bool = True):
        self.stats = RunningMeanStd(shape)
        self.clip, self.epsilon, self.enabled = clip, epsilon, enabled

    def __call__(self, observation: np.ndarray, update: bool = False) -> np.ndarray:
        if not self.enabled:
            return np.asarray(observation, np.float32)
        if update:
            self.stats.update(observation)
        scaled = (observation - self.stats.mean) / np.sqrt(self.stats.var + self.epsilon)
        return np.minimum(np.maximum(scaled, -self.clip), self.clip).astype(np.float32)

    def state_dict(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "clip": self.clip, **self.stats.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.enabled, self.clip = bool(state["enabled"]), float(state["clip"])
        self.stats.load_state_dict(state)


class RewardNormalizer:
    """Rewards divided by the running standard deviation of the discounted return, then clipped.

    The discounted return restarts at every episode end (``done``), as in SB3's ``VecNormalize``.
    """

    def __init__(self, num_envs: int, gamma: float, clip: float = 10.0, epsilon: float = 1e-8, enabled: bool = True):
        self.stats = RunningMeanStd(())
        self.returns = np.zeros(num_envs)
        self.gamma, self.clip, self.epsilon, self.enabled = gamma, clip, epsilon, enabled

    def __call__(self, reward: np.ndarray, done: np.ndarray) -> np.ndarray:
        if not self.enabled:
            return np.asarray(reward, np.float32)
        self.returns = self.returns * self.gamma + reward
        self.stats.update(self.returns)
        self.returns[done] = 0.0
        return np.clip(reward / np.sqrt(self.stats.var + self.epsilon), -self.clip, self.clip).astype(np.float32)

    def state_dict(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "returns": self.returns.copy(), **self.stats.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.enabled, self.returns = bool(state["enabled"]), np.array(state["returns"])
        self.stats.load_state_dict(state)
