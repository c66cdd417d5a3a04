"""GRPO for the VLA token policy on task success (SimpleVLA-RL's recipe on MetaWorld).

Each update draws ``states_per_step`` (task, layout) initial states from the training layouts
(500 per task; with 50, revisited ~5 times a run, the held-out success swung by 10-20 points
between evaluations — session 9 in benchmarks/README.md) and runs ``group_size`` sampled episodes
from each — a group is the G attempts at one initial state.
The reward of an episode is the env's success (0/1). Advantages are group-relative
(:func:`rlvr.trainers.advantages.group_advantages`); groups whose attempts all succeeded or all
failed carry no signal and are dropped (``keep_mixed_only``). Every decision of an episode is a
row of ``chunk * 4`` action tokens, and every token of a kept episode gets the episode's
advantage — divided by the episode's share of the decisions when ``episode_mean`` is on (the
default), so every episode weighs the same however long it ran: successful episodes end early,
and with equal weight per decision a group's failures (run to the time limit) would outweigh its
successes and push probability away from every sampled action. The same [B, T] per-token loss as text (:func:`rlvr.trainers.losses.policy_loss`,
clipped surrogate + KL to the reference policy), with rows = decisions and tokens = action bins.
The reference is the starting (BC) policy, frozen; the KL term keeps GRPO near it.

Choosing the policy: success climbs and then swings by 10-20 points between updates (the greedy
policy moves more than the sampling one), so the last update is often not the best. With
``eval_every`` > 0 the trainer measures greedy success on validation layouts
(:data:`~rlvr.envs.robotics.env.VALIDATION_LAYOUTS`, never trained on and apart from the held-out
evaluation layouts) and, with ``keep_best``, saves the policy with the highest mean so far —
the starting policy included — to ``OUT/best`` (early stopping on a validation set). Measured
in session 8: with 25 layouts per task the checkpoints' differences were inside the noise and the
chosen policy was no better on held-out layouts than the last one (benchmarks/README.md).

What differs from the text trainer, and why: a rollout here is many policy calls on images (one
per decision), not one generation, so the learner re-scores decisions rather than sequences; the
loss, advantages, metrics, progress bar and checkpoint layout are the shared ones.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from rlvr.agents.vla.evaluate import evaluate_policy
from rlvr.agents.vla.policy import VLAPolicy
from rlvr.agents.vla.rollout import Episode, Start, pool_for, rollout
from rlvr.envs.robotics.env import TRAIN_LAYOUTS, VALIDATION_LAYOUTS
from rlvr.envs.robotics.tasks import task_by_name
from rlvr.trainers.advantages import group_advantages
from rlvr.trainers.checkpoint import latest_checkpoint, load_trainer_state, save_checkpoint
from rlvr.trainers.loop import run_steps
from rlvr.trainers.losses import PolicyLossConfig, policy_loss
from rlvr.trainers.metrics import MetricsLogger
from rlvr.trainers.schedules import LR_SCHEDULES, lr_factor


@dataclass(frozen=True)
class VLAGRPOConfig:
    """Everything a VLA GRPO run needs; the same config and seed reproduce it."""

    policy: str
    tasks: tuple[str, ...]
    out: str
    steps: int = 20
    states_per_step: int = 8
    group_size: int = 8
    train_layouts: int = len(TRAIN_LAYOUTS)
    temperature: float = 1.0
    learning_rate: float = 1e-4
    lr_schedule: str = "constant"
    epochs: int = 2
    mini_batch_decisions: int = 512
    keep_mixed_only: bool = True
    episode_mean: bool = True
    std_scaling: str = "group"
    loss: PolicyLossConfig = field(default_factory=lambda: PolicyLossConfig(kl_coef=0.01))
    max_steps: int = 150
    max_envs: int = 32
    eval_every: int = 0
    eval_episodes: int = 20
    keep_best: bool = True
    checkpoint_every: int = 5
    seed: int = 0
    torch_threads: int = 1
    tensorboard: bool = True
    wandb_project: str | None = None

    def __post_init__(self) -> None:
        if not self.tasks:
            raise ValueError("name at least one task to train on")
        for task in self.tasks:
            task_by_name(task)
        if self.group_size < 2:
            raise ValueError(f"GRPO compares attempts within a group: group_size must be >= 2, got {self.group_size}")
        if min(self.steps, self.states_per_step, self.epochs, self.mini_batch_decisions, self.checkpoint_every) < 1:
            raise ValueError("steps, states_per_step, epochs, mini_batch_decisions and checkpoint_every must be >= 1")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got {self.lr_schedule!r}")
        if not 1 <= self.eval_episodes <= len(VALIDATION_LAYOUTS):
            raise ValueError(f"eval_episodes must be in 1..{len(VALIDATION_LAYOUTS)} (the validation layouts per task), got {self.eval_episodes}")
        if not 1 <= self.train_layouts <= len(TRAIN_LAYOUTS):
            raise ValueError(f"train_layouts must be in 1..{len(TRAIN_LAYOUTS)}, got {self.train_layouts}")


@dataclass
class DecisionBatch:
    """Every decision of the kept episodes: inputs, tokens, sampler log-probs, advantage per row."""

    inputs: dict[str, torch.Tensor]
    tokens: torch.Tensor
    old_logp: torch.Tensor
    advantages: torch.Tensor

    def __len__(self) -> int:
        return self.tokens.shape[0]


def decision_batch(episodes: list[Episode], advantages: torch.Tensor, episode_mean: bool = True) -> DecisionBatch:
    """Flatten episodes into decision rows; each row carries its episode's advantage, scaled by
    ``mean decisions per episode / this episode's decisions`` when ``episode_mean`` (so an episode's
    rows sum to the same weight whatever its length, and a group's advantages still sum to zero)."""
    keys = episodes[0].inputs.keys()
    lengths = torch.tensor([float(e.tokens.shape[0]) for e in episodes])
    if episode_mean:
        advantages = advantages * lengths.mean() / lengths
    return DecisionBatch(
        inputs={key: torch.cat([e.inputs[key] for e in episodes]) for key in keys},
        tokens=torch.cat([e.tokens for e in episodes]),
        old_logp=torch.cat([e.logp for e in episodes]),
        advantages=torch.cat([advantages[i].expand(e.tokens.shape[0]) for i, e in enumerate(episodes)]),
    )


