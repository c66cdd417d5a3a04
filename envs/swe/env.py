"""``rlvr/SWE-v0``: repair a Python repository until its unit tests pass."""

from __future__ import annotations

import shutil
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

from rlvr.env import TextEnv
from rlvr.envs.swe.backends import Backend, make_backend
from rlvr.envs.swe.changes import snapshot
from rlvr.envs.swe.grading import Grade, grade_tree
from rlvr.envs.swe.instance_images import InstanceImages
from rlvr.envs.swe.instances import SWEInstance, TreeStore, apply_patch, copy_tree, read_instances
from rlvr.envs.swe.testrun import GRADING_LIMITS
from rlvr.envs.swe.tools import BashTool, EditorTool, SubmitTool
from rlvr.envs.swe.workspace import AGENT_LIMITS, Workspace
from rlvr.tasks import Dataset
from rlvr.tools.sandbox import Limits
from rlvr.types import Task, ToolCall, Verdict

BUILTIN_TASKS = Path(__file__).with_name("tasks.jsonl")
INSTRUCTIONS = (
    "You are a software engineer fixing a bug in a Python repository. The repository is checked out at /sandbox/repo, "
    "which is also the working directory of your tools. Use `bash` to explore and run commands (e.g. `python -m pytest -q`), "
    "and `editor` to view and change files. When you are done, call `submit` (or reply without a tool call). "
    "Your changes are graded by running the repository's tests on a clean copy with your edits applied: edits to tests, "
    "conftest.py and test configuration are ignored, so fix the library code."
)


def task_of(instance: SWEInstance) -> Task:
    """The rlvr task of an instance: the statement is public, the instance (with its fix) is hidden."""
    name = instance.repo.rpartition(":")[2].rstrip("/").rpartition("/")[2] or instance.repo
    prompt = f"Repository: {name} (checked out at /sandbox/repo)\n\n{instance.problem_statement}"
    return Task(prompt=prompt, answer=instance, id=instance.instance_id, metadata={"repo": name, "instance_id": instance.instance_id},
                difficulty=instance.difficulty)


