"""The control tasks: which Gymnasium MuJoCo v5 env each rlvr id wraps and what counts as success.

A task succeeds when the episode's return so far reaches its threshold. The thresholds are
Gymnasium's ``reward_threshold`` for the v5 ids where it has one; Walker2d has none in Gymnasium,
so it uses 4000 (close to D4RL's expert reference of 4592). D4RL's reference returns (random and
expert policies, the constants of ``d4rl.infos``) turn returns into normalised scores
``100 * (R - random) / (expert - random)``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ControlTask:
    """One control id: the Gymnasium class it wraps, its time limit and its success threshold."""

    name: str
    entry_point: str
    max_episode_steps: int
    success_return: float
    d4rl_random_score: float | None = None
    d4rl_expert_score: float | None = None

    @property
    def env_id(self) -> str:
        return f"rlvr/{self.name}-v0"

    def normalized_score(self, episode_return: float) -> float | None:
        """D4RL's normalised score (0 = random policy, 100 = expert), None without reference scores."""
        if self.d4rl_random_score is None or self.d4rl_expert_score is None:
            return None
        return 100.0 * (episode_return - self.d4rl_random_score) / (self.d4rl_expert_score - self.d4rl_random_score)


_MUJOCO = "gymnasium.envs.mujoco"
TASKS: dict[str, ControlTask] = {
    task.name: task
    for task in (
        ControlTask("HalfCheetah", f"{_MUJOCO}.half_cheetah_v5:HalfCheetahEnv", 1000, 4800.0, -280.178953, 12135.0),
        ControlTask("Hopper", f"{_MUJOCO}.hopper_v5:HopperEnv", 1000, 3800.0, -20.272305, 3234.3),
        ControlTask("Walker2d", f"{_MUJOCO}.walker2d_v5:Walker2dEnv", 1000, 4000.0, 1.629008, 4592.3),
        ControlTask("Ant", f"{_MUJOCO}.ant_v5:AntEnv", 1000, 6000.0, -325.6, 3879.7),
        ControlTask("InvertedPendulum", f"{_MUJOCO}.inverted_pendulum_v5:InvertedPendulumEnv", 1000, 950.0),
        ControlTask("InvertedDoublePendulum", f"{_MUJOCO}.inverted_double_pendulum_v5:InvertedDoublePendulumEnv", 1000, 9100.0),
        ControlTask("Swimmer", f"{_MUJOCO}.swimmer_v5:SwimmerEnv", 1000, 360.0),
    )
}


def task_for_env(env_id: str) -> ControlTask:
    """The task of ``rlvr/<Name>-v0``; a KeyError naming the control ids otherwise."""
    name = env_id.rpartition("/")[2].rsplit("-v", 1)[0]
    if name not in TASKS or env_id.rpartition("/")[0] not in ("", "rlvr"):
        raise KeyError(f"{env_id!r} is not an rlvr control env; the control ids are {', '.join(t.env_id for t in TASKS.values())}")
    return TASKS[name]
