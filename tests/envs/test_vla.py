"""VLA manipulation envs: Gymnasium API, seeding, images, action handling and the success reward."""

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import rlvr
from rlvr.builtin import VLA_TASKS

pytest.importorskip("metaworld", reason="the VLA envs need rlvr[robotics] (metaworld)")

from rlvr.agents.vla.expert import ScriptedExpert  # noqa: E402
from rlvr.envs.robotics import EVAL_LAYOUTS, TASKS, tokenize, vocabulary  # noqa: E402

VLA_IDS = [entry.id for entry in rlvr.registered_envs(kind="vla")]
FAST_IDS = ("rlvr/VLA-Reach-v0",)
# check_env on every id; one in the fast tier, the rest marked slow (about a second each).
CHECKED_IDS = [env_id if env_id in FAST_IDS else pytest.param(env_id, marks=pytest.mark.slow) for env_id in VLA_IDS]


def test_every_task_is_registered_with_a_multi_task_id():
    assert tuple(TASKS) == VLA_TASKS and len(VLA_TASKS) >= 10
    assert set(VLA_IDS) == {f"rlvr/VLA-{name}-v0" for name in TASKS} | {"rlvr/VLA-MultiTask-v0"}
    assert all(entry.domain == "robotics" for entry in rlvr.registered_envs(kind="vla"))


@pytest.mark.parametrize("env_id", CHECKED_IDS)
def test_check_env_passes_without_warnings(env_id):
    env = gym.make(env_id)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env.unwrapped, skip_render_check=True)
    env.close()
    assert not [str(w.message) for w in caught]


def test_seed_reproduces_initial_state_image_and_instruction():
    env = gym.make("rlvr/VLA-MultiTask-v0")
    first, info = env.reset(seed=7)
    again, info_again = env.reset(seed=7)
    other, other_info = env.reset(seed=8)
    env.close()
    assert info["task"] == info_again["task"] and info["layout"] == info_again["layout"]
    assert np.array_equal(first["image"], again["image"]) and np.array_equal(first["proprio"], again["proprio"])
    assert first["instruction"] == again["instruction"]
    assert (other_info["task"], other_info["layout"]) != (info["task"], info["layout"])


def test_layout_option_fixes_the_initial_state_across_env_instances():
    images = []
    for seed in (0, 1):
        env = gym.make("rlvr/VLA-Push-v0")
        obs, info = env.reset(seed=seed, options={"layout": EVAL_LAYOUTS[3]})
        images.append(obs["image"])
        assert info["layout"] == EVAL_LAYOUTS[3]
        env.close()
    assert np.array_equal(*images)
    env = gym.make("rlvr/VLA-Push-v0")
    moved, _ = env.reset(seed=0, options={"layout": EVAL_LAYOUTS[4]})
    env.close()
    assert not np.array_equal(images[0], moved["image"])


def test_image_size_is_configurable_and_224_works():
    env = gym.make("rlvr/VLA-DrawerOpen-v0", width=224, height=224)
    obs, _ = env.reset(seed=0)
    env.close()
    assert obs["image"].shape == (224, 224, 3) and obs["image"].dtype == np.uint8
    assert obs["image"].std() > 10  # a real picture, not a blank buffer


def test_corner_camera_is_upright():
    """The wooden table (reddish brown) fills the bottom of the default view, not the top."""
    env = gym.make("rlvr/VLA-Reach-v0", width=96, height=96)
    obs, _ = env.reset(seed=0)
    env.close()
    image = obs["image"].astype(int)
    wood = (image[..., 0] - image[..., 2]) > 25
    assert wood[-32:].mean() > 0.3 > wood[:32].mean()


def test_expert_succeeds_and_reward_is_success_only():
    env = gym.make("rlvr/VLA-ButtonPress-v0", camera=None)
    expert = ScriptedExpert()
    env.reset(seed=0, options={"layout": EVAL_LAYOUTS[0]})
    rewards, terminated, truncated = [], False, False
    while not (terminated or truncated):
        _, reward, terminated, truncated, info = env.step(expert.act(env))
        rewards.append(reward)
    env.close()
    assert terminated and info["success"]
    assert rewards[-1] == 1.0 and sum(rewards) == 1.0


