"""The GRPO trainer end to end: learning, resuming, checkpoints as models, samplers, bad configurations."""

import copy
import importlib.util
import json

import pytest
import torch

import rlvr
from rlvr import Task, TextEnv, Verdict, generator
from rlvr.tools import tool

pytest.importorskip("transformers", reason="the llm extra (transformers) is not installed")

from rlvr.trainers.grpo import ConfigError, GRPOConfig, GRPOTrainer  # noqa: E402
from rlvr.trainers.losses import PolicyLossConfig  # noqa: E402
from rlvr.trainers.metrics import read_metrics  # noqa: E402

VLLM_RUNS = importlib.util.find_spec("vllm") is not None and torch.cuda.is_available()


@generator
def numbers(rng, difficulty):
    return Task(prompt=f"Use the numbers {int(rng.integers(1, 50))} and {int(rng.integers(1, 50))}.", answer="7")


class Seven(TextEnv):
    """A small learnable task: reward 1 when the reply contains the digit 7."""

    tasks = numbers

    def verify(self, task, response):
        found = "7" in response
        return Verdict(float(found), found, "has a 7" if found else "no 7")


@tool
def note(text: str) -> str:
    """Write a note; it is echoed back."""
    return f"noted: {text}"


class SevenWithTools(Seven):
    """The same task with a tool on offer, so episodes can be multi-turn."""

    def __init__(self, **kwargs):
        super().__init__(tools=[note], max_turns=3, **kwargs)


rlvr.register("rlvr/TestSeven-v0", Seven, domain="test")
rlvr.register("rlvr/TestSevenTools-v0", SevenWithTools, domain="test")


def config(model, out, **overrides):
    values = dict(env="rlvr/TestSeven-v0", model=str(model), out=str(out), steps=4, tasks_per_step=2, group_size=4, max_new_tokens=12, learning_rate=3e-3, eval_every=0, checkpoint_every=2, progress=False, tensorboard=False)
    return GRPOConfig(**{**values, **overrides})


def state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.mark.slow
def test_grpo_raises_reward_on_a_learnable_task(tiny_model, tmp_path):
    trainer = GRPOTrainer(config(tiny_model, tmp_path / "run", steps=16, tasks_per_step=4, group_size=8, max_new_tokens=16, checkpoint_every=16))
    history = trainer.train()
    trainer.close()
    rewards = [h["reward"] for h in history]
    assert sum(rewards[-4:]) / 4 > sum(rewards[:4]) / 4 + 0.15, rewards


@pytest.mark.slow
def test_resumed_run_takes_the_same_steps_as_an_uninterrupted_one(tiny_model, tmp_path):
    straight = GRPOTrainer(config(tiny_model, tmp_path / "straight"))
    straight.train()
    straight.close()

    first = GRPOTrainer(config(tiny_model, tmp_path / "resumed", steps=2))
    first.train()
    first.close()
    resumed = GRPOTrainer(config(tiny_model, tmp_path / "resumed"), resume=True)
    assert resumed.step == 2
    resumed.train()
    resumed.close()

    for name, value in straight.model.state_dict().items():
        torch.testing.assert_close(resumed.model.state_dict()[name], value, rtol=0, atol=1e-6, msg=name)
    rewards = lambda run: [(m["step"], m["reward"]) for m in read_metrics(tmp_path / run)]
    assert rewards("resumed") == rewards("straight") and len(rewards("straight")) == 4


@pytest.mark.slow
def test_checkpoint_is_a_model_folder_the_hf_agent_loads(tiny_model, tmp_path):
    from rlvr.agents.evaluate import evaluate

    trainer = GRPOTrainer(config(tiny_model, tmp_path / "run", steps=2, eval_every=2, eval_tasks=4))
    history = trainer.train()
    trainer.close()
    assert "eval_accuracy" in history[-1]
    latest = tmp_path / "run" / "latest"
    assert (latest / "config.json").is_file() and (latest / "tokenizer.json").is_file()
    report = evaluate("rlvr/TestSeven-v0", f"hf:{latest},max_new_tokens=8", episodes=2, k=1)
    assert len(report.records) == 2
    assert json.loads((tmp_path / "run" / "config.json").read_text())["group_size"] == 4


@pytest.mark.slow
def test_multi_turn_episodes_learn_only_from_policy_tokens(tiny_model, tmp_path):
    trainer = GRPOTrainer(config(tiny_model, tmp_path / "run", env="rlvr/TestSevenTools-v0", steps=1))
    from rlvr.trainers.batch import build_batch
    from rlvr.agents.llm.engine import EpisodeRequest

    rollouts = trainer.rollouts.run([EpisodeRequest(group=0, seed=s) for s in range(6)], trainer.params, seed=0)
    batch = build_batch(rollouts, torch.ones(len(rollouts)), trainer.pad_id)
    policy_tokens = sum(s.policy_tokens for r in rollouts for s in r.trajectory.samples)
    assert int(batch.mask.sum()) == policy_tokens
    for row, rollout in zip(range(len(batch)), rollouts):
        sampled = [int(t) for t, m in zip(batch.targets[row], batch.mask[row]) if m]
        ledger = rollout.trajectory.samples[0]
        assert sampled == [t for t, m in zip(ledger.ids, ledger.mask) if m]
    assert trainer.train()[-1]["policy_tokens"] > 0
    trainer.close()


