"""Expert datasets → behaviour cloning → GRPO on the VLA token policy, end to end at toy scale."""

import json

import pytest

torch = pytest.importorskip("torch", reason="the VLA trainers need torch (rlvr[robotics])")
pytest.importorskip("metaworld", reason="the VLA envs need rlvr[robotics] (metaworld)")
pytest.importorskip("minari", reason="datasets need minari (rlvr[control])")

from rlvr.agents.vla.collect import collect_expert_dataset  # noqa: E402
from rlvr.minari_store import load_dataset  # noqa: E402
from rlvr.agents.vla.policy import VLAPolicy  # noqa: E402
from rlvr.trainers.bc import BCConfig, BCTrainer, drop_words  # noqa: E402
from rlvr.trainers.losses import PolicyLossConfig  # noqa: E402
from rlvr.trainers.metrics import read_metrics  # noqa: E402
from rlvr.agents.vla.rollout import Episode, Start  # noqa: E402
from rlvr.trainers.vla_grpo import VLAGRPOConfig, VLAGRPOTrainer, decision_batch  # noqa: E402

SMALL = {"hidden": 64, "bins": 32}


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    root = tmp_path_factory.mktemp("datasets")
    collect_expert_dataset("rlvr/VLA-ButtonPress-v0", 2, datasets_path=root, env_kwargs={"width": 32, "height": 32})
    return root


def test_expert_dataset_holds_successful_episodes_with_images(datasets):
    dataset = load_dataset("rlvr/VLA-ButtonPress/expert-v0", datasets)
    episodes = list(dataset.iterate_episodes())
    assert len(episodes) == 2
    for episode in episodes:
        assert episode.terminations[-1] and episode.rewards.sum() == 1.0
        assert episode.observations["image"].shape == (len(episode.actions) + 1, 32, 32, 3)
        assert episode.observations["image"].dtype.name == "uint8"
        assert episode.observations["proprio"].dtype.name == "float32"
    with pytest.raises(FileNotFoundError, match="rlvr collect"):
        load_dataset("rlvr/VLA-Nothing/expert-v0", datasets)


def test_bc_fits_the_demonstrations_and_checkpoints_a_loadable_policy(datasets, tmp_path):
    config = BCConfig(datasets=("rlvr/VLA-ButtonPress/expert-v0",), datasets_path=str(datasets), out=str(tmp_path / "bc"),
                      steps=40, batch_size=32, learning_rate=1e-3, chunk=2, checkpoint_every=20, tensorboard=False, policy_overrides={"channels": (8, 8, 8)}, **SMALL)
    trainer = BCTrainer(config)
    history = trainer.train(progress=False)
    trainer.close()
    assert trainer.data.tasks == ["ButtonPress"] and trainer.policy.config.image_size == 32
    assert history[-1]["loss"] < 0.7 * history[0]["loss"]
    policy = VLAPolicy.from_pretrained(tmp_path / "bc" / "latest")
    assert policy.config.chunk == 2 and policy.config.bins == 32
    resumed = BCTrainer(config.__class__(**{**config.__dict__, "steps": 45}), resume=True)
    assert resumed.step == 40
    resumed.train(progress=False)
    resumed.close()
    assert [r["step"] for r in read_metrics(tmp_path / "bc")] == list(range(1, 46))


