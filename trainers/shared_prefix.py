"""Hidden states of many sequences that start with the same prompt, computing the prompt once.

GRPO's G completions of a task share their prompt token for token. A plain forward pass runs
that prompt G times; here each distinct prompt runs once (batch 1, with a KV cache), the cache
is repeated for its rows, and only the rest of each row runs in a batch on top of it. Autograd
sums the rows' gradients into the one prompt pass, so values and gradients equal the plain pass
up to float rounding, for a fraction of the compute when prompts are long next to completions.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from transformers import DynamicCache


def prompt_lengths(mask: Tensor) -> Tensor:
    """Per row, the number of tokens before the first policy token. ``mask`` [N, L-1] is shifted
    by one (position t describes token t+1), so the first 1 at position t means t+1 tokens of
    prompt; rows without policy tokens count as all prompt."""
    has_policy = mask.bool().any(-1)
    first = mask.bool().float().argmax(-1) + 1
    return torch.where(has_policy, first, torch.full_like(first, mask.shape[1] + 1))


def hidden_states(model: Any, ids: Tensor, attention: Tensor, prompt_length: Tensor) -> Tensor:
    """``model``'s last hidden states [N, L, H] for right-padded ``ids`` [N, L], running each
    distinct prompt (the first ``prompt_length[i]`` tokens of row i) once."""
    decoder = model.get_decoder()
    buckets: dict[tuple[int, ...], list[int]] = {}
    for row in range(ids.shape[0]):
        buckets.setdefault(tuple(ids[row, : int(prompt_length[row])].tolist()), []).append(row)
    if len(buckets) == ids.shape[0]:  # nothing shared: one plain pass
        return decoder(input_ids=ids, attention_mask=attention).last_hidden_state

    parts, order = [], []
    width = ids.shape[1]
    for prompt, rows in buckets.items():
        p = len(prompt)
        index = torch.tensor(rows, device=ids.device)
        prefix = decoder(input_ids=ids[index[:1], :p], use_cache=True)
        prefix_hidden = prefix.last_hidden_state.expand(len(rows), -1, -1)
        if p >= width:
            parts.append(prefix_hidden[:, :width])
        else:
            cache = DynamicCache(config=model.config)
            for layer, past in enumerate(prefix.past_key_values.layers):
                cache.update(past.keys.expand(len(rows), -1, -1, -1), past.values.expand(len(rows), -1, -1, -1), layer)
            positions = torch.arange(p, width, device=ids.device).expand(len(rows), -1)
            rest = decoder(
                input_ids=ids[index, p:],
                attention_mask=attention[index],
                position_ids=positions,
                past_key_values=cache,
                use_cache=True,
            ).last_hidden_state
            parts.append(torch.cat([prefix_hidden, rest], dim=1))
        order.extend(rows)
    hidden = torch.cat(parts)
    inverse = torch.empty(len(order), dtype=torch.long, device=ids.device)
    inverse[torch.tensor(order, device=ids.device)] = torch.arange(len(order), device=ids.device)
    return hidden[inverse]
