"""The SAC-style networks behind offline-to-online RL: an ensemble's members are independent critics."""

import pytest

torch = pytest.importorskip("torch", reason="the control agents need torch (rlvr[control])")

from rlvr.agents.control.sac import CriticEnsemble, TanhGaussianActor  # noqa: E402


def test_training_one_member_of_the_ensemble_leaves_the_others_unchanged():
    torch.manual_seed(0)
    critic = CriticEnsemble(observation_dim=5, action_dim=2, members=4, hidden=(16, 16))
    observations, actions = torch.randn(32, 5), torch.rand(32, 2) * 2 - 1
    before = critic(observations, actions).detach()
    optimizer = torch.optim.SGD(critic.parameters(), lr=0.1)
    for _ in range(5):
        optimizer.zero_grad()
        critic(observations, actions)[0].square().mean().backward()  # a loss on member 0 only
        optimizer.step()
    after = critic(observations, actions).detach()
    assert not torch.allclose(after[0], before[0])
    torch.testing.assert_close(after[1:], before[1:])


def test_members_start_different_and_layer_norm_normalises_each_member():
    torch.manual_seed(0)
    critic = CriticEnsemble(observation_dim=3, action_dim=1, members=3, hidden=(8,))
    q = critic(torch.randn(10, 3), torch.zeros(10, 1))
    assert q.shape == (3, 10) and not torch.allclose(q[0], q[1])
    normed = critic.norms[0](torch.randn(3, 10, 8) * 50 + 7)
    torch.testing.assert_close(normed.mean(-1), torch.zeros(3, 10), atol=1e-5, rtol=0)


def test_actor_actions_stay_inside_the_box_and_log_probs_are_finite():
    import numpy as np

    torch.manual_seed(0)
    actor = TanhGaussianActor(4, 2, np.array([-2.0, 0.0]), np.array([2.0, 1.0]), hidden=(16,))
    actions, logp = actor.sample(torch.randn(64, 4) * 10)
    assert torch.all(actions[:, 0].abs() <= 2.0) and torch.all((actions[:, 1] >= 0) & (actions[:, 1] <= 1))
    assert torch.isfinite(logp).all()
