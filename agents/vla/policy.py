"""A small vision-language-action policy that emits action tokens.

Camera image → CNN, instruction → mean of word embeddings (a vocabulary built from the task
sentences; unknown words share one id), proprioception → a linear layer. The instruction also
modulates the CNN's feature maps (FiLM), so what the policy looks at depends on what it is asked.
A trunk MLP outputs one categorical distribution over ``bins`` values per action dimension and
chunk step: ``chunk * 4`` action tokens per decision, the "tokens" GRPO trains like text tokens.

Token ``k`` of a dimension decodes to ``-1 + 2 k / (bins - 1)`` (bins spread evenly over [-1, 1],
both ends included, so full-speed expert actions are exact).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from rlvr.envs.robotics.env import ACTION_SIZE, PROPRIO_HIGH, PROPRIO_LOW, PROPRIO_SIZE
from rlvr.envs.robotics.tasks import tokenize, vocabulary

CONFIG_FILE = "policy.json"
WEIGHTS_FILE = "policy.pt"
MAX_WORDS = 16


@dataclass(frozen=True)
class VLAPolicyConfig:
    """The shape of a :class:`VLAPolicy`: image size, action bins, chunk length and layer widths."""

    image_size: int = 64
    bins: int = 256
    chunk: int = 1
    channels: tuple[int, ...] = (16, 32, 32)
    word_dim: int = 32
    hidden: int = 256
    words: tuple[str, ...] = field(default_factory=lambda: tuple(vocabulary()))

    def __post_init__(self) -> None:
        if self.bins < 2 or self.chunk < 1 or self.image_size < 16:
            raise ValueError(f"need bins >= 2, chunk >= 1 and image_size >= 16, got {self.bins}, {self.chunk}, {self.image_size}")

    @property
    def tokens_per_decision(self) -> int:
        return self.chunk * ACTION_SIZE


class VLAPolicy(nn.Module):
    """Image + instruction + proprioception → logits over action bins, [B, chunk * 4, bins].

    Observations go in as a batch dict (see :meth:`batch_observations`): ``image`` uint8
    [B, H, W, 3], ``proprio`` float32 [B, 4], ``words`` int64 [B, MAX_WORDS] (0 = padding, 1 =
    unknown word). Save with :meth:`save_pretrained`, load with :meth:`VLAPolicy.from_pretrained` (the
    Hugging Face names, so the trainers' checkpoint code saves it like a language model).
    """

    def __init__(self, config: VLAPolicyConfig | None = None):
        super().__init__()
        self.config = config = config or VLAPolicyConfig()
        self._word_ids = {word: index + 2 for index, word in enumerate(config.words)}
        self.words = nn.EmbeddingBag(len(config.words) + 2, config.word_dim, mode="mean", padding_idx=0)
        layers: list[nn.Module] = []
        channels_in = 3
        for index, channels in enumerate(config.channels):
            layers += [nn.Conv2d(channels_in, channels, 5 if index == 0 else 3, stride=2), nn.GroupNorm(1, channels), nn.ReLU()]
            channels_in = channels
        self.cnn = nn.Sequential(*layers)
        self.film = nn.Linear(config.word_dim, 2 * channels_in)
        self.pool = nn.AdaptiveAvgPool2d(4)
        self.proprio = nn.Linear(PROPRIO_SIZE, 64)
        self.trunk = nn.Sequential(
            nn.Linear(channels_in * 16 + config.word_dim + 64, config.hidden),
            nn.ReLU(),
            nn.Linear(config.hidden, config.hidden),
            nn.ReLU(),
        )
        self.head = nn.Linear(config.hidden, config.tokens_per_decision * config.bins)
        self.register_buffer("bin_values", torch.linspace(-1.0, 1.0, config.bins), persistent=False)
        self.register_buffer("proprio_low", torch.as_tensor(PROPRIO_LOW), persistent=False)
        self.register_buffer("proprio_high", torch.as_tensor(PROPRIO_HIGH), persistent=False)

    # -- inputs ------------------------------------------------------------------------------

    def word_ids(self, instruction: str) -> list[int]:
        """The instruction's word ids (1 for words outside the vocabulary), at most MAX_WORDS."""
        ids = [self._word_ids.get(word, 1) for word in tokenize(instruction)][:MAX_WORDS]
        return ids + [0] * (MAX_WORDS - len(ids))

    def batch_observations(self, observations: Sequence[Mapping[str, Any]]) -> dict[str, Tensor]:
        """Stack env observations (dicts with image, proprio, instruction) into model inputs."""
        return {
            "image": torch.as_tensor(np.stack([o["image"] for o in observations])),
            "proprio": torch.as_tensor(np.stack([o["proprio"] for o in observations]), dtype=torch.float32),
            "words": torch.tensor([self.word_ids(o["instruction"]) for o in observations], dtype=torch.long),
        }

    # -- model -------------------------------------------------------------------------------

    def forward(self, batch: Mapping[str, Tensor]) -> Tensor:
        image = batch["image"].to(self.bin_values.device)
        if image.shape[1:3] != (self.config.image_size, self.config.image_size):
            raise ValueError(
                f"this policy takes {self.config.image_size}x{self.config.image_size} images, got {tuple(image.shape[1:3])}; "
                f"make the env with width={self.config.image_size}, height={self.config.image_size}"
            )
        pixels = image.permute(0, 3, 1, 2).float() / 127.5 - 1.0
        words = self.words(batch["words"].to(pixels.device))
        features = self.cnn(pixels)
        scale, shift = self.film(words).chunk(2, dim=-1)
        features = torch.relu(features * (1 + scale[..., None, None]) + shift[..., None, None])
        visual = self.pool(features).flatten(1)
        proprio = batch["proprio"].to(pixels.device)
        proprio = 2 * (proprio - self.proprio_low) / (self.proprio_high - self.proprio_low) - 1
        hidden = self.trunk(torch.cat([visual, words, torch.relu(self.proprio(proprio))], dim=-1))
        return self.head(hidden).view(-1, self.config.tokens_per_decision, self.config.bins)

    # -- actions <-> tokens ------------------------------------------------------------------

    def tokens_from_actions(self, actions: Tensor) -> Tensor:
        """Continuous actions [B, chunk, 4] (or [B, chunk * 4]) in [-1, 1] → the nearest bins [B, chunk * 4]."""
        flat = actions.reshape(actions.shape[0], -1).clamp(-1, 1)
        return torch.round((flat + 1) / 2 * (self.config.bins - 1)).long()

    def actions_from_tokens(self, tokens: Tensor) -> Tensor:
        """Tokens [B, chunk * 4] → actions [B, chunk, 4]."""
        return self.bin_values[tokens].view(tokens.shape[0], self.config.chunk, ACTION_SIZE)

    @torch.no_grad()
    def sample(self, batch: Mapping[str, Tensor], *, greedy: bool = False, temperature: float = 1.0, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """Sampled (or most likely) tokens [B, T] and their log-probabilities [B, T] under the
        temperature-scaled distribution."""
        logits = self(batch) / max(temperature, 1e-6)
        log_probs = torch.log_softmax(logits, dim=-1)
        if greedy:
            tokens = log_probs.argmax(-1)
        else:
            flat = torch.multinomial(log_probs.exp().view(-1, self.config.bins), 1, generator=generator)
            tokens = flat.view(log_probs.shape[:2])
        return tokens, log_probs.gather(-1, tokens[..., None]).squeeze(-1)

    def token_log_probs(self, batch: Mapping[str, Tensor], tokens: Tensor, temperature: float = 1.0) -> tuple[Tensor, Tensor]:
        """Log-probabilities [B, T] of ``tokens`` and the entropy [B, T] of each token's distribution."""
        log_probs = torch.log_softmax(self(batch) / max(temperature, 1e-6), dim=-1)
        entropy = -(log_probs.exp() * log_probs).sum(-1)
        return log_probs.gather(-1, tokens[..., None]).squeeze(-1), entropy

    # -- files -------------------------------------------------------------------------------

    def save_pretrained(self, folder: str | Path) -> Path:
        """Write ``policy.json`` (the config) and ``policy.pt`` (the weights) into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / CONFIG_FILE).write_text(json.dumps(asdict(self.config), indent=1) + "\n")
        torch.save(self.state_dict(), folder / WEIGHTS_FILE)
        return folder

    @classmethod
    def from_pretrained(cls, folder: str | Path, device: str | torch.device = "cpu") -> VLAPolicy:
        """The policy saved in ``folder`` (by :meth:`save_pretrained`, or a run's ``latest`` link)."""
        folder = Path(folder)
        if not (folder / CONFIG_FILE).is_file():
            raise FileNotFoundError(f"no VLA policy in {str(folder)!r} (expected {CONFIG_FILE} and {WEIGHTS_FILE}); train one with `rlvr train bc`")
        raw = json.loads((folder / CONFIG_FILE).read_text())
        config = VLAPolicyConfig(**{**raw, "channels": tuple(raw["channels"]), "words": tuple(raw["words"])})
        policy = cls(config)
        policy.load_state_dict(torch.load(folder / WEIGHTS_FILE, map_location=device, weights_only=True))
        return policy.to(device)