def test_bad_configuration_says_what_to_fix(tiny_model, tmp_path):
    with pytest.raises(ConfigError, match="group_size must be at least 2"):
        GRPOTrainer(config(tiny_model, tmp_path / "a", group_size=1))
    with pytest.raises(ConfigError, match="rlvr model build"):
        GRPOTrainer(config(tmp_path / "no-model", tmp_path / "b"))
    with pytest.raises(ConfigError, match="did you mean 'rlvr/TestSeven-v0'"):
        GRPOTrainer(config(tiny_model, tmp_path / "c", env="rlvr/TestSevn-v0"))
    with pytest.raises(ConfigError, match="nothing to resume"):
        GRPOTrainer(config(tiny_model, tmp_path / "d"), resume=True)
    with pytest.raises(ConfigError, match="lr_schedule must be one of constant, linear"):
        GRPOTrainer(config(tiny_model, tmp_path / "e", lr_schedule="cosine"))
    with pytest.raises(ConfigError, match="sampler must be one of hf, vllm, got 'tgi'"):
        GRPOTrainer(config(tiny_model, tmp_path / "f", sampler="tgi"))
    with pytest.raises(ConfigError, match="drop --ray"):
        GRPOTrainer(config(tiny_model, tmp_path / "g", sampler="vllm", ray=True, rollout_shards=2))


@pytest.mark.skipif(VLLM_RUNS, reason="vLLM and a GPU are here: the missing-vLLM message does not apply")
def test_the_vllm_sampler_without_vllm_says_how_to_get_it_or_what_to_use(tiny_model, tmp_path):
    with pytest.raises(ConfigError, match=r"pip install 'rlvr\[vllm\]'.*--sampler hf"):
        GRPOTrainer(config(tiny_model, tmp_path / "run", sampler="vllm"))


class FrozenCopy:
    """A sampler over its own copy of the model that ignores weight updates (a broken sync)."""

    def __init__(self, backend):
        self.backend = backend

    def generate(self, prompts, params):
        return self.backend.generate(prompts, params)

    def load_weights(self, state_dict):
        """Drops the weights: the broken sync this test must catch."""

    def update_from(self, model):
        """Drops the update: the broken sync this test must catch."""


def train_with_separate_sampler(tiny_model, out, monkeypatch, sync_works):
    """Three GRPO steps whose sampler is an hf backend over a copy of the model, as vLLM's engine is."""
    from rlvr.trainers.rollout_workers import hf_sampler

    def separate_sampler(trainer, spec, source):
        backend = hf_sampler(spec, copy.deepcopy(trainer.model))
        return backend if sync_works else FrozenCopy(backend)

    monkeypatch.setattr(GRPOTrainer, "_sampler", separate_sampler)
    # the entropy bonus moves the weights on every step, whatever the rewards
    trainer = GRPOTrainer(config(tiny_model, out, steps=3, max_new_tokens=8, checkpoint_every=3, loss=PolicyLossConfig(entropy_coef=0.1)))
    history = trainer.train()
    trainer.close()
    return [h["sampler_logp_gap"] for h in history]


def test_a_sampler_with_its_own_weights_gets_the_learners_before_every_step(tiny_model, tmp_path, monkeypatch):
    synced = train_with_separate_sampler(tiny_model, tmp_path / "synced", monkeypatch, sync_works=True)
    stale = train_with_separate_sampler(tiny_model, tmp_path / "stale", monkeypatch, sync_works=False)
    assert max(synced) < 1e-4, synced  # the sampler's log-probs are the learner's: same weights
    assert stale[0] < 1e-4 and min(stale[1:]) > 10 * max(synced), (stale, synced)  # without sync, they drift


@pytest.mark.skipif(not VLLM_RUNS, reason="needs the vllm package (rlvr[vllm]) and a CUDA GPU")
def test_the_vllm_sampler_follows_the_learner(tiny_model, tmp_path):
    trainer = GRPOTrainer(config(tiny_model, tmp_path / "run", steps=3, device="cuda", sampler="vllm", vllm_memory=0.3, checkpoint_every=3, loss=PolicyLossConfig(entropy_coef=0.1)))
    history = trainer.train()
    trainer.close()
    # vLLM's kernels and dtype differ from the learner's, so the gap is small, not zero; a sampler
    # left on the step-0 weights drifts far past it (the test above measures that drift on CPU)
    assert all(h["sampler_logp_gap"] < 0.05 for h in history), [h["sampler_logp_gap"] for h in history]


def test_linear_lr_schedule_decays_over_the_run(tiny_model, tmp_path):
    trainer = GRPOTrainer(config(tiny_model, tmp_path / "run", lr_schedule="linear", max_new_tokens=4))
    history = trainer.train()
    trainer.close()
    assert [h["learning_rate"] for h in history] == pytest.approx([3e-3, 2.25e-3, 1.5e-3, 0.75e-3])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_training_runs_on_a_cuda_device(tiny_model, tmp_path):
    trainer = GRPOTrainer(config(tiny_model, tmp_path / "run", steps=2, device="cuda", checkpoint_every=2))
    before = state(trainer.model)
    history = trainer.train()
    trainer.close()
    assert all(p.device.type == "cuda" for p in trainer.model.parameters())
    assert len(history) == 2 and all(torch.isfinite(torch.tensor(h["loss"])) for h in history)
    assert any(not torch.equal(before[k], v) for k, v in trainer.model.state_dict().items())
