"""rlvr train ppo / train o2o / collect on control envs, as a user runs them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mujoco", reason="control envs need mujoco (rlvr[control])")

RLVR = Path(sys.executable).with_name("rlvr")


def rlvr(*args, cwd):
    env = {**os.environ, "RLVR_DATASETS_CACHE": str(cwd / "datasets")}
    env.pop("MINARI_DATASETS_PATH", None)
    return subprocess.run([str(RLVR), *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def test_train_ppo_writes_a_resumable_run(tmp_path):
    done = rlvr("train", "ppo", "--env", "rlvr/InvertedPendulum-v0", "--steps", "512", "--rollout-steps", "256", "--eval-episodes", "1", "--out", "run", "--no-tensorboard", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "deterministic evaluation" in done.stdout
    assert (tmp_path / "run" / "latest" / "policy.pt").is_file() and (tmp_path / "run" / "metrics.jsonl").is_file()
    again = rlvr("train", "ppo", "--env", "rlvr/InvertedPendulum-v0", "--steps", "768", "--rollout-steps", "256", "--eval-episodes", "0", "--out", "run", "--resume", "--no-tensorboard", cwd=tmp_path)
    assert again.returncode == 0, again.stderr


def test_train_ppo_preset_and_the_flags_over_it(tmp_path):
    done = rlvr("train", "ppo", "--env", "rlvr/Hopper-v0", "--preset", "zoo", "--hidden-sizes", "32,32", "--steps", "256", "--rollout-steps", "256",
                "--eval-episodes", "0", "--out", "run", "--no-tensorboard", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    policy = json.loads((tmp_path / "run" / "latest" / "config.json").read_text())
    assert policy["activation"] == "relu" and policy["log_std_init"] == -2.0  # from the zoo's Hopper entry
    assert policy["hidden_sizes"] == [32, 32]  # the flag wins over the preset
    wrong = rlvr("train", "ppo", "--env", "rlvr/Hopper-v0", "--preset", "tuned", cwd=tmp_path)
    assert wrong.returncode == 2 and "mujoco-defaults" in wrong.stderr


def test_collect_then_o2o_and_the_errors(tmp_path):
    collected = rlvr("collect", "--env", "rlvr/Hopper-v0", "--recipe", "random", "--steps", "300", cwd=tmp_path)
    assert collected.returncode == 0, collected.stderr
    assert "rlvr/Hopper/random-v0" in collected.stdout
    trained = rlvr("train", "o2o", "--algo", "iql", "--env", "rlvr/Hopper-v0", "--dataset", "rlvr/Hopper/random-v0", "--offline-steps", "10",
                   "--online-steps", "10", "--batch-size", "16", "--eval-every", "10", "--eval-episodes", "1", "--out", "o2o", "--no-tensorboard", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    assert "online regret" in trained.stdout
    missing = rlvr("train", "o2o", "--algo", "iql", "--env", "rlvr/Hopper-v0", "--dataset", "rlvr/Hopper/none-v0", cwd=tmp_path)
    assert missing.returncode == 2 and "rlvr collect" in missing.stderr and "Traceback" not in missing.stderr
    mismatch = rlvr("train", "o2o", "--algo", "iql", "--env", "rlvr/Walker2d-v0", "--dataset", "rlvr/Hopper/random-v0", cwd=tmp_path)
    assert mismatch.returncode == 2 and "shape" in mismatch.stderr
    no_recipe = rlvr("collect", "--env", "rlvr/Hopper-v0", cwd=tmp_path)
    assert no_recipe.returncode == 2 and "--recipe" in no_recipe.stderr
