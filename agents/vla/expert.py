"""Scripted experts for the VLA tasks: MetaWorld's hand-written policies, reading the simulator state.

The expert sees what the learner never does (object and goal positions from the simulator), so
its demonstrations are for behaviour cloning, not a fair baseline.
"""

from __future__ import annotations

from typing import Any

import warnings

import numpy as np


class ScriptedExpert:
    """MetaWorld's scripted policy for the task of the current episode of a VLA env.

    ``act(env)`` returns the next action (float32 [4], or [chunk, 4] repeated for chunked envs:
    the expert re-plans every simulator step only when the env's chunk is 1). ``noise`` adds
    Gaussian noise of that standard deviation to each action (clipped to [-1, 1]), for more
    varied demonstrations.
    """

    def __init__(self, noise: float = 0.0, seed: int | None = None):
        from metaworld.policies import ENV_POLICY_MAP

        self._policies: dict[str, Any] = {}
        self._policy_map = ENV_POLICY_MAP
        self.noise = noise
        self._rng = np.random.default_rng(seed)

    def act(self, env: Any) -> np.ndarray:
        """The expert's action for ``env`` (a VLA env or any wrapper of one) in its current state."""
        base = env.unwrapped
        name = base.task.metaworld
        if name not in self._policies:
            self._policies[name] = self._policy_map[name]()
        with warnings.catch_warnings():  # MetaWorld's policies warn about their own gains on every call
            warnings.simplefilter("ignore", UserWarning)
            action = np.asarray(self._policies[name].get_action(base.privileged_state()), dtype=np.float64)
        if self.noise > 0:
            action = action + self._rng.normal(0.0, self.noise, size=action.shape)
        action = np.clip(action, -1.0, 1.0).astype(np.float32)
        shape = base.action_space.shape
        return action if len(shape) == 1 else np.tile(action, (shape[0], 1))
