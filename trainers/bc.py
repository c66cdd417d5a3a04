"""Behaviour cloning of the VLA token policy on expert demonstrations (Minari datasets).

Each training example is one demonstration step: the observation and the next ``chunk`` expert
actions, turned into action tokens (per-dimension bins). The loss is the cross-entropy of those
tokens, averaged over the tokens that exist (a chunk that runs past the episode's end is masked).
Images get a random shift of up to ``augment_shift`` pixels (DrQ-style), which matters when
there are only a few demonstrations.

Checkpoints use the trainers' layout (:mod:`rlvr.trainers.checkpoint`): ``OUT/latest`` is the
policy folder that ``rlvr eval --agent vla:OUT/latest`` and ``rlvr train vla-grpo --policy`` read.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from rlvr.agents.vla.policy import VLAPolicy, VLAPolicyConfig
from rlvr.envs.robotics.tasks import task_of_instruction
from rlvr.trainers.checkpoint import latest_checkpoint, load_trainer_state, save_checkpoint
from rlvr.trainers.loop import run_steps
from rlvr.trainers.metrics import MetricsLogger


@dataclass(frozen=True)
class BCConfig:
    """Everything a behaviour-cloning run needs; the same config and seed reproduce it."""

    datasets: tuple[str, ...]
    out: str
    datasets_path: str | None = None
    steps: int = 2000
    batch_size: int = 64
    learning_rate: float = 3e-4
    chunk: int = 1
    bins: int = 256
    hidden: int = 256
    augment_shift: int = 4
    word_dropout: float = 0.3
    checkpoint_every: int = 500
    eval_every: int = 0
    eval_episodes: int = 20
    max_steps: int = 150
    seed: int = 0
    torch_threads: int = 1
    tensorboard: bool = True
    wandb_project: str | None = None
    policy_overrides: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.datasets:
            raise ValueError("name at least one dataset (make one with `rlvr collect --env ID --expert --episodes N`)")
        if min(self.steps, self.batch_size, self.chunk, self.checkpoint_every) < 1 or self.learning_rate <= 0:
            raise ValueError("steps, batch_size, chunk and checkpoint_every must be >= 1 and learning_rate > 0")
        if not 0.0 <= self.word_dropout < 1.0:
            raise ValueError(f"word_dropout is a probability in [0, 1), got {self.word_dropout}")


@dataclass
class Demonstrations:
    """Demonstration steps in memory: inputs, chunked action targets and which targets exist."""

    images: torch.Tensor  # [N, H, W, 3] uint8
    proprio: torch.Tensor  # [N, 4]
    words: torch.Tensor  # [N, MAX_WORDS]
    actions: torch.Tensor  # [N, chunk, 4]
    mask: torch.Tensor  # [N, chunk * 4]
    tasks: list[str]  # the tasks the demonstrations show, in first-seen order

    def __len__(self) -> int:
        return self.images.shape[0]


def load_demonstrations(names: tuple[str, ...], policy: VLAPolicy, datasets_path: str | None = None) -> Demonstrations:
    """Read Minari datasets written by ``rlvr collect --expert`` into :class:`Demonstrations`."""
    from rlvr.minari_store import load_dataset

    chunk = policy.config.chunk
    images, proprio, words, actions, masks, tasks = [], [], [], [], [], []
    for name in names:
        for episode in load_dataset(name, datasets_path, how_to_record="`rlvr collect --env ID --expert --episodes N`").iterate_episodes():
            observations = episode.observations
            steps = len(episode.actions)
            images.append(np.asarray(observations["image"][:steps]))
            proprio.append(np.asarray(observations["proprio"][:steps], dtype=np.float32))
            sentences = list(observations["instruction"][:steps])
            words += [policy.word_ids(str(sentence)) for sentence in sentences]
            task = task_of_instruction(str(sentences[0]))
            if task is not None and task.name not in tasks:
                tasks.append(task.name)
            padded = np.concatenate([np.asarray(episode.actions, dtype=np.float32), np.zeros((chunk, 4), np.float32)])
            exists = np.concatenate([np.ones(steps, bool), np.zeros(chunk, bool)])
            index = np.arange(steps)[:, None] + np.arange(chunk)[None, :]
            actions.append(padded[index])
            masks.append(np.repeat(exists[index], 4, axis=1))
    if not images:
        raise ValueError(f"the datasets {', '.join(names)} hold no episodes")
    return Demonstrations(
        images=torch.as_tensor(np.concatenate(images)),
        proprio=torch.as_tensor(np.concatenate(proprio)),
        words=torch.tensor(words, dtype=torch.long),
        actions=torch.as_tensor(np.concatenate(actions)),
        mask=torch.as_tensor(np.concatenate(masks)).float(),
        tasks=tasks,
    )


def drop_words(words: torch.Tensor, rate: float, generator: torch.Generator) -> torch.Tensor:
    """Each instruction word (not padding) becomes the unknown-word id with probability ``rate``, so
    that words the policy never saw (held-out paraphrases) land on a trained embedding."""
    dropped = (torch.rand(words.shape, generator=generator) < rate) & (words > 0)
    return torch.where(dropped, torch.ones_like(words), words)


def random_shift(images: torch.Tensor, shift: int, generator: torch.Generator) -> torch.Tensor:
    """Each image [B, H, W, 3] moved by up to ``shift`` pixels per axis (edges repeated)."""
    if shift <= 0:
        return images
    batch, height, width, _ = images.shape
    padded = F.pad(images.permute(0, 3, 1, 2).float(), (shift, shift, shift, shift), mode="replicate")
    offsets = torch.randint(0, 2 * shift + 1, (batch, 2), generator=generator)
    crops = [padded[i, :, y:y + height, x:x + width] for i, (y, x) in enumerate(offsets.tolist())]
    return torch.stack(crops).permute(0, 2, 3, 1).to(torch.uint8)


def bc_loss(policy: VLAPolicy, batch: dict[str, torch.Tensor], actions: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
    """Masked cross-entropy of the expert's action tokens; also the token accuracy."""
    logits = policy(batch)
    targets = policy.tokens_from_actions(actions)
    per_token = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none").view_as(mask)
    loss = (per_token * mask).sum() / mask.sum().clamp(min=1)
    with torch.no_grad():
        accuracy = ((logits.argmax(-1) == targets).float() * mask).sum() / mask.sum().clamp(min=1)
    return loss, {"loss": loss.item(), "token_accuracy": accuracy.item()}


