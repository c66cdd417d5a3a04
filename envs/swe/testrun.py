"""Running pytest node ids in a sandbox and reading their outcomes from a JUnit XML report.

The report is written outside the repository, under a directory with a random name, and read
from the host; stdout is never parsed for outcomes. A test counts as passed only when the report
holds exactly one entry for it with no failure, error or skip; missing tests fail.
"""

from __future__ import annotations

import os
import re
import secrets
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from rlvr.envs.swe.backends import Backend, install_tree
from rlvr.tools.sandbox import ExecResult, Limits, Sandbox

GRADING_LIMITS = Limits(wall_s=180.0, cpu_s=180, memory_bytes=2 << 30, processes=128, output_bytes=64 << 10)
PASSED, FAILED, ERROR, SKIPPED, MISSING = "passed", "failed", "error", "skipped", "missing"


def junit_address(node_id: str) -> tuple[str, str]:
    """``(classname, name)`` pytest's JUnit report uses for a node id (``tests/test_a.py::T::t[x]``
    → ``("tests.test_a.T", "t[x]")``), following pytest's own mangling."""
    path, bracket, params = node_id.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    names[-1] += bracket + params
    return ".".join(names[:-1]), names[-1]


@dataclass(frozen=True)
class TestOutcome:
    """What happened to one test: ``status`` and, for failures, pytest's one-line message."""

    status: str
    message: str = ""


@dataclass(frozen=True)
class TestRun:
    """The outcome of each requested node id, and the pytest process's own result."""

    outcomes: dict[str, TestOutcome]
    process: ExecResult
    report_found: bool

    def passed(self, node_id: str) -> bool:
        outcome = self.outcomes.get(node_id)
        return outcome is not None and outcome.status == PASSED


def parse_junit(xml: bytes, node_ids: Sequence[str]) -> dict[str, TestOutcome]:
    """Outcomes of ``node_ids`` from a JUnit report; duplicates and absences are failures."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        return {n: TestOutcome(ERROR, f"unreadable test report ({exc})") for n in node_ids}
    entries: dict[tuple[str, str], list[ElementTree.Element]] = {}
    for case in root.iter("testcase"):
        entries.setdefault((case.get("classname", ""), case.get("name", "")), []).append(case)
    outcomes = {}
    for node_id in node_ids:
        cases = entries.get(junit_address(node_id), [])
        if not cases:
            outcomes[node_id] = TestOutcome(MISSING, "the test did not run")
        elif len(cases) > 1:
            outcomes[node_id] = TestOutcome(ERROR, "the report lists this test more than once")
        else:
            outcomes[node_id] = _case_outcome(cases[0])
    return outcomes


def _case_outcome(case: ElementTree.Element) -> TestOutcome:
    for tag, status in (("error", ERROR), ("failure", FAILED), ("skipped", SKIPPED)):
        child = case.find(tag)
        if child is not None:
            message = (child.get("message") or (child.text or "").strip().splitlines()[-1:] or [""])
            return TestOutcome(status, (message if isinstance(message, str) else message[0])[:300])
    return TestOutcome(PASSED)


def test_environment(repo: str, plugins: bool = False) -> dict[str, str]:
    """Variables of a test run: the repository importable, no cwd on sys.path (PYTHONSAFEPATH, which
    interpreters older than 3.11 ignore), no user site, a fixed hash seed, and unless ``plugins``
    no plugin auto-loading (this interpreter's packages' pytest plugins stay out; a task image's
    own plugins are part of its test set-up)."""
    env = {"PYTHONPATH": repo, "PYTHONSAFEPATH": "1", "PYTHONNOUSERSITE": "1", "PYTHONHASHSEED": "0"}
    return env if plugins else {**env, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def pytest_argv(python: str, repo: str, report: str, node_ids: Sequence[str]) -> list[str]:
    """The pytest command: no cache writes, report to ``report`` (works with any Python 3 and pytest ≥ 3.5)."""
    return [python, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--rootdir", repo, f"--junitxml={report}",
            "-o", "junit_logging=no", *node_ids]


def run_tests(backend: Backend, tree: Path, node_ids: Sequence[str], limits: Limits = GRADING_LIMITS,
              sandbox: Sandbox | None = None) -> TestRun:
    """Copy ``tree`` into a fresh sandbox (or the given empty one), run ``node_ids`` and read the report."""
    own = sandbox is None
    box = backend.sandbox(limits) if sandbox is None else sandbox
    try:
        repo = install_tree(tree, box, owned=False)
        report_dir = f".report-{secrets.token_hex(8)}"
        host_dir = box.workdir / report_dir
        host_dir.mkdir()
        uid = getattr(box, "uid", None)
        if uid is not None and os.geteuid() == 0:
            os.chown(host_dir, uid, uid)
        report = f"{box.inner_workdir}/{report_dir}/report.xml"
        env = test_environment(repo, backend.pytest_plugins)
        result = box.run(pytest_argv(backend.python, repo, report, node_ids), cwd=repo, env=env, timeout=limits.wall_s)
        host_report = host_dir / "report.xml"
        found = host_report.is_file() and not host_report.is_symlink()
        if found and not result.timed_out:
            outcomes = parse_junit(host_report.read_bytes(), node_ids)
        else:
            why = f"the test run timed out after {limits.wall_s:g} s" if result.timed_out else "pytest wrote no report"
            outcomes = {n: TestOutcome(MISSING, why) for n in node_ids}
        return TestRun(outcomes, result, found)
    finally:
        if own:
            backend.release(box)
        else:
            box.clear()


def collect_node_ids(backend: Backend, tree: Path, limits: Limits = GRADING_LIMITS) -> list[str]:
    """The node ids pytest collects in ``tree`` (its configured test paths)."""
    box = backend.sandbox(limits)
    try:
        repo = install_tree(tree, box, owned=False)
        env = test_environment(repo, backend.pytest_plugins)
        argv = [backend.python, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", "--rootdir", repo]
        result = box.run(argv, cwd=repo, env=env, timeout=limits.wall_s)
    finally:
        backend.release(box)
    ids = [line.strip() for line in result.stdout.splitlines() if "::" in line and not line.startswith(" ")]
    if not result.ok or not ids:
        raise ValueError(f"pytest could not collect tests in {tree}: {result.render()[-2000:]}")
    return ids