def test_grpo_runs_groups_from_one_state_and_uses_the_shared_loss(datasets, tmp_path):
    bc = BCTrainer(BCConfig(datasets=("rlvr/VLA-ButtonPress/expert-v0",), datasets_path=str(datasets), out=str(tmp_path / "bc"),
                            steps=5, chunk=4, tensorboard=False, policy_overrides={"channels": (8, 8, 8)}, **SMALL))
    bc.train(progress=False)
    bc.close()
    config = VLAGRPOConfig(policy=str(tmp_path / "bc" / "latest"), tasks=("ButtonPress",), out=str(tmp_path / "grpo"), steps=2,
                           states_per_step=2, group_size=2, max_steps=24, keep_mixed_only=False, temperature=1.5,
                           loss=PolicyLossConfig(kl_coef=0.1), checkpoint_every=1, tensorboard=False)
    trainer = VLAGRPOTrainer(config)
    starts = trainer.starts()
    assert len(starts) == 4 and starts[0].layout == starts[1].layout and starts[0].task == starts[1].task
    history = trainer.train(progress=False)
    trainer.close()
    assert len(history) == 2 and all(0.0 <= r["success"] <= 1.0 for r in history)
    assert {"policy_loss", "kl_to_ref", "clip_frac_low", "entropy"} <= set(history[0])
    assert history[0]["decisions"] == 4 * 6  # 4 episodes of 24 steps, 4 steps per decision
    assert (tmp_path / "grpo" / "latest" / "policy.json").is_file()
    assert json.loads((tmp_path / "grpo" / "latest" / "policy.json").read_text())["chunk"] == 4


def test_grpo_deals_every_task_the_same_number_of_groups(datasets, tmp_path):
    BCTrainer(BCConfig(datasets=("rlvr/VLA-ButtonPress/expert-v0",), datasets_path=str(datasets), out=str(tmp_path / "bc"),
                       steps=1, chunk=4, tensorboard=False, policy_overrides={"channels": (8, 8, 8)}, **SMALL)).train(progress=False)
    tasks = ("ButtonPress", "Reach", "DrawerOpen")
    config = VLAGRPOConfig(policy=str(tmp_path / "bc" / "latest"), tasks=tasks, out=str(tmp_path / "grpo"), states_per_step=2, group_size=2, tensorboard=False)
    trainer = VLAGRPOTrainer(config)
    dealt = []
    for step in range(6):  # 12 groups over 3 tasks: 4 each, whatever the seed
        trainer.step = step
        dealt += [start.task for start in trainer.starts()[::2]]
    trainer.close()
    assert sorted(dealt.count(task) for task in tasks) == [4, 4, 4]
    assert dealt[:3] != dealt[3:6] or dealt[3:6] != dealt[6:9]  # a fresh order each round


def test_grpo_linear_lr_schedule_decays_per_update_and_resumes_where_it_was(datasets, tmp_path):
    BCTrainer(BCConfig(datasets=("rlvr/VLA-ButtonPress/expert-v0",), datasets_path=str(datasets), out=str(tmp_path / "bc"),
                       steps=1, chunk=4, tensorboard=False, policy_overrides={"channels": (8, 8, 8)}, **SMALL)).train(progress=False)
    config = VLAGRPOConfig(policy=str(tmp_path / "bc" / "latest"), tasks=("ButtonPress",), out=str(tmp_path / "grpo"), steps=4,
                           states_per_step=1, group_size=2, max_steps=8, keep_mixed_only=False, learning_rate=1e-3,
                           lr_schedule="linear", checkpoint_every=1, tensorboard=False)
    trainer = VLAGRPOTrainer(config)
    trainer.step = 2  # half-way: half the rate, wherever the run came from
    assert trainer.learning_rate() == pytest.approx(5e-4)
    trainer.step = 0
    first = trainer.train_step()
    trainer.close()
    assert first["learning_rate"] == pytest.approx(1e-3) and trainer.optimizer.param_groups[0]["lr"] == pytest.approx(1e-3)
    with pytest.raises(ValueError, match="lr_schedule must be one of constant, linear"):
        VLAGRPOConfig(policy="p", tasks=("ButtonPress",), out="o", lr_schedule="cosine")