class SWEEnv(TextEnv):
    """Fix a Python repository so that its tests pass, with ``bash``, ``editor`` and ``submit`` tools.

    Each episode starts from a fresh copy of the task's repository (the bug applied) in a
    sandbox. The episode ends with ``submit``, a reply without a tool call, or the turn budget;
    then the agent's edits to non-test files are applied to a clean copy and the task's
    FAIL_TO_PASS and PASS_TO_PASS tests run in a fresh sandbox. Reward 1 iff all of them pass;
    ``verdict.components`` has the fraction of each group that passed.

    Args:
        dataset: a JSONL/JSON file of SWE-bench-format records (default: the tasks synthesised
            from the built-in libraries, shipped with the package).
        sandbox: ``"bwrap"`` (default) or ``"docker"`` (containers of the locally built image;
            the Docker engine is started if installed), or a :class:`~rlvr.envs.swe.backends.Backend`.
            With ``"docker"``, an instance whose own image is on this machine (named in its record,
            or by SWE-bench's naming) runs in containers of that image, from its ``/testbed``.
        repos_dir: where dataset repositories named ``owner/name`` are checked out (as ``owner__name``).
        image, pool_size: the Docker image tag (default: the built-in recipe's, built if missing)
            and how many containers to keep started.
        command_timeout: seconds per ``bash`` call.
        agent_limits, grading_limits: resource limits of the agent's commands and of the test run.
        tools: ``"bash"``, ``"editor"`` and ``"submit"`` are built by the environment.
        **kwargs: the :class:`~rlvr.env.TextEnv` options (``max_turns`` — 30 by default —, ``call_format``, ...).
    """

    def __init__(
        self,
        dataset: str | Path | None = None,
        *,
        sandbox: str | Backend = "bwrap",
        repos_dir: str | Path | None = None,
        image: str | None = None,
        pool_size: int = 2,
        command_timeout: float = 30.0,
        agent_limits: Limits = AGENT_LIMITS,
        grading_limits: Limits = GRADING_LIMITS,
        tools: Sequence[Any] = ("bash", "editor", "submit"),
        **kwargs: Any,
    ):
        source = Path(dataset) if dataset is not None else BUILTIN_TASKS
        if dataset is None and not source.is_file():
            raise FileNotFoundError(f"the built-in task file {source} is missing; make it with `rlvr swe synthesize --repo builtin --out {source}`")
        self.instances = {i.instance_id: i for i in read_instances(source)}
        docker_options = {"image": image, "pool_size": pool_size} if sandbox == "docker" else {}
        self.backend = make_backend(sandbox, **docker_options)
        self.instance_images = InstanceImages(pool_size) if self.backend.name == "docker" and image is None else None
        self.store = TreeStore(repos_dir=repos_dir)
        self.workspace = Workspace(self.backend, agent_limits)
        self.grading_limits = grading_limits
        self.last_grade: Grade | None = None
        built = {"bash": BashTool(self.workspace, command_timeout), "editor": EditorTool(self.workspace), "submit": SubmitTool()}
        kwargs.setdefault("tasks", Dataset([task_of(i) for i in self.instances.values()], name=source.stem))
        kwargs.setdefault("system_prompt", INSTRUCTIONS)
        kwargs.setdefault("max_turns", 30)
        kwargs.setdefault("max_tool_output", 10_000)
        super().__init__(tools=[built.get(t, t) if isinstance(t, str) else t for t in tools], **kwargs)

    def instance(self, task: Task) -> SWEInstance:
        if not isinstance(task.answer, SWEInstance):
            raise TypeError(f"SWE tasks carry an SWEInstance as their answer, got {type(task.answer).__name__}")
        return task.answer

    def reset(self, *, seed: int | None = None, options: Mapping[str, Any] | None = None):
        observation, info = super().reset(seed=seed, options=options)
        assert self.task is not None
        self.last_grade = None
        instance = self.instance(self.task)
        self.workspace.start(self.start_tree(instance), self.backend_for(instance))
        return observation, info

    def image_of(self, instance: SWEInstance) -> str | None:
        """The instance's own local Docker image (Docker sandbox only), else None."""
        return self.instance_images.image_of(instance) if self.instance_images is not None else None

    def backend_for(self, instance: SWEInstance) -> Backend:
        """Where ``instance`` runs: its own image's containers when it has one here, else the env's sandbox."""
        image = self.image_of(instance)
        return self.instance_images.backend(image) if image is not None else self.backend

    def start_tree(self, instance: SWEInstance) -> Path:
        """The starting tree: the image's /testbed for an instance with its own image, else from the store."""
        return self.store.start_tree(instance, self.image_of(instance))

    def verify(self, task: Task, response: str) -> Verdict:
        """Grade the working copy as it is now (the final message itself is not read)."""
        instance = self.instance(task)
        self.last_grade = grade_tree(self.backend_for(instance), instance, self.start_tree(instance), self.workspace.host_repo, self.grading_limits)
        return self.last_grade.verdict

    def oracle_tool_calls(self, task: Task) -> list[ToolCall]:
        """Write each file the reference patch changes with its fixed content, one editor call per file."""
        if "editor" not in self.tools:
            return []
        instance = self.instance(task)
        fixed = _fixed_files(self.start_tree(instance), instance.patch)
        return [ToolCall("editor", {"command": "create", "path": path, "file_text": text}) for path, text in fixed]

    def oracle_response(self, task: Task) -> str:
        return "I fixed the bug; the tests pass now."

    def close(self) -> None:
        self.workspace.stop()
        self.backend.close()
        if self.instance_images is not None:
            self.instance_images.close()
        super().close()


@lru_cache(maxsize=256)
def _fixed_files(start: Path, patch: str) -> tuple[tuple[str, str], ...]:
    """(path, fixed text) of each file the patch writes, from applying it to a scratch copy."""
    scratch = Path(tempfile.mkdtemp(prefix="rlvr-swe-oracle-"))
    try:
        tree = scratch / "repo"
        copy_tree(start, tree)
        apply_patch(tree, patch, "reference patch")
        before, after = snapshot(start).files, snapshot(tree).files
        return tuple((p, data.decode("utf-8")) for p, data in sorted(after.items()) if before.get(p) != data)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
