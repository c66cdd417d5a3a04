"""The hf backend: batched sampling with a KV cache, exact log-probs, per-row stops, seeds,
weight sync, the ``hf:PATH`` spec and ``LLMAgent`` episodes on it."""

from __future__ import annotations

import copy

import pytest
import torch

from rlvr.agents import evaluate, make_agent, run_episode
from rlvr.agents.llm import HFBackend, LLMAgent, SamplingParams
from rlvr.agents.llm.backends.hf import filter_logits, sample_rows
from rlvr.agents.llm.model_files import load_tokenizer, stop_token_ids
from rlvr.registry import UnknownNameError

from agent_test_envs import SumEnv, add
from llm_helpers import TINY, make_tokenizer, tiny_model

PROMPTS = [[1, 40, 41, 42, 43, 44, 45, 46, 47], [1, 50, 51], [1, 60, 61, 62, 63, 64]]


@pytest.fixture(scope="module")
def backend() -> HFBackend:
    return HFBackend(tiny_model())


def recomputed_logprobs(model, prompt: list[int], sampled: list[int], temperature: float) -> list[float]:
    """log_softmax(logits / temperature) of each sampled token, from one forward over prompt + sample."""
    with torch.no_grad():
        logits = model(torch.tensor([prompt + sampled])).logits[0, len(prompt) - 1 : -1].float()
    logprobs = torch.log_softmax(logits / temperature, dim=-1)
    return logprobs.gather(-1, torch.tensor(sampled)[:, None]).squeeze(1).tolist()


@pytest.mark.parametrize(("temperature", "top_k", "top_p"), [(1.0, 0, 1.0), (0.7, 0, 1.0), (1.3, 5, 1.0), (1.0, 0, 0.5)])
def test_logprobs_are_the_full_vocabulary_temperature_scaled_ones(backend, temperature, top_k, top_p):
    samples = backend.generate(PROMPTS, SamplingParams(max_new_tokens=16, temperature=temperature, top_k=top_k, top_p=top_p, seed=1))
    for prompt, sample in zip(PROMPTS, samples):
        assert len(sample.token_ids) == len(sample.logprobs) > 0
        assert sample.logprobs == pytest.approx(recomputed_logprobs(backend.model, prompt, sample.token_ids, temperature), abs=1e-4)


def test_top_k_samples_only_among_the_k_most_likely(backend):
    (sample,) = backend.generate([PROMPTS[0]], SamplingParams(max_new_tokens=12, top_k=3, seed=5))
    with torch.no_grad():
        logits = backend.model(torch.tensor([PROMPTS[0] + sample.token_ids])).logits[0, len(PROMPTS[0]) - 1 : -1]
    top3 = logits.topk(3, dim=-1).indices
    assert all(token in row.tolist() for token, row in zip(sample.token_ids, top3))


def test_filter_logits_keeps_the_nucleus_and_the_top_k():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    assert torch.isfinite(filter_logits(logits, 0, 0.7)).tolist() == [[True, True, False, False]]
    assert torch.isfinite(filter_logits(logits, 0, 0.5)).tolist() == [[True, False, False, False]]
    assert torch.isfinite(filter_logits(logits, 2, 1.0)).tolist() == [[True, True, False, False]]
    assert torch.isfinite(filter_logits(logits, 0, 1.0)).all()


def test_rows_are_drawn_with_their_probabilities():
    probs = torch.tensor([[0.1, 0.0, 0.6, 0.3], [0.0, 0.0, 0.0, 1.0]]).repeat(20_000, 1)
    drawn = sample_rows(probs, torch.Generator().manual_seed(0)).view(20_000, 2)
    assert torch.bincount(drawn[:, 0], minlength=4).div(20_000).tolist() == pytest.approx([0.1, 0.0, 0.6, 0.3], abs=0.01)
    assert set(drawn[:, 1].tolist()) == {3}  # zero-probability tokens are never drawn


def test_a_batch_with_left_padding_matches_rows_run_alone(backend):
    params = SamplingParams(max_new_tokens=20, temperature=0)
    batched = backend.generate(PROMPTS, params)
    for prompt, sample in zip(PROMPTS, batched):
        (alone,) = backend.generate([prompt], params)
        assert sample.token_ids == alone.token_ids
        assert sample.logprobs == pytest.approx(alone.logprobs, abs=1e-4)


