"""Vision-language-action policies for the robotics envs, and the scripted experts that teach them."""

from rlvr.agents.vla.expert import ScriptedExpert

__all__ = ["ScriptedExpert"]
