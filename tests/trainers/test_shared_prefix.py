"""Running each shared prompt once gives the same hidden states and gradients as a plain pass."""

import pytest
import torch

pytest.importorskip("transformers", reason="the llm extra (transformers) is not installed")

from transformers import LlamaConfig, LlamaForCausalLM  # noqa: E402

from rlvr.trainers.shared_prefix import hidden_states, prompt_lengths  # noqa: E402


def tiny_llama():
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64, pad_token_id=0)
    return LlamaForCausalLM(config).eval()


def grouped_batch():
    """Two prompts (lengths 5 and 3) with 3 and 2 completions of different lengths, right-padded,
    rows of one prompt not adjacent; plus a row with no policy tokens."""
    prompts = {0: [5, 6, 7, 8, 9], 1: [10, 11, 12]}
    rows = [(0, [20, 21]), (1, [30, 31, 32, 33]), (0, [22]), (1, [34]), (0, [23, 24, 25, 26]), (1, [])]
    width = max(len(prompts[p]) + len(c) for p, c in rows)
    ids = torch.zeros(len(rows), width, dtype=torch.long)
    attention = torch.zeros_like(ids)
    mask = torch.zeros(len(rows), width - 1)
    for r, (p, completion) in enumerate(rows):
        seq = prompts[p] + completion
        ids[r, : len(seq)] = torch.tensor(seq)
        attention[r, : len(seq)] = 1
        mask[r, len(prompts[p]) - 1 : len(seq) - 1] = 1
    return ids, attention, mask


def test_prompt_lengths_count_tokens_before_the_first_policy_token():
    ids, attention, mask = grouped_batch()
    assert prompt_lengths(mask).tolist() == [5, 3, 5, 3, 5, ids.shape[1]]


def test_same_hidden_states_and_gradients_as_a_plain_pass():
    model = tiny_llama()
    ids, attention, mask = grouped_batch()
    weights = torch.randn(*ids.shape, 32) * attention[..., None]

    plain = model.get_decoder()(input_ids=ids, attention_mask=attention).last_hidden_state
    (plain * weights).sum().backward()
    plain_grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    model.zero_grad()

    shared = hidden_states(model, ids, attention, prompt_lengths(mask))
    (shared * weights).sum().backward()
    valid = attention.bool()
    torch.testing.assert_close(shared[valid], plain[valid], rtol=1e-5, atol=1e-5)
    assert len(plain_grads) > 10
    for name, param in model.named_parameters():
        if name in plain_grads:
            torch.testing.assert_close(param.grad, plain_grads[name], rtol=1e-3, atol=1e-5, msg=lambda m, name=name: f"{name}: {m}")
