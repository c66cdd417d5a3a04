"""rlvr collect → rlvr train bc → rlvr train vla-grpo → rlvr eval on a VLA env, as a user runs them."""

import json

import pytest

pytest.importorskip("metaworld", reason="the VLA envs need rlvr[robotics] (metaworld)")
pytest.importorskip("minari", reason="datasets need minari (rlvr[control])")


@pytest.mark.slow
def test_collect_train_bc_grpo_and_eval_success_per_task(run_rlvr, tmp_path):
    collected = run_rlvr("collect", "--env", "rlvr/VLA-HandlePress-v0", "--expert", "--episodes", "2", "--out", "data", "--env-arg", "width=32", "--env-arg", "height=32")
    assert collected.returncode == 0, collected.stderr
    assert "rlvr/VLA-HandlePress/expert-v0: 2 episodes" in collected.stdout
    trained = run_rlvr("train", "bc", "--dataset", "rlvr/VLA-HandlePress/expert-v0", "--datasets-path", "data", "--out", "bc", "--steps", "3", "--chunk", "2", "--no-tensorboard")
    assert trained.returncode == 0, trained.stderr
    assert "vla:bc/latest" in trained.stdout
    tuned = run_rlvr("train", "vla-grpo", "--policy", "bc/latest", "--tasks", "HandlePress", "--out", "grpo", "--steps", "1", "--states-per-step", "1",
                     "--group-size", "2", "--max-steps", "8", "--eval-every", "1", "--eval-episodes", "1", "--no-tensorboard")
    assert tuned.returncode == 0, tuned.stderr
    assert "best validation success" in tuned.stdout and "vla:grpo/best" in tuned.stdout
    assert json.loads((tmp_path / "grpo" / "best" / "selection.json").read_text())["step"] in (0, 1)
    evaluated = run_rlvr("eval", "rlvr/VLA-HandlePress-v0", "--agent", "vla:bc/latest", "--episodes", "2", "--env-arg", "max_steps=6", "--out", "eval.json")
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads((tmp_path / "eval.json").read_text())
    assert set(report["per_task"]) == {"HandlePress"} and report["episodes_per_task"] == 2
    assert 0.0 <= report["mean"] <= 1.0


def test_vla_commands_reject_what_does_not_fit(run_rlvr):
    no_expert = run_rlvr("collect", "--env", "rlvr/VLA-Reach-v0", "--episodes", "1")
    assert no_expert.returncode == 2 and "--expert" in no_expert.stderr
    text_env = run_rlvr("collect", "--env", "rlvr/Math-v0", "--expert")
    assert text_env.returncode == 2 and "no recipe" in text_env.stderr
    wrong_agent = run_rlvr("eval", "rlvr/VLA-Reach-v0", "--agent", "oracle", "--episodes", "1")
    assert wrong_agent.returncode == 2 and "vla:" in wrong_agent.stderr
    no_policy = run_rlvr("eval", "rlvr/VLA-Reach-v0", "--agent", "vla:nowhere", "--episodes", "1")
    assert no_policy.returncode == 2 and "rlvr train bc" in no_policy.stderr
    no_data = run_rlvr("train", "bc", "--dataset", "rlvr/VLA-Reach/none-v0", "--datasets-path", "empty")
    assert no_data.returncode == 2 and "rlvr collect" in no_data.stderr
