"""Continuous control: Gymnasium MuJoCo v5 tasks as ``rlvr/<Task>-v0`` with a success flag in ``info``."""

from rlvr.envs.control.env import MujocoControlEnv
from rlvr.envs.control.state import get_env_state, set_env_state
from rlvr.envs.control.tasks import TASKS, ControlTask, task_for_env

__all__ = ["TASKS", "ControlTask", "MujocoControlEnv", "get_env_state", "set_env_state", "task_for_env"]