def test_time_limit_truncates_without_reward():
    env = gym.make("rlvr/VLA-DoorOpen-v0", camera=None, max_steps=5)
    env.reset(seed=0)
    results = [env.step(np.zeros(4, dtype=np.float32)) for _ in range(5)]
    env.close()
    assert [r[3] for r in results] == [False] * 4 + [True]
    assert all(r[1] == 0.0 and not r[2] for r in results)


def test_out_of_bounds_actions_are_clipped_and_nan_is_a_no_op():
    def after(action):
        env = gym.make("rlvr/VLA-Reach-v0", camera=None)
        env.reset(seed=3)
        obs, _, _, _, info = env.step(np.asarray(action, dtype=np.float32))
        env.close()
        return obs["proprio"], info["invalid_action"]

    clipped, _ = after([50.0, -50.0, 50.0, 9.0])
    bounded, _ = after([1.0, -1.0, 1.0, 1.0])
    assert np.allclose(clipped, bounded)
    nan_result, invalid = after([np.nan, np.inf, -np.inf, np.nan])
    still, valid_flag = after([0.0, 0.0, 0.0, 0.0])
    assert invalid and not valid_flag and np.allclose(nan_result, still)


def test_wrong_action_size_says_the_shape():
    env = gym.make("rlvr/VLA-Reach-v0", camera=None)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="shape"):
        env.step(np.zeros(3))
    env.close()


def test_action_chunks_run_several_steps_and_stop_at_success():
    env = gym.make("rlvr/VLA-HandlePress-v0", camera=None, action_chunk=4)
    expert = ScriptedExpert()
    env.reset(seed=0, options={"layout": EVAL_LAYOUTS[1]})
    assert env.action_space.shape == (4, 4)
    _, _, _, _, info = env.step(expert.act(env))
    assert info["steps"] == 4
    terminated = truncated = False
    while not (terminated or truncated):
        _, reward, terminated, truncated, info = env.step(expert.act(env))
    env.close()
    assert terminated and reward == 1.0


def test_shaped_reward_only_when_asked():
    env = gym.make("rlvr/VLA-Reach-v0", camera=None, reward_type="shaped")
    env.reset(seed=0)
    _, reward, _, _, _ = env.step(np.zeros(4, dtype=np.float32))
    env.close()
    assert 0.0 < reward < 1.0


def test_heldout_instructions_differ_from_training_ones():
    env = gym.make("rlvr/VLA-WindowOpen-v0", camera=None, instructions="heldout")
    seen = {env.reset(seed=s)[0]["instruction"] for s in range(10)}
    env.close()
    task = TASKS["WindowOpen"]
    assert seen <= set(task.heldout) and not seen & set(task.instructions("train"))
    words = set(vocabulary())  # the policy's vocabulary: training words only
    assert all(set(tokenize(sentence)) <= words for sentence in task.instructions("train"))
    assert any(set(tokenize(sentence)) - words for sentence in task.heldout)


def test_bad_options_raise_clear_errors():
    env = gym.make("rlvr/VLA-MultiTask-v0", camera=None)
    with pytest.raises(ValueError, match="not one of"):
        env.reset(options={"task": "Juggle"})
    with pytest.raises(ValueError, match="layout"):
        env.reset(options={"layout": -1})
    obs, info = env.reset(seed=0, options={"task": "DrawerClose"})
    env.close()
    assert info["task"] == "DrawerClose" and obs["instruction"] in TASKS["DrawerClose"].instructions("train")


def test_envs_of_one_task_render_their_own_state_through_a_shared_camera():
    first, second = gym.make("rlvr/VLA-Push-v0"), gym.make("rlvr/VLA-Push-v0")
    a, _ = first.reset(seed=0, options={"layout": EVAL_LAYOUTS[0]})
    b, _ = second.reset(seed=0, options={"layout": EVAL_LAYOUTS[1]})
    second.close()  # the camera stays open for the env still using it
    a_again, _ = first.reset(seed=0, options={"layout": EVAL_LAYOUTS[0]})
    first.close()
    assert not np.array_equal(a["image"], b["image"]) and np.array_equal(a["image"], a_again["image"])
