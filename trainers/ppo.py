"""PPO for continuous control on Gymnasium vector envs.

Each iteration collects ``rollout_steps`` steps from each of ``num_envs`` envs with a numpy copy
of the policy (no torch dispatch per env step), computes GAE advantages
(:func:`rlvr.trainers.advantages.gae`: bootstrap on truncation, never on termination), and takes
``epochs`` passes of minibatch updates with the clipped surrogate shared with GRPO
(:func:`rlvr.trainers.losses.policy_loss` on [N, 1] tensors) plus a value loss. Observations and
rewards are normalised with running statistics (SB3's ``VecNormalize`` scheme); the observation
statistics live in the policy and are saved with it. The defaults are SB3's PPO defaults with
normalisation on — rl-baselines3-zoo's ``mujoco-defaults``.

A checkpoint holds the policy, the optimiser, the reward statistics, the random generators and
the exact simulator state of every env, so ``resume`` continues the same run number for number.
Read :meth:`PPOTrainer.iteration` top to bottom for the algorithm.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from rlvr import registry
from rlvr.agents.control import GaussianActorCritic, RewardNormalizer
from rlvr.envs.control import get_env_state, set_env_state
from rlvr.trainers.advantages import gae
from rlvr.trainers.checkpoint import latest_checkpoint, load_trainer_state, save_checkpoint
from rlvr.trainers.control_eval import evaluate_policy
from rlvr.trainers.errors import ConfigError
from rlvr.trainers.losses import PolicyLossConfig, policy_loss
from rlvr.trainers.metrics import MetricsLogger
from rlvr.trainers.progress import Progress


@dataclass
class PPOConfig:
    """Everything a PPO run needs; ``rlvr train ppo`` flags map onto these fields.

    ``steps`` counts env steps over all envs; one iteration is ``num_envs * rollout_steps`` of
    them. ``value_clip`` clips the value update around the old prediction (CleanRL's default
    0.2; SB3's default is off). ``checkpoint_every`` is in env steps (rounded up to whole
    iterations); 0 writes only the final checkpoint.
    """

    env: str
    out: str = "runs/ppo"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    steps: int = 1_000_000
    num_envs: int = 1
    rollout_steps: int = 2048
    minibatch_size: int = 64
    epochs: int = 10
    learning_rate: float = 3e-4
    anneal_lr: bool = False
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip_range: float = 0.2
    value_clip: float | None = None
    entropy_coef: float = 0.0
    value_coef: float = 0.5
    max_grad_norm: float = 0.5
    target_kl: float | None = None
    normalize_advantages: bool = True
    normalize_observations: bool = True
    normalize_rewards: bool = True
    hidden_sizes: tuple[int, ...] = (64, 64)
    activation: str = "tanh"
    log_std_init: float = 0.0
    orthogonal_init: bool = True
    eval_episodes: int = 10
    checkpoint_every: int = 100_000
    seed: int = 0
    torch_threads: int = 1
    tensorboard: bool = True
    wandb_project: str | None = None
    progress: bool = True

    def validate(self) -> None:
        """Raise :class:`ConfigError` with one sentence for the first problem found."""
        for name in ("steps", "num_envs", "rollout_steps", "minibatch_size", "epochs", "torch_threads"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.minibatch_size > self.num_envs * self.rollout_steps:
            raise ConfigError(f"minibatch_size ({self.minibatch_size}) cannot exceed the steps per iteration (num_envs * rollout_steps = {self.num_envs * self.rollout_steps})")
        if self.learning_rate <= 0:
            raise ConfigError(f"learning_rate must be positive, got {self.learning_rate}")
        if not (0 < self.gamma <= 1 and 0 <= self.gae_lambda <= 1):
            raise ConfigError(f"need 0 < gamma <= 1 and 0 <= gae_lambda <= 1, got {self.gamma} and {self.gae_lambda}")
        if self.activation not in ("tanh", "relu"):
            raise ConfigError(f"activation must be 'tanh' or 'relu', got {self.activation!r}")
        if self.eval_episodes < 0 or self.checkpoint_every < 0:
            raise ConfigError("eval_episodes and checkpoint_every must be >= 0")

    @property
    def iterations(self) -> int:
        per_iteration = self.num_envs * self.rollout_steps
        return -(-self.steps // per_iteration)


@dataclass
class Rollout:
    """One iteration's experience, time-major [T, num_envs, ...]: normalised observations, the
    unclipped actions and their log-probabilities, normalised rewards, termination and
    truncation flags, V(s_t) and V(s_{t+1}) (the real next state, also at episode ends)."""

    observations: np.ndarray
    actions: np.ndarray
    logp: np.ndarray
    rewards: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    values: np.ndarray
    next_values: np.ndarray


class _SuccessInfoOnly(gym.Wrapper):
    """Keeps only ``info["success"]``: the vector env merges every info key on every step, and the
    trainer reads nothing else (a sixth of the per-step cost on HalfCheetah)."""

    def step(self, action: Any) -> tuple[Any, Any, bool, bool, dict[str, Any]]:
        observation, reward, terminated, truncated, info = self.env.step(action)
        return observation, reward, terminated, truncated, {"success": info.get("success", False)}

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        observation, _ = self.env.reset(**kwargs)
        return observation, {}


class PPOTrainer:
    """Runs a :class:`PPOConfig`: ``PPOTrainer(config).train()`` returns the per-iteration metrics."""

    def __init__(self, config: PPOConfig, *, resume: bool = False):
        config.validate()
        self.config = config
        torch.set_num_threads(config.torch_threads)
        torch.manual_seed(config.seed)
        self.out = Path(config.out)
        self.envs = self._make_envs()
        self.policy = GaussianActorCritic.for_spaces(
            self.envs.single_observation_space,
            self.envs.single_action_space,
            hidden_sizes=tuple(config.hidden_sizes),
            activation=config.activation,
            log_std_init=config.log_std_init,
            orthogonal_init=config.orthogonal_init,
            normalize_observations=config.normalize_observations,
        )
        self.optimizer = self._make_optimizer()
        self.reward_normalizer = RewardNormalizer(config.num_envs, config.gamma, enabled=config.normalize_rewards)
        self.noise_rng = np.random.Generator(np.random.PCG64(config.seed))
        self.shuffle_rng = torch.Generator().manual_seed(config.seed)
        self.loss_config = PolicyLossConfig(clip_low=config.clip_range, clip_high=config.clip_range, entropy_coef=config.entropy_coef)
        self.env_steps = 0
        self.iterations_done = 0
        self.episode_returns = np.zeros(config.num_envs)
        self.episode_lengths = np.zeros(config.num_envs, dtype=np.int64)
        self.finished: list[tuple[float, int, bool]] = []
        resume_step = None
        checkpoint = latest_checkpoint(self.out) if resume else None
        if resume and checkpoint is None:
            raise ConfigError(f"nothing to resume in {str(self.out)!r}: it has no checkpoint; drop --resume to start a new run")
        if checkpoint is not None:
            self._load(checkpoint)
            resume_step = self.env_steps
        else:
            raw, _ = self.envs.reset(seed=config.seed)
            self.raw_observation = raw
            self.policy.observation_normalizer.stats.update(raw) if config.normalize_observations else None
        self.metrics = MetricsLogger(self.out, tensorboard=config.tensorboard, wandb_project=config.wandb_project, config=dataclasses.asdict(config), resume_step=resume_step)
        (self.out / "config.json").write_text(json.dumps(dataclasses.asdict(config), indent=2, default=str))

    def _make_optimizer(self) -> torch.optim.Adam:
        # fused: one kernel for all parameters instead of a dozen small ops per tensor (~25% of a minibatch step)
        return torch.optim.Adam(self.policy.parameters(), lr=self.config.learning_rate, eps=1e-5, fused=True)

    def _make_envs(self) -> gym.vector.SyncVectorEnv:
        def make() -> gym.Env:
            return _SuccessInfoOnly(registry.make(self.config.env, **self.config.env_kwargs))

        try:
            envs = gym.vector.SyncVectorEnv([make] * self.config.num_envs, autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)
        except gym.error.Error as exc:
            raise ConfigError(f"cannot make {self.config.env!r}: {exc}") from None
        if not isinstance(envs.single_action_space, gym.spaces.Box) or not isinstance(envs.single_observation_space, gym.spaces.Box):
            envs.close()
            raise ConfigError(f"PPO here trains continuous control: {self.config.env} needs Box observation and action spaces (rlvr list --domain control shows such envs)")
        return envs

    # --- the algorithm -------------------------------------------------------------------------

    def collect(self) -> Rollout:
        """Run every env ``rollout_steps`` steps with the current policy (numpy copy, sampled actions)."""
        cfg, policy = self.config, self.policy
        fast = policy.numpy_copy()
        normalize = policy.observation_normalizer
        steps, n = cfg.rollout_steps, cfg.num_envs
        obs_dim, act_dim = policy.config.observation_dim, policy.config.action_dim
        observations = np.empty((steps, n, obs_dim), np.float32)
        actions = np.empty((steps, n, act_dim), np.float32)
        logp = np.empty((steps, n), np.float32)
        values = np.empty((steps + 1, n), np.float32)
        rewards = np.empty((steps, n), np.float32)
        terminated = np.empty((steps, n), bool)
        truncated = np.empty((steps, n), bool)
        final_values: dict[int, tuple[int, float]] = {}
        observation = normalize(self.raw_observation)
        noise = self.noise_rng.standard_normal((steps, n, act_dim), dtype=np.float32)
        for t in range(steps):
            observations[t] = observation
            actions[t], logp[t], values[t] = fast.sample(observation, noise[t])
            raw, reward, terminated[t], truncated[t], info = self.envs.step(policy.clip_action(actions[t]))
            done = terminated[t] | truncated[t]
            self._track_episodes(reward, done, info)
            if cfg.normalize_observations:
                normalize.stats.update(raw)
            if truncated[t].any():
                ended = normalize(info["final_obs"][truncated[t]].astype(np.float64) if n > 1 else np.stack(info["final_obs"][truncated[t]]))
                for env_index, value in zip(np.flatnonzero(truncated[t]), fast.value(ended)):
                    final_values[t * n + int(env_index)] = (t, float(value))
            rewards[t] = self.reward_normalizer(reward, done)
            observation = normalize(raw)
        self.raw_observation = raw
        values[steps] = fast.value(observation)
        next_values = values[1:].copy()
        for key, (t, value) in final_values.items():
            next_values[t, key - t * n] = value
        self.env_steps += steps * n
        return Rollout(observations, actions, logp, rewards, terminated, truncated, values[:steps], next_values)

    def update(self, rollout: Rollout) -> dict[str, float]:
        """``epochs`` passes of minibatch steps on the clipped surrogate + value loss."""
        cfg, policy = self.config, self.policy
        rewards, values, next_values = (torch.from_numpy(x) for x in (rollout.rewards, rollout.values, rollout.next_values))
        advantages, returns = gae(rewards, values, torch.from_numpy(rollout.terminated), torch.from_numpy(rollout.truncated), next_values, cfg.gamma, cfg.gae_lambda)
        observations = torch.from_numpy(rollout.observations).flatten(0, 1)
        actions = torch.from_numpy(rollout.actions).flatten(0, 1)
        old_logp = torch.from_numpy(rollout.logp).flatten()
        old_values, advantages, returns = values.flatten(), advantages.flatten(), returns.flatten()
        total = observations.shape[0]
        parameters = list(policy.parameters())
        sums: dict[str, float] = {}
        updates = 0
        stop = False
        for _ in range(cfg.epochs):
            order = torch.randperm(total, generator=self.shuffle_rng)
            for start in range(0, total, cfg.minibatch_size):
                batch = order[start : start + cfg.minibatch_size]
                logp, entropy, value = policy.evaluate(observations[batch], actions[batch])
                batch_advantages = advantages[batch]
                if cfg.normalize_advantages and batch.numel() > 1:
                    batch_advantages = (batch_advantages - batch_advantages.mean()) / (batch_advantages.std() + 1e-8)
                last = start + cfg.minibatch_size >= total
                loss, metrics = policy_loss(
                    logp[:, None], old_logp[batch, None], batch_advantages, torch.ones_like(logp)[:, None], self.loss_config,
                    entropy=entropy[:, None], with_metrics=last or cfg.target_kl is not None,
                )
                value_loss = self._value_loss(value, old_values[batch], returns[batch])
                self.optimizer.zero_grad(set_to_none=True)
                (loss + cfg.value_coef * value_loss).backward()
                nn.utils.clip_grad_norm_(parameters, cfg.max_grad_norm, foreach=True)
                self.optimizer.step()
                if metrics:
                    metrics["value_loss"] = value_loss.item()
                    for key, number in metrics.items():
                        sums[key] = sums.get(key, 0.0) + number
                    updates += 1
                if cfg.target_kl is not None and metrics["approx_kl"] > 1.5 * cfg.target_kl:
                    stop = True
                    break
            if stop:
                break
        variance = returns.var()
        explained = float(1 - (returns - old_values).var() / variance) if variance > 0 else float("nan")
        # diagnostics are the mean over each epoch's last minibatch (all minibatches with target_kl)
        return {**{key: value / max(updates, 1) for key, value in sums.items()}, "explained_variance": explained, "std": float(policy.log_std.detach().exp().mean())}

    def _value_loss(self, value: torch.Tensor, old_value: torch.Tensor, returns: torch.Tensor) -> torch.Tensor:
        if self.config.value_clip is None:
            return (returns - value).square().mean()
        clipped = old_value + (value - old_value).clamp(-self.config.value_clip, self.config.value_clip)
        return torch.maximum((returns - value).square(), (returns - clipped).square()).mean()

    def iteration(self) -> dict[str, float]:
        """Collect, then update; returns the iteration's metrics."""
        cfg = self.config
        if cfg.anneal_lr:
            for group in self.optimizer.param_groups:
                group["lr"] = cfg.learning_rate * (1 - self.iterations_done / cfg.iterations)
        started = time.perf_counter()
        rollout = self.collect()
        collected = time.perf_counter()
        metrics = self.update(rollout)
        finished = time.perf_counter()
        self.iterations_done += 1
        metrics.update(self._episode_metrics())
        steps = cfg.num_envs * cfg.rollout_steps
        metrics.update({"steps_per_second": steps / (finished - started), "collect_seconds": collected - started, "update_seconds": finished - collected, "learning_rate": self.optimizer.param_groups[0]["lr"]})
        return metrics

    def train(self) -> list[dict[str, float]]:
        """Run until ``steps`` env steps, checkpointing and logging; ends with a deterministic evaluation."""
        cfg = self.config
        history: list[dict[str, float]] = []
        every = -(-cfg.checkpoint_every // (cfg.num_envs * cfg.rollout_steps)) if cfg.checkpoint_every else 0
        with Progress(cfg.steps, enabled=cfg.progress, start=self.env_steps) as progress:
            while self.iterations_done < cfg.iterations:
                metrics = self.iteration()
                self.metrics.log(self.env_steps, metrics)
                history.append({"step": self.env_steps, **metrics})
                progress.update(min(self.env_steps, cfg.steps), metrics)
                if every and self.iterations_done % every == 0 and self.iterations_done < cfg.iterations:
                    self.save()
        self.save()
        if cfg.eval_episodes:
            evaluation = self.evaluate(cfg.eval_episodes)
            self.metrics.log(self.env_steps, evaluation)
            history.append({"step": self.env_steps, **evaluation})
        return history

    def evaluate(self, episodes: int) -> dict[str, float]:
        """Deterministic evaluation (mean actions, frozen normalisation) on a fresh env."""
        return evaluate_policy(self.config.env, self.policy.predict, episodes, seed=self.config.seed, env_kwargs=self.config.env_kwargs)

    # --- bookkeeping ---------------------------------------------------------------------------

    def _track_episodes(self, reward: np.ndarray, done: np.ndarray, info: dict[str, Any]) -> None:
        self.episode_returns += reward
        self.episode_lengths += 1
        if done.any():
            success = info.get("final_info", {}).get("success", np.zeros(len(done), bool))
            for index in np.flatnonzero(done):
                self.finished.append((float(self.episode_returns[index]), int(self.episode_lengths[index]), bool(success[index])))
            self.episode_returns[done] = 0.0
            self.episode_lengths[done] = 0

    def _episode_metrics(self) -> dict[str, float]:
        if not self.finished:
            return {}
        returns, lengths, successes = zip(*self.finished)
        self.finished = []
        return {"reward": float(np.mean(returns)), "episode_length": float(np.mean(lengths)), "success": float(np.mean(successes)), "episodes": float(len(returns))}

    def save(self) -> Path:
        state = {
            "optimizer": self.optimizer.state_dict(),
            "reward_normalizer": self.reward_normalizer.state_dict(),
            "noise_rng": self.noise_rng.bit_generator.state,
            "shuffle_rng": self.shuffle_rng.get_state(),
            "raw_observation": self.raw_observation,
            "env_states": [get_env_state(env) for env in self.envs.envs],
            "episode_returns": self.episode_returns.copy(),
            "episode_lengths": self.episode_lengths.copy(),
            "finished": list(self.finished),
            "iterations_done": self.iterations_done,
            "env_steps": self.env_steps,
        }
        return save_checkpoint(self.out, self.env_steps, self.policy, None, state)

    def _load(self, checkpoint: Path) -> None:
        saved = GaussianActorCritic.from_pretrained(checkpoint / "model")
        if saved.config != self.policy.config:
            raise ConfigError(f"the checkpoint in {str(checkpoint)!r} was made with another policy shape or env; resume with the run's own settings or start a new --out")
        self.policy = saved
        self.optimizer = self._make_optimizer()
        state = load_trainer_state(checkpoint)
        self.optimizer.load_state_dict(state["optimizer"])
        self.reward_normalizer.load_state_dict(state["reward_normalizer"])
        self.noise_rng.bit_generator.state = state["noise_rng"]
        self.shuffle_rng.set_state(state["shuffle_rng"])
        self.envs.reset(seed=self.config.seed)
        for env, env_state in zip(self.envs.envs, state["env_states"]):
            set_env_state(env, env_state)
        self.raw_observation = state["raw_observation"]
        self.episode_returns, self.episode_lengths = state["episode_returns"], state["episode_lengths"]
        self.finished = list(state["finished"])
        self.iterations_done, self.env_steps = state["iterations_done"], state["env_steps"]

    def close(self) -> None:
        self.envs.close()
        self.metrics.close()
