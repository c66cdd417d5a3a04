"""Control datasets' behaviour policies: medium stops at its score, medium-replay spans the training."""

import json

import pytest

pytest.importorskip("mujoco", reason="control envs need mujoco (rlvr[control])")
torch = pytest.importorskip("torch", reason="behaviour policies need torch (rlvr[control])")

from rlvr.trainers.collect import behaviour_policies, collect_control_dataset  # noqa: E402
from rlvr.trainers.ppo_presets import ZOO_TUNED, preset_overrides  # noqa: E402


@pytest.fixture(autouse=True)
def control_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RLVR_CONTROL_CACHE", str(tmp_path / "cache"))


def test_medium_policy_stops_training_once_it_reaches_its_score(tmp_path):
    # Any policy's Hopper return beats a score of -1000: the first ten finished episodes stop training.
    dataset = collect_control_dataset("rlvr/Hopper-v0", "medium", 200, behaviour_steps=2560, medium_score=-1000, datasets_path=tmp_path / "data")
    (behaviour,) = (tmp_path / "cache" / "behaviour").iterdir()
    summary = json.loads((behaviour / "behaviour.json").read_text())
    assert summary["reached_target"] and summary["steps"] < 2560
    assert summary["normalized_score"] >= -1000 and summary["target_return"] < 0
    assert f"PPO for {summary['steps']} steps" in dataset.storage.metadata["description"]
    assert dataset.total_steps == 200


def test_medium_replay_snapshots_span_a_training_that_never_reaches_its_score():
    policies, summary = behaviour_policies("rlvr/Hopper-v0", "medium-replay", 2560, seed=0, medium_score=1000)
    assert not summary["reached_target"] and summary["steps"] == 2560
    assert len(policies) == 10
    first, last = (torch.cat([p.detach().flatten() for p in policy.actor.parameters()]) for policy in (policies[0], policies[-1]))
    assert not torch.allclose(first, last)
    assert policies[-1].config.hidden_sizes == ZOO_TUNED["Hopper"]["hidden_sizes"]  # trained with the zoo preset
    again, _ = behaviour_policies("rlvr/Hopper-v0", "medium", 2560, seed=0, medium_score=1000)  # cached: medium is replay's last
    assert torch.equal(again[0].actor[0].weight, policies[-1].actor[0].weight)


def test_presets():
    assert preset_overrides("rlvr/HalfCheetah-v0", "zoo")["learning_rate"] == pytest.approx(2.0633e-05)
    assert preset_overrides("rlvr/InvertedPendulum-v0", "zoo") == {}  # no tuned entry: the defaults
    assert preset_overrides("rlvr/Hopper-v0", "mujoco-defaults") == {}
    with pytest.raises(ValueError, match="mujoco-defaults, zoo"):
        preset_overrides("rlvr/Hopper-v0", "tuned")
