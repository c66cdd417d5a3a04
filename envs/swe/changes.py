"""What an agent changed in its copy of the repository, and which of those changes grading keeps.

The agent's tree is read from the host without following links (symlinks, FIFOs and devices are
never opened), compared with the starting tree, and filtered: edits to tests and to anything
that configures or hooks into the test run are dropped (:func:`protected_reason`), and a patch
that reaches into the test harness from library code is rejected (:func:`tampering`).
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

SKIPPED_DIRS = frozenset({".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".hypothesis"})
MAX_FILES = 5000
MAX_FILE_BYTES = 1 << 20
MAX_TOTAL_BYTES = 32 << 20

_TEST_DIRS = frozenset({"test", "tests", "testing"})
_TEST_FILE = re.compile(r"^(test_.*|.*_test)\.py$")
_CONFIG_FILES = frozenset({"conftest.py", "pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml", ".pytest.ini",
                           "sitecustomize.py", "usercustomize.py", "noxfile.py", "setup.py"})
# Modules the test run itself imports: a file of the same top-level name would shadow them.
_RUNNER_MODULES = frozenset({"pytest", "_pytest", "pluggy", "iniconfig", "packaging", "py", "exceptiongroup", "tomli", "conftest"})
# Identifiers library code has no business adding: they reach the test harness or the process.
TAMPER_TOKENS = ("pytest", "pluggy", "junit", "_exit", "sys.modules", "atexit", "settrace", "setprofile", "__builtins__",
                 "gc.get_objects", "sys._getframe", "inspect.stack", "os.kill", "signal.")


class SnapshotTooLarge(ValueError):
    """The agent's tree is over the size limits grading reads."""


@dataclass
class Snapshot:
    """The regular files of a tree (path → bytes) and the paths of everything else (links, FIFOs, ...)."""

    files: dict[str, bytes] = field(default_factory=dict)
    others: set[str] = field(default_factory=set)


def snapshot(root: Path) -> Snapshot:
    """Read ``root`` without following any link; raises :class:`SnapshotTooLarge` past the limits."""
    result = Snapshot()
    total = 0
    for directory, dirs, names in os.walk(root, followlinks=False):
        relative_dir = os.path.relpath(directory, root)
        keep = []
        for name in dirs:
            path = os.path.join(directory, name)
            if name in SKIPPED_DIRS:
                continue
            if os.path.islink(path):
                result.others.add(_join(relative_dir, name))
            else:
                keep.append(name)
        dirs[:] = keep
        for name in names:
            relative = _join(relative_dir, name)
            info = os.lstat(os.path.join(directory, name))
            if not stat.S_ISREG(info.st_mode):
                result.others.add(relative)
                continue
            if info.st_size > MAX_FILE_BYTES:
                raise SnapshotTooLarge(f"{relative} is {info.st_size} bytes; files over {MAX_FILE_BYTES} bytes are not graded")
            total += info.st_size
            if len(result.files) >= MAX_FILES or total > MAX_TOTAL_BYTES:
                raise SnapshotTooLarge(f"the repository holds more than {MAX_FILES} files or {MAX_TOTAL_BYTES} bytes")
            result.files[relative] = _read_no_follow(os.path.join(directory, name))
    return result


def _join(directory: str, name: str) -> str:
    return name if directory == "." else f"{directory}/{name}"


def _read_no_follow(path: str) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


@dataclass
class Changes:
    """Edits of an agent relative to the starting tree: files written (path → content) and files deleted."""

    written: dict[str, bytes] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.written or self.deleted)

    def paths(self) -> list[str]:
        return sorted(set(self.written) | self.deleted)


def diff_trees(before: Snapshot, after: Snapshot) -> Changes:
    """Regular files added, changed or deleted between two snapshots (links and the like are ignored)."""
    written = {p: data for p, data in after.files.items() if before.files.get(p) != data}
    deleted = {p for p in before.files if p not in after.files}
    return Changes(written, deleted)


def protected_reason(path: str, existed: bool) -> str | None:
    """Why grading ignores an edit to ``path`` (``None`` when the edit counts).

    Tests, test directories, ``conftest.py``, pytest/tox/setup configuration, ``.pth`` files,
    ``sitecustomize``/``usercustomize`` and — for new files — modules whose top-level name would
    shadow the standard library or the test runner.
    """
    parts = path.split("/")
    name = parts[-1]
    if any(part in _TEST_DIRS for part in parts[:-1]):
        return "a test directory"
    if _TEST_FILE.match(name):
        return "a test file"
    if name in _CONFIG_FILES:
        return "test or packaging configuration"
    if name.endswith(".pth"):
        return "a .pth start-up hook"
    if not existed:
        top = parts[1] if parts[0] == "src" and len(parts) > 1 else parts[0]
        module = top[:-3] if top.endswith(".py") else top
        if module in _RUNNER_MODULES or module in sys.stdlib_module_names:
            return f"a new module that would shadow {module!r}"
    return None


def split_protected(changes: Changes, start: Snapshot) -> tuple[Changes, dict[str, str]]:
    """``(kept changes, {dropped path: reason})``."""
    kept, dropped = Changes(), {}
    for path, content in changes.written.items():
        reason = protected_reason(path, path in start.files)
        if reason:
            dropped[path] = reason
        else:
            kept.written[path] = content
    for path in changes.deleted:
        reason = protected_reason(path, True)
        if reason:
            dropped[path] = reason
        else:
            kept.deleted.add(path)
    return kept, dropped


def tampering(changes: Changes, start: Snapshot) -> str | None:
    """A reason when kept edits add identifiers that reach into the test harness or the process
    (e.g. ``pytest``, ``os._exit``, ``sys.modules``); ``None`` for an ordinary patch."""
    for path, content in sorted(changes.written.items()):
        text = content.decode("utf-8", "replace")
        before = start.files.get(path, b"").decode("utf-8", "replace")
        for token in TAMPER_TOKENS:
            if text.count(token) > before.count(token):
                return f"{path} adds {token!r}: library code must not reach into the test run"
    return None


def unified_diff(changes: Changes, start: Snapshot) -> str:
    """The changes as a git-style unified diff (text files; binary files are named only)."""
    pieces = []
    for path in changes.paths():
        old = start.files.get(path)
        new = changes.written.get(path)
        try:
            old_lines = old.decode().splitlines(keepends=True) if old is not None else []
            new_lines = new.decode().splitlines(keepends=True) if new is not None else []
        except UnicodeDecodeError:
            pieces.append(f"Binary files a/{path} and b/{path} differ\n")
            continue
        header = f"diff --git a/{path} b/{path}\n"
        if old is None:
            header += "new file mode 100644\n"
        elif new is None:
            header += "deleted file mode 100644\n"
        body = difflib.unified_diff(old_lines, new_lines, "a/" + path if old is not None else "/dev/null",
                                    "b/" + path if new is not None else "/dev/null")
        lines = [line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in body]
        pieces.append(header + "".join(lines))
    return "".join(pieces)


def overlay(changes: Changes, tree: Path) -> None:
    """Write ``changes`` into ``tree`` (a fresh copy of the starting tree)."""
    for path in sorted(changes.deleted):
        target = tree / path
        if target.is_file() and not target.is_symlink():
            target.unlink()
    for path, content in changes.written.items():
        target = tree / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.is_dir():
            continue
        target.write_bytes(content)
