"""GRPO with rollouts on Ray actors: the same seed gives the same run as a single process."""

from pathlib import Path

import pytest
import torch

pytest.importorskip("transformers", reason="the llm extra (transformers) is not installed")
pytest.importorskip("ray", reason="the dist extra (ray) is not installed")

from rlvr.trainers.grpo import ConfigError, GRPOConfig, GRPOTrainer  # noqa: E402
from rlvr.trainers.metrics import read_metrics  # noqa: E402
from rlvr.trainers.rollout_workers import split_into_shards  # noqa: E402
from rlvr.agents.llm.engine import EpisodeRequest  # noqa: E402


def config(model, out, **overrides):
    # "module:id": Ray's worker processes import the module that registers the env
    values = dict(env="parity_env:rlvr/TestParity-v0", model=str(model), out=str(out), steps=2, tasks_per_step=2, group_size=4, max_new_tokens=12, learning_rate=3e-3, eval_every=2, eval_tasks=3, checkpoint_every=2, rollout_shards=2, progress=False, tensorboard=False)
    return GRPOConfig(**{**values, **overrides})


def test_shards_are_contiguous_and_balanced():
    requests = [EpisodeRequest(group=g, seed=g) for g in range(7)]
    shards = split_into_shards(requests, 3)
    assert [len(s) for s in shards] == [3, 2, 2]
    assert [r for s in shards for r in s] == requests
    assert split_into_shards(requests[:1], 4) == [requests[:1]]


def test_ray_needs_two_shards(tiny_model, tmp_path):
    with pytest.raises(ConfigError, match="rollout-shards"):
        GRPOTrainer(config(tiny_model, tmp_path / "run", ray=True, rollout_shards=1))


@pytest.mark.slow
def test_ray_rollouts_give_the_same_run_as_local_ones(tiny_model, tmp_path):
    import ray

    local = GRPOTrainer(config(tiny_model, tmp_path / "local"))
    local.train()
    local.close()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": {"PYTHONPATH": str(Path(__file__).parent)}})
    try:
        distributed = GRPOTrainer(config(tiny_model, tmp_path / "ray", ray=True))
        distributed.train()
        distributed.close()
    finally:
        ray.shutdown()

    keys = ("reward", "policy_tokens", "loss", "sampler_logp_gap", "eval_accuracy")
    runs = {name: [{k: m[k] for k in keys if k in m} for m in read_metrics(tmp_path / name)] for name in ("local", "ray")}
    assert runs["local"] == runs["ray"] and len(runs["local"]) == 3  # step 0 evaluation + 2 steps
    assert all(m["grad_norm"] > 0 for m in read_metrics(tmp_path / "local") if "grad_norm" in m)  # the policy did change
    # the actors sampled with the learner's current weights: their log-probs match the learner's
    assert all(m["sampler_logp_gap"] < 1e-4 for m in runs["ray"] if "sampler_logp_gap" in m)
    for name, value in local.model.state_dict().items():
        torch.testing.assert_close(distributed.model.state_dict()[name], value, rtol=0, atol=0, msg=name)
