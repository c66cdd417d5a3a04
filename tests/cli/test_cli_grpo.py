"""``rlvr train grpo`` on bad input: one sentence saying what to fix, exit status 2, nothing trained."""

import importlib.util

import pytest

pytest.importorskip("transformers", reason="the llm extra (transformers) is not installed")


def test_a_missing_model_or_a_group_of_one_is_a_usage_error(run_rlvr, tiny_model, tmp_path):
    missing = run_rlvr("train", "grpo", "--env", "rlvr/Countdown-v0", "--model", str(tmp_path / "nothing"), "--out", str(tmp_path / "a"))
    assert missing.returncode == 2 and "rlvr model build" in missing.stderr
    alone = run_rlvr("train", "grpo", "--env", "rlvr/Countdown-v0", "--model", str(tiny_model), "--group-size", "1", "--out", str(tmp_path / "b"))
    assert alone.returncode == 2 and "group_size must be at least 2" in alone.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed: the missing-vLLM message does not apply")
def test_the_vllm_sampler_without_vllm_says_what_to_install_or_use(run_rlvr, tiny_model, tmp_path):
    result = run_rlvr("train", "grpo", "--env", "rlvr/Countdown-v0", "--model", str(tiny_model), "--sampler", "vllm", "--out", str(tmp_path / "run"))
    assert result.returncode == 2
    assert "pip install 'rlvr[vllm]'" in result.stderr and "--sampler hf" in result.stderr
