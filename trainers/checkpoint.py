"""Checkpoints a run can resume from: the model as a Hugging Face folder plus the trainer state.

Layout under a run's ``out`` folder::

    checkpoints/step-000010/model/        save_pretrained() of the policy and its tokenizer (if it has one)
    checkpoints/step-000010/trainer.pt    optimizer, step, random states
    latest -> checkpoints/step-000010/model    (what ``--agent hf:RUN/latest`` evaluates)

A checkpoint is written to a temporary folder and renamed into place, so a run killed while
saving leaves the previous checkpoint intact.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

STATE_FILE = "trainer.pt"


def checkpoint_dir(out: Path, step: int) -> Path:
    return out / "checkpoints" / f"step-{step:06d}"


def save_checkpoint(out: Path, step: int, model: Any, tokenizer: Any | None, trainer_state: dict[str, Any], keep: int = 2) -> Path:
    """Write the checkpoint of ``step``, point ``out/latest`` at it, keep the newest ``keep``.

    ``model`` is anything with ``save_pretrained(folder)`` (a Hugging Face model, or a torch
    policy such as the VLA policy); ``tokenizer`` is None for policies without one."""
    final = checkpoint_dir(out, step)
    staging = final.with_name(final.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging / "model")
    if tokenizer is not None:
        tokenizer.save_pretrained(staging / "model")
    torch.save({**trainer_state, "step": step, "random": _random_states()}, staging / STATE_FILE)
    shutil.rmtree(final, ignore_errors=True)
    staging.rename(final)
    link = out / "latest"
    tmp_link = out / "latest.tmp"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(final.relative_to(out) / "model")
    os.replace(tmp_link, link)
    for old in sorted((out / "checkpoints").glob("step-??????"))[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def latest_checkpoint(out: Path) -> Path | None:
    """The newest complete checkpoint folder of a run, if any."""
    done = sorted(p for p in (out / "checkpoints").glob("step-??????") if (p / STATE_FILE).is_file())
    return done[-1] if done else None


def load_trainer_state(checkpoint: Path) -> dict[str, Any]:
    """The trainer state of a checkpoint, with the process's random states restored."""
    state = torch.load(checkpoint / STATE_FILE, weights_only=False)
    _restore_random_states(state.pop("random"))
    return state


def _random_states() -> dict[str, Any]:
    return {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}


def _restore_random_states(states: dict[str, Any]) -> None:
    random.setstate(states["python"])
    np.random.set_state(states["numpy"])
    torch.set_rng_state(states["torch"])