def test_rows_stop_on_their_own_and_the_rest_carry_on(backend):
    greedy = SamplingParams(max_new_tokens=20, temperature=0)
    free = backend.generate(PROMPTS, greedy)
    stop = free[1].token_ids[0]  # row 1 stops at once; the others run on, after it leaves the batch and the cache
    assert all(stop not in free[row].token_ids for row in (0, 2))
    stopped = backend.generate(PROMPTS, SamplingParams(max_new_tokens=20, temperature=0, stop_token_ids=(stop,)))
    assert (stopped[1].token_ids, stopped[1].finish_reason) == ([stop], "stop")
    for row in (0, 2):
        assert stopped[row].token_ids == free[row].token_ids and stopped[row].finish_reason == "length"
        assert stopped[row].logprobs == pytest.approx(free[row].logprobs, abs=1e-4)


def test_the_default_stop_is_the_models_eos(backend):
    eos = backend.model.generation_config.eos_token_id
    samples = backend.generate([PROMPTS[1]] * 16, SamplingParams(max_new_tokens=200, seed=0))
    assert any(s.finish_reason == "stop" for s in samples)
    for s in samples:
        assert (s.token_ids[-1] == eos) == (s.finish_reason == "stop") and eos not in s.token_ids[:-1]


def test_seeded_calls_are_reproducible_and_seeds_differ(backend):
    params = SamplingParams(max_new_tokens=24, seed=11)
    assert backend.generate(PROMPTS, params) == backend.generate(PROMPTS, params)
    assert backend.generate(PROMPTS, params) != backend.generate(PROMPTS, SamplingParams(max_new_tokens=24, seed=12))
    group = backend.generate([PROMPTS[0]] * 4, params)  # one prompt repeated: every row its own draw
    assert len({tuple(s.token_ids) for s in group}) == 4


def test_the_context_length_caps_each_row():
    short = HFBackend(tiny_model(max_positions=16))
    samples = short.generate([[1] * 10, [1] * 16, [1] * 20], SamplingParams(max_new_tokens=50, temperature=0, stop_token_ids=(0,)))
    assert [len(s.token_ids) for s in samples] == [6, 0, 0]
    assert {s.finish_reason for s in samples} == {"length"}


def test_bad_inputs_say_what_is_wrong(backend):
    with pytest.raises(ValueError, match="at least one token"):
        backend.generate([[]], SamplingParams())
    assert backend.generate([], SamplingParams()) == []
    with pytest.raises(ValueError, match="top_p"):
        SamplingParams(top_p=0)
    with pytest.raises(ValueError, match="max_new_tokens"):
        SamplingParams(max_new_tokens=0)


def test_weight_sync_from_a_learner():
    learner = copy.deepcopy(tiny_model()).train()
    sampler = HFBackend(copy.deepcopy(tiny_model()))
    params = SamplingParams(max_new_tokens=8, temperature=0)
    with torch.no_grad():
        for p in learner.parameters():
            p.add_(0.05 * torch.randn_like(p))
    assert sampler.generate(PROMPTS, params) != HFBackend(learner).generate(PROMPTS, params)
    sampler.update_from(learner)
    assert sampler.generate(PROMPTS, params) == HFBackend(learner).generate(PROMPTS, params)
    assert learner.training  # sharing the learner's module: generate leaves its mode as it was
    with pytest.raises(ValueError, match="same architecture"):
        sampler.load_weights({"not.a.parameter": torch.zeros(1)})


# ---- the agent on this backend -------------------------------------------------------------------


def test_llm_agent_episodes_replay_with_the_same_seed(backend):
    tokenizer = make_tokenizer(TINY)
    env = SumEnv(tools=[add], max_turns=3)

    def play(seed: int):
        agent = LLMAgent(backend, tokenizer, SamplingParams(max_new_tokens=10), seed=seed)
        episode = run_episode(env, agent, seed=0)
        return episode.messages, agent.trajectory(episode.reward, truncated=episode.truncated, verdict=episode.verdict)

    (messages, trajectory), (again, _) = play(1), play(1)
    assert messages == again and play(2)[0] != messages
    assert trajectory.turns >= 1 and trajectory.samples[0].policy_tokens > 0


