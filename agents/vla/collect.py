"""Expert demonstrations of the VLA tasks as Minari datasets (images included).

Episode ``i`` is ``reset(seed=seed + i)`` (a training layout and instruction drawn from that seed)
played by :class:`~rlvr.agents.vla.expert.ScriptedExpert` one simulator step at a time. The
dataset keeps the env's observations as they are: ``image`` uint8 [H, W, 3] (stored losslessly),
``proprio`` float32 [4], ``instruction`` text; actions float32 [4].

Where datasets go and how they load: :mod:`rlvr.minari_store`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from rlvr.agents.vla.expert import ScriptedExpert
from rlvr.minari_store import write_dataset


def default_dataset_id(env_id: str) -> str:
    """``rlvr/VLA-Reach-v0`` → ``rlvr/VLA-Reach/expert-v0``."""
    name = env_id.rpartition("/")[2].rsplit("-v", 1)[0]
    return f"rlvr/{name}/expert-v0"


def collect_expert_dataset(
    env_id: str,
    episodes: int,
    *,
    seed: int = 0,
    noise: float = 0.0,
    dataset_id: str | None = None,
    datasets_path: str | Path | None = None,
    env_kwargs: dict[str, Any] | None = None,
    only_successes: bool = True,
    progress: Callable[[int], None] | None = None,
) -> Any:
    """Play ``episodes`` expert episodes on ``env_id`` and write them as a Minari dataset; returns it.

    ``noise`` perturbs the expert's actions (Gaussian, that standard deviation) for more varied
    states; with ``only_successes`` an episode the expert failed is replaced by the next seed's
    (so noisy demonstrations stay demonstrations). ``progress(n)`` is called after each kept episode.
    """
    import gymnasium as gym
    from minari.data_collector.episode_buffer import EpisodeBuffer

    kwargs = {**(env_kwargs or {})}
    if kwargs.get("action_chunk", 1) != 1:
        raise ValueError("demonstrations are recorded one simulator step at a time: leave action_chunk at 1 (BC builds chunks itself)")
    dataset_id = dataset_id or default_dataset_id(env_id)
    env = gym.make(env_id, **kwargs)
    expert = ScriptedExpert(noise=noise, seed=seed)
    buffers: list[EpisodeBuffer] = []
    attempt = 0
    try:
        while len(buffers) < episodes:
            episode_seed = seed + attempt
            attempt += 1
            if attempt > 4 * episodes + 10:
                raise RuntimeError(f"the expert succeeded in only {len(buffers)} of {attempt - 1} episodes; lower noise={noise}")
            record = _play(env, expert, episode_seed)
            if only_successes and not record["terminations"][-1]:
                continue
            buffers.append(EpisodeBuffer(id=len(buffers), seed=episode_seed, **record))
            if progress is not None:
                progress(len(buffers))
        return write_dataset(
            dataset_id,
            buffers,
            datasets_path,
            env=env,
            eval_env=env.spec,
            algorithm_name="rlvr.agents.vla.ScriptedExpert" + (f" (noise {noise})" if noise else ""),
            description=f"Scripted-expert demonstrations of {env_id}: camera images, proprioception, instructions.",
            jpeg_encoding=False,
        )
    finally:
        env.close()


def _play(env: Any, expert: ScriptedExpert, seed: int) -> dict[str, Any]:
    observation, _ = env.reset(seed=seed)
    observations: dict[str, list[Any]] = {key: [value] for key, value in observation.items()}
    actions, rewards, terminations, truncations = [], [], [], []
    done = False
    while not done:
        action = expert.act(env)
        observation, reward, terminated, truncated, _ = env.step(action)
        for key, value in observation.items():
            observations[key].append(value)
        actions.append(action)
        rewards.append(float(reward))
        terminations.append(bool(terminated))
        truncations.append(bool(truncated))
        done = terminated or truncated
    stacked = {key: values if key == "instruction" else np.stack(values) for key, values in observations.items()}
    return {
        "observations": stacked,
        "actions": np.stack(actions),
        "rewards": rewards,
        "terminations": terminations,
        "truncations": truncations,
        "infos": {},
    }
