"""``rlvr collect`` for control envs: Minari datasets recorded locally with D4RL-style recipes.

- ``random``: uniform random actions.
- ``medium``: a PPO policy trained for ``behaviour_steps`` env steps (cached), actions sampled
  from it (stochastic, as D4RL's medium data).
- ``medium-replay``: the policies seen while training that medium policy — ten snapshots taken
  evenly through its training, each rolled out for a tenth of the steps.
- ``expert``: a PPO policy trained five times longer, sampled.

Behaviour policies are trained once per (task, budget, seed) and cached under
``rlvr.cache.cache_dir("control")``. Datasets hold float32 observations, whole episodes only
(the last one stops at ``steps`` and is kept, marked truncated) and D4RL's reference min/max
scores where the task has them. Nothing here touches the network.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable

import numpy as np

from rlvr.minari_store import write_dataset

RECIPES = ("random", "medium", "medium-replay", "expert")
SNAPSHOTS = 10


def default_dataset_id(env_id: str, recipe: str) -> str:
    """``rlvr/Hopper-v0`` + ``medium`` → ``rlvr/Hopper/medium-v0``."""
    return f"rlvr/{env_id.rpartition('/')[2].rsplit('-v', 1)[0]}/{recipe}-v0"


def behaviour_policies(env_id: str, recipe: str, behaviour_steps: int, seed: int, progress: Callable[[str], None] | None = None) -> list[Any]:
    """The cached PPO policies a recipe rolls out (trained on first use): one, or ten snapshots for medium-replay."""
    from rlvr.agents.control import GaussianActorCritic
    from rlvr.cache import cache_dir
    from rlvr.trainers.ppo import PPOConfig, PPOTrainer

    budget = behaviour_steps * (5 if recipe == "expert" else 1)
    name = env_id.rpartition("/")[2]
    folder = cache_dir("control") / "behaviour" / f"{name}-ppo-{budget}-seed{seed}"
    snapshots = [folder / f"snapshot-{index:02d}" for index in range(1, SNAPSHOTS + 1)]
    if not all((path / "policy.pt").is_file() for path in snapshots):
        if progress:
            progress(f"training the behaviour policy: PPO for {budget} steps (cached in {folder})")
        rollout = 2048 if budget >= 20480 else 256
        config = PPOConfig(env=env_id, out=str(folder / "run"), steps=budget, rollout_steps=rollout, seed=seed, eval_episodes=0, checkpoint_every=0, progress=False, tensorboard=False)
        trainer = PPOTrainer(config)
        marks = {int(round(config.iterations * index / SNAPSHOTS)): path for index, path in zip(range(1, SNAPSHOTS + 1), snapshots)}
        try:
            while trainer.iterations_done < config.iterations:
                trainer.iteration()
                if trainer.iterations_done in marks:
                    trainer.policy.save_pretrained(marks[trainer.iterations_done])
        finally:
            trainer.close()
        shutil.rmtree(folder / "run", ignore_errors=True)
    chosen = snapshots if recipe == "medium-replay" else snapshots[-1:]
    return [GaussianActorCritic.from_pretrained(path) for path in chosen]


def collect_control_dataset(
    env_id: str,
    recipe: str,
    steps: int,
    *,
    seed: int = 0,
    behaviour_steps: int = 300_000,
    dataset_id: str | None = None,
    datasets_path: str | Path | None = None,
    env_kwargs: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Any:
    """Record ``steps`` transitions of ``recipe`` on ``env_id`` as a Minari dataset; returns it."""
    import gymnasium as gym
    from minari.data_collector.episode_buffer import EpisodeBuffer

    from rlvr import registry
    from rlvr.envs.control import task_for_env

    if recipe not in RECIPES:
        raise ValueError(f"unknown recipe {recipe!r}; choose one of {', '.join(RECIPES)}")
    task = task_for_env(env_id)
    env = registry.make(env_id, **(env_kwargs or {}))
    rng = np.random.Generator(np.random.PCG64(seed))
    env.action_space.seed(seed)
    policies = [None] if recipe == "random" else behaviour_policies(env_id, recipe, behaviour_steps, seed, progress)
    shares = [steps // len(policies) + (1 if index < steps % len(policies) else 0) for index in range(len(policies))]
    buffers: list[EpisodeBuffer] = []
    try:
        for policy, share in zip(policies, shares):
            recorded = 0
            while recorded < share:
                record = _episode(env, policy, rng, share - recorded, seed + len(buffers))
                buffers.append(EpisodeBuffer(id=len(buffers), seed=seed + len(buffers), **record))
                recorded += len(record["rewards"])
        float_space = gym.spaces.Box(env.observation_space.low.astype(np.float32), env.observation_space.high.astype(np.float32), dtype=np.float32)
        return write_dataset(
            dataset_id or default_dataset_id(env_id, recipe), buffers, datasets_path, env=env.spec, observation_space=float_space,
            action_space=env.action_space, algorithm_name=f"rlvr.trainers.collect ({recipe})", ref_min_score=task.d4rl_random_score,
            ref_max_score=task.d4rl_expert_score,
            description=f"{recipe} transitions of {env_id}, recorded locally ({steps} steps, seed {seed}); reference scores are D4RL's.",
        )
    finally:
        env.close()


def _episode(env: Any, policy: Any, rng: np.random.Generator, budget: int, seed: int) -> dict[str, Any]:
    """One episode (cut at ``budget`` steps, then marked truncated) by ``policy`` (None: uniform random)."""
    observation, _ = env.reset(seed=seed)
    observations, actions, rewards, terminations, truncations = [observation], [], [], [], []
    fast = None if policy is None else policy.numpy_copy()
    done = False
    while not done:
        if fast is None:
            action = env.action_space.sample()
        else:
            normalised = policy.observation_normalizer(np.asarray(observation, np.float64)[None])
            action, _, _ = fast.sample(normalised, rng.standard_normal((1, policy.config.action_dim), dtype=np.float32))
            action = policy.clip_action(action[0])
        observation, reward, terminated, truncated, _ = env.step(action)
        truncated = truncated or len(rewards) + 1 >= budget
        observations.append(observation)
        actions.append(np.asarray(action, np.float32))
        rewards.append(float(reward))
        terminations.append(bool(terminated))
        truncations.append(bool(truncated and not terminated))
        done = terminated or truncated
    return {"observations": np.asarray(observations, np.float32), "actions": np.stack(actions), "rewards": rewards, "terminations": terminations, "truncations": truncations, "infos": {}}
