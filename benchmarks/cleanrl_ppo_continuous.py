"""CleanRL's ``ppo_continuous_action.py`` (github.com/vwxyzjn/cleanrl, MIT licence) re-expressed as a
function for the speed comparison in ``ppo_speed.py``: the same wrappers (ClipAction,
NormalizeObservation, clipped observations, NormalizeReward, clipped rewards), the same torch
``Normal`` policy evaluated once per env step, the same GAE and minibatch loop. Adapted to
Gymnasium 1.x (``TransformObservation`` takes the observation space; episode ends use the
next-step autoreset of ``SyncVectorEnv``) and to the hyper-parameters passed in, so that all three
trainers run rl-zoo's ``mujoco-defaults``. CleanRL is a set of scripts, not a library on PyPI
that installs into this environment, so it is reproduced here rather than imported.
"""

from __future__ import annotations

import time

import gymnasium as gym
import numpy as np
import torch
from torch import nn
from torch.distributions.normal import Normal


def _make_env(env_id: str, gamma: float):
    def thunk() -> gym.Env:
        env = gym.make(env_id)
        env = gym.wrappers.FlattenObservation(env)
        env = gym.wrappers.RecordEpisodeStatistics(env)
        env = gym.wrappers.ClipAction(env)
        env = gym.wrappers.NormalizeObservation(env)
        env = gym.wrappers.TransformObservation(env, lambda obs: np.clip(obs, -10, 10), env.observation_space)
        env = gym.wrappers.NormalizeReward(env, gamma=gamma)
        env = gym.wrappers.TransformReward(env, lambda reward: np.clip(reward, -10, 10))
        return env

    return thunk


def _layer(layer: nn.Linear, std: float = np.sqrt(2)) -> nn.Linear:
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, 0.0)
    return layer


class Agent(nn.Module):
    """CleanRL's continuous-action agent: two 64-unit tanh MLPs and a state-independent log std."""

    def __init__(self, obs_dim: int, act_dim: int):
        super().__init__()
        self.critic = nn.Sequential(_layer(nn.Linear(obs_dim, 64)), nn.Tanh(), _layer(nn.Linear(64, 64)), nn.Tanh(), _layer(nn.Linear(64, 1), 1.0))
        self.actor_mean = nn.Sequential(_layer(nn.Linear(obs_dim, 64)), nn.Tanh(), _layer(nn.Linear(64, 64)), nn.Tanh(), _layer(nn.Linear(64, act_dim), 0.01))
        self.actor_logstd = nn.Parameter(torch.zeros(1, act_dim))

    def get_value(self, x: torch.Tensor) -> torch.Tensor:
        return self.critic(x)

    def get_action_and_value(self, x: torch.Tensor, action: torch.Tensor | None = None):
        mean = self.actor_mean(x)
        dist = Normal(mean, torch.exp(self.actor_logstd.expand_as(mean)))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action).sum(1), dist.entropy().sum(1), self.critic(x)


def train(env_id: str, total_timesteps: int, *, seed: int = 1, num_steps: int = 2048, minibatch_size: int = 64,
          update_epochs: int = 10, learning_rate: float = 3e-4, gamma: float = 0.99, gae_lambda: float = 0.95,
          clip_coef: float = 0.2, clip_vloss: bool = False, ent_coef: float = 0.0, vf_coef: float = 0.5,
          max_grad_norm: float = 0.5, anneal_lr: bool = False) -> dict[str, float]:
    """Train for ``total_timesteps`` env steps (one env); returns steps/s and the recent episode returns."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    envs = gym.vector.SyncVectorEnv([_make_env(env_id, gamma)])
    obs_dim, act_dim = envs.single_observation_space.shape[0], envs.single_action_space.shape[0]
    agent = Agent(obs_dim, act_dim)
    optimizer = torch.optim.Adam(agent.parameters(), lr=learning_rate, eps=1e-5)
    obs = torch.zeros((num_steps, 1, obs_dim))
    actions = torch.zeros((num_steps, 1, act_dim))
    logprobs, rewards, dones, values = (torch.zeros((num_steps, 1)) for _ in range(4))
    iterations = total_timesteps // num_steps
    batch_size = num_steps
    next_obs = torch.Tensor(envs.reset(seed=seed)[0])
    next_done = torch.zeros(1)
    episode_returns: list[float] = []
    start = time.perf_counter()
    for iteration in range(iterations):
        if anneal_lr:
            optimizer.param_groups[0]["lr"] = (1.0 - iteration / iterations) * learning_rate
        for step in range(num_steps):
            obs[step], dones[step] = next_obs, next_done
            with torch.no_grad():
                action, logprob, _, value = agent.get_action_and_value(next_obs)
                values[step] = value.flatten()
            actions[step], logprobs[step] = action, logprob
            next_obs_np, reward, terminations, truncations, infos = envs.step(action.cpu().numpy())
            rewards[step] = torch.tensor(reward).view(-1)
            next_obs = torch.Tensor(next_obs_np)
            next_done = torch.Tensor(np.logical_or(terminations, truncations))
            if "episode" in infos and infos["_episode"].any():
                episode_returns.extend(float(r) for r in infos["episode"]["r"][infos["_episode"]])
        with torch.no_grad():
            next_value = agent.get_value(next_obs).reshape(1, -1)
            advantages = torch.zeros_like(rewards)
            running = 0
            for t in reversed(range(num_steps)):
                not_done = 1.0 - (next_done if t == num_steps - 1 else dones[t + 1])
                following = next_value if t == num_steps - 1 else values[t + 1]
                delta = rewards[t] + gamma * following * not_done - values[t]
                advantages[t] = running = delta + gamma * gae_lambda * not_done * running
            returns = advantages + values
        b_obs, b_actions = obs.reshape(-1, obs_dim), actions.reshape(-1, act_dim)
        b_logprobs, b_advantages, b_returns, b_values = logprobs.reshape(-1), advantages.reshape(-1), returns.reshape(-1), values.reshape(-1)
        indices = np.arange(batch_size)
        for _ in range(update_epochs):
            np.random.shuffle(indices)
            for first in range(0, batch_size, minibatch_size):
                mb = indices[first:first + minibatch_size]
                _, new_logprob, entropy, new_value = agent.get_action_and_value(b_obs[mb], b_actions[mb])
                ratio = (new_logprob - b_logprobs[mb]).exp()
                mb_adv = b_advantages[mb]
                mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
                pg_loss = torch.max(-mb_adv * ratio, -mb_adv * torch.clamp(ratio, 1 - clip_coef, 1 + clip_coef)).mean()
                new_value = new_value.view(-1)
                if clip_vloss:
                    clipped = b_values[mb] + torch.clamp(new_value - b_values[mb], -clip_coef, clip_coef)
                    v_loss = 0.5 * torch.max((new_value - b_returns[mb]) ** 2, (clipped - b_returns[mb]) ** 2).mean()
                else:
                    v_loss = 0.5 * ((new_value - b_returns[mb]) ** 2).mean()
                loss = pg_loss - ent_coef * entropy.mean() + vf_coef * v_loss
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), max_grad_norm)
                optimizer.step()
    elapsed = time.perf_counter() - start
    envs.close()
    return {"steps_per_second": iterations * num_steps / elapsed, "returns": episode_returns}
