"""Offline pre-training then online fine-tuning on one control env: IQL, Cal-QL, RLPD, WSRL (and
plain SAC from scratch as the baseline).

========  ===================  ====================================  =============================
algo      offline phase        online updates                        offline data online
========  ===================  ====================================  =============================
iql       IQL                  IQL                                   kept, ``offline_ratio`` of each batch
calql     Cal-QL               Cal-QL                                kept, ``offline_ratio`` of each batch
rlpd      none                 SAC, LayerNorm ensemble of 10         kept, 50/50 symmetric batches
wsrl      Cal-QL               SAC (after ``warmup_steps`` steps of   dropped
                               the pretrained policy, no updates)
sac       none                 SAC                                   none (no dataset)
========  ===================  ====================================  =============================

Each online env step is followed by ``utd`` gradient steps (update-to-data ratio). Returns are
reported as D4RL-normalised scores where the task has D4RL's reference constants; the online
regret is the mean over the online evaluations of ``1 - score / 100``.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rlvr import registry
from rlvr.agents.devices import resolve_device
from rlvr.envs.control import get_env_state, set_env_state, task_for_env
from rlvr.trainers.checkpoint import latest_checkpoint, load_trainer_state, save_checkpoint
from rlvr.trainers.control_eval import evaluate_policy
from rlvr.trainers.errors import ConfigError
from rlvr.trainers.metrics import MetricsLogger
from rlvr.trainers.offline_to_online.algorithms import ActorCriticLearner, LearnerConfig
from rlvr.trainers.offline_to_online.data import Batch, DatasetError, ReplayBuffer, check_spaces, load_minari, transitions
from rlvr.trainers.progress import Progress

ALGORITHMS = ("iql", "calql", "rlpd", "wsrl", "sac")
_OFFLINE_RULE = {"iql": "iql", "calql": "calql", "wsrl": "calql"}
_ONLINE_RULE = {"iql": "iql", "calql": "calql", "rlpd": "sac", "wsrl": "sac", "sac": "sac"}
_DEFAULT_RATIO = {"iql": 0.5, "calql": 0.5, "rlpd": 0.5, "wsrl": 0.0, "sac": 0.0}
_DEFAULT_ENSEMBLE = {"rlpd": 10}


@dataclass
class O2OConfig:
    """Everything an offline-to-online run needs; ``rlvr train o2o`` flags map onto these fields.

    ``offline_ratio`` (share of offline transitions in each online batch) and ``ensemble_size``
    default per algorithm (table in the module docstring) when left None.
    """

    algo: str
    env: str
    dataset: str | None = None
    datasets_path: str | None = None
    out: str = "runs/o2o"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    offline_steps: int = 100_000
    online_steps: int = 100_000
    batch_size: int = 256
    utd: int = 1
    offline_ratio: float | None = None
    warmup_steps: int = 5_000
    ensemble_size: int | None = None
    critic_subset: int = 2
    learning_rate: float = 3e-4
    gamma: float = 0.99
    tau: float = 0.005
    cql_alpha: float = 5.0
    cql_actions: int = 10
    iql_expectile: float = 0.7
    iql_beta: float = 3.0
    hidden_sizes: tuple[int, ...] = (256, 256)
    eval_every: int = 10_000
    eval_episodes: int = 5
    checkpoint_every: int = 50_000
    seed: int = 0
    torch_threads: int = 1
    device: str = "cpu"
    tensorboard: bool = True
    wandb_project: str | None = None
    progress: bool = True

    def validate(self) -> None:
        if self.algo not in ALGORITHMS:
            raise ConfigError(f"algo must be one of {', '.join(ALGORITHMS)}, got {self.algo!r}")
        if self.algo != "sac" and not self.dataset:
            raise ConfigError(f"{self.algo} learns from a dataset: pass --dataset ID (record one with `rlvr collect --env {self.env} --recipe medium`)")
        for name in ("batch_size", "utd", "torch_threads", "critic_subset"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.offline_steps < 0 or self.online_steps < 0 or self.warmup_steps < 0:
            raise ConfigError("offline_steps, online_steps and warmup_steps must be >= 0")
        if self.offline_ratio is not None and not 0 <= self.offline_ratio <= 1:
            raise ConfigError(f"offline_ratio must be in [0, 1], got {self.offline_ratio}")
        if self.ensemble_size is not None and self.ensemble_size < self.critic_subset:
            raise ConfigError(f"ensemble_size ({self.ensemble_size}) must be at least critic_subset ({self.critic_subset})")
        try:
            resolve_device(self.device)
        except (RuntimeError, ValueError) as exc:
            raise ConfigError(str(exc)) from None

    @property
    def pretrains(self) -> bool:
        return self.algo in _OFFLINE_RULE

    @property
    def mixing_ratio(self) -> float:
        return _DEFAULT_RATIO[self.algo] if self.offline_ratio is None else self.offline_ratio

    @property
    def total_steps(self) -> int:
        return (self.offline_steps if self.pretrains else 0) + self.online_steps


class O2OTrainer:
    """Runs an :class:`O2OConfig`: ``O2OTrainer(config).train()`` returns the logged records."""

    def __init__(self, config: O2OConfig, *, resume: bool = False):
        config.validate()
        self.config = config
        torch.set_num_threads(config.torch_threads)
        torch.manual_seed(config.seed)
        self.out = Path(config.out)
        self.env = registry.make(config.env, **config.env_kwargs)
        observation_dim = int(np.prod(self.env.observation_space.shape))
        action_dim = int(np.prod(self.env.action_space.shape))
        self.offline: ReplayBuffer | None = None
        if config.dataset:
            dataset = load_minari(config.dataset, config.datasets_path)
            check_spaces(dataset, self.env, config.dataset)
            arrays = transitions(dataset, config.gamma)
            self.offline = ReplayBuffer(observation_dim, action_dim, len(arrays["rewards"]))
            self.offline.extend(arrays)
        self.online = ReplayBuffer(observation_dim, action_dim, max(config.online_steps, 1))
        self.rng = np.random.Generator(np.random.PCG64(config.seed))
        self.generator = torch.Generator(resolve_device(config.device)).manual_seed(config.seed)
        learner_config = LearnerConfig(
            ensemble_size=config.ensemble_size or _DEFAULT_ENSEMBLE.get(config.algo, 2), critic_subset=config.critic_subset,
            hidden=tuple(config.hidden_sizes), learning_rate=config.learning_rate, gamma=config.gamma, tau=config.tau,
            cql_alpha=config.cql_alpha, cql_actions=config.cql_actions, iql_expectile=config.iql_expectile, iql_beta=config.iql_beta,
        )
        self.learner = ActorCriticLearner(observation_dim, action_dim, self.env.action_space.low, self.env.action_space.high, learner_config, self.generator)
        self.step = 0  # offline gradient steps, then offline_steps + online env steps
        self.online_scores: list[float] = []
        self.episode_return = 0.0
        self.recent_returns: list[float] = []
        self.observation, _ = self.env.reset(seed=config.seed)
        try:
            self.task = task_for_env(config.env)
        except KeyError:
            self.task = None
        resume_step = None
        checkpoint = latest_checkpoint(self.out) if resume else None
        if resume and checkpoint is None:
            raise ConfigError(f"nothing to resume in {str(self.out)!r}: it has no checkpoint; drop --resume to start a new run")
        if checkpoint is not None:
            self._load(checkpoint)
            resume_step = self.step
        self.metrics = MetricsLogger(self.out, tensorboard=config.tensorboard, wandb_project=config.wandb_project, config=dataclasses.asdict(config), resume_step=resume_step)
        (self.out / "config.json").write_text(json.dumps(dataclasses.asdict(config), indent=2, default=str))

    # --- phases ----------------------------------------------------------------------------------

    @property
    def offline_steps(self) -> int:
        return self.config.offline_steps if self.config.pretrains else 0

    def _sample(self, offline_share: float) -> Batch:
        size = self.config.batch_size
        if self.offline is None or offline_share <= 0:
            return self.online.sample(size, self.rng)
        from_offline = size if self.online.size == 0 else int(round(size * offline_share))
        if from_offline >= size:
            return self.offline.sample(size, self.rng)
        return Batch.concat(self.offline.sample(from_offline, self.rng), self.online.sample(size - from_offline, self.rng))

    def offline_step(self) -> dict[str, torch.Tensor]:
        """One gradient step on offline data with the algorithm's offline rule."""
        self.step += 1
        return self.learner.update(self.offline.sample(self.config.batch_size, self.rng), _OFFLINE_RULE[self.config.algo])

    def online_step(self) -> dict[str, torch.Tensor]:
        """One env step (pretrained policy only during WSRL's warm-up), then ``utd`` gradient steps."""
        cfg = self.config
        online_index = self.step - self.offline_steps
        self.step += 1
        warming_up = cfg.algo == "wsrl" and online_index < cfg.warmup_steps
        if cfg.algo == "sac" and self.online.size < cfg.batch_size:  # from scratch: a first batch of uniform actions
            action = self.env.action_space.sample()
        else:
            action = self.learner.act(self.observation)
        next_observation, reward, terminated, truncated, _ = self.env.step(action)
        self.online.add(observations=self.observation, actions=action, rewards=reward, next_observations=next_observation, terminated=float(terminated))
        self.episode_return += float(reward)
        self.observation = next_observation
        if terminated or truncated:
            self.recent_returns.append(self.episode_return)
            self.episode_return = 0.0
            self.observation, _ = self.env.reset()
        if warming_up or self.online.size < min(cfg.batch_size, cfg.online_steps):
            return {}
        metrics: dict[str, torch.Tensor] = {}
        for _ in range(cfg.utd):
            metrics = self.learner.update(self._sample(cfg.mixing_ratio), _ONLINE_RULE[cfg.algo])
        return metrics

    def evaluate(self) -> dict[str, float]:
        """Deterministic evaluation of the actor; adds ``score`` (normalised where possible)."""
        result = evaluate_policy(self.config.env, self.learner.actor.predict, self.config.eval_episodes, seed=self.config.seed, env_kwargs=self.config.env_kwargs)
        result["score"] = result.get("eval_normalized_score", result["eval_return"])
        return result

    def train(self) -> list[dict[str, float]]:
        """Offline phase, evaluation, online phase with periodic evaluations, final checkpoint."""
        cfg = self.config
        history: list[dict[str, float]] = []
        with Progress(cfg.total_steps, enabled=cfg.progress, start=self.step) as progress:
            while self.step < cfg.total_steps:
                offline = self.step < self.offline_steps
                update = self.offline_step() if offline else self.online_step()
                at_switch = self.step == self.offline_steps and offline
                if at_switch or self.step % cfg.eval_every == 0 or self.step == cfg.total_steps:
                    metrics = {name: float(value) for name, value in update.items()}  # metrics reach the host only here
                    metrics["phase_online"] = 0.0 if offline else 1.0
                    metrics.update(self.evaluate())
                    if at_switch:
                        metrics["offline_score"] = metrics["score"]
                    elif not offline:
                        self.online_scores.append(metrics["score"])
                        if self.task is not None and self.task.d4rl_random_score is not None:
                            metrics["online_regret"] = float(np.mean([1 - s / 100 for s in self.online_scores]))
                    if self.recent_returns:
                        metrics["reward"] = float(np.mean(self.recent_returns))
                        self.recent_returns = []
                    self.metrics.log(self.step, metrics)
                    history.append({"step": self.step, **metrics})
                    progress.update(self.step, {"reward": metrics["score"]})
                elif self.step % 1000 == 0:
                    progress.update(self.step, {})
                if cfg.checkpoint_every and self.step % cfg.checkpoint_every == 0 and self.step < cfg.total_steps:
                    self.save()
        self.save()
        return history

    # --- checkpoints -----------------------------------------------------------------------------

    def save(self) -> Path:
        state = {
            "learner": self.learner.state_dict(), "online_buffer": self.online.state_dict(),
            "rng": self.rng.bit_generator.state, "generator": self.generator.get_state(),
            "env": get_env_state(self.env), "observation": self.observation, "episode_return": self.episode_return,
            "recent_returns": list(self.recent_returns), "online_scores": list(self.online_scores), "position": self.step,
        }
        return save_checkpoint(self.out, self.step, self.learner.actor, None, state)

    def _load(self, checkpoint: Path) -> None:
        state = load_trainer_state(checkpoint)
        self.learner.load_state_dict(state["learner"])
        self.online.load_state_dict(state["online_buffer"])
        self.rng.bit_generator.state = state["rng"]
        self.generator.set_state(state["generator"])
        set_env_state(self.env, state["env"])
        self.observation, self.episode_return = state["observation"], state["episode_return"]
        self.recent_returns, self.online_scores = list(state["recent_returns"]), list(state["online_scores"])
        self.step = state["position"]

    def close(self) -> None:
        self.env.close()
        self.metrics.close()


__all__ = ["ALGORITHMS", "ConfigError", "DatasetError", "O2OConfig", "O2OTrainer"]