def test_batched_rollouts_take_one_generate_call_per_turn_step(backend):
    """The rollout-engine API: many episodes, one batched backend call per step."""
    tokenizer = make_tokenizer(TINY)
    calls: list[int] = []
    envs = [SumEnv(tools=[add], max_turns=2) for _ in range(6)]
    agents = [LLMAgent(backend, tokenizer) for _ in envs]
    for i, (env, agent) in enumerate(zip(envs, agents)):
        agent.reset(*env.reset(seed=i))
    running, trajectories = list(zip(envs, agents)), []
    params = SamplingParams(max_new_tokens=8, seed=0, stop_token_ids=(tokenizer.eos_token_id,))
    while running:
        samples = backend.generate([a.prompt_ids() for _, a in running], params)
        calls.append(len(samples))
        still = []
        for (env, agent), sample in zip(running, samples):
            observation, reward, terminated, truncated, info = env.step(agent.observe_sample(sample))
            if terminated or truncated:
                trajectories.append(agent.trajectory(reward, truncated=truncated, verdict=info["verdict"]))
            else:
                agent.observe_env(observation)
                still.append((env, agent))
        running = still
    assert len(trajectories) == 6 and calls[0] == 6 and calls == sorted(calls, reverse=True)
    assert sum(t.turns for t in trajectories) == sum(calls)


# ---- the hf:PATH spec ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    tiny_model().save_pretrained(folder)
    make_tokenizer(TINY).save_pretrained(folder)
    return folder


def test_hf_spec_evaluates_a_local_model(model_dir):
    report = evaluate(lambda: SumEnv(max_turns=2), f"hf:{model_dir},max_new_tokens=8,temperature=0.8,device=cpu", episodes=3, k=2, seed=0)
    assert len(report.records) == 6 and report.mean_reward == 0.0  # a random model does not add five-digit numbers
    agent = make_agent(f"hf:{model_dir},max_new_tokens=8", SumEnv())
    assert isinstance(agent, LLMAgent) and agent.params.max_new_tokens == 8 and agent.params.stop_token_ids == (make_tokenizer().eos_token_id,)


def test_hf_spec_evaluates_in_reproducible_batches_on_the_promised_tasks(model_dir, monkeypatch):
    spec = f"hf:{model_dir},max_new_tokens=8,temperature=1.0,device=cpu"
    calls = []
    original = HFBackend.generate
    monkeypatch.setattr(HFBackend, "generate", lambda self, prompts, params: calls.append(len(prompts)) or original(self, prompts, params))
    first = evaluate(lambda: SumEnv(max_turns=2), spec, episodes=5, k=3, seed=4, batch_size=8)
    assert max(calls) == 8  # attempts of several tasks share one generate call
    again = evaluate(lambda: SumEnv(max_turns=2), spec, episodes=5, k=3, seed=4, batch_size=8)
    oracle = evaluate(lambda: SumEnv(max_turns=2), "oracle", episodes=5, k=1, seed=4)
    assert [(r.episode, r.attempt) for r in first.records] == [(e, a) for e in range(5) for a in range(3)]
    assert [r.task_id for r in first.records if r.attempt == 0] == [r.task_id for r in oracle.records]
    assert [(r.task_id, r.turns, r.reason) for r in first.records] == [(r.task_id, r.turns, r.reason) for r in again.records]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("hf", "needs a model"),
        ("hf:/no/such/model", "build one with `rlvr model build --out /no/such/model`"),
        ("hf:{dir},temperature=hot", "temperature must be a float"),
        ("hf:{dir},colour=blue", "unknown option 'colour'"),
        ("hf:{dir},top_p", "options are key=value"),
        ("hf:{dir},top_p=2", "top_p must be in"),
    ],
)
def test_bad_hf_specs_say_how_to_fix_them(model_dir, spec, message):
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        make_agent(spec.format(dir=model_dir), SumEnv())


def test_model_folders_give_their_tokenizer_and_stop_tokens(model_dir, tmp_path):
    tokenizer = load_tokenizer(model_dir)
    assert stop_token_ids(tokenizer, model_dir) == (tokenizer.eos_token_id,)
    bare = make_tokenizer(TINY)
    bare.chat_template = None
    bare.save_pretrained(tmp_path)
    with pytest.raises(ValueError, match="has no chat template"):
        load_tokenizer(tmp_path)


def test_the_agent_says_when_it_is_used_before_reset(backend):
    agent = LLMAgent(backend, make_tokenizer(TINY))
    assert agent.params.stop_token_ids == (make_tokenizer().eos_token_id,)
    with pytest.raises(RuntimeError, match="call reset"):
        agent.act([], {})


def test_model_kinds_are_listed_with_the_others():
    with pytest.raises(UnknownNameError, match="hf:PATH, vllm:PATH, openai:MODEL@URL"):
        make_agent("hff:x", SumEnv())
