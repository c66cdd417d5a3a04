"""SWE task instances in the SWE-bench / SWE-Gym record format, and the source trees they start from.

A record has ``instance_id``, ``repo``, ``base_commit``, ``patch`` (the reference fix),
``test_patch`` (applied at grading only), ``problem_statement``, ``FAIL_TO_PASS`` and
``PASS_TO_PASS`` (pytest node ids; lists or JSON-encoded lists, as SWE-bench ships them). Tasks
made by the synthesiser also carry ``setup_patch``: the bug, applied on top of ``base_commit`` to
make the starting tree (SWE-smith style).

``repo`` is ``builtin:<name>`` (a library shipped in :mod:`rlvr.envs.swe.repos`), the path of a
local git repository, or ``owner/name`` found as ``<repos_dir>/owner__name``; with the Docker
sandbox, an instance whose image is on this machine starts from the image's ``/testbed`` instead
(:mod:`rlvr.envs.swe.instance_images`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Mapping

from rlvr.cache import cache_dir

BUILTIN_REPOS = Path(__file__).with_name("repos")
BUILTIN_PREFIX = "builtin:"
_IGNORED_DIRS = {".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".venv", "node_modules"}


@dataclass(frozen=True)
class SWEInstance:
    """One repair task: where the code comes from, the bug, the reference fix and the tests that judge it."""

    instance_id: str
    repo: str
    base_commit: str
    problem_statement: str
    FAIL_TO_PASS: tuple[str, ...]
    PASS_TO_PASS: tuple[str, ...]
    patch: str = ""
    test_patch: str = ""
    setup_patch: str = ""
    difficulty: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> SWEInstance:
        """An instance from a SWE-bench-style dict (test lists may be JSON strings)."""
        missing = [k for k in ("instance_id", "repo", "problem_statement", "FAIL_TO_PASS") if k not in record]
        if missing:
            raise ValueError(f"SWE record {record.get('instance_id', '?')!r} lacks {', '.join(missing)} (SWE-bench format expected)")
        known = {"instance_id", "repo", "base_commit", "patch", "test_patch", "setup_patch", "problem_statement",
                 "FAIL_TO_PASS", "PASS_TO_PASS", "difficulty"}
        return cls(
            instance_id=str(record["instance_id"]),
            repo=str(record["repo"]),
            base_commit=str(record.get("base_commit") or ""),
            problem_statement=str(record["problem_statement"]),
            FAIL_TO_PASS=_test_list(record["FAIL_TO_PASS"]),
            PASS_TO_PASS=_test_list(record.get("PASS_TO_PASS", [])),
            patch=str(record.get("patch") or ""),
            test_patch=str(record.get("test_patch") or ""),
            setup_patch=str(record.get("setup_patch") or ""),
            difficulty=None if record.get("difficulty") is None else float(record["difficulty"]),
            extra={k: v for k, v in record.items() if k not in known},
        )

    def to_record(self) -> dict[str, Any]:
        """The SWE-bench-style dict (test lists as JSON lists)."""
        record = {
            "instance_id": self.instance_id, "repo": self.repo, "base_commit": self.base_commit,
            "patch": self.patch, "test_patch": self.test_patch, "setup_patch": self.setup_patch,
            "problem_statement": self.problem_statement, "FAIL_TO_PASS": list(self.FAIL_TO_PASS),
            "PASS_TO_PASS": list(self.PASS_TO_PASS), "difficulty": self.difficulty,
        }  # fmt: skip
        record.update(self.extra)
        return record

    @property
    def tests(self) -> tuple[str, ...]:
        """Every test that grading runs: FAIL_TO_PASS then PASS_TO_PASS."""
        return self.FAIL_TO_PASS + self.PASS_TO_PASS


def _test_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = json.loads(value) if value.strip().startswith("[") else [value]
    return tuple(str(v) for v in value)


def read_instances(path: str | Path) -> list[SWEInstance]:
    """Instances from a JSONL (one record a line) or JSON (a list) file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"SWE dataset {str(path)!r} does not exist; pass a .jsonl file of SWE-bench-format records")
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return [SWEInstance.from_record(r) for r in json.loads(text)]
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                records.append(SWEInstance.from_record(json.loads(line)))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
    return records


def write_instances(instances: list[SWEInstance], path: str | Path) -> None:
    """Write ``instances`` as JSONL."""
    with open(path, "w", encoding="utf-8") as out:
        for instance in instances:
            out.write(json.dumps(instance.to_record(), sort_keys=True) + "\n")


# ---- source trees --------------------------------------------------------------------------------
def copy_tree(source: Path, target: Path) -> None:
    """Copy a source tree (regular files and directories only; caches and .git skipped)."""
    shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns(*_IGNORED_DIRS), dirs_exist_ok=True)


