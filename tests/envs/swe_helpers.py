"""A hand-made SWE task on the built-in ``intervals`` library (merge forgets to extend the last
interval), so SWE tests do not depend on which tasks the synthesiser kept."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rlvr.envs.swe.instances import BUILTIN_REPOS, SWEInstance, write_instances

LOST_LINE = "                merged[-1] = Interval(last.start, max(last.end, current.end))"
_CONTEXT_BEFORE = """             last = merged[-1]
             joins = current.start <= last.end if join_touching else current.start < last.end
             if joins:
"""
_CONTEXT_AFTER = """                 continue
         merged.append(Interval(current.start, current.end))
     return merged
"""
_HEADER = "diff --git a/intervals/interval.py b/intervals/interval.py\n--- a/intervals/interval.py\n+++ b/intervals/interval.py\n"
BUG = _HEADER + "@@ -67,7 +67,6 @@\n" + _CONTEXT_BEFORE + "-" + LOST_LINE + "\n" + _CONTEXT_AFTER
FIX = _HEADER + "@@ -67,6 +67,7 @@\n" + _CONTEXT_BEFORE + "+" + LOST_LINE + "\n" + _CONTEXT_AFTER
FAIL_TO_PASS = ("tests/test_interval.py::test_merge_joins_overlapping_and_touching", "tests/test_interval.py::test_total_length_counts_overlap_once")


def collected_ids(repo: str = "intervals") -> list[str]:
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"], cwd=BUILTIN_REPOS / repo,
                          capture_output=True, text=True, check=True)
    return [line for line in done.stdout.split() if "::" in line]


def merge_instance(instance_id: str = "intervals__merge") -> SWEInstance:
    passing = tuple(n for n in collected_ids() if n not in FAIL_TO_PASS)
    return SWEInstance(instance_id, "builtin:intervals", "", "merge() returns overlapping pieces instead of joining them.",
                       FAIL_TO_PASS, passing, patch=FIX, setup_patch=BUG, difficulty=0.5)


def write_merge_dataset(path: Path, copies: int = 2) -> Path:
    write_instances([merge_instance(f"intervals__merge_{i}") for i in range(copies)], path)
    return path


def call(name: str, **arguments) -> str:
    """A hermes-format tool call."""
    return f"<tool_call>{json.dumps({'name': name, 'arguments': arguments})}</tool_call>"
