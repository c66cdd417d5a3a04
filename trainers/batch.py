"""Turning rollouts into the padded tensors a policy-gradient step needs."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from rlvr.agents.llm.engine import Rollout


@dataclass
class TokenBatch:
    """Right-padded token rows, one per ledger sample, aligned for next-token prediction.

    ``ids`` [N, L] are the full sequences; ``attention`` [N, L] marks real tokens. The target
    tensors are shifted by one: position t of ``mask``, ``sampler_logp`` and ``targets`` describes
    token ``ids[:, t + 1]`` (``mask`` is 1 where the policy sampled it). ``advantages`` [N] and
    ``overlong`` [N] (a turn cut at ``max_new_tokens``) are per row.
    """

    ids: Tensor
    attention: Tensor
    mask: Tensor
    sampler_logp: Tensor
    advantages: Tensor
    overlong: Tensor

    @property
    def targets(self) -> Tensor:
        return self.ids[:, 1:]

    def __len__(self) -> int:
        return self.ids.shape[0]

    def to(self, device: torch.device | str) -> TokenBatch:
        """The same batch on ``device`` (the learner's)."""
        return TokenBatch(**{name: getattr(self, name).to(device) for name in self.__dataclass_fields__})

    def rows(self, index: Tensor | slice) -> TokenBatch:
        """The sub-batch of the given rows, trimmed to its longest row."""
        width = int(self.attention[index].sum(-1).max())
        return TokenBatch(
            ids=self.ids[index, :width],
            attention=self.attention[index, :width],
            mask=self.mask[index, : width - 1],
            sampler_logp=self.sampler_logp[index, : width - 1],
            advantages=self.advantages[index],
            overlong=self.overlong[index],
        )


def build_batch(rollouts: list[Rollout], advantages: Tensor, pad_id: int) -> TokenBatch:
    """One row per ledger sample (an episode with a prefix break gives several rows, all with the
    episode's advantage)."""
    rows = [(sample, float(advantages[i]), rollout.trajectory.truncated_turns > 0) for i, rollout in enumerate(rollouts) for sample in rollout.trajectory.samples]
    width = max(len(sample.ids) for sample, _, _ in rows)
    n = len(rows)
    ids = torch.full((n, width), pad_id, dtype=torch.long)
    attention = torch.zeros((n, width), dtype=torch.long)
    mask = torch.zeros((n, width), dtype=torch.float32)
    sampler_logp = torch.zeros((n, width), dtype=torch.float32)
    for row, (sample, _, _) in enumerate(rows):
        length = len(sample.ids)
        ids[row, :length] = torch.tensor(sample.ids, dtype=torch.long)
        attention[row, :length] = 1
        mask[row, :length] = torch.tensor(sample.mask, dtype=torch.float32)
        sampler_logp[row, :length] = torch.tensor(sample.logprobs, dtype=torch.float32)
    return TokenBatch(
        ids=ids,
        attention=attention,
        mask=mask[:, 1:],
        sampler_logp=sampler_logp[:, 1:],
        advantages=torch.tensor([a for _, a, _ in rows], dtype=torch.float32),
        overlong=torch.tensor([o for _, _, o in rows], dtype=torch.bool),
    )
