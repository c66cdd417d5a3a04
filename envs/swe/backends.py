"""Where SWE-v0 runs code: bubblewrap (the default) or Docker containers, behind one small interface.

A backend hands out :class:`~rlvr.tools.sandbox.Sandbox` objects and says which Python runs
inside them. The bwrap backend runs this environment's own interpreter with its packages bound
read-only; the Docker backend runs the image's ``/usr/bin/python3`` in a pooled container.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import site
import sys
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING

from rlvr.tools.sandbox import BwrapSandbox, Limits, Sandbox

if TYPE_CHECKING:
    from rlvr.tools.sandbox.docker import ContainerPool

BACKENDS = ("bwrap", "docker")
REPO_DIR = "repo"


class Backend(ABC):
    """Makes sandboxes for SWE episodes and grading; ``path`` is the ``PATH`` commands get
    (with ``python``, ``python3`` and ``pytest`` on it)."""

    name: str
    python: str
    path: str = "/usr/local/bin:/usr/bin:/bin"
    pytest_plugins: bool = False  # let pytest load the interpreter's installed plugins

    @abstractmethod
    def sandbox(self, limits: Limits) -> Sandbox:
        """A sandbox of its own for the caller; give it back with :meth:`release`."""

    def release(self, sandbox: Sandbox) -> None:
        """Done with ``sandbox``: kill what runs in it and remove it."""
        sandbox.close()

    def close(self) -> None:
        """Release what the backend keeps warm."""


@functools.cache
def _interpreter_paths() -> tuple[str, ...]:
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    site_dirs = {p for p in site.getsitepackages() if os.path.isdir(p)}
    return tuple(sorted(prefixes | site_dirs))


@functools.cache
def _command_shims() -> str:
    """A folder with ``python``, ``python3`` and ``pytest`` commands that run this interpreter."""
    folder = tempfile.mkdtemp(prefix="rlvr-swe-bin-")
    atexit.register(shutil.rmtree, folder, True)
    for name, command in (("python", '"$@"'), ("python3", '"$@"'), ("pytest", '-m pytest "$@"')):
        script = Path(folder) / name
        script.write_text(f"#!/bin/sh\nexec {sys.executable} {command}\n")
        script.chmod(0o755)
    os.chmod(folder, 0o755)
    return folder


class BwrapBackend(Backend):
    """Bubblewrap sandboxes running this process's Python (its site-packages read-only)."""

    name = "bwrap"

    def __init__(self) -> None:
        self.python = sys.executable
        self.path = f"{_command_shims()}:{Backend.path}"

    def sandbox(self, limits: Limits) -> Sandbox:
        return BwrapSandbox(limits, ro_paths=(*_interpreter_paths(), _command_shims()))


class DockerBackend(Backend):
    """Containers from the locally built SWE image (see :mod:`rlvr.envs.swe.image`) or from a
    task's own image, ``pool_size`` of them started ahead of time.

    Args:
        image: the image tag (default: build or reuse :data:`~rlvr.envs.swe.image.DEFAULT_RECIPE`'s).
        python: the interpreter in the image that runs the tests (default: ``/usr/bin/python3`` for
            the built image, else found in the image, e.g. SWE-bench's conda ``testbed`` env); its
            folder goes first on the commands' ``PATH``.
        pool_size: containers kept started and waiting.
        cpus, memory_bytes: limits of each container.
    """

    name = "docker"

    def __init__(self, image: str | None = None, python: str | None = None, pool_size: int = 2, cpus: float = 1.0, memory_bytes: int = 2 << 30):
        from rlvr.envs.swe.image import ensure_image
        from rlvr.envs.swe.instance_images import image_python

        self.image = image or ensure_image()
        self.python = python or ("/usr/bin/python3" if image is None else image_python(self.image))
        self.path = f"{os.path.dirname(self.python)}:{Backend.path}"
        self.pytest_plugins = image is not None
        self._pools: dict[Limits, ContainerPool] = {}
        self._pool_size, self._container = pool_size, {"cpus": cpus, "memory_bytes": memory_bytes}

    def sandbox(self, limits: Limits) -> Sandbox:
        from rlvr.tools.sandbox.docker import ContainerPool

        if limits not in self._pools:
            self._pools[limits] = ContainerPool(self.image, self._pool_size, limits=limits, **self._container)
        return self._pools[limits].acquire()

    def release(self, sandbox: Sandbox) -> None:
        pool = next(iter(self._pools.values()), None)
        if pool is None:
            sandbox.close()
        else:
            pool.release(sandbox)

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()


def make_backend(kind: str | Backend, **kwargs) -> Backend:
    """``"bwrap"`` or ``"docker"`` (keyword arguments go to :class:`DockerBackend`)."""
    if isinstance(kind, Backend):
        return kind
    if kind == "bwrap":
        return BwrapBackend()
    if kind == "docker":
        return DockerBackend(**kwargs)
    raise ValueError(f"sandbox must be one of {', '.join(BACKENDS)}, got {kind!r}")


def install_tree(source: Path, sandbox: Sandbox, owned: bool) -> str:
    """Copy a source tree into ``sandbox`` at ``<workdir>/repo``; its path inside the sandbox.

    ``owned`` makes the files the sandbox user's (an agent's working copy); otherwise they stay
    the host user's and read-only to the sandbox (a grading run cannot rewrite them).
    """
    from rlvr.envs.swe.instances import copy_tree

    target = sandbox.workdir / REPO_DIR
    copy_tree(source, target)
    uid = getattr(sandbox, "uid", None)
    if owned and uid is not None and os.geteuid() == 0:
        for directory, dirs, files in os.walk(target):
            os.chown(directory, uid, uid)
            for name in files:
                os.lchown(os.path.join(directory, name), uid, uid)
    return f"{sandbox.inner_workdir}/{REPO_DIR}"
