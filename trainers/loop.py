"""The step loop every step-based trainer shares: step, evaluate, log, show, checkpoint.

GRPO, VLA GRPO and behaviour cloning differ in what one step does; how steps are counted,
when evaluations and checkpoints happen and what is logged is the same, and lives here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from rlvr.trainers.metrics import MetricsLogger
from rlvr.trainers.progress import Progress


class StepTrainer(Protocol):
    """What :func:`run_steps` needs of a trainer: a step counter, a metrics logger and three methods."""

    step: int
    metrics: MetricsLogger

    def train_step(self) -> dict[str, float]: ...

    def evaluate(self) -> dict[str, float]: ...

    def save(self) -> Path: ...


def run_steps(trainer: StepTrainer, steps: int, *, eval_every: int, checkpoint_every: int, progress: bool) -> list[dict[str, float]]:
    """Step ``trainer`` until its counter reaches ``steps``; returns one record per step taken.

    With ``eval_every`` > 0 the trainer is evaluated before the first step (logged as step 0),
    every ``eval_every`` steps and after the last step; the evaluation's numbers join that step's
    record. A checkpoint is written every ``checkpoint_every`` steps and after the last one, so a
    resumed run continues from the last checkpoint with the same counter.
    """
    history: list[dict[str, float]] = []
    with Progress(steps, enabled=progress, start=trainer.step) as bar:
        if eval_every and trainer.step == 0:
            trainer.metrics.log(0, trainer.evaluate())
        while trainer.step < steps:
            record = trainer.train_step()
            trainer.step += 1
            if eval_every and (trainer.step % eval_every == 0 or trainer.step == steps):
                record.update(trainer.evaluate())
            trainer.metrics.log(trainer.step, record)
            history.append({"step": trainer.step, **record})
            bar.update(trainer.step, record)
            if trainer.step % checkpoint_every == 0 or trainer.step == steps:
                trainer.save()
    return history