class BCTrainer:
    """Behaviour cloning of :class:`~rlvr.agents.vla.VLAPolicy`: ``BCTrainer(config).train()``."""

    def __init__(self, config: BCConfig, resume: bool = False):
        self.config = config
        self.out = Path(config.out)
        torch.set_num_threads(config.torch_threads)
        torch.manual_seed(config.seed)
        probe = VLAPolicy(VLAPolicyConfig(chunk=config.chunk, bins=config.bins, hidden=config.hidden, **config.policy_overrides))
        self.data = load_demonstrations(config.datasets, probe, config.datasets_path)
        image_size = self.data.images.shape[1]
        if self.data.images.shape[1] != self.data.images.shape[2]:
            raise ValueError(f"the policy takes square images; the datasets hold {tuple(self.data.images.shape[1:3])}")
        self.policy = probe if image_size == probe.config.image_size else VLAPolicy(
            VLAPolicyConfig(image_size=image_size, chunk=config.chunk, bins=config.bins, hidden=config.hidden, **config.policy_overrides)
        )
        self.optimizer = torch.optim.AdamW(self.policy.parameters(), lr=config.learning_rate)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.step = 0
        checkpoint = latest_checkpoint(self.out) if resume else None
        if checkpoint is not None:
            state = load_trainer_state(checkpoint)
            self.policy.load_state_dict(VLAPolicy.from_pretrained(checkpoint / "model").state_dict())
            self.optimizer.load_state_dict(state["optimizer"])
            self.generator.set_state(state["generator"])
            self.step = state["step"]
        self.metrics = MetricsLogger(
            self.out, tensorboard=config.tensorboard, wandb_project=config.wandb_project,
            config=asdict(config), resume_step=self.step if checkpoint is not None else None,
        )

    def train(self, progress: bool = True) -> list[dict[str, float]]:
        """Run to ``config.steps``; returns the logged records."""
        self._started = time.perf_counter()
        return run_steps(self, self.config.steps, eval_every=self.config.eval_every, checkpoint_every=self.config.checkpoint_every, progress=progress)

    def train_step(self) -> dict[str, float]:
        """One gradient step on a random batch of demonstration steps (shifted images, dropped words)."""
        config = self.config
        self.policy.train()
        index = torch.randint(len(self.data), (config.batch_size,), generator=self.generator)
        batch = {
            "image": random_shift(self.data.images[index], config.augment_shift, self.generator),
            "proprio": self.data.proprio[index],
            "words": drop_words(self.data.words[index], config.word_dropout, self.generator),
        }
        loss, record = bc_loss(self.policy, batch, self.data.actions[index], self.data.mask[index])
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        record["seconds"] = time.perf_counter() - self._started
        return record

    def evaluate(self) -> dict[str, float]:
        """Greedy success rate per task on ``eval_episodes`` validation layouts of each demonstrated task
        (the held-out evaluation layouts are left for the final measurement)."""
        from rlvr.agents.vla.evaluate import evaluate_policy
        from rlvr.envs.robotics.env import VALIDATION_LAYOUTS

        report = evaluate_policy(self.policy, self.data.tasks, episodes=self.config.eval_episodes, max_steps=self.config.max_steps, layouts=VALIDATION_LAYOUTS)
        return {"val_success": report.mean, **{f"val_success/{task}": value for task, value in report.per_task.items()}}

    def save(self) -> Path:
        state = {"optimizer": self.optimizer.state_dict(), "generator": self.generator.get_state()}
        return save_checkpoint(self.out, self.step, self.policy, None, state)

    def close(self) -> None:
        self.metrics.close()
