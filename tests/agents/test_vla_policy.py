"""The VLA token policy: action tokens, instruction words, save/load, and batched rollouts."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the VLA policy needs torch (rlvr[robotics])")
pytest.importorskip("metaworld", reason="the VLA envs need rlvr[robotics] (metaworld)")

from rlvr.agents.vla.policy import VLAPolicy, VLAPolicyConfig  # noqa: E402
from rlvr.agents.vla.rollout import Start, pool_for, rollout  # noqa: E402


@pytest.fixture(scope="module")
def policy():
    torch.manual_seed(0)
    return VLAPolicy(VLAPolicyConfig(chunk=2, bins=64, hidden=64, channels=(8, 8, 8)))


def test_tokens_round_trip_within_half_a_bin_and_ends_are_exact(policy):
    actions = torch.tensor([[[-1.0, 1.0, 0.3, -0.77], [0.0, 0.5, -0.5, 0.999]]])
    decoded = policy.actions_from_tokens(policy.tokens_from_actions(actions))
    assert decoded.shape == actions.shape
    assert (decoded - actions).abs().max() <= 1.0 / (policy.config.bins - 1) + 1e-6
    assert decoded[0, 0, 0] == -1.0 and decoded[0, 0, 1] == 1.0
    assert torch.equal(policy.tokens_from_actions(torch.full((1, 2, 4), 7.0)), torch.full((1, 8), policy.config.bins - 1))


def test_instruction_words_map_into_the_vocabulary(policy):
    known = policy.word_ids("Open the drawer.")
    assert 0 not in known[:3] and 1 not in known[:3] and known[3:] == [0] * (len(known) - 3)
    assert policy.word_ids("Frobnicate the drawer")[0] == 1  # unknown word, one shared id


def test_instruction_changes_the_action_distribution(policy):
    image = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    observations = [{"image": image, "proprio": np.zeros(4, np.float32), "instruction": text} for text in ("Open the drawer.", "Press the button from the top.")]
    logits = policy(policy.batch_observations(observations))
    assert logits.shape == (2, 8, 64)
    assert not torch.allclose(logits[0], logits[1])


def test_save_and_load_give_the_same_policy(policy, tmp_path):
    policy.save_pretrained(tmp_path / "p")
    loaded = VLAPolicy.from_pretrained(tmp_path / "p")
    batch = {"image": torch.zeros(1, 64, 64, 3, dtype=torch.uint8), "proprio": torch.zeros(1, 4), "words": torch.ones(1, 16, dtype=torch.long)}
    assert loaded.config == policy.config and torch.equal(loaded(batch), policy(batch))
    with pytest.raises(FileNotFoundError, match="rlvr train bc"):
        VLAPolicy.from_pretrained(tmp_path / "missing")


def test_wrong_image_size_says_how_to_make_the_env(policy):
    with pytest.raises(ValueError, match="width=64"):
        policy({"image": torch.zeros(1, 32, 32, 3, dtype=torch.uint8), "proprio": torch.zeros(1, 4), "words": torch.ones(1, 16, dtype=torch.long)})


def test_rollout_records_what_the_learner_rescores(policy):
    pool = pool_for(policy, max_steps=12)
    starts = [Start("Reach", 3, seed=0), Start("DrawerClose", 4, seed=1), Start("Reach", 3, seed=2)]
    try:
        episodes = rollout(policy, pool, starts, record=True, generator=torch.Generator().manual_seed(0), max_envs=2)
    finally:
        pool.close()
    assert [e.start for e in episodes] == starts
    for episode in episodes:
        decisions = episode.tokens.shape[0]
        assert episode.steps == 12 and decisions == 6  # chunk 2, no success within 12 steps
        assert episode.logp.shape == (decisions, 8) and episode.inputs["image"].shape == (decisions, 64, 64, 3)
        logp, _ = policy.token_log_probs(episode.inputs, episode.tokens)
        assert torch.allclose(logp, episode.logp, atol=1e-5)  # sampler and learner agree exactly
    assert torch.equal(episodes[0].inputs["image"][0], episodes[2].inputs["image"][0])  # same layout, same start image
