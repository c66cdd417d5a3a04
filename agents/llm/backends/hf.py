"""The ``hf`` backend: batched sampling from a transformers causal LM, CPU or GPU (the default).

A hand-written decoding loop instead of ``model.generate``: prompts are left-padded into one
batch with an attention mask and explicit position ids, the prompt is run once into a KV cache,
then each step feeds one token per row. Rows stop on their own (a stop token, their token
budget, or the model's context length, ``max_position_embeddings``); once a quarter of the rows still in the batch have
finished, they are dropped from the batch and from the cache, so a long tail of one or two rows
does not pay for the whole batch. Sampling draws from a ``torch.Generator``, so a seeded call
is reproducible. Log-probs are ``log_softmax(logits / temperature)`` over the full vocabulary
(see :mod:`rlvr.agents.llm.backends.base`).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import torch
from torch import Tensor
from transformers import AutoModelForCausalLM, DynamicCache
from transformers.cache_utils import DynamicLayer

from rlvr.agents.llm.backends.base import Sample, SamplingParams
from rlvr.agents.devices import resolve_device
from rlvr.agents.llm.model_files import check_model_dir

COMPACT_FRACTION = 0.25


def resolve_dtype(dtype: str, device: torch.device) -> torch.dtype | str:
    """``"auto"``: float32 on the CPU, the checkpoint's own dtype on a GPU; else a torch dtype name."""
    if dtype == "auto":
        return torch.float32 if device.type == "cpu" else "auto"
    resolved = getattr(torch, dtype, None)
    if not isinstance(resolved, torch.dtype) or not resolved.is_floating_point:
        raise ValueError(f"dtype must be auto, float32, bfloat16 or float16, got {dtype!r}")
    return resolved


