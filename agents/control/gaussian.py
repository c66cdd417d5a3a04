"""A Gaussian MLP actor-critic for continuous control, with the observation normalisation it was
trained with, savable as a folder and runnable without torch overhead during rollouts."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from rlvr.agents.control.normalization import ObservationNormalizer

_LOG_2PI = math.log(2 * math.pi)
_ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU}
_NUMPY_ACTIVATIONS = {"tanh": np.tanh, "relu": lambda x: np.maximum(x, 0.0)}
POLICY_FILE, CONFIG_FILE = "policy.pt", "config.json"


@dataclass(frozen=True)
class ActorCriticConfig:
    """Shapes and architecture of :class:`GaussianActorCritic` (SB3's MlpPolicy defaults)."""

    observation_dim: int
    action_dim: int
    action_low: tuple[float, ...]
    action_high: tuple[float, ...]
    hidden_sizes: tuple[int, ...] = (64, 64)
    activation: str = "tanh"
    log_std_init: float = 0.0
    orthogonal_init: bool = True
    normalize_observations: bool = True
    observation_clip: float = 10.0


def _mlp(sizes: list[int], activation: str) -> nn.Sequential:
    layers: list[nn.Module] = []
    for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if index < len(sizes) - 2:
            layers.append(_ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


class NumpyActorCritic:
    """A frozen float32 numpy copy of a :class:`GaussianActorCritic` for fast one-step rollouts:
    a 64x64 MLP in numpy costs a few microseconds where torch's per-op dispatch costs tens."""

    def __init__(self, policy: GaussianActorCritic):
        def weights(mlp: nn.Sequential) -> list[tuple[np.ndarray, np.ndarray]]:
            return [(m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy()) for m in mlp if isinstance(m, nn.Linear)]

        self.actor, self.critic = weights(policy.actor), weights(policy.critic)
        self.log_std = policy.log_std.detach().numpy().astype(np.float32).copy()
        self.std = np.exp(self.log_std)
        self.activation = _NUMPY_ACTIVATIONS[policy.config.activation]
        self.logp_constant = float(-self.log_std.sum() - 0.5 * _LOG_2PI * self.log_std.size)

    def _forward(self, layers: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray) -> np.ndarray:
        for weight, bias in layers[:-1]:
            x = self.activation(x @ weight + bias)
        weight, bias = layers[-1]
        return x @ weight + bias

    def mean_action(self, observation: np.ndarray) -> np.ndarray:
        return self._forward(self.actor, observation)

    def value(self, observation: np.ndarray) -> np.ndarray:
        return self._forward(self.critic, observation)[:, 0]

    def sample(self, observation: np.ndarray, noise: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Action ``mean + std * noise``, its log-probability and the state value, for [N, obs] observations."""
        action = self.mean_action(observation) + self.std * noise
        logp = self.logp_constant - 0.5 * np.square(noise).sum(-1)
        return action.astype(np.float32), logp.astype(np.float32), self.value(observation)


class GaussianActorCritic(nn.Module):
    """Separate actor and critic MLPs, a state-independent log standard deviation, and the running
    observation normaliser (its statistics are saved with the weights).

    Actions are sampled unbounded and clipped to the action box by :meth:`clip_action` when sent
    to the env (SB3's convention); log-probabilities are those of the unclipped sample.
    """

    def __init__(self, config: ActorCriticConfig):
        super().__init__()
        self.config = config
        hidden = list(config.hidden_sizes)
        self.actor = _mlp([config.observation_dim, *hidden, config.action_dim], config.activation)
        self.critic = _mlp([config.observation_dim, *hidden, 1], config.activation)
        self.log_std = nn.Parameter(torch.full((config.action_dim,), float(config.log_std_init)))
        self.observation_normalizer = ObservationNormalizer((config.observation_dim,), clip=config.observation_clip, enabled=config.normalize_observations)
        self.action_low = np.asarray(config.action_low, np.float32)
        self.action_high = np.asarray(config.action_high, np.float32)
        if config.orthogonal_init:
            self._orthogonal_init()

    @classmethod
    def for_spaces(cls, observation_space: Any, action_space: Any, **options: Any) -> GaussianActorCritic:
        """A policy sized for a flat Box observation space and a Box action space."""
        return cls(ActorCriticConfig(
            observation_dim=int(np.prod(observation_space.shape)),
            action_dim=int(np.prod(action_space.shape)),
            action_low=tuple(float(x) for x in action_space.low),
            action_high=tuple(float(x) for x in action_space.high),
            **options,
        ))

    def _orthogonal_init(self) -> None:
        for mlp, head_gain in ((self.actor, 0.01), (self.critic, 1.0)):
            linears = [m for m in mlp if isinstance(m, nn.Linear)]
            for layer in linears:
                nn.init.orthogonal_(layer.weight, head_gain if layer is linears[-1] else math.sqrt(2))
                nn.init.zeros_(layer.bias)

    def evaluate(self, observations: Tensor, actions: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Log-probability [N] of ``actions``, entropy [N] and value [N] for normalised ``observations``."""
        mean = self.actor(observations)
        noise = (actions - mean) * torch.exp(-self.log_std)
        logp = -0.5 * noise.square().sum(-1) - self.log_std.sum() - 0.5 * _LOG_2PI * self.config.action_dim
        entropy = (self.log_std.sum() + 0.5 * (1 + _LOG_2PI) * self.config.action_dim).expand(observations.shape[0])
        return logp, entropy, self.critic(observations)[:, 0]

    def numpy_copy(self) -> NumpyActorCritic:
        return NumpyActorCritic(self)

    def clip_action(self, action: np.ndarray) -> np.ndarray:
        return np.clip(action, self.action_low, self.action_high)

    def predict(self, observation: np.ndarray) -> np.ndarray:
        """The deterministic action (the mean, clipped) for raw observations [obs] or [N, obs]; statistics frozen."""
        normalised = self.observation_normalizer(np.asarray(observation, np.float64))
        with torch.inference_mode():
            mean = self.actor(torch.as_tensor(normalised)).numpy()
        return self.clip_action(mean)

    def save_pretrained(self, folder: str | Path) -> None:
        """Write ``config.json`` and ``policy.pt`` (weights and observation statistics) into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / CONFIG_FILE).write_text(json.dumps(asdict(self.config), indent=2))
        torch.save({"weights": self.state_dict(), "observation_normalizer": self.observation_normalizer.state_dict()}, folder / POLICY_FILE)

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> GaussianActorCritic:
        """A policy saved by :meth:`save_pretrained` (a checkpoint's ``model/`` folder or a run's ``latest``)."""
        folder = Path(folder)
        if not (folder / POLICY_FILE).is_file():
            raise FileNotFoundError(f"no control policy in {str(folder)!r} (expected {CONFIG_FILE} and {POLICY_FILE}); train one with `rlvr train ppo`")
        raw = json.loads((folder / CONFIG_FILE).read_text())
        config = ActorCriticConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()})
        policy = cls(config)
        saved = torch.load(folder / POLICY_FILE, weights_only=False)
        policy.load_state_dict(saved["weights"])
        policy.observation_normalizer.load_state_dict(saved["observation_normalizer"])
        return policy
