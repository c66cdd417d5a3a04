"""Transitions for offline-to-online RL: Minari datasets loaded into a replay buffer, with
returns-to-go for Cal-QL's calibration."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import Tensor


class DatasetError(ValueError):
    """A dataset that is missing or does not fit the env; the message says what to do."""


def returns_to_go(rewards: np.ndarray, terminated: bool, gamma: float) -> np.ndarray:
    """Discounted return from every step of one episode to its end.

    A terminated episode's future is worth 0 after its last step. A truncated one (time limit)
    went on unseen: its tail is valued as if the episode's mean reward continued forever,
    ``mean(r) / (1 - gamma)``, instead of pretending the episode stopped there — a truncation is
    not a termination, for returns-to-go as for bootstrapping.
    """
    tail = 0.0 if terminated or len(rewards) == 0 else float(np.mean(rewards)) / (1 - gamma)
    out = np.empty(len(rewards), np.float32)
    for t in range(len(rewards) - 1, -1, -1):
        tail = float(rewards[t]) + gamma * tail
        out[t] = tail
    return out


@dataclass
class Batch:
    """A sampled batch of transitions as float32 tensors ([N, ...]; ``terminated`` 0/1)."""

    observations: Tensor
    actions: Tensor
    rewards: Tensor
    next_observations: Tensor
    terminated: Tensor
    returns_to_go: Tensor

    @staticmethod
    def concat(first: Batch, second: Batch) -> Batch:
        return Batch(*(torch.cat([a, b]) for a, b in zip(vars(first).values(), vars(second).values())))

    def to(self, device: torch.device | str) -> Batch:
        """The batch on ``device`` (itself when it is there already)."""
        return Batch(*(t.to(device, non_blocking=True) for t in vars(self).values()))


class ReplayBuffer:
    """A fixed-capacity ring buffer of transitions (float32 numpy), sampled uniformly."""

    def __init__(self, observation_dim: int, action_dim: int, capacity: int):
        self.capacity, self.size, self.cursor = capacity, 0, 0
        self.arrays = {
            "observations": np.zeros((capacity, observation_dim), np.float32),
            "actions": np.zeros((capacity, action_dim), np.float32),
            "rewards": np.zeros(capacity, np.float32),
            "next_observations": np.zeros((capacity, observation_dim), np.float32),
            "terminated": np.zeros(capacity, np.float32),
            "returns_to_go": np.zeros(capacity, np.float32),
        }

    def add(self, **transition: Any) -> None:
        """Add one transition (keyword per array; ``returns_to_go`` defaults to 0)."""
        for key, array in self.arrays.items():
            array[self.cursor] = transition.get(key, 0.0)
        self.cursor = (self.cursor + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def extend(self, arrays: dict[str, np.ndarray]) -> None:
        count = len(arrays["rewards"])
        if count > self.capacity - self.size:
            raise ValueError(f"{count} transitions do not fit in a buffer of {self.capacity} holding {self.size}")
        for key, array in self.arrays.items():
            array[self.size : self.size + count] = arrays[key]
        self.size += count
        self.cursor = self.size % self.capacity

    def sample(self, count: int, rng: np.random.Generator) -> Batch:
        index = rng.integers(0, self.size, size=count)
        return Batch(**{key: torch.from_numpy(array[index]) for key, array in self.arrays.items()})

    def state_dict(self) -> dict[str, Any]:
        return {"size": self.size, "cursor": self.cursor, **{key: array[: self.size].copy() for key, array in self.arrays.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.size = int(state["size"])
        self.cursor = self.size % self.capacity if self.size < self.capacity else int(state["cursor"]) % self.capacity
        for key, array in self.arrays.items():
            array[: self.size] = state[key]


def load_minari(name: str, datasets_path: str | Path | None = None) -> Any:
    """A Minari dataset by id (in ``datasets_path``, ``$MINARI_DATASETS_PATH`` or the rlvr cache) or folder."""
    from rlvr.minari_store import load_dataset

    try:
        return load_dataset(name, datasets_path, how_to_record="`rlvr collect --env ENV --recipe medium`")
    except FileNotFoundError as exc:
        raise DatasetError(str(exc)) from None


def check_spaces(dataset: Any, env: gym.Env, name: str) -> None:
    """Raise :class:`DatasetError` when the dataset's observation or action shapes differ from the env's."""
    spaces = ((dataset.spec.observation_space, env.observation_space, "observations"), (dataset.spec.action_space, env.action_space, "actions"))
    for stored, wanted, what in spaces:
        if getattr(stored, "shape", None) != getattr(wanted, "shape", None):
            raise DatasetError(f"dataset {name!r} has {what} of shape {getattr(stored, 'shape', None)} but {env.spec.id if env.spec else 'the env'} has {wanted.shape}; record a dataset on this env with `rlvr collect`")


def transitions(dataset: Any, gamma: float) -> dict[str, np.ndarray]:
    """Every transition of every episode (float32), with returns-to-go per :func:`returns_to_go`."""
    parts: dict[str, list[np.ndarray]] = {key: [] for key in ("observations", "actions", "rewards", "next_observations", "terminated", "returns_to_go")}
    for episode in dataset.iterate_episodes():
        observations = np.asarray(episode.observations, np.float32)
        rewards = np.asarray(episode.rewards, np.float32)
        terminated = np.asarray(episode.terminations, bool)
        parts["observations"].append(observations[:-1])
        parts["next_observations"].append(observations[1:])
        parts["actions"].append(np.asarray(episode.actions, np.float32))
        parts["rewards"].append(rewards)
        parts["terminated"].append(terminated.astype(np.float32))
        parts["returns_to_go"].append(returns_to_go(rewards, bool(terminated[-1]), gamma))
    if not parts["rewards"]:
        raise DatasetError("the dataset has no episodes; record it again with `rlvr collect`")
    return {key: np.concatenate(values) for key, values in parts.items()}
