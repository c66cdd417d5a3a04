"""rlvr demo: the built-in agents on every registered environment in one table, GRPO, PPO, then a VLA policy."""

import re

import pytest

BUILTIN_IDS = ("rlvr/Math-v0", "rlvr/Countdown-v0")


def test_demo_evaluates_every_env_and_runs_ppo(run_rlvr, tmp_path):
    result = run_rlvr("demo", "--episodes", "3", "--k", "2", "--grpo-steps", "0", "--ppo-steps", "2048", "--vla-steps", "0", "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    assert re.search(r"deterministic evaluation after 2048 steps: return \d+\.\d", result.stdout), result.stdout
    assert "built-in agents on every environment" in result.stdout and "demo done in" in result.stdout
    for env_id in BUILTIN_IDS:
        assert env_id in result.stdout
    oracle_rows = [line for line in result.stdout.splitlines() if re.search(r"\boracle\b", line)]
    assert oracle_rows and all(re.search(r"oracle\W+1\.000\W+1\.000\W+1\.000", row) for row in oracle_rows), oracle_rows


@pytest.mark.slow
def test_demo_trains_the_given_model_with_grpo(run_rlvr, tiny_model, tmp_path):
    result = run_rlvr("demo", "--episodes", "2", "--k", "1", "--model", str(tiny_model), "--grpo-steps", "2", "--ppo-steps", "0", "--vla-steps", "0", "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    assert "GRPO on the embedded default model" in result.stdout
    assert re.search(r"held-out sampled pass@1 on rlvr/Countdown-v0: \d\.\d{3} → \d\.\d{3}", result.stdout), result.stdout
    assert (tmp_path / "run" / "latest" / "config.json").is_file()


@pytest.mark.slow
def test_demo_clones_a_vla_policy_and_reports_its_success(run_rlvr, tmp_path):
    pytest.importorskip("metaworld", reason="the robotics extra (metaworld) is not installed")
    result = run_rlvr("demo", "--episodes", "1", "--k", "1", "--grpo-steps", "0", "--ppo-steps", "0", "--vla-steps", "50", "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    if "skipped: " in result.stdout.split("behaviour cloning of a VLA policy")[1]:
        pytest.skip("no offscreen OpenGL (EGL or OSMesa) to render camera images")
    found = re.search(r"success on 10 held-out layouts (\d\.\d\d) \(held-out instructions: (\d\.\d\d)\)", result.stdout.replace("\n", " "))
    assert found, result.stdout
    assert (tmp_path / "run-vla" / "bc" / "latest").exists()
