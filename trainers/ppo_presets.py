"""Named PPO hyper-parameter sets, as :class:`~rlvr.trainers.ppo.PPOConfig` overrides per control task.

- ``mujoco-defaults``: rl-baselines3-zoo's MuJoCo defaults — SB3's PPO defaults with observation
  and reward normalisation, which are :class:`PPOConfig`'s own defaults (no overrides).
- ``zoo``: the zoo's tuned entry (``hyperparams/ppo.yml``) for the tasks that have one, the
  defaults otherwise. The tuned HalfCheetah set is the one behind the zoo's published 5819 ± 664
  at 1M steps; rlvr reaches 5748 ± 466 with it (benchmarks/README.md).
"""

from __future__ import annotations

from typing import Any

PRESETS = ("mujoco-defaults", "zoo")

# rl-baselines3-zoo ppo.yml, translated to PPOConfig fields (n_steps → rollout_steps, batch_size →
# minibatch_size, policy_kwargs → hidden_sizes/activation/log_std_init/orthogonal_init).
ZOO_TUNED: dict[str, dict[str, Any]] = {
    "HalfCheetah": dict(
        rollout_steps=512, minibatch_size=64, epochs=20, learning_rate=2.0633e-05, gamma=0.98, gae_lambda=0.92, clip_range=0.1,
        entropy_coef=0.000401762, value_coef=0.58096, max_grad_norm=0.8, hidden_sizes=(256, 256), activation="relu",
        log_std_init=-2.0, orthogonal_init=False,
    ),
    "Hopper": dict(
        rollout_steps=512, minibatch_size=32, epochs=5, learning_rate=9.80828e-05, gamma=0.999, gae_lambda=0.99, clip_range=0.2,
        entropy_coef=0.00229519, value_coef=0.835671, max_grad_norm=0.7, hidden_sizes=(256, 256), activation="relu",
        log_std_init=-2.0, orthogonal_init=False,
    ),
}


def preset_overrides(env_id: str, preset: str) -> dict[str, Any]:
    """The :class:`PPOConfig` fields ``preset`` sets for ``env_id`` (``rlvr/HalfCheetah-v0`` …)."""
    if preset not in PRESETS:
        raise ValueError(f"unknown PPO preset {preset!r}; choose one of {', '.join(PRESETS)}")
    if preset == "mujoco-defaults":
        return {}
    name = env_id.rpartition("/")[2].rsplit("-v", 1)[0]
    return dict(ZOO_TUNED.get(name, {}))