def test_grpo_keeps_the_policy_with_the_best_validation_success(datasets, tmp_path, monkeypatch):
    from rlvr.agents.vla.evaluate import SuccessReport
    from rlvr.envs.robotics import VALIDATION_LAYOUTS
    from rlvr.trainers import vla_grpo

    BCTrainer(BCConfig(datasets=("rlvr/VLA-ButtonPress/expert-v0",), datasets_path=str(datasets), out=str(tmp_path / "bc"),
                       steps=1, chunk=4, tensorboard=False, policy_overrides={"channels": (8, 8, 8)}, **SMALL)).train(progress=False)
    scores, seen = iter([0.2, 0.5, 0.3, 0.4]), []

    def scripted_evaluation(policy, tasks, *, layouts, **kwargs):  # validation success 0.2, 0.5, 0.3, 0.4 at updates 0..3
        seen.append((layouts, {k: v.clone() for k, v in policy.state_dict().items()}))
        return SuccessReport({task: next(scores) for task in tasks}, kwargs["episodes"], "train", True)

    monkeypatch.setattr(vla_grpo, "evaluate_policy", scripted_evaluation)
    config = VLAGRPOConfig(policy=str(tmp_path / "bc" / "latest"), tasks=("ButtonPress",), out=str(tmp_path / "grpo"), steps=3,
                           states_per_step=1, group_size=2, max_steps=8, keep_mixed_only=False, learning_rate=1e-2,
                           loss=PolicyLossConfig(entropy_coef=0.1),  # moves the weights every update, whatever the rewards
                           eval_every=1, eval_episodes=2, checkpoint_every=1, tensorboard=False)
    trainer = VLAGRPOTrainer(config)
    history = trainer.train(progress=False)
    trainer.close()
    assert all(layouts is VALIDATION_LAYOUTS for layouts, _ in seen)  # the held-out layouts never steer training
    assert [r["val_success"] for r in history] == [0.5, 0.3, 0.4]
    assert [r["best_val_success"] for r in history] == [0.5, 0.5, 0.5] and history[-1]["best_step"] == 1
    selection = json.loads((tmp_path / "grpo" / "best" / "selection.json").read_text())
    assert selection["step"] == 1 and selection["val_success"]["mean"] == 0.5
    best = VLAPolicy.from_pretrained(tmp_path / "grpo" / "best").state_dict()
    assert all(torch.equal(best[k], seen[1][1][k]) for k in best)  # the weights evaluated at update 1, not the last ones
    assert not all(torch.equal(best[k], trainer.policy.state_dict()[k]) for k in best)
    resumed = VLAGRPOTrainer(config, resume=True)
    assert (resumed.best_success, resumed.best_step) == (0.5, 1)
    resumed.close()


def _episode(decisions: int, success: bool) -> Episode:
    return Episode(Start("ButtonPress", 0, 0), "Press the button.", success, 4 * decisions, inputs={"proprio": torch.zeros(decisions, 4)},
                   tokens=torch.zeros(decisions, 16, dtype=torch.long), logp=torch.zeros(decisions, 16))


def test_episode_mean_gives_short_successes_and_long_failures_equal_weight():
    # a group of two successes (5 decisions, ended early) and two failures (20 decisions, time limit)
    episodes = [_episode(5, True), _episode(5, True), _episode(20, False), _episode(20, False)]
    advantages = torch.tensor([1.0, 1.0, -1.0, -1.0])
    per_episode = decision_batch(episodes, advantages, episode_mean=True).advantages
    per_decision = decision_batch(episodes, advantages, episode_mean=False).advantages
    assert per_episode.sum().item() == pytest.approx(0.0)  # the group's push sums to zero, as its advantages do
    assert per_episode[:5].sum().item() == pytest.approx(-per_episode[-20:].sum().item())
    assert per_decision.sum().item() == -30.0  # weighted per decision, the failures dominate


def test_word_dropout_turns_only_real_words_into_the_unknown_id():
    words = torch.tensor([[5, 7, 9, 0, 0], [3, 0, 0, 0, 0]])
    generator = torch.Generator().manual_seed(0)
    assert torch.equal(drop_words(words, 0.0, generator), words)
    dropped = drop_words(words.repeat(200, 1), 0.3, generator)
    assert torch.equal(dropped == 0, words.repeat(200, 1) == 0)  # padding stays padding
    changed = (dropped != words.repeat(200, 1)).float().sum() / (words > 0).sum() / 200
    assert 0.2 < float(changed) < 0.4 and set(dropped[dropped != words.repeat(200, 1)].tolist()) == {1}
    with pytest.raises(ValueError, match="word_dropout"):
        BCConfig(datasets=("x",), out="o", word_dropout=1.0)
