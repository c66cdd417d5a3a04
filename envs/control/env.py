"""``rlvr/<Task>-v0``: a Gymnasium MuJoCo v5 task with a verifiable success flag."""

from __future__ import annotations

import importlib
from typing import Any, SupportsFloat

import gymnasium as gym
import numpy as np

from rlvr.envs.control.tasks import TASKS


class MujocoControlEnv(gym.Wrapper):
    """A Gymnasium MuJoCo v5 env (rewards, observations and terminations unchanged) whose ``info``
    also says whether the episode is a success.

    ``info`` on every reset and step carries ``episode_return`` (the return so far) and
    ``success`` (``episode_return >= success_return``, the task's threshold in
    :mod:`rlvr.envs.control.tasks`); on the last step of an episode ``success`` is the verdict.

    Actions the agent sends are made safe rather than rejected: values outside the action box are
    clipped to it, and NaN entries become 0 (``info["invalid_action"]`` is then True), so a
    diverged policy cannot corrupt the simulator state. The time limit comes from the registry
    (``max_episode_steps``), as for Gymnasium's own ids.
    """

    def __init__(self, task: str, **kwargs: Any):
        if task not in TASKS:
            raise ValueError(f"unknown control task {task!r}; choose one of {', '.join(TASKS)}")
        self.task = TASKS[task]
        module, _, name = self.task.entry_point.partition(":")
        super().__init__(getattr(importlib.import_module(module), name)(**kwargs))
        self.episode_return = 0.0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        observation, info = self.env.reset(seed=seed, options=options)
        self.episode_return = 0.0
        return observation, {**info, "episode_return": 0.0, "success": False}

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        space = self.action_space
        raw = np.asarray(action, dtype=space.dtype).reshape(space.shape)
        invalid = bool(np.isnan(raw).any())
        if invalid:
            raw = np.where(np.isnan(raw), 0.0, raw).astype(space.dtype)
        safe = np.minimum(np.maximum(raw, space.low), space.high)
        observation, reward, terminated, truncated, info = self.env.step(safe)
        self.episode_return += float(reward)
        info = {**info, "episode_return": self.episode_return, "success": self.episode_return >= self.task.success_return}
        if invalid:
            info["invalid_action"] = True
        return observation, reward, terminated, truncated, info