@contextmanager
def _eval_mode(model: torch.nn.Module) -> Iterator[None]:
    """The model in eval mode (no dropout) for the duration, then back to how it was."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def filter_logits(logits: Tensor, top_k: int, top_p: float) -> Tensor:
    """``logits`` with tokens outside the top ``top_k`` and outside the smallest set holding
    ``top_p`` of the probability set to ``-inf`` (0 and 1 switch a filter off)."""
    if 0 < top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p < 1.0:
        sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
        probs = torch.softmax(sorted_logits, dim=-1)
        outside = (probs.cumsum(-1) - probs) >= top_p  # the mass before a token already reaches top_p
        logits = logits.masked_fill(torch.zeros_like(outside).scatter(-1, order, outside), float("-inf"))
    return logits


def sample_rows(probs: Tensor, generator: torch.Generator) -> Tensor:
    """One index per row of ``probs`` [B, V], drawn by inverting the cumulative distribution with
    one uniform number per row (``torch.multinomial`` draws V numbers per row on the CPU: ~8x
    slower here). The sums run in float64, so a vocabulary of 10^5 tokens loses no probability."""
    cdf = probs.double().cumsum(-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64, device=probs.device) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(1).clamp_max(probs.shape[1] - 1)


class PreallocatedLayer(DynamicLayer):
    """A full-attention KV-cache layer that writes each step into buffers sized for the whole
    call, where transformers' ``DynamicLayer`` concatenates (copying the whole cache every step:
    ~25% of a decoding step of the tiny model at batch 32). ``keys``/``values`` are views of the
    filled part, so everything else about the layer is unchanged."""

    def __init__(self, capacity: int):
        super().__init__()
        self.capacity = capacity
        self.used = 0

    def update(self, key_states: Tensor, value_states: Tensor, *args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
            batch, heads = key_states.shape[:2]
            self._keys = key_states.new_empty(batch, heads, self.capacity, key_states.shape[-1])
            self._values = value_states.new_empty(batch, heads, self.capacity, value_states.shape[-1])
        end = self.used + key_states.shape[-2]
        self._keys[:, :, self.used : end] = key_states
        self._values[:, :, self.used : end] = value_states
        self.used = end
        self.keys, self.values = self._keys[:, :, :end], self._values[:, :, :end]
        return self.keys, self.values

    def batch_select_indices(self, indices: Tensor) -> None:
        if self.is_initialized:
            self._keys, self._values = self._keys[indices], self._values[indices]
            self.keys, self.values = self._keys[:, :, : self.used], self._values[:, :, : self.used]


def kv_cache(model: Any, capacity: int) -> DynamicCache:
    """A cache for one call of at most ``capacity`` positions: the model's own layer types, with
    plain full-attention layers preallocated (sliding-window and other layers left as they are)."""
    cache = DynamicCache(config=model.config)
    cache.layers = [PreallocatedLayer(capacity) if type(layer) is DynamicLayer else layer for layer in cache.layers]
    return cache


class HFBackend:
    """Samples from a transformers causal LM with a KV cache, all prompts of a call in one batch.

    Args:
        model: any ``AutoModelForCausalLM`` model; generation runs where its parameters are.
        eos_token_ids: the default stop tokens (used when ``SamplingParams.stop_token_ids`` is
            ``None``); by default the model's ``generation_config.eos_token_id``.
        pad_token_id: the id written into padding positions (never attended to); by default the
            generation config's pad id, else the first EOS id.
        seed: seeds the running random state that unseeded calls draw from.

    Weight sync: a trainer that keeps its learner in the same process may hand the learner's
    module itself to this backend — then there is nothing to sync, and :meth:`generate` switches
    the module to eval mode for the call and back afterwards. With a separate copy (another
    device or dtype), call :meth:`update_from` (or :meth:`load_weights`) after each optimiser step.
    Calls are serialised by a lock, so threads (e.g. ``evaluate``'s workers) may share one backend.
    """

    def __init__(self, model: Any, *, eos_token_ids: Sequence[int] | None = None, pad_token_id: int | None = None, seed: int = 0):
        self.model = model
        self.device = next(model.parameters()).device
        generation = getattr(model, "generation_config", None)
        if eos_token_ids is None:
            eos = getattr(generation, "eos_token_id", None)
            eos_token_ids = [] if eos is None else ([eos] if isinstance(eos, int) else list(eos))
        self.eos_token_ids = tuple(int(t) for t in eos_token_ids)
        if pad_token_id is None:
            pad_token_id = getattr(generation, "pad_token_id", None)
        if pad_token_id is None:
            pad_token_id = self.eos_token_ids[0] if self.eos_token_ids else 0
        self.pad_token_id = int(pad_token_id)
        self.max_positions: int | None = getattr(model.config, "max_position_embeddings", None)
        self._generator = torch.Generator(device=self.device).manual_seed(seed)
        self._lock = threading.Lock()

    @classmethod
    def from_path(cls, path: str | Path, *, device: str = "auto", dtype: str = "auto", seed: int = 0) -> HFBackend:
        """Load the model in a local folder (see :func:`rlvr.agents.llm.model_files.check_model_dir`)."""
        folder = check_model_dir(path)
        target = resolve_device(device)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=resolve_dtype(dtype, target)).to(target)
        return cls(model, seed=seed)

    # ---- weight sync ----------------------------------------------------------------
    def load_weights(self, state_dict: Mapping[str, Tensor]) -> None:
        """Copy ``state_dict`` into the model (a subset of its parameters is fine; a name the
        model does not have raises ``ValueError``)."""
        with torch.no_grad():
            result = self.model.load_state_dict(dict(state_dict), strict=False)
        if result.unexpected_keys:
            raise ValueError(f"weights for parameters the sampler's model does not have: {result.unexpected_keys[:5]}; is it the same architecture?")

    def update_from(self, model: torch.nn.Module) -> None:
        """Copy the learner's parameters in; nothing to do when ``model`` is the sampler's own module."""
        if model is not self.model:
            self.load_weights(model.state_dict())

    # ---- generation -----------------------------------------------------------------
    def generate(self, prompts: Sequence[Sequence[int]], params: SamplingParams) -> list[Sample]:
        if not prompts:
            return []
        if any(len(p) == 0 for p in prompts):
            raise ValueError("every prompt needs at least one token (render the chat template first)")
        with self._lock, torch.inference_mode(), _eval_mode(self.model):
            return self._generate([list(p) for p in prompts], params)

    def _budgets(self, prompts: list[list[int]], params: SamplingParams) -> list[int]:
        """New tokens each row may take: ``max_new_tokens``, less where the context runs out."""
        if self.max_positions is None:
            return [params.max_new_tokens] * len(prompts)
        return [max(0, min(params.max_new_tokens, self.max_positions - len(p))) for p in prompts]

    def _generate(self, prompts: list[list[int]], params: SamplingParams) -> list[Sample]:
        budgets = self._budgets(prompts, params)
        results = [Sample([], [], "length") for _ in prompts]  # rows with no room left in the context
        rows = [i for i, b in enumerate(budgets) if b > 0]
        if rows:
            tokens, logprobs, counts, stopped = self._decode([prompts[i] for i in rows], [budgets[i] for i in rows], params)
            for j, i in enumerate(rows):
                n = counts[j]
                results[i] = Sample(tokens[j][:n], logprobs[j][:n], "stop" if stopped[j] else "length")
        return results

    def _decode(self, prompts: list[list[int]], budgets: list[int], params: SamplingParams) -> tuple[list[list[int]], list[list[float]], list[int], list[bool]]:
        """The decoding loop over rows that all have room to generate."""
        device, batch = self.device, len(prompts)
        steps = max(budgets)
        lengths = torch.tensor([len(p) for p in prompts], device=device)
        width = int(lengths.max())
        ids = torch.full((batch, width), self.pad_token_id, dtype=torch.long)
        for row, prompt in enumerate(prompts):
            ids[row, width - len(prompt) :] = torch.tensor(prompt, dtype=torch.long)
        ids = ids.to(device)
        padded = bool((lengths < width).any())
        mask = (torch.arange(width, device=device)[None, :] >= (width - lengths)[:, None]).long() if padded else None
        positions = (mask.cumsum(-1) - 1).clamp_min(0) if mask is not None else torch.arange(width, device=device).expand(batch, -1)
        stop_ids = torch.tensor(params.stop_token_ids if params.stop_token_ids is not None else self.eos_token_ids, dtype=torch.long, device=device)
        generator = torch.Generator(device=device).manual_seed(params.seed) if params.seed is not None else self._generator
        cache = kv_cache(self.model, width + steps)
        out_tokens = torch.full((batch, steps), self.pad_token_id, dtype=torch.long, device=device)
        out_logprobs = torch.zeros((batch, steps), dtype=torch.float32, device=device)
        counts = torch.zeros(batch, dtype=torch.long, device=device)
        stopped = torch.zeros(batch, dtype=torch.bool, device=device)
        budget = torch.tensor(budgets, device=device)
        present = torch.arange(batch, device=device)  # original row of each row still in the batch
        done = torch.zeros(batch, dtype=torch.bool, device=device)
        next_position = lengths.clone()

        logits = self.model(input_ids=ids, attention_mask=mask, position_ids=positions, past_key_values=cache, use_cache=True, logits_to_keep=1).logits[:, -1]
        for step in range(steps):
            token, logprob = self._sample(logits, params, generator)
            out_tokens[present, step] = token
            out_logprobs[present, step] = logprob
            counts[present] += (~done).long()
            hit_stop = torch.isin(token, stop_ids) & ~done
            stopped[present] |= hit_stop
            done = done | hit_stop | (counts[present] >= budget[present])
            finished = int(done.sum())
            if finished == len(present):
                break
            if finished >= COMPACT_FRACTION * len(present):
                keep = (~done).nonzero().squeeze(1)
                cache.batch_select_indices(keep)
                present, token, done, next_position = present[keep], token[keep], done[keep], next_position[keep]
                mask = mask[keep] if mask is not None else None
            if mask is not None:
                mask = torch.cat([mask, mask.new_ones(len(present), 1)], dim=1)
            logits = self.model(
                input_ids=token[:, None], attention_mask=mask, position_ids=next_position[:, None], past_key_values=cache, use_cache=True
            ).logits[:, -1]
            next_position = next_position + 1
        return out_tokens.tolist(), out_logprobs.tolist(), counts.tolist(), stopped.tolist()

    @staticmethod
    def _sample(logits: Tensor, params: SamplingParams, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        """One token per row and its log-prob under ``log_softmax(logits / temperature)``."""
        scaled = logits.float()
        if not params.greedy:
            scaled = scaled / params.temperature
        normaliser = torch.logsumexp(scaled, dim=-1, keepdim=True)
        if params.greedy:
            token = scaled.argmax(-1)
        elif params.top_k == 0 and params.top_p == 1.0:
            token = sample_rows(torch.exp(scaled - normaliser), generator)
        else:
            token = sample_rows(torch.softmax(filter_logits(scaled, params.top_k, params.top_p), dim=-1), generator)
        logprob = scaled.gather(-1, token[:, None]).squeeze(1) - normaliser.squeeze(1)
        return token, logprob
