"""Per-instance Docker images of SWE-bench-style datasets: one image per task with the repository
checked out at ``/testbed`` and its dependencies installed (SWE-bench's ``sweb.eval.*`` images and
those of SWE-Gym, SWE-smith and R2E-Gym follow this layout).

An instance names its image in the record (``image_name``, ``docker_image`` or ``image``); without
one, SWE-bench's own names for it are looked up. Only images already on this machine are used —
nothing is pulled. The starting tree is copied out of the image once (cached by image id), so the
agent's working copy and the grading copy are made exactly as for the other task sources, and
commands run in containers of that image with the interpreter it ships.
"""

from __future__ import annotations

import functools
import io
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from rlvr.envs.swe.instances import SWEInstance
from rlvr.tools.sandbox.base import SandboxUnavailable
from rlvr.tools.sandbox.docker import docker_client_argv

IMAGE_FIELDS = ("image_name", "docker_image", "image")
TESTBED = "/testbed"
# Where the images of the SWE-bench family keep the interpreter that has the repository's dependencies.
PYTHON_CANDIDATES = ("/opt/miniconda3/envs/testbed/bin/python", "/testbed/.venv/bin/python", "/usr/local/bin/python3", "/usr/bin/python3")


def declared_image(instance: SWEInstance) -> str | None:
    """The image the record names, if any."""
    return next((str(instance.extra[f]) for f in IMAGE_FIELDS if instance.extra.get(f)), None)


def swebench_image_names(instance_id: str) -> list[str]:
    """The names SWE-bench's harness gives an instance's image: built locally, and as published."""
    return [f"sweb.eval.x86_64.{instance_id.lower()}:latest",
            f"swebench/sweb.eval.x86_64.{instance_id.lower().replace('__', '_1776_')}:latest"]


def local_images() -> set[str]:
    """``repository:tag`` of every image the Docker engine has."""
    done = subprocess.run([*docker_client_argv(), "images", "--format", "{{.Repository}}:{{.Tag}}"], capture_output=True, text=True)
    if done.returncode != 0:
        raise SandboxUnavailable(f"cannot list Docker images: {done.stderr.strip()}")
    return set(done.stdout.split())


def resolve_image(instance: SWEInstance, available: set[str]) -> str | None:
    """The local image of ``instance``: the one its record names (an error if that one is missing),
    else one of SWE-bench's names for it, else None (the repository comes from the host)."""
    declared = declared_image(instance)
    if declared is not None:
        name = declared if ":" in declared.rpartition("/")[2] else f"{declared}:latest"
        if name not in available:
            raise SandboxUnavailable(f"instance {instance.instance_id!r} runs in the Docker image {declared!r}, which is not on this machine; "
                                     "load it (`docker pull` where there is a network, then `docker save`/`docker load`) and run again")
        return name
    return next((name for name in swebench_image_names(instance.instance_id) if name in available), None)


@functools.cache
def image_id(image: str) -> str:
    """The content id of a local image (changes when the image is rebuilt under the same name)."""
    done = subprocess.run([*docker_client_argv(), "image", "inspect", "--format", "{{.Id}}", image], capture_output=True, text=True)
    if done.returncode != 0:
        raise SandboxUnavailable(f"no Docker image {image!r} here: {done.stderr.strip()}")
    return done.stdout.strip()


@functools.cache
def image_python(image: str) -> str:
    """The first interpreter of :data:`PYTHON_CANDIDATES` that exists in ``image``."""
    probe = " ".join(f"[ -x {path} ] && echo {path} && exit 0;" for path in PYTHON_CANDIDATES) + " exit 1"
    done = subprocess.run([*docker_client_argv(), "run", "--rm", "--network", "none", "--entrypoint", "sh", image, "-c", probe],
                          capture_output=True, text=True)
    if done.returncode != 0 or not done.stdout.strip():
        raise SandboxUnavailable(f"image {image!r} has none of {', '.join(PYTHON_CANDIDATES)}; it cannot run the repository's tests")
    return done.stdout.strip().splitlines()[0]


def export_testbed(image: str, target: Path, source: str = TESTBED) -> None:
    """Copy ``source`` (the checked-out repository) out of ``image`` into ``target``; ``.git`` is left behind."""
    created = subprocess.run([*docker_client_argv(), "create", image, "true"], capture_output=True, text=True)
    if created.returncode != 0:
        raise SandboxUnavailable(f"cannot create a container from {image!r}: {created.stderr.strip()}")
    container = created.stdout.strip()
    try:
        copied = subprocess.run([*docker_client_argv(), "cp", f"{container}:{source}", "-"], capture_output=True)
        if copied.returncode != 0:
            raise SandboxUnavailable(f"image {image!r} has no repository at {source}: {copied.stderr.decode(errors='replace').strip()}")
    finally:
        subprocess.run([*docker_client_argv(), "rm", "-f", container], capture_output=True)
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(copied.stdout)) as archive:
        members = []
        for member in archive.getmembers():
            parts = Path(member.name).parts[1:]  # the archive's top folder is the copied directory itself
            if parts and parts[0] != ".git" and (member.isfile() or member.isdir() or member.issym()):
                member.name = str(Path(*parts))
                members.append(member)
        archive.extractall(target, members=members, filter="tar")


class InstanceImages:
    """Which local image each instance runs in, and one :class:`~rlvr.envs.swe.backends.DockerBackend`
    per image in use (the ``keep`` most recently used stay open, with ``pool_size`` warm containers each).
    """

    def __init__(self, pool_size: int = 1, keep: int = 4):
        self.pool_size, self.keep = pool_size, keep
        self._available: set[str] | None = None
        self._backends: dict[str, Any] = {}

    def image_of(self, instance: SWEInstance) -> str | None:
        """The local image of ``instance`` (see :func:`resolve_image`); the image list is read once."""
        if self._available is None:
            self._available = local_images()
        return resolve_image(instance, self._available)

    def backend(self, image: str) -> Any:
        """The Docker backend of ``image`` (started on first use; the least recently used is closed beyond ``keep``)."""
        from rlvr.envs.swe.backends import DockerBackend

        backend = self._backends.pop(image, None) or DockerBackend(image=image, pool_size=self.pool_size)
        self._backends[image] = backend
        while len(self._backends) > self.keep:
            self._backends.pop(next(iter(self._backends))).close()
        return backend

    def close(self) -> None:
        for backend in self._backends.values():
            backend.close()
        self._backends.clear()
