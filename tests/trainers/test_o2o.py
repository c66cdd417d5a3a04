"""Offline-to-online RL: each algorithm runs on a tiny collected dataset; returns-to-go; resume; dataset errors."""

import warnings

import gymnasium as gym
import numpy as np
import pytest
import torch

pytest.importorskip("minari", reason="offline datasets need minari (rlvr[control])")
pytest.importorskip("mujoco", reason="control envs need mujoco (rlvr[control])")

from rlvr.trainers.collect import collect_control_dataset  # noqa: E402
from rlvr.trainers.offline_to_online import ALGORITHMS, ConfigError, DatasetError, O2OConfig, O2OTrainer, returns_to_go  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    root = tmp_path_factory.mktemp("datasets")
    dataset = collect_control_dataset("rlvr/Hopper-v0", "random", 600, datasets_path=root, seed=0)
    assert dataset.total_steps == 600
    assert dataset.spec.observation_space.dtype == np.float32
    assert dataset.storage.metadata["ref_min_score"] == pytest.approx(-20.272305)
    assert dataset.storage.metadata["ref_max_score"] == pytest.approx(3234.3)
    return root


def config(root, out, algo, **overrides):
    base = dict(algo=algo, env="rlvr/Hopper-v0", dataset=None if algo == "sac" else "rlvr/Hopper/random-v0", datasets_path=str(root),
                out=str(out), offline_steps=20, online_steps=40, batch_size=32, warmup_steps=10, eval_every=20, eval_episodes=1,
                cql_actions=2, checkpoint_every=0, progress=False, tensorboard=False, hidden_sizes=(32, 32))
    return O2OConfig(**{**base, **overrides})


def run(cfg, resume=False):
    trainer = O2OTrainer(cfg, resume=resume)
    try:
        return trainer.train()
    finally:
        trainer.close()


@pytest.mark.parametrize("algo", ALGORITHMS)
def test_every_algorithm_runs_offline_then_online(datasets, tmp_path, algo):
    history = run(config(datasets, tmp_path, algo))
    assert history[-1]["step"] == (20 if algo in ("iql", "calql", "wsrl") else 0) + 40
    assert "online_regret" in history[-1] and np.isfinite(history[-1]["score"])
    if algo in ("iql", "calql", "wsrl"):
        assert any("offline_score" in h for h in history)


def test_returns_to_go_bootstrap_truncations_not_terminations():
    rewards = np.array([1.0, 1.0, 1.0], np.float32)
    terminated = returns_to_go(rewards, True, 0.5)
    assert terminated.tolist() == [1.75, 1.5, 1.0]
    truncated = returns_to_go(rewards, False, 0.5)  # the unseen tail is worth mean(r) / (1 - gamma) = 2
    assert truncated.tolist() == [2.0, 2.0, 2.0]


def test_o2o_resume_continues_the_same_run(datasets, tmp_path):
    straight = run(config(datasets, tmp_path / "a", "calql"))
    interrupted = O2OTrainer(config(datasets, tmp_path / "b", "calql"))
    while interrupted.step < 40:  # a run stopped after 20 online steps, its checkpoint written
        interrupted.offline_step() if interrupted.step < 20 else interrupted.online_step()
    interrupted.save()
    interrupted.close()
    resumed = run(config(datasets, tmp_path / "b", "calql"), resume=True)
    assert [h["score"] for h in straight if h["step"] > 40] == [h["score"] for h in resumed if h["step"] > 40]
    assert straight[-1]["q_mean"] == resumed[-1]["q_mean"]


def test_missing_or_mismatched_dataset_says_what_to_do(datasets, tmp_path):
    with pytest.raises(DatasetError, match="rlvr collect"):
        O2OTrainer(config(datasets, tmp_path, "iql", dataset="rlvr/Hopper/nothing-v0"))
    with pytest.raises(DatasetError, match="shape"):
        O2OTrainer(config(datasets, tmp_path, "iql", env="rlvr/HalfCheetah-v0"))
    assert gym.spec("rlvr/Hopper-v0") is not None


def test_a_device_without_cuda_is_refused_before_the_run_starts(datasets, tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU, so cuda is a valid device here")
    with pytest.raises(ConfigError, match="no CUDA GPU"):
        O2OTrainer(config(datasets, tmp_path, "sac", device="cuda"))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("algo", ["wsrl", "iql", "rlpd"])
def test_learning_runs_on_a_cuda_device(datasets, tmp_path, algo):
    trainer = O2OTrainer(config(datasets, tmp_path / "run", algo, device="cuda", checkpoint_every=40))
    history = trainer.train()
    trainer.close()
    assert all(p.device.type == "cuda" for p in trainer.learner.critic.parameters())
    assert np.isfinite(history[-1]["score"]) and np.isfinite(history[-1]["q_mean"])
    resumed = O2OTrainer(config(datasets, tmp_path / "run", algo, device="cuda", online_steps=60), resume=True)
    assert resumed.train()[-1]["step"] == resumed.config.total_steps
    resumed.close()
