"""Save and restore the exact simulator state of a running control env, so a training run that
resumes from a checkpoint continues its episodes bit for bit."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import mujoco
import numpy as np

_SPEC = mujoco.mjtState.mjSTATE_INTEGRATION


def _layers(env: gym.Env) -> list[Any]:
    layers, current = [], env
    while True:
        layers.append(current)
        if not hasattr(current, "env") or current is current.unwrapped:
            return layers
        current = current.env


def get_env_state(env: gym.Env) -> dict[str, Any]:
    """Everything a MuJoCo env (and its wrappers' episode counters) needs to continue exactly."""
    base = env.unwrapped
    physics = np.empty(mujoco.mj_stateSize(base.model, _SPEC))
    mujoco.mj_getState(base.model, base.data, physics, _SPEC)
    counters = {}
    for index, layer in enumerate(_layers(env)):
        for name in ("_elapsed_steps", "episode_return", "_has_reset"):
            if name in vars(layer):
                counters[f"{index}.{name}"] = vars(layer)[name]
    return {"physics": physics, "np_random": base.np_random.bit_generator.state, "counters": counters}


def set_env_state(env: gym.Env, state: dict[str, Any]) -> None:
    """Put ``env`` (built the same way as the one saved) back into a state from :func:`get_env_state`."""
    base = env.unwrapped
    mujoco.mj_setState(base.model, base.data, np.asarray(state["physics"], dtype=np.float64), _SPEC)
    base.np_random.bit_generator.state = state["np_random"]
    layers = _layers(env)
    for key, value in state["counters"].items():
        index, name = key.split(".", 1)
        setattr(layers[int(index)], name, value)
