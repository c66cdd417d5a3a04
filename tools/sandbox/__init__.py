"""Sandboxes that run model-written commands: one interface, a bubblewrap default, Docker
containers from locally built images, a local opt-in.

>>> with make_sandbox() as box:
...     print(box.run(["python3", "-c", "print(6 * 7)"]).render())
42
"""

from __future__ import annotations

from typing import Any

from rlvr.tools.sandbox.base import ExecResult, Limits, Sandbox, SandboxUnavailable
from rlvr.tools.sandbox.bwrap import BwrapSandbox
from rlvr.tools.sandbox.local import LocalSandbox
from rlvr.tools.sandbox.process import SandboxProcess

SANDBOX_KINDS = ("bwrap", "docker", "local")


def make_sandbox(kind: str = "bwrap", **kwargs: Any) -> Sandbox:
    """A new sandbox of ``kind``: ``"bwrap"`` (isolated, the default), ``"docker"`` (a container
    of a local image: ``image=`` is required; see :class:`~rlvr.tools.sandbox.docker.DockerSandbox`)
    or ``"local"`` (no isolation).

    Keyword arguments go to the backend (``limits``, ``ro_paths``, ``image``, ...). Raises
    :class:`SandboxUnavailable` with what to install when the backend cannot run here.
    """
    if kind == "bwrap":
        return BwrapSandbox(**kwargs)
    if kind == "docker":
        from rlvr.tools.sandbox.docker import DockerSandbox

        return DockerSandbox(**kwargs)
    if kind == "local":
        return LocalSandbox(unsafe=True, **kwargs)
    raise ValueError(f"unknown sandbox kind {kind!r}; choose one of: {', '.join(SANDBOX_KINDS)}")


__all__ = [
    "SANDBOX_KINDS",
    "BwrapSandbox",
    "ExecResult",
    "Limits",
    "LocalSandbox",
    "Sandbox",
    "SandboxProcess",
    "SandboxUnavailable",
    "make_sandbox",
]
