"""Learning-rate schedules the step-based trainers share: the factor of the base rate per update."""

from __future__ import annotations

LR_SCHEDULES = ("constant", "linear")


def lr_factor(schedule: str, step: int, steps: int, warmup: int = 0) -> float:
    """Multiplier of the base learning rate for update ``step`` (0-based) of a ``steps``-update run.

    A linear warm-up over the first ``warmup`` updates, then ``"constant"`` (1) or ``"linear"``
    decay toward 0 at ``steps`` (Hugging Face's ``linear`` schedule, TRL's default). A function
    of the update index alone, so a resumed run continues the same schedule.
    """
    if step < warmup:
        return (step + 1) / warmup
    if schedule == "linear":
        return max(0.0, (steps - step) / max(1, steps - warmup))
    return 1.0
