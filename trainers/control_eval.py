"""Deterministic evaluation of a control policy: whole episodes on a fresh env, fixed seeds."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from rlvr import registry

EVAL_SEED_OFFSET = 1_000_003  # evaluation episodes never reuse a training reset seed


def evaluate_policy(
    env_id: str,
    act: Callable[[np.ndarray], np.ndarray],
    episodes: int,
    *,
    seed: int = 0,
    env_kwargs: dict[str, Any] | None = None,
) -> dict[str, float]:
    """Play ``episodes`` episodes with ``act(observation) -> action`` (reset seeds ``seed + offset + i``).

    Returns ``eval_return`` (mean), ``eval_return_std``, ``eval_success`` (share of episodes whose
    final ``info["success"]`` is True) and, for tasks with D4RL reference scores,
    ``eval_normalized_score`` (D4RL's 0-100 scale).
    """
    from rlvr.envs.control import task_for_env

    env = registry.make(env_id, **(env_kwargs or {}))
    returns, successes = [], []
    try:
        for episode in range(episodes):
            observation, info = env.reset(seed=seed + EVAL_SEED_OFFSET + episode)
            total, done = 0.0, False
            while not done:
                observation, reward, terminated, truncated, info = env.step(act(observation))
                total += float(reward)
                done = terminated or truncated
            returns.append(total)
            successes.append(bool(info.get("success", False)))
    finally:
        env.close()
    metrics = {"eval_return": float(np.mean(returns)), "eval_return_std": float(np.std(returns)), "eval_success": float(np.mean(successes))}
    try:
        score = task_for_env(env_id.partition(":")[2] or env_id).normalized_score(metrics["eval_return"])
    except KeyError:
        score = None
    if score is not None:
        metrics["eval_normalized_score"] = score
    return metrics
