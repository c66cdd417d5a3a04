"""The contract, checked for every registered text environment — including ones added later."""

import gymnasium as gym
import pytest
from env_contract import check_gymnasium_api, check_seeded_reset, fuzz_step, probes

import rlvr
from rlvr.agents.evaluate import evaluate

ENV_IDS = [entry.id for entry in rlvr.registered_envs(kind="text")]


def make_or_skip(env_id: str) -> gym.Env:
    try:
        return gym.make(env_id)
    except ImportError as exc:  # an optional extra (e.g. rlvr[search]) is not installed
        pytest.skip(f"{env_id} needs a missing package: {exc}")


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_gymnasium_api_and_seeding(env_id):
    make_or_skip(env_id).close()
    check_gymnasium_api(env_id)
    check_seeded_reset(env_id, seeds=range(3))


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_oracle_solves_and_random_fails(env_id):
    make_or_skip(env_id).close()
    assert evaluate(env_id, "oracle", episodes=5, k=1, seed=11).pass_at_k[1] == 1.0
    assert evaluate(env_id, "random", episodes=5, k=1, seed=11).mean_reward == 0.0


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_model_text_never_raises(env_id):
    env = make_or_skip(env_id)
    fuzz_step(env, probes(size=20_000, tag_flood=20_000))
    env.close()
