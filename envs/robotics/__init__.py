"""Robotics: language-conditioned MetaWorld manipulation from camera images (``rlvr/VLA-<Task>-v0``)."""

from rlvr.envs.robotics.env import EVAL_LAYOUTS, TRAIN_LAYOUTS, VALIDATION_LAYOUTS, MetaWorldVLAEnv, layout_seed
from rlvr.envs.robotics.tasks import MULTI_TASK_NAME, TASKS, VLATask, task_by_name, tokenize, vocabulary

__all__ = [
    "EVAL_LAYOUTS",
    "MULTI_TASK_NAME",
    "TASKS",
    "TRAIN_LAYOUTS",
    "VALIDATION_LAYOUTS",
    "MetaWorldVLAEnv",
    "VLATask",
    "layout_seed",
    "task_by_name",
    "tokenize",
    "vocabulary",
]
