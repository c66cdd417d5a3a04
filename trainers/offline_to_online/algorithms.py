"""The update rules of offline-to-online RL on one SAC-style core.

:class:`ActorCriticLearner` holds a tanh-Gaussian actor, a LayerNorm critic ensemble with a
Polyak-averaged target, automatic entropy tuning and (for IQL) a value network, and applies one
gradient step of one of three rules to a batch:

- ``sac``: soft Bellman backup with the minimum over a random subset of the target ensemble
  (REDQ/RLPD), actor on the ensemble's Q, temperature tuned to an entropy target (-|A|).
- ``calql``: ``sac`` plus the CQL regulariser ``logsumexp_a Q(s, a) - Q(s, a_data)`` over uniform
  and policy actions, where Q of policy actions is first lower-bounded by the behaviour
  policy's return-to-go (Cal-QL's calibration).
- ``iql``: expectile regression of V on the target Q, Q regressed on ``r + gamma V(s')``, and
  advantage-weighted regression of the actor (never queries Q out of distribution).

Every backup bootstraps on ``1 - terminated``: a truncated transition still has a future.
The learner runs on the device of its ``generator`` (CPU or CUDA); :meth:`ActorCriticLearner.update`
returns its metrics as 0-d tensors so a GPU update never waits for the host.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import Tensor

from rlvr.agents.control.sac import CriticEnsemble, TanhGaussianActor, ValueNetwork
from rlvr.trainers.offline_to_online.data import Batch

UpdateRule = Literal["sac", "calql", "iql"]


@dataclass(frozen=True)
class LearnerConfig:
    """Hyper-parameters of :class:`ActorCriticLearner` (the defaults follow the papers' locomotion settings)."""

    ensemble_size: int = 2
    critic_subset: int = 2
    hidden: tuple[int, ...] = (256, 256)
    learning_rate: float = 3e-4
    gamma: float = 0.99
    tau: float = 0.005
    initial_temperature: float = 1.0
    cql_alpha: float = 5.0
    cql_actions: int = 10
    iql_expectile: float = 0.7
    iql_beta: float = 3.0


class ActorCriticLearner:
    """Networks, optimisers and the three update rules of the module docstring."""

    def __init__(self, observation_dim: int, action_dim: int, action_low: np.ndarray, action_high: np.ndarray, config: LearnerConfig, generator: torch.Generator):
        self.config, self.generator = config, generator
        self.device = generator.device
        self.action_dim = action_dim
        self.actor = TanhGaussianActor(observation_dim, action_dim, action_low, action_high, config.hidden).to(self.device)
        self.critic = CriticEnsemble(observation_dim, action_dim, config.ensemble_size, config.hidden).to(self.device)
        self.target = copy.deepcopy(self.critic).requires_grad_(False)
        self.value = ValueNetwork(observation_dim, config.hidden).to(self.device)
        self.log_temperature = torch.tensor(math.log(config.initial_temperature), device=self.device, requires_grad=True)
        lr = config.learning_rate
        self.optimizers = {
            "actor": torch.optim.Adam(self.actor.parameters(), lr=lr),
            "critic": torch.optim.Adam(self.critic.parameters(), lr=lr),
            "value": torch.optim.Adam(self.value.parameters(), lr=lr),
            "temperature": torch.optim.Adam([self.log_temperature], lr=lr),
        }
        self.low = torch.as_tensor(action_low, dtype=torch.float32, device=self.device)
        self.high = torch.as_tensor(action_high, dtype=torch.float32, device=self.device)

    def update(self, batch: Batch, rule: UpdateRule) -> dict[str, Tensor]:
        """One gradient step of ``rule`` on ``batch``; metrics as detached 0-d tensors."""
        batch = batch.to(self.device)
        metrics = self._iql(batch) if rule == "iql" else self._soft(batch, calibrated_cql=rule == "calql")
        with torch.no_grad():
            torch._foreach_lerp_(list(self.target.parameters()), list(self.critic.parameters()), self.config.tau)
        return {name: value.detach() for name, value in metrics.items()}

    def _step(self, name: str, loss: Tensor) -> None:
        optimizer = self.optimizers[name]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    def _subset_min(self, q: Tensor) -> Tensor:
        members = self.config.ensemble_size
        if self.config.critic_subset >= members:
            return q.min(0).values
        chosen = torch.randperm(members, generator=self.generator, device=self.device)[: self.config.critic_subset]
        return q[chosen].min(0).values

    def _soft(self, batch: Batch, calibrated_cql: bool) -> dict[str, Tensor]:
        cfg = self.config
        temperature = self.log_temperature.exp().detach()
        with torch.no_grad():
            next_actions, next_logp = self.actor.sample(batch.next_observations, self.generator)
            next_q = self._subset_min(self.target(batch.next_observations, next_actions)) - temperature * next_logp
            backup = batch.rewards + cfg.gamma * (1 - batch.terminated) * next_q
        q = self.critic(batch.observations, batch.actions)
        critic_loss = (q - backup).square().mean(1).sum()
        metrics = {"q_mean": q.mean(), "critic_loss": critic_loss}
        if calibrated_cql:
            regulariser = self._calibrated_cql(batch, q)
            critic_loss = critic_loss + cfg.cql_alpha * regulariser
            metrics["cql_regulariser"] = regulariser
        self._step("critic", critic_loss)

        actions, logp = self.actor.sample(batch.observations, self.generator)
        q_policy = self.critic(batch.observations, actions)
        q_policy = q_policy.mean(0) if cfg.ensemble_size > 2 else q_policy.min(0).values
        actor_loss = (temperature * logp - q_policy).mean()
        self._step("actor", actor_loss)
        temperature_loss = -(self.log_temperature * (logp.detach() - self.action_dim).mean())
        self._step("temperature", temperature_loss)
        metrics.update({"actor_loss": actor_loss, "temperature": temperature, "entropy": -logp.mean()})
        return metrics

    def _calibrated_cql(self, batch: Batch, q_data: Tensor) -> Tensor:
        """mean over the batch of ``logsumexp`` over sampled actions of Q, minus Q of the data action, per member."""
        count, size = self.config.cql_actions, batch.observations.shape[0]
        observations = batch.observations.repeat(count, 1)
        next_observations = batch.next_observations.repeat(count, 1)
        uniform = torch.rand((count * size, self.action_dim), generator=self.generator, device=self.device) * (self.high - self.low) + self.low
        uniform_log_density = -torch.log(self.high - self.low).sum()
        with torch.no_grad():
            policy_actions, policy_logp = self.actor.sample(observations, self.generator)
            next_actions, next_logp = self.actor.sample(next_observations, self.generator)
        members = self.config.ensemble_size
        shape = (members, count, size)
        q_uniform = self.critic(observations, uniform).view(shape)
        q_policy = self.critic(observations, policy_actions).view(shape)
        q_next = self.critic(observations, next_actions).view(shape)
        floor = batch.returns_to_go.view(1, 1, size)
        q_policy, q_next = torch.maximum(q_policy, floor), torch.maximum(q_next, floor)
        stacked = torch.cat([
            q_uniform - uniform_log_density,
            q_policy - policy_logp.view(1, count, size),
            q_next - next_logp.view(1, count, size),
        ], dim=1)
        return (torch.logsumexp(stacked, dim=1) - q_data).mean(1).sum()

    def _iql(self, batch: Batch) -> dict[str, Tensor]:
        cfg = self.config
        with torch.no_grad():
            target_q = self.target(batch.observations, batch.actions).min(0).values
        value = self.value(batch.observations)
        difference = target_q - value
        weight = torch.abs(cfg.iql_expectile - (difference < 0).float())
        value_loss = (weight * difference.square()).mean()
        self._step("value", value_loss)
        with torch.no_grad():
            backup = batch.rewards + cfg.gamma * (1 - batch.terminated) * self.value(batch.next_observations)
            advantage_weight = torch.exp(cfg.iql_beta * (target_q - value.detach())).clamp(max=100.0)
        q = self.critic(batch.observations, batch.actions)
        critic_loss = (q - backup).square().mean(1).sum()
        self._step("critic", critic_loss)
        actor_loss = -(advantage_weight * self.actor.log_prob(batch.observations, batch.actions)).mean()
        self._step("actor", actor_loss)
        return {"q_mean": q.mean(), "critic_loss": critic_loss, "value_loss": value_loss, "actor_loss": actor_loss}

    def act(self, observation: np.ndarray) -> np.ndarray:
        """A sampled action for one raw observation (exploration)."""
        with torch.no_grad():
            action, _ = self.actor.sample(torch.as_tensor(observation, dtype=torch.float32, device=self.device)[None], self.generator)
        return action[0].cpu().numpy()

    def state_dict(self) -> dict:
        return {
            "actor": self.actor.state_dict(), "critic": self.critic.state_dict(), "target": self.target.state_dict(),
            "value": self.value.state_dict(), "log_temperature": self.log_temperature.detach().clone(),
            "optimizers": {name: opt.state_dict() for name, opt in self.optimizers.items()},
        }

    def load_state_dict(self, state: dict) -> None:
        self.actor.load_state_dict(state["actor"])
        self.critic.load_state_dict(state["critic"])
        self.target.load_state_dict(state["target"])
        self.value.load_state_dict(state["value"])
        with torch.no_grad():
            self.log_temperature.copy_(state["log_temperature"])
        for name, optimizer in self.optimizers.items():
            optimizer.load_state_dict(state["optimizers"][name])