def apply_patch(tree: Path, patch: str, what: str) -> None:
    """Apply a unified diff to ``tree`` with ``git apply`` (works outside a repository)."""
    if not patch.strip():
        return
    env = dict(os.environ, GIT_CEILING_DIRECTORIES=str(tree.parent))
    done = subprocess.run(["git", "apply", "--whitespace=nowarn", "-"], cwd=tree, input=patch.encode(), capture_output=True, env=env)
    if done.returncode != 0:
        raise ValueError(f"the {what} does not apply: {done.stderr.decode(errors='replace').strip()}")


@cache
def builtin_repo_digest(name: str) -> str:
    """A hash of a built-in repository's files (so cached trees follow edits to it)."""
    root = BUILTIN_REPOS / name
    if not root.is_dir():
        raise KeyError(f"no built-in repository {name!r}; choose one of: {', '.join(builtin_repo_names())}")
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not set(p.relative_to(root).parts) & _IGNORED_DIRS):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def builtin_repo_names() -> list[str]:
    return sorted(p.name for p in BUILTIN_REPOS.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


class TreeStore:
    """Materialises the starting tree of each instance once (``base_commit`` + ``setup_patch``)
    under a cache folder and hands out its path; callers copy it, never write to it.

    Args:
        root: cache folder (default ``rlvr.cache.cache_dir("swe") / "trees"``).
        repos_dir: where ``owner/name`` repositories are checked out (as ``owner__name``).
    """

    def __init__(self, root: str | Path | None = None, repos_dir: str | Path | None = None):
        self.root = Path(root) if root is not None else cache_dir("swe") / "trees"
        self.root.mkdir(parents=True, exist_ok=True)
        self.repos_dir = Path(repos_dir) if repos_dir is not None else None

    def start_tree(self, instance: SWEInstance, image: str | None = None) -> Path:
        """The tree the agent starts from (read-only by convention); from ``image``'s /testbed if given."""
        return self._materialise(instance, with_setup=True, image=image)

    def clean_tree(self, instance: SWEInstance) -> Path:
        """``base_commit`` without the setup patch (the synthesiser's pristine library)."""
        return self._materialise(instance, with_setup=False)

    def _materialise(self, instance: SWEInstance, with_setup: bool, image: str | None = None) -> Path:
        from rlvr.envs.swe.instance_images import export_testbed, image_id

        source = f"image:{image_id(image)}" if image is not None else self._source_identity(instance.repo)
        identity = [source, instance.base_commit, instance.setup_patch if with_setup else ""]
        key = hashlib.sha256("\0".join(identity).encode()).hexdigest()[:20]
        target = self.root / key
        if target.is_dir():
            return target
        scratch = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=self.root))
        try:
            if image is not None:
                export_testbed(image, scratch / "tree")
            else:
                self._export(instance, scratch / "tree")
            if with_setup:
                apply_patch(scratch / "tree", instance.setup_patch, f"setup patch of {instance.instance_id}")
            try:
                os.rename(scratch / "tree", target)
            except OSError:  # another process made it first
                if not target.is_dir():
                    raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return target

    def repo_path(self, repo: str) -> Path:
        """The folder of ``repo`` (see the module docstring)."""
        if repo.startswith(BUILTIN_PREFIX):
            name = repo[len(BUILTIN_PREFIX):]
            builtin_repo_digest(name)  # a clear error for unknown names
            return BUILTIN_REPOS / name
        if Path(repo).expanduser().is_dir():
            return Path(repo).expanduser().resolve()
        if self.repos_dir is not None and (self.repos_dir / repo.replace("/", "__")).is_dir():
            return self.repos_dir / repo.replace("/", "__")
        raise FileNotFoundError(
            f"repository {repo!r} is not available locally: pass repos_dir= with a checkout at <repos_dir>/{repo.replace('/', '__')}, "
            "or give the repository's path in the record's 'repo' field, or (sandbox='docker') load the instance's image "
            "(named in the record's 'image_name', or SWE-bench's sweb.eval.x86_64.<instance_id>)"
        )

    def _source_identity(self, repo: str) -> str:
        if repo.startswith(BUILTIN_PREFIX):
            return f"{repo}@{builtin_repo_digest(repo[len(BUILTIN_PREFIX):])}"
        return str(self.repo_path(repo))

    def _export(self, instance: SWEInstance, target: Path) -> None:
        source = self.repo_path(instance.repo)
        if instance.repo.startswith(BUILTIN_PREFIX) or not instance.base_commit:
            copy_tree(source, target)
            return
        target.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(source), "archive", "--format=tar", instance.base_commit], capture_output=True)
        if archive.returncode != 0:
            raise ValueError(f"cannot export {instance.base_commit} of {source}: {archive.stderr.decode(errors='replace').strip()}")
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)


def head_commit(repo: Path) -> str:
    """The commit checked out in a local git repository."""
    done = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True)
    if done.returncode != 0:
        raise ValueError(f"{repo} is not a git repository with a commit: {done.stderr.strip()}; run `git init && git add -A && git commit` there first")
    return done.stdout.strip()
