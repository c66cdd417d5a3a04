"""Expert demonstrations of the VLA tasks as Minari datasets (images included).

Episode ``i`` is ``reset(seed=seed + i)`` (a training layout and instruction drawn from that seed)
played by :class:`~rlvr.agents.vla.expert.ScriptedExpert` one simulator step at a time. The
dataset keeps the env's observations as they are: ``image`` uint8 [H, W, 3] (stored losslessly),
``proprio`` float32 [4], ``instruction`` text; actions float32 [4].

Datasets go under ``datasets_path`` when given, else ``$MINARI_DATASETS_PATH``, else
``rlvr.cache.cache_dir("datasets")``; they load with ``minari.load_dataset(id)`` when
``MINARI_DATASETS_PATH`` points there, or with :func:`load_dataset` from any of those places.
"""

from __future__ import annotations

import os
import shutil
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from rlvr.agents.vla.expert import ScriptedExpert


def datasets_root(datasets_path: str | Path | None = None) -> Path:
    """Where datasets are written and looked up: ``datasets_path``, ``$MINARI_DATASETS_PATH`` or the rlvr cache."""
    from rlvr.cache import cache_dir

    if datasets_path is not None:
        return Path(datasets_path).expanduser().resolve()  # Minari joins relative roots twice
    if os.environ.get("MINARI_DATASETS_PATH"):
        return Path(os.environ["MINARI_DATASETS_PATH"]).expanduser().resolve()
    return cache_dir("datasets")


@contextmanager
def _minari_root(root: Path) -> Iterator[None]:
    """Minari reads its datasets folder from the environment: point it at ``root`` for a while."""
    before = os.environ.get("MINARI_DATASETS_PATH")
    os.environ["MINARI_DATASETS_PATH"] = str(root)
    try:
        yield
    finally:
        if before is None:
            del os.environ["MINARI_DATASETS_PATH"]
        else:
            os.environ["MINARI_DATASETS_PATH"] = before


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
    import minari
    from minari.data_collector.episode_buffer import EpisodeBuffer

    kwargs = {**(env_kwargs or {})}
    if kwargs.get("action_chunk", 1) != 1:
        raise ValueError("demonstrations are recorded one simulator step at a time: leave action_chunk at 1 (BC builds chunks itself)")
    dataset_id = dataset_id or default_dataset_id(env_id)
    root = datasets_root(datasets_path)
    root.mkdir(parents=True, exist_ok=True)
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
        shutil.rmtree(root / dataset_id, ignore_errors=True)  # a new recording replaces an old one
        with _minari_root(root), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*is set to None", category=UserWarning)  # author, email, permalink
            return minari.create_dataset_from_buffers(
                dataset_id,
                buffers,
                env=env,
                eval_env=env.spec,
                algorithm_name="rlvr.agents.vla.ScriptedExpert" + (f" (noise {noise})" if noise else ""),
                description=f"Scripted-expert demonstrations of {env_id}: camera images, proprioception, instructions.",
                data_format="arrow",
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


def load_dataset(name: str | Path, datasets_path: str | Path | None = None) -> Any:
    """A Minari dataset by id (looked up in :func:`datasets_root`) or by the folder it was written to."""
    import minari

    path = Path(name).expanduser()
    if (path / "data").is_dir():
        return minari.MinariDataset(path / "data")
    root = datasets_root(datasets_path)
    with _minari_root(root):
        if str(name) not in minari.list_local_datasets():
            raise FileNotFoundError(f"no dataset {str(name)!r} in {root}; make one with `rlvr collect --env ID --expert --episodes N`")
        return minari.load_dataset(str(name))
