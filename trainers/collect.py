"""``rlvr collect`` for control envs: Minari datasets recorded locally with D4RL-style recipes.

- ``random``: uniform random actions.
- ``medium``: a PPO policy trained until its recent training episodes average a third of the
  expert's D4RL-normalised score (``medium_score``, as D4RL's early-stopped medium policies), or
  for ``behaviour_steps`` env steps where the task has no reference scores or never gets there;
  actions sampled from it (stochastic, as D4RL's medium data).
- ``medium-replay``: the policies seen while training that medium policy — ten snapshots taken
  evenly through its training, each rolled out for a tenth of the steps.
- ``expert``: a PPO policy trained for five times ``behaviour_steps`` without stopping early, sampled.

Behaviour policies train with the ``zoo`` PPO preset (rl-baselines3-zoo's tuned settings where
the task has them) and are cached per (task, budget, medium score, seed) under
``rlvr.cache.cache_dir("control")``, with ``behaviour.json`` saying how far they got. Datasets
hold float32 observations, whole episodes only (the last one stops at ``steps`` and is kept,
marked truncated) and D4RL's reference min/max scores where the task has them. Nothing here
touches the network.
"""

from __future__ import annotations

import copy
import json
import math
import shutil
from collections import deque
from pathlib import Path
from typing import Any, Callable

import numpy as np

from rlvr.minari_store import write_dataset

RECIPES = ("random", "medium", "medium-replay", "expert")
SNAPSHOTS = 10
MEDIUM_SCORE = 100.0 / 3  # D4RL's medium policies score about a third of its expert reference
RETURN_WINDOW = 10  # training episodes averaged for the medium stopping test
KEPT_POLICIES = 100  # copies kept while training; medium-replay takes ten of them evenly


def default_dataset_id(env_id: str, recipe: str) -> str:
    """``rlvr/Hopper-v0`` + ``medium`` → ``rlvr/Hopper/medium-v0``."""
    return f"rlvr/{env_id.rpartition('/')[2].rsplit('-v', 1)[0]}/{recipe}-v0"


def behaviour_policies(
    env_id: str, recipe: str, behaviour_steps: int, seed: int, progress: Callable[[str], None] | None = None, *, medium_score: float = MEDIUM_SCORE
) -> tuple[list[Any], dict[str, Any]]:
    """The cached PPO policies a recipe rolls out (trained on first use) — one, or ten snapshots for
    medium-replay — and what their training reached (``behaviour.json``)."""
    from rlvr.agents.control import GaussianActorCritic
    from rlvr.cache import cache_dir
    from rlvr.envs.control import task_for_env

    expert = recipe == "expert"
    budget = behaviour_steps * (5 if expert else 1)
    task = task_for_env(env_id)
    target = None if expert or task.d4rl_expert_score is None else task.d4rl_random_score + medium_score / 100 * (task.d4rl_expert_score - task.d4rl_random_score)
    stop = "expert" if target is None else f"medium{medium_score:g}"
    folder = cache_dir("control") / "behaviour" / f"{task.name}-ppo-zoo-{budget}-{stop}-seed{seed}"
    snapshots = [folder / f"snapshot-{index:02d}" for index in range(1, SNAPSHOTS + 1)]
    if not all((path / "policy.pt").is_file() for path in snapshots) or not (folder / "behaviour.json").is_file():
        if progress:
            until = "" if target is None else f", stopping once {RETURN_WINDOW} training episodes average a return of {target:.0f} (D4RL-normalised {medium_score:g})"
            progress(f"training the behaviour policy: PPO (zoo preset) for up to {budget} steps{until}; cached in {folder}")
        _train_behaviour(env_id, budget, seed, target, folder, snapshots)
    chosen = snapshots if recipe == "medium-replay" else snapshots[-1:]
    return [GaussianActorCritic.from_pretrained(path) for path in chosen], json.loads((folder / "behaviour.json").read_text())


def _train_behaviour(env_id: str, budget: int, seed: int, target: float | None, folder: Path, snapshots: list[Path]) -> None:
    """PPO until ``budget`` steps or until the last training episodes average ``target``; writes the
    ten snapshots (evenly over the steps trained) and ``behaviour.json``."""
    from rlvr.envs.control import task_for_env
    from rlvr.trainers.ppo import PPOConfig, PPOTrainer
    from rlvr.trainers.ppo_presets import preset_overrides

    hyper = preset_overrides(env_id, "zoo")
    if budget < SNAPSHOTS * hyper.get("rollout_steps", 2048):  # small budgets (tests, quick looks) still get ten iterations
        hyper["rollout_steps"] = 256
    config = PPOConfig(env=env_id, out=str(folder / "run"), steps=budget, seed=seed, eval_episodes=0, checkpoint_every=0, progress=False, tensorboard=False, **hyper)
    trainer = PPOTrainer(config)
    keep_every = math.ceil(config.iterations / KEPT_POLICIES)
    kept: list[Any] = []
    recent: deque[tuple[float, float]] = deque()  # (mean return, episodes) of the latest iterations
    reached = False
    try:
        while trainer.iterations_done < config.iterations and not reached:
            metrics = trainer.iteration()
            if "reward" in metrics:
                recent.append((metrics["reward"], metrics["episodes"]))
                while sum(n for _, n in recent) - recent[0][1] >= RETURN_WINDOW:
                    recent.popleft()
            episodes = sum(n for _, n in recent)
            window_return = sum(r * n for r, n in recent) / episodes if episodes else float("nan")
            reached = target is not None and episodes >= RETURN_WINDOW and window_return >= target
            if trainer.iterations_done % keep_every == 0 or reached or trainer.iterations_done == config.iterations:
                kept.append(copy.deepcopy(trainer.policy))
        steps = trainer.env_steps
    finally:
        trainer.close()
    for index, path in enumerate(snapshots, start=1):
        kept[math.ceil(len(kept) * index / SNAPSHOTS) - 1].save_pretrained(path)
    score = task_for_env(env_id).normalized_score(window_return) if episodes else None
    summary = {"steps": steps, "budget": budget, "target_return": target, "reached_target": reached, "training_return": window_return if episodes else None, "normalized_score": score}
    (folder / "behaviour.json").write_text(json.dumps(summary, indent=1))
    shutil.rmtree(folder / "run", ignore_errors=True)


def collect_control_dataset(
    env_id: str,
    recipe: str,
    steps: int,
    *,
    seed: int = 0,
    behaviour_steps: int = 1_000_000,
    medium_score: float = MEDIUM_SCORE,
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
    policies, behaviour = ([None], {}) if recipe == "random" else behaviour_policies(env_id, recipe, behaviour_steps, seed, progress, medium_score=medium_score)
    if progress and behaviour:
        missed = " — short of the medium score; raise behaviour_steps" if recipe != "expert" and behaviour["target_return"] is not None and not behaviour["reached_target"] else ""
        progress(_describe(behaviour).removeprefix("; ") + missed)
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
            description=f"{recipe} transitions of {env_id}, recorded locally ({steps} steps, seed {seed}){_describe(behaviour)}; reference scores are D4RL's.",
        )
    finally:
        env.close()


def _describe(behaviour: dict[str, Any]) -> str:
    """``behaviour.json`` as a clause of the dataset's description."""
    if not behaviour:
        return ""
    reached = behaviour["training_return"]
    score = "" if behaviour["normalized_score"] is None else f", D4RL-normalised {behaviour['normalized_score']:.1f}"
    return f"; behaviour policy: PPO for {behaviour['steps']} steps" + ("" if reached is None else f", training return {reached:.1f}{score}")


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
