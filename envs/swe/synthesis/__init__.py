"""Task synthesis for SWE-v0: libcst mutations of library code, validated by running the tests."""

from rlvr.envs.swe.synthesis.mutations import OPERATORS, Site, apply_site, list_sites
from rlvr.envs.swe.synthesis.synthesize import SynthesisConfig, synthesize

__all__ = ["OPERATORS", "Site", "SynthesisConfig", "apply_site", "list_sites", "synthesize"]
