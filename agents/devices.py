"""Choosing the torch device a model or learner runs on."""

from __future__ import annotations

import torch


def resolve_device(device: str) -> torch.device:
    """``"auto"`` is CUDA when there is a GPU, else the CPU; anything else goes to ``torch.device``."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    resolved = torch.device(device)
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asked for, but torch sees no CUDA GPU here; use device=cpu")
    return resolved
