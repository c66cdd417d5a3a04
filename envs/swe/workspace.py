"""The agent's side of an SWE episode: a sandbox holding a private working copy of the repository."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from rlvr.envs.swe.backends import REPO_DIR, Backend, install_tree
from rlvr.tools.sandbox import ExecResult, Limits, Sandbox

AGENT_LIMITS = Limits(wall_s=30.0, cpu_s=600, memory_bytes=2 << 30, processes=128, output_bytes=16 << 10)


class Workspace:
    """One working copy per episode, in a sandbox from ``backend``.

    :meth:`start` puts a fresh copy of a tree at ``/sandbox/repo`` (the agent's files, owned by the
    sandbox user); :meth:`run` runs a command there. With bwrap one sandbox is emptied and reused;
    with Docker each episode gets a new container from the pool and the old one is removed.
    """

    def __init__(self, backend: Backend, limits: Limits = AGENT_LIMITS):
        self.backend = backend
        self.limits = limits
        self._sandbox: Sandbox | None = None
        self.repo: str | None = None

    @property
    def sandbox(self) -> Sandbox:
        if self._sandbox is None:
            raise RuntimeError("the workspace has no repository yet; reset the environment first")
        return self._sandbox

    @property
    def host_repo(self) -> Path:
        """The working copy as a host path (read it without following links)."""
        return self.sandbox.workdir / REPO_DIR

    def start(self, tree: Path, backend: Backend | None = None) -> None:
        """A fresh working copy of ``tree`` (in a sandbox of ``backend`` if given, e.g. the task's own
        image); every process of the previous episode is killed."""
        if backend is not None and backend is not self.backend:
            self.stop()
            self.backend = backend
        if self._sandbox is not None and self.backend.name == "bwrap":
            self._sandbox.clear()
        else:
            self.stop()
            self._sandbox = self.backend.sandbox(self.limits)
        self.repo = install_tree(tree, self._sandbox, owned=True)

    def run(self, argv: Sequence[str], *, stdin: str | None = None, timeout: float | None = None) -> ExecResult:
        """Run ``argv`` in the repository with the sandbox's limits."""
        return self.sandbox.run(argv, stdin=stdin, timeout=timeout, cwd=self.repo, env={"PYTHONNOUSERSITE": "1", "PATH": self.backend.path})

    def stop(self) -> None:
        """Kill everything and remove the sandbox."""
        if self._sandbox is not None:
            self.backend.release(self._sandbox)
            self._sandbox, self.repo = None, None
