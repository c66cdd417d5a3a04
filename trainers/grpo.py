"""GRPO for language-model policies on any rlvr text environment, multi-turn and with tools.

Each step draws ``tasks_per_step`` tasks, runs ``group_size`` episodes of each through the
rollout engine, turns each episode's reward into a group-relative advantage, and takes a
policy-gradient step with the shared loss (:mod:`rlvr.trainers.losses`) on the tokens the policy
sampled — prompt, tool and environment tokens carry no loss. Read :meth:`GRPOTrainer.train_step`
top to bottom for the algorithm.
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
from torch import Tensor

from rlvr import registry
from rlvr.agents.llm.backends.base import SamplingParams, WeightSyncBackend
from rlvr.agents.devices import resolve_device
from rlvr.agents.llm.engine import EpisodeRequest, Rollout, derive_seed
from rlvr.agents.llm.model_files import check_model_dir, load_tokenizer, stop_token_ids
from rlvr.trainers.advantages import group_advantages
from rlvr.trainers.batch import TokenBatch, build_batch
from rlvr.trainers.checkpoint import latest_checkpoint, load_trainer_state, save_checkpoint
from rlvr.trainers.errors import ConfigError
from rlvr.trainers.logprobs import token_logprobs
from rlvr.trainers.loop import run_steps
from rlvr.trainers.losses import PolicyLossConfig, mask_truncated, policy_loss
from rlvr.trainers.metrics import MetricsLogger
from rlvr.trainers.rollout_workers import LocalRollouts, PolicySpec, RayRollouts, hf_sampler, policy_spec
from rlvr.trainers.schedules import LR_SCHEDULES, lr_factor
from rlvr.trainers.shared_prefix import hidden_states, prompt_lengths

EVAL_STREAM = 1_000_003  # seeds of held-out evaluation tasks never collide with training seeds
SAMPLERS = ("hf", "vllm")


@dataclass
class GRPOConfig:
    """Everything a GRPO run needs. ``rlvr train grpo`` flags map onto these fields.

    ``share_prompts`` runs each distinct prompt once per micro-batch in the learner's forward pass
    instead of once per episode (:mod:`rlvr.trainers.shared_prefix`; same values and gradients).

    ``sampler`` is what generates the rollouts: ``hf`` samples with the learner's own module
    (nothing to copy; the default, CPU or GPU), ``vllm`` with a vLLM engine on the same GPU that
    takes ``vllm_memory`` of its memory and gets the learner's weights after every optimiser step
    (:meth:`~rlvr.agents.llm.backends.vllm.VLLMBackend.load_weights`). The engine's log-probs differ
    slightly from the learner's (other kernels, maybe another dtype): ``sampler_logp_gap`` in the
    metrics measures it, and ``loss.tis_cap`` corrects for it.

    The loss knobs live in ``loss`` (:class:`~rlvr.trainers.losses.PolicyLossConfig`): clip
    low/high, token or sequence ratio, aggregation, KL to the initial policy, entropy bonus and
    truncated importance sampling.
    """

    env: str
    model: str
    out: str = "runs/grpo"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    steps: int = 100
    tasks_per_step: int = 8
    group_size: int = 8
    max_new_tokens: int = 256
    temperature: float = 1.0
    top_p: float = 1.0
    learning_rate: float = 1e-5
    warmup_steps: int = 0
    lr_schedule: str = "constant"
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    epochs: int = 1
    mini_batches: int = 1
    micro_batch_size: int = 16
    std_scaling: str = "group"
    dynamic_sampling: bool = False
    overlong_filter: bool = False
    loss: PolicyLossConfig = field(default_factory=PolicyLossConfig)
    logprob_chunk_size: int = 1024
    share_prompts: bool = True
    eval_every: int = 10
    eval_tasks: int = 64
    eval_temperature: float = 0.0
    checkpoint_every: int = 10
    keep_checkpoints: int = 2
    seed: int = 0
    device: str = "auto"
    torch_threads: int | None = 1
    env_workers: int = 4
    sampler: str = "hf"
    vllm_memory: float = 0.4
    rollout_shards: int = 1
    ray: bool = False
    tensorboard: bool = True
    wandb_project: str | None = None
    progress: bool = True

    def validate(self) -> None:
        """Raise :class:`ConfigError` with one sentence per problem found first."""
        if self.group_size < 2:
            raise ConfigError(f"group_size must be at least 2 (GRPO compares episodes of the same task), got {self.group_size}")
        for name in ("steps", "tasks_per_step", "max_new_tokens", "epochs", "mini_batches", "micro_batch_size", "logprob_chunk_size", "eval_tasks", "env_workers", "rollout_shards"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.eval_temperature < 0:
            raise ConfigError(f"eval_temperature must be 0 (greedy) or positive, got {self.eval_temperature}")
        if self.temperature <= 0:
            raise ConfigError(f"temperature must be positive for training (the policy must explore), got {self.temperature}")
        if self.learning_rate <= 0:
            raise ConfigError(f"learning_rate must be positive, got {self.learning_rate}")
        if self.ray and self.rollout_shards < 2:
            raise ConfigError("--ray runs one rollout actor per shard; set rollout_shards (--rollout-shards) to 2 or more")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ConfigError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got {self.lr_schedule!r}")
        if self.sampler not in SAMPLERS:
            raise ConfigError(f"sampler must be one of {', '.join(SAMPLERS)}, got {self.sampler!r}")
        if self.sampler == "vllm":
            self._check_vllm()
        if self.std_scaling not in ("group", "batch", "none"):
            raise ConfigError(f"std_scaling must be 'group', 'batch' or 'none', got {self.std_scaling!r}")
        if self.tasks_per_step * self.group_size < self.mini_batches:
            raise ConfigError(f"mini_batches ({self.mini_batches}) cannot exceed the episodes per step ({self.tasks_per_step * self.group_size})")
        env_id = self.env.partition(":")[2] if ":" in self.env else self.env
        try:
            if ":" in self.env:
                registry.make(self.env).close()
            elif env_id not in gym.registry:
                raise registry.unknown("env", env_id, list(gym.registry), "rlvr list shows all")
        except (KeyError, ImportError) as exc:
            raise ConfigError(str(exc)) from None
        try:
            check_model_dir(self.model)
        except FileNotFoundError as exc:
            raise ConfigError(str(exc)) from None

    def _check_vllm(self) -> None:
        from rlvr.agents.llm.backends.base import BackendUnavailableError
        from rlvr.agents.llm.backends.vllm import require_vllm

        if self.ray:
            raise ConfigError("the vllm sampler is one engine in the learner's process; drop --ray (Ray actors sample with hf) or use --sampler hf")
        if not 0 < self.vllm_memory < 1:
            raise ConfigError(f"vllm_memory is the share of GPU memory the vLLM engine may take, in (0, 1); got {self.vllm_memory}")
        try:
            require_vllm(instead="or train with the default hf sampler (--sampler hf), which runs on CPU and GPU")
        except BackendUnavailableError as exc:
            raise ConfigError(str(exc)) from None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> GRPOConfig:
        values = dict(values)
        values["loss"] = PolicyLossConfig(**values.get("loss", {}))
        return cls(**values)


class GRPOTrainer:
    """Trains a local Hugging Face causal LM with GRPO on one rlvr text environment.

    ``resume=True`` continues from the newest checkpoint in ``config.out`` (model, optimizer,
    step, random states); every random choice of a step is derived from ``(seed, step)``, so a
    resumed run takes the same steps an uninterrupted one would.
    """

    def __init__(self, config: GRPOConfig, *, resume: bool = False):
        config.validate()
        self.config = config
        if config.torch_threads:
            torch.set_num_threads(config.torch_threads)
        self.out = Path(config.out)
        checkpoint = latest_checkpoint(self.out) if resume else None
        if resume and checkpoint is None:
            raise ConfigError(f"nothing to resume: {self.out} has no checkpoint; run without --resume to start")
        if not resume and latest_checkpoint(self.out) is not None:
            raise ConfigError(f"{self.out} already holds a run; pass --resume to continue it or --out for a new one")
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / "config.json").write_text(json.dumps(config.to_dict(), indent=2))

        from transformers import AutoModelForCausalLM
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # per-file load/save bars would drown the run's own bar
        source = checkpoint / "model" if checkpoint else Path(config.model)
        device = resolve_device(config.device)
        self.tokenizer = load_tokenizer(source)
        self.model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32).to(device)
        self.reference = self._reference_model(device) if config.loss.kl_coef > 0 else None
        stops = stop_token_ids(self.tokenizer, source)
        self.pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else stops[0]
        self.params = SamplingParams(max_new_tokens=config.max_new_tokens, temperature=config.temperature, top_p=config.top_p, stop_token_ids=stops)
        self.eval_params = dataclasses.replace(self.params, temperature=config.eval_temperature)
        spec = policy_spec(config, self.params, stops, self.pad_id)
        if config.ray:
            self.rollouts = RayRollouts(spec, config.model, config.rollout_shards, device=config.device, threads=config.torch_threads)
        else:
            self.rollouts = LocalRollouts(spec, self._sampler(spec, source), self.tokenizer, config.rollout_shards)
        self.weights_version = 0  # bumped by every optimiser step; samplers with their own weights (Ray actors, vLLM) re-sync when it changes
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda s: lr_factor(config.lr_schedule, s, config.steps, config.warmup_steps)
        )
        self.step = 0
        if checkpoint is not None:
            state = load_trainer_state(checkpoint)
            self.optimizer.load_state_dict(state["optimizer"])
            self.scheduler.load_state_dict(state["scheduler"])
            self.step = state["step"]
        self.metrics = MetricsLogger(
            self.out,
            tensorboard=config.tensorboard,
            wandb_project=config.wandb_project,
            config=config.to_dict(),
            resume_step=self.step if checkpoint else None,
        )

    # ---- the algorithm -------------------------------------------------------------
    def train(self) -> list[dict[str, float]]:
        """Run until ``config.steps``; returns the metrics of each step taken."""
        config = self.config
        return run_steps(self, config.steps, eval_every=config.eval_every, checkpoint_every=config.checkpoint_every, progress=config.progress)

    def train_step(self) -> dict[str, float]:
        """One GRPO step: rollouts → group advantages → one policy-gradient update."""
        config = self.config
        started = time.perf_counter()
        requests = [
            EpisodeRequest(group=g, seed=derive_seed(config.seed, self.step, g))
            for g in range(config.tasks_per_step)
            for _ in range(config.group_size)
        ]
        self.rollouts.sync(self.model, self.weights_version)
        rollouts = self.rollouts.run(requests, self.params, seed=derive_seed(config.seed, self.step, -1))
        rollout_seconds = time.perf_counter() - started

        rewards = torch.tensor([r.trajectory.reward for r in rollouts], dtype=torch.float32).view(config.tasks_per_step, config.group_size)
        advantages, keep = group_advantages(rewards, std_scaling=config.std_scaling)
        kept = [r for r in rollouts if bool(keep[r.group])] if config.dynamic_sampling else rollouts
        kept_advantages = advantages[keep].reshape(-1) if config.dynamic_sampling else advantages.reshape(-1)

        metrics = rollout_metrics(rollouts)
        metrics["groups_kept"] = float(keep.float().mean())
        metrics["rollout_seconds"] = rollout_seconds
        metrics["tokens_per_second"] = metrics["policy_tokens"] / max(rollout_seconds, 1e-9)
        metrics["learning_rate"] = self.scheduler.get_last_lr()[0]
        if kept:
            metrics.update(self.update(build_batch(kept, kept_advantages, self.pad_id).to(self.model.device)))
        self.scheduler.step()
        metrics["step_seconds"] = time.perf_counter() - started
        return metrics

    def update(self, batch: TokenBatch) -> dict[str, float]:
        """``epochs`` passes over the batch in ``mini_batches`` optimiser steps, each accumulated
        over micro-batches of ``micro_batch_size`` rows."""
        config = self.config
        mask = mask_truncated(batch.mask, batch.overlong) if config.overlong_filter else batch.mask
        on_policy = config.epochs == 1 and config.mini_batches == 1
        old_logp = None if on_policy else self._frozen_logprobs(self.model, batch)
        ref_logp = self._frozen_logprobs(self.reference, batch) if self.reference is not None else None
        generator = torch.Generator().manual_seed(derive_seed(config.seed, self.step, -2))
        collected: list[dict[str, float]] = []
        self.model.train()
        for _ in range(config.epochs):
            order = torch.randperm(len(batch), generator=generator)
            for rows in order.chunk(config.mini_batches):
                rows = rows.sort().values  # rows of a group side by side, so micro-batches share prompts
                self.optimizer.zero_grad(set_to_none=True)
                normalizer = float(mask[rows].sum()) if config.loss.aggregation == "token-mean" else float(len(rows))
                for micro in rows.split(config.micro_batch_size):
                    sub = batch.rows(micro)
                    width = sub.mask.shape[1]
                    logp, entropy = self._logprobs(self.model, sub)
                    loss, loss_metrics = policy_loss(
                        logp,
                        logp.detach() if old_logp is None else old_logp[micro, :width],
                        sub.advantages,
                        mask[micro, :width],
                        config.loss,
                        ref_logp=None if ref_logp is None else ref_logp[micro, :width],
                        sampler_logp=sub.sampler_logp,
                        entropy=entropy,
                        normalizer=max(normalizer, 1.0),
                    )
                    loss.backward()
                    collected.append(loss_metrics)
                grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), config.max_grad_norm)
                self.optimizer.step()
                self.weights_version += 1
                collected[-1]["grad_norm"] = float(grad_norm)
        self.model.eval()
        merged = {key: float(np.mean([m[key] for m in collected if key in m])) for key in {k for m in collected for k in m}}
        merged["loss"] = float(np.sum([m["loss"] for m in collected])) / (config.epochs * config.mini_batches)
        return merged

    def evaluate(self) -> dict[str, float]:
        """Pass@1 and mean reward on ``eval_tasks`` held-out tasks (the same every time), greedy or
        sampled at ``eval_temperature`` with seeds fixed per evaluation."""
        requests = [EpisodeRequest(group=i, seed=derive_seed(self.config.seed, EVAL_STREAM, i)) for i in range(self.config.eval_tasks)]
        self.rollouts.sync(self.model, self.weights_version)
        rollouts = self.rollouts.run(requests, self.eval_params, seed=derive_seed(self.config.seed, EVAL_STREAM))
        summary = rollout_metrics(rollouts)
        return {"eval_accuracy": summary["accuracy"], "eval_reward": summary["reward"], "eval_turns": summary["turns"]}

    def save(self) -> Path:
        """Checkpoint the current step (see :mod:`rlvr.trainers.checkpoint`)."""
        state = {"optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict(), "config": self.config.to_dict()}
        return save_checkpoint(self.out, self.step, self.model, self.tokenizer, state, keep=self.config.keep_checkpoints)

    def close(self) -> None:
        self.rollouts.close()
        self.metrics.close()

    # ---- log-probs -----------------------------------------------------------------
    def _logprobs(self, model: Any, batch: TokenBatch) -> tuple[Tensor, Tensor]:
        """The model's log-prob (and entropy) of every next token, computed in chunks."""
        if self.config.share_prompts:
            hidden = hidden_states(model, batch.ids, batch.attention, prompt_lengths(batch.mask))
        else:
            hidden = model.get_decoder()(input_ids=batch.ids, attention_mask=batch.attention).last_hidden_state
        logp, entropy = token_logprobs(
            hidden[:, :-1],
            model.get_output_embeddings().weight,
            batch.targets,
            temperature=self.config.temperature,
            chunk_size=self.config.logprob_chunk_size,
            with_entropy=True,
        )
        return logp, entropy

    def _frozen_logprobs(self, model: Any, batch: TokenBatch) -> Tensor:
        """Log-probs of every row under ``model`` without gradients, padded to the batch width."""
        out = torch.zeros_like(batch.mask)
        with torch.no_grad():
            for micro in torch.arange(len(batch)).split(self.config.micro_batch_size):
                sub = batch.rows(micro)
                out[micro, : sub.mask.shape[1]] = self._logprobs(model, sub)[0]
        return out

    def _sampler(self, spec: PolicySpec, source: Path) -> WeightSyncBackend:
        """The backend that generates this run's rollouts (see ``GRPOConfig.sampler``)."""
        if self.config.sampler == "vllm":
            from rlvr.agents.llm.backends.vllm import VLLMBackend

            return VLLMBackend(source, seed=self.config.seed, gpu_memory_utilization=self.config.vllm_memory)
        return hf_sampler(spec, self.model)

    def _reference_model(self, device: torch.device) -> Any:
        from transformers import AutoModelForCausalLM

        reference = AutoModelForCausalLM.from_pretrained(self.config.model, dtype=torch.float32).to(device)
        reference.eval().requires_grad_(False)
        return reference


def rollout_metrics(rollouts: list[Rollout]) -> dict[str, float]:
    """Means over episodes: reward, accuracy, turns, policy tokens, truncation, prefix breaks."""
    trajectories = [r.trajectory for r in rollouts]
    return {
        "reward": float(np.mean([t.reward for t in trajectories])),
        "accuracy": float(np.mean([bool(t.verdict and t.verdict.correct) for t in trajectories])),
        "turns": float(np.mean([t.turns for t in trajectories])),
        "policy_tokens": float(sum(s.policy_tokens for t in trajectories for s in t.samples)),
        "response_tokens": float(np.mean([sum(s.policy_tokens for s in t.samples) for t in trajectories])),
        "truncated": float(np.mean([t.truncated or t.truncated_turns > 0 for t in trajectories])),
        "prefix_breaks": float(sum(t.prefix_breaks for t in trajectories)),
    }
