"""Software-engineering repair tasks (``rlvr/SWE-v0``): fix Python code until its tests pass,
in bubblewrap or Docker sandboxes, graded on a clean copy with only non-test edits applied."""

from rlvr.envs.swe.env import SWEEnv
from rlvr.envs.swe.instances import SWEInstance, TreeStore, read_instances, write_instances

__all__ = ["SWEEnv", "SWEInstance", "TreeStore", "read_instances", "write_instances"]
