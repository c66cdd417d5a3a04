"""Every control id: Gymnasium's and SB3's env checkers, the success flag, safe actions, exact state restore."""

import warnings

import gymnasium as gym
import numpy as np
import pytest

pytest.importorskip("mujoco", reason="control envs need mujoco (rlvr[control])")

import rlvr  # noqa: E402,F401
from rlvr.envs.control import TASKS, get_env_state, set_env_state, task_for_env  # noqa: E402
from rlvr.registry import registered_envs  # noqa: E402

CONTROL_IDS = [entry.id for entry in registered_envs(kind="control")]


def test_the_issue_tasks_are_registered_with_gymnasium_time_limits():
    for name in ("HalfCheetah", "Hopper", "Walker2d", "Ant", "InvertedPendulum"):
        env_id = f"rlvr/{name}-v0"
        assert env_id in CONTROL_IDS
        assert gym.spec(env_id).max_episode_steps == gym.spec(f"{name}-v5").max_episode_steps
    assert sorted(CONTROL_IDS) == sorted(task.env_id for task in TASKS.values())


@pytest.mark.parametrize("env_id", CONTROL_IDS)
def test_gymnasium_and_sb3_checkers_pass(env_id):
    from gymnasium.utils.env_checker import check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = gym.make(env_id)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*infinity.*")  # MuJoCo observation boxes are unbounded
        warnings.filterwarnings("ignore", message=".*symmetric and normalized.*")  # SB3's advice, not an error
        check_env(env, skip_render_check=True)
        sb3_check_env(env)
    env.close()


@pytest.mark.parametrize("name", ["HalfCheetah", "Hopper"])
def test_rewards_and_observations_match_gymnasium_v5(name):
    ours, theirs = gym.make(f"rlvr/{name}-v0"), gym.make(f"{name}-v5")
    a, _ = ours.reset(seed=3)
    b, _ = theirs.reset(seed=3)
    rng = np.random.default_rng(0)
    for _ in range(50):
        action = rng.uniform(-1, 1, ours.action_space.shape).astype(np.float32)
        a, ra, ta, _, _ = ours.step(action)
        b, rb, tb, _, _ = theirs.step(action)
        assert np.array_equal(a, b) and ra == rb and ta == tb


def test_success_flag_follows_the_return_threshold():
    env = gym.make("rlvr/InvertedPendulum-v0")
    _, info = env.reset(seed=0)
    assert info["success"] is False and info["episode_return"] == 0.0
    total = 0.0
    threshold = task_for_env("rlvr/InvertedPendulum-v0").success_return
    for _ in range(20):
        _, reward, terminated, truncated, info = env.step(np.zeros(1))
        total += reward
        assert info["episode_return"] == pytest.approx(total)
        assert info["success"] == (total >= threshold)
        if terminated or truncated:
            break
    assert not info["success"]  # twenty steps cannot reach 950


def test_out_of_bounds_and_nan_actions_are_made_safe():
    env = gym.make("rlvr/Hopper-v0")
    env.reset(seed=0)
    observation, reward, _, _, info = env.step(np.array([np.nan, 50.0, -np.inf]))
    assert np.isfinite(observation).all() and np.isfinite(reward)
    assert info["invalid_action"] is True
    reference = gym.make("rlvr/Hopper-v0")
    reference.reset(seed=0)
    expected, *_ = reference.step(np.array([0.0, 1.0, -1.0]))
    assert np.array_equal(observation, expected)


def test_env_state_round_trip_continues_bit_for_bit():
    env = gym.make("rlvr/Walker2d-v0")
    env.reset(seed=5)
    for _ in range(10):
        env.step(env.action_space.sample())
    saved = get_env_state(env)
    actions = [env.action_space.sample() for _ in range(5)]
    first = [env.step(a) for a in actions]
    env.reset(seed=99)
    set_env_state(env, saved)
    second = [env.step(a) for a in actions]
    for (o1, r1, *_, i1), (o2, r2, *_, i2) in zip(first, second):
        assert np.array_equal(o1, o2) and r1 == r2 and i1["episode_return"] == i2["episode_return"]


def test_unknown_control_task_names_the_ids():
    with pytest.raises(KeyError, match="rlvr/Hopper-v0"):
        task_for_env("rlvr/Hoper-v0")
    assert task_for_env("rlvr/Hopper-v0").normalized_score(3234.3) == pytest.approx(100.0)
