"""Grading an episode: the agent's non-test edits on a fresh copy of the starting tree, the
reference tests run in a fresh sandbox, outcomes from the JUnit report.

Reward 1 iff every FAIL_TO_PASS and PASS_TO_PASS test passes. Edits to tests and test
configuration are dropped (``changes.protected_reason``), a patch reaching into the test harness
scores 0 (``changes.tampering``), and the instance's ``test_patch`` is applied last, so the tests
that judge are always the reference ones.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rlvr.envs.swe.backends import Backend
from rlvr.envs.swe.changes import Changes, Snapshot, SnapshotTooLarge, diff_trees, overlay, snapshot, split_protected, tampering, unified_diff
from rlvr.envs.swe.instances import SWEInstance, apply_patch, copy_tree
from rlvr.envs.swe.testrun import GRADING_LIMITS, TestRun, run_tests
from rlvr.tools.sandbox import Limits
from rlvr.types import Verdict


@dataclass
class Grade:
    """A verdict with what grading saw: the kept diff, dropped paths and the test run."""

    verdict: Verdict
    diff: str = ""
    dropped: dict[str, str] = field(default_factory=dict)
    run: TestRun | None = None


def grade_tree(backend: Backend, instance: SWEInstance, start: Path, agent_tree: Path, limits: Limits = GRADING_LIMITS) -> Grade:
    """Grade the agent's working copy ``agent_tree`` of the starting tree ``start``."""
    start_files = snapshot(start)
    try:
        agent_files = snapshot(agent_tree)
    except (SnapshotTooLarge, OSError) as exc:
        return Grade(Verdict.fail(f"the working copy cannot be graded: {exc}", **_zero()))
    return grade_changes(backend, instance, start, start_files, diff_trees(start_files, agent_files), limits)


def grade_changes(backend: Backend, instance: SWEInstance, start: Path, start_files: Snapshot, changes: Changes,
                  limits: Limits = GRADING_LIMITS) -> Grade:
    """Grade ``changes`` (relative to the starting tree ``start``)."""
    kept, dropped = split_protected(changes, start_files)
    if not kept:
        why = "no changes to non-test files" + (f" ({len(dropped)} test/config edits ignored)" if dropped else "")
        return Grade(Verdict.fail(why, **_zero()), dropped=dropped)
    diff = unified_diff(kept, start_files)
    problem = tampering(kept, start_files)
    if problem:
        return Grade(Verdict.fail(f"rejected: {problem}", **_zero()), diff, dropped)
    scratch = Path(tempfile.mkdtemp(prefix="rlvr-swe-grade-"))
    try:
        tree = scratch / "repo"
        copy_tree(start, tree)
        overlay(kept, tree)
        try:
            apply_patch(tree, instance.test_patch, f"test patch of {instance.instance_id}")
        except ValueError as exc:
            return Grade(Verdict.fail(f"the reference tests do not apply over this patch: {exc}", **_zero()), diff, dropped)
        run = run_tests(backend, tree, instance.tests, limits)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Grade(verdict_of(instance, run), diff, dropped, run)


def verdict_of(instance: SWEInstance, run: TestRun) -> Verdict:
    """Reward 1 iff every FAIL_TO_PASS and PASS_TO_PASS test passed; fractions as components."""
    f2p = [n for n in instance.FAIL_TO_PASS if run.passed(n)]
    p2p = [n for n in instance.PASS_TO_PASS if run.passed(n)]
    components = {
        "fail_to_pass": len(f2p) / max(len(instance.FAIL_TO_PASS), 1),
        "pass_to_pass": len(p2p) / max(len(instance.PASS_TO_PASS), 1) if instance.PASS_TO_PASS else 1.0,
    }
    solved = len(f2p) == len(instance.FAIL_TO_PASS) and len(p2p) == len(instance.PASS_TO_PASS)
    if solved and run.process.exit_code != 0:  # pytest exits 0 exactly when every selected test passed
        return Verdict(0.0, False, f"the report says every test passed but pytest ended with {run.process.render().splitlines()[-1][:200]}",
                       {"fail_to_pass": 0.0, "pass_to_pass": 0.0})
    if solved:
        return Verdict(1.0, True, f"all {len(instance.tests)} tests pass", components)
    failing = [n for n in instance.tests if not run.passed(n)]
    first = run.outcomes.get(failing[0])
    detail = f": {first.status}{' - ' + first.message if first and first.message else ''}" if first else ""
    reason = (f"FAIL_TO_PASS {len(f2p)}/{len(instance.FAIL_TO_PASS)}, PASS_TO_PASS {len(p2p)}/{len(instance.PASS_TO_PASS)}; "
              f"first failing: {failing[0]}{detail}")
    return Verdict(0.0, False, reason[:900], components)


def _zero() -> dict[str, float]:
    return {"fail_to_pass": 0.0, "pass_to_pass": 0.0}
