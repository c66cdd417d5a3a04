"""PPO on control envs: learning, resume determinism, the shared loss on [N, 1] tensors."""

import warnings

import numpy as np
import pytest

pytest.importorskip("mujoco", reason="PPO tests need mujoco (rlvr[control])")

from rlvr.agents.control import GaussianActorCritic  # noqa: E402
from rlvr.trainers.metrics import read_metrics  # noqa: E402
from rlvr.trainers.ppo import ConfigError, PPOConfig, PPOTrainer  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)


def small(tmp_path, **overrides):
    base = dict(env="rlvr/InvertedPendulum-v0", out=str(tmp_path), steps=2048, rollout_steps=256, minibatch_size=64, epochs=4,
                eval_episodes=0, checkpoint_every=0, progress=False, tensorboard=False)
    return PPOConfig(**{**base, **overrides})


def run(config, resume=False):
    trainer = PPOTrainer(config, resume=resume)
    try:
        return trainer.train()
    finally:
        trainer.close()


@pytest.mark.slow
def test_ppo_improves_inverted_pendulum(tmp_path):
    history = run(small(tmp_path, steps=12288, rollout_steps=1024, learning_rate=1e-3, eval_episodes=3))
    returns = [h["reward"] for h in history if "reward" in h]
    assert returns[-1] > 2 * returns[0]
    assert history[-1]["eval_return"] > 2 * returns[0]


def test_resume_continues_the_same_run(tmp_path):
    straight = run(small(tmp_path / "straight", steps=1536))
    run(small(tmp_path / "split", steps=768, checkpoint_every=256))
    resumed = run(small(tmp_path / "split", steps=1536), resume=True)
    keys = ("loss", "value_loss", "approx_kl", "std")
    assert [[h[k] for k in keys] for h in straight[-3:]] == [[h[k] for k in keys] for h in resumed]
    logged = [record["step"] for record in read_metrics(tmp_path / "split")]
    assert logged == sorted(set(logged)) and logged[-1] == 1536


def test_checkpoint_holds_the_observation_statistics(tmp_path):
    run(small(tmp_path, steps=512))
    policy = GaussianActorCritic.from_pretrained(tmp_path / "latest")
    assert policy.observation_normalizer.stats.count > 500
    assert not np.allclose(policy.observation_normalizer.stats.var, 1.0)
    assert policy.predict(np.zeros(4)).shape == (1,)


def test_resume_without_a_checkpoint_and_bad_configs_say_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="drop --resume"):
        PPOTrainer(small(tmp_path), resume=True)
    with pytest.raises(ConfigError, match="minibatch_size"):
        PPOTrainer(small(tmp_path, minibatch_size=10_000))
