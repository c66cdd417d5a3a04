"""Networks of the offline-to-online algorithms: a tanh-squashed Gaussian actor, a batched
ensemble of LayerNorm Q-critics (one set of stacked weights, one ``baddbmm`` per layer for all
members) and a state-value network (IQL)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

_LOG_2 = math.log(2.0)
ACTOR_FILE, ACTOR_CONFIG = "actor.pt", "actor.json"


def mlp(sizes: list[int], layer_norm: bool = False) -> nn.Sequential:
    """ReLU MLP; LayerNorm after each hidden linear layer when asked."""
    layers: list[nn.Module] = []
    for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if index < len(sizes) - 2:
            layers += [nn.LayerNorm(fan_out)] if layer_norm else []
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class TanhGaussianActor(nn.Module):
    """pi(a|s) = tanh(N(mu(s), sigma(s))) scaled to the action box; log-std clamped to [-5, 2]."""

    def __init__(self, observation_dim: int, action_dim: int, action_low: np.ndarray, action_high: np.ndarray, hidden: tuple[int, ...] = (256, 256)):
        super().__init__()
        self.dims = {"observation_dim": observation_dim, "action_dim": action_dim, "hidden": list(hidden),
                     "action_low": [float(x) for x in action_low], "action_high": [float(x) for x in action_high]}
        self.body = mlp([observation_dim, *hidden, 2 * action_dim])
        self.register_buffer("scale", torch.as_tensor((np.asarray(action_high) - np.asarray(action_low)) / 2, dtype=torch.float32))
        self.register_buffer("offset", torch.as_tensor((np.asarray(action_high) + np.asarray(action_low)) / 2, dtype=torch.float32))

    def _distribution(self, observations: Tensor) -> tuple[Tensor, Tensor]:
        mean, log_std = self.body(observations).chunk(2, dim=-1)
        return mean, log_std.clamp(-5.0, 2.0)

    def sample(self, observations: Tensor, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """A reparameterised action in the box and its log-probability [N]."""
        mean, log_std = self._distribution(observations)
        noise = torch.randn(mean.shape, generator=generator, device=mean.device)
        pre_tanh = mean + log_std.exp() * noise
        logp = (-0.5 * noise.square() - log_std - 0.5 * math.log(2 * math.pi)).sum(-1)
        logp = logp - (2 * (_LOG_2 - pre_tanh - nn.functional.softplus(-2 * pre_tanh))).sum(-1) - torch.log(self.scale).sum()
        return torch.tanh(pre_tanh) * self.scale + self.offset, logp

    def log_prob(self, observations: Tensor, actions: Tensor) -> Tensor:
        """log pi(a|s) [N] of given actions in the box (IQL's advantage-weighted regression)."""
        mean, log_std = self._distribution(observations)
        squashed = ((actions - self.offset) / self.scale).clamp(-1 + 1e-6, 1 - 1e-6)
        pre_tanh = torch.atanh(squashed)
        noise = (pre_tanh - mean) * torch.exp(-log_std)
        logp = (-0.5 * noise.square() - log_std - 0.5 * math.log(2 * math.pi)).sum(-1)
        return logp - (2 * (_LOG_2 - pre_tanh - nn.functional.softplus(-2 * pre_tanh))).sum(-1) - torch.log(self.scale).sum()

    def deterministic(self, observations: Tensor) -> Tensor:
        mean, _ = self._distribution(observations)
        return torch.tanh(mean) * self.scale + self.offset

    def predict(self, observation: np.ndarray) -> np.ndarray:
        """The deterministic action for a raw observation [obs] or [N, obs]."""
        with torch.inference_mode():
            observations = torch.as_tensor(np.asarray(observation), dtype=torch.float32, device=self.scale.device)
            return self.deterministic(observations).cpu().numpy()

    def save_pretrained(self, folder: str | Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / ACTOR_CONFIG).write_text(json.dumps(self.dims))
        torch.save(self.state_dict(), folder / ACTOR_FILE)

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> TanhGaussianActor:
        folder = Path(folder)
        if not (folder / ACTOR_FILE).is_file():
            raise FileNotFoundError(f"no actor in {str(folder)!r}; train one with `rlvr train o2o`")
        dims = json.loads((folder / ACTOR_CONFIG).read_text())
        actor = cls(dims["observation_dim"], dims["action_dim"], np.array(dims["action_low"]), np.array(dims["action_high"]), tuple(dims["hidden"]))
        actor.load_state_dict(torch.load(folder / ACTOR_FILE, map_location="cpu"))
        return actor


class EnsembleLinear(nn.Module):
    """``members`` independent linear layers applied as one batched matmul: [E, N, in] -> [E, N, out]."""

    def __init__(self, members: int, fan_in: int, fan_out: int):
        super().__init__()
        bound = 1 / math.sqrt(fan_in)
        self.weight = nn.Parameter(torch.empty(members, fan_in, fan_out).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(members, 1, fan_out).uniform_(-bound, bound))

    def forward(self, x: Tensor) -> Tensor:
        return torch.baddbmm(self.bias, x, self.weight)


class EnsembleLayerNorm(nn.Module):
    """LayerNorm over the last axis of [E, N, width] with its own gain and bias per member, so the
    members of an ensemble share no parameters (one ``nn.LayerNorm`` would tie their affines)."""

    def __init__(self, members: int, width: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(members, 1, width))
        self.bias = nn.Parameter(torch.zeros(members, 1, width))

    def forward(self, x: Tensor) -> Tensor:
        return torch.addcmul(self.bias, nn.functional.layer_norm(x, x.shape[-1:]), self.weight)


class CriticEnsemble(nn.Module):
    """E independent Q-functions Q_i(s, a) with LayerNorm after every hidden layer, evaluated together: [E, N]."""

    def __init__(self, observation_dim: int, action_dim: int, members: int, hidden: tuple[int, ...] = (256, 256)):
        super().__init__()
        self.members = members
        sizes = [observation_dim + action_dim, *hidden]
        self.hidden = nn.ModuleList(EnsembleLinear(members, a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.norms = nn.ModuleList(EnsembleLayerNorm(members, width) for width in hidden)
        self.head = EnsembleLinear(members, sizes[-1], 1)

    def forward(self, observations: Tensor, actions: Tensor) -> Tensor:
        x = torch.cat([observations, actions], -1)
        x = x.unsqueeze(0).expand(self.members, *x.shape) if x.dim() == 2 else x
        for linear, norm in zip(self.hidden, self.norms):
            x = torch.relu(norm(linear(x)))
        return self.head(x)[..., 0]


class ValueNetwork(nn.Module):
    """V(s) for IQL's expectile regression: [N]."""

    def __init__(self, observation_dim: int, hidden: tuple[int, ...] = (256, 256)):
        super().__init__()
        self.body = mlp([observation_dim, *hidden, 1], layer_norm=True)

    def forward(self, observations: Tensor) -> Tensor:
        return self.body(observations)[:, 0]
