"""Problem statements for synthesised bugs, written from the failing tests' reports through templates.

The statement shows what a user would see — failing tests and pytest's messages — never the
mutated line, the operator or the fix.
"""

from __future__ import annotations

import hashlib
import re

from rlvr.envs.swe.testrun import TestOutcome

_OPENINGS = (
    "After a recent change, part of `{package}` no longer behaves as its tests expect.",
    "A regression slipped into `{package}`: some of its unit tests fail on the current code.",
    "Users of `{package}` report wrong results, and the test suite agrees.",
)
_CLOSINGS = (
    "Find the cause in the library code and fix it so that these tests pass again without breaking the others. Do not edit the tests.",
    "Please fix the library (not the tests) so that the failing tests pass and every other test keeps passing.",
    "Repair the implementation so the whole test suite passes; changes to tests or test configuration are ignored.",
)
MAX_LISTED = 6


_ADDRESS = re.compile(r"at 0x[0-9a-fA-F]+")  # object reprs: the same task must give the same statement


def problem_statement(package: str, failures: dict[str, TestOutcome], key: str) -> str:
    """A statement for ``package`` listing ``failures`` (node id → outcome); ``key`` picks the wording."""
    pick = int(hashlib.sha256(key.encode()).hexdigest(), 16)
    lines = []
    for node_id, outcome in sorted(failures.items())[:MAX_LISTED]:
        message = _ADDRESS.sub("at 0x...", " ".join(outcome.message.split()))[:200]
        lines.append(f"FAILED {node_id}" + (f" - {message}" if message else ""))
    if len(failures) > MAX_LISTED:
        lines.append(f"... and {len(failures) - MAX_LISTED} more")
    count = f"{len(failures)} test{'s' if len(failures) != 1 else ''} fail"
    return "\n\n".join([
        _OPENINGS[pick % len(_OPENINGS)].format(package=package),
        f"Running `pytest` in the repository, {count}:",
        "```\n" + "\n".join(lines) + "\n```",
        _CLOSINGS[(pick // len(_OPENINGS)) % len(_CLOSINGS)],
    ])