class VLAGRPOTrainer:
    """GRPO on success for :class:`~rlvr.agents.vla.VLAPolicy`: ``VLAGRPOTrainer(config).train()``."""

    def __init__(self, config: VLAGRPOConfig, resume: bool = False):
        self.config = config
        self.out = Path(config.out)
        torch.set_num_threads(config.torch_threads)
        torch.manual_seed(config.seed)
        self.policy = VLAPolicy.from_pretrained(config.policy)
        self.reference = copy.deepcopy(self.policy).eval().requires_grad_(False)
        self.optimizer = torch.optim.AdamW(self.policy.parameters(), lr=config.learning_rate, weight_decay=0.0)
        self.rng = np.random.default_rng(config.seed)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.step = 0
        self.best_success, self.best_step = -1.0, -1
        checkpoint = latest_checkpoint(self.out) if resume else None
        if checkpoint is not None:
            state = load_trainer_state(checkpoint)
            self.policy.load_state_dict(VLAPolicy.from_pretrained(checkpoint / "model").state_dict())
            self.optimizer.load_state_dict(state["optimizer"])
            self.rng.bit_generator.state = state["rng"]
            self.generator.set_state(state["generator"])
            self.step = state["step"]
            self.best_success, self.best_step = state.get("best", (-1.0, -1))
        self.pool = pool_for(self.policy, max_steps=config.max_steps)
        self.metrics = MetricsLogger(
            self.out, tensorboard=config.tensorboard, wandb_project=config.wandb_project,
            config={**asdict(config), "loss": asdict(config.loss)}, resume_step=self.step if checkpoint is not None else None,
        )

    def starts(self) -> list[Start]:
        """This step's initial states, each repeated ``group_size`` times (a group).

        Tasks are dealt in rounds: each round is a fresh permutation of the tasks (a function of the
        seed and the round only, so a resumed run deals the same), so every task gets the same share
        of groups — within one step when ``states_per_step`` is a multiple of the task count — rather
        than a random one: a task left out of a few updates is pulled off course by the others'.
        """
        config = self.config
        starts = []
        for index in range(self.step * config.states_per_step, (self.step + 1) * config.states_per_step):
            round_, position = divmod(index, len(config.tasks))
            order = np.random.default_rng((config.seed, round_)).permutation(len(config.tasks))
            task = config.tasks[int(order[position])]
            layout = TRAIN_LAYOUTS[int(self.rng.integers(config.train_layouts))]
            seed = int(self.rng.integers(2**31))
            starts += [Start(task, layout, seed + j) for j in range(config.group_size)]
        return starts

    def train(self, progress: bool = True) -> list[dict[str, float]]:
        """Run to ``config.steps``; returns the logged records."""
        config = self.config
        return run_steps(self, config.steps, eval_every=config.eval_every, checkpoint_every=config.checkpoint_every, progress=progress)

    def learning_rate(self) -> float:
        """This update's learning rate: constant, or ``linear`` decay from ``learning_rate`` at update 0
        towards 0 at ``steps`` (a function of the update index alone, so a resumed run continues it)."""
        config = self.config
        return config.learning_rate * lr_factor(config.lr_schedule, self.step, config.steps)

    def train_step(self) -> dict[str, float]:
        """Roll out the groups, then ``epochs`` passes of clipped policy-gradient updates."""
        config = self.config
        started = time.perf_counter()
        learning_rate = self.learning_rate()
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate
        episodes = rollout(
            self.policy, self.pool, self.starts(), temperature=config.temperature,
            generator=self.generator, record=True, max_envs=config.max_envs,
        )
        rollout_seconds = time.perf_counter() - started
        rewards = torch.tensor([float(e.success) for e in episodes]).view(config.states_per_step, config.group_size)
        grouped = group_advantages(rewards, std_scaling=config.std_scaling)
        keep = grouped.keep if config.keep_mixed_only else torch.ones_like(grouped.keep)
        kept = [e for g in range(config.states_per_step) if keep[g] for e in episodes[g * config.group_size:(g + 1) * config.group_size]]
        advantages = grouped.advantages[keep].reshape(-1)
        record: dict[str, float] = {
            "reward": rewards.mean().item(),
            "success": rewards.mean().item(),
            "mixed_groups": grouped.keep.float().mean().item(),
            "episode_steps": float(np.mean([e.steps for e in episodes])),
            "rollout_seconds": rollout_seconds,
            "env_steps_per_second": sum(e.steps for e in episodes) / rollout_seconds,
            "learning_rate": learning_rate,
        }
        if kept:
            record.update(self._update(decision_batch(kept, advantages, config.episode_mean)))
        record["seconds"] = time.perf_counter() - started
        return record

    def _update(self, batch: DecisionBatch) -> dict[str, float]:
        config = self.config
        self.policy.train()
        mask = torch.ones_like(batch.old_logp)
        with torch.no_grad():
            ref_logp = torch.cat([
                self.reference.token_log_probs(_rows(batch.inputs, rows), batch.tokens[rows], config.temperature)[0]
                for rows in torch.arange(len(batch)).split(config.mini_batch_decisions)
            ])
        sums: dict[str, float] = {}
        updates = 0
        for _ in range(config.epochs):
            order = torch.randperm(len(batch), generator=self.generator)
            for rows in order.split(config.mini_batch_decisions):
                logp, entropy = self.policy.token_log_probs(_rows(batch.inputs, rows), batch.tokens[rows], config.temperature)
                loss, metrics = policy_loss(
                    logp, batch.old_logp[rows], batch.advantages[rows], mask[rows], config.loss,
                    ref_logp=ref_logp[rows], entropy=entropy,
                )
                self.optimizer.zero_grad()
                loss.backward()
                metrics["grad_norm"] = torch.nn.utils.clip_grad_norm_(self.policy.parameters(), 1.0).item()
                self.optimizer.step()
                for key, value in metrics.items():
                    sums[key] = sums.get(key, 0.0) + value
                updates += 1
        return {**{key: value / updates for key, value in sums.items()}, "decisions": float(len(batch))}

    def evaluate(self) -> dict[str, float]:
        """Greedy success rate per task on ``eval_episodes`` validation layouts; with ``keep_best``, a
        mean above every earlier evaluation's saves this policy to ``OUT/best`` (with ``selection.json``
        naming the update and the success)."""
        config = self.config
        report = evaluate_policy(
            self.policy, config.tasks, episodes=config.eval_episodes, max_steps=config.max_steps,
            pool=self.pool, max_envs=config.max_envs, layouts=VALIDATION_LAYOUTS,
        )
        if config.keep_best and report.mean > self.best_success:
            self.best_success, self.best_step = report.mean, self.step
            best = self.policy.save_pretrained(self.out / "best")
            (best / "selection.json").write_text(json.dumps({"step": self.step, "val_success": report.as_dict()}, indent=1) + "\n")
        return {
            "val_success": report.mean, **{f"val_success/{task}": value for task, value in report.per_task.items()},
            "best_val_success": self.best_success, "best_step": float(self.best_step),
        }

    def save(self) -> Path:
        state = {
            "optimizer": self.optimizer.state_dict(), "rng": self.rng.bit_generator.state, "generator": self.generator.get_state(),
            "best": (self.best_success, self.best_step),
        }
        return save_checkpoint(self.out, self.step, self.policy, None, state)

    def close(self) -> None:
        self.pool.close()
        self.metrics.close()


def _rows(inputs: dict[str, torch.Tensor], rows: torch.Tensor) -> dict[str, torch.Tensor]:
    return {key: value[rows] for key, value in inputs.items()}
