"""The Docker backend: one container per sandbox from a locally built image, pooled and reaped.

Containers have no network, CPU, memory and process limits, a read-only root filesystem with a
private /tmp, and the sandbox's host :attr:`~Sandbox.workdir` bind-mounted at ``/sandbox``.
Commands run through ``docker exec`` as a non-root uid under the same rlimits as the bwrap
backend; when a command ends, everything else that uid runs in the container is killed, so no
process outlives its call. A container is removed when its sandbox closes, when the Python
process exits (Ctrl-C included), by :func:`reap_orphans` if its owner died without cleaning up,
and by itself after ``max_lifetime_s`` at the latest.
"""

from __future__ import annotations

import os
import queue
import secrets
import shutil
import socket
import subprocess
import threading
import time
import weakref
from collections.abc import Sequence

from rlvr.tools.sandbox.base import Limits, Sandbox, SandboxUnavailable
from rlvr.tools.sandbox.process import SandboxProcess

INNER_WORKDIR = "/sandbox"
LABEL = "rlvr.sandbox"
_SANDBOX_UIDS = range(0x6000_0000, 0x6FFF_0000)
_DAEMON_WAIT_S = 30.0
# Runs the command, then kills every other process of the sandbox uid (kill(-1) spares the caller).
_REAP_WRAPPER = '"$@"; status=$?; kill -s KILL -1 2>/dev/null; exit $status'


def docker_client_argv() -> list[str]:
    """``[path of the docker client]`` or a clear error saying what to install."""
    path = shutil.which("docker")
    if path is None:
        raise SandboxUnavailable("the docker sandbox needs Docker: `apt-get install docker.io` (as root), or use sandbox='bwrap'")
    return [path]


def daemon_running() -> bool:
    """True when the docker client reaches an engine."""
    try:
        done = subprocess.run([*docker_client_argv(), "version", "--format", "{{.Server.Version}}"], capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def ensure_daemon(log_path: str | None = None) -> None:
    """Make sure a Docker engine answers: start ``dockerd`` when it is installed but not running
    (needs root), else raise :class:`SandboxUnavailable` saying exactly what to install or start."""
    if daemon_running():
        return
    dockerd = shutil.which("dockerd") or shutil.which("dockerd", path="/usr/sbin:/usr/bin:/sbin")
    if dockerd is None:
        raise SandboxUnavailable("no Docker engine is running and dockerd is not installed: `apt-get install docker.io` (as root), or use sandbox='bwrap'")
    if os.geteuid() != 0:
        raise SandboxUnavailable("the Docker engine is not running; start it (`sudo dockerd &` or `sudo systemctl start docker`) or use sandbox='bwrap'")
    from rlvr.cache import cache_dir

    log = open(log_path or cache_dir("swe") / "dockerd.log", "ab")
    subprocess.Popen([dockerd], stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    deadline = time.monotonic() + _DAEMON_WAIT_S
    while time.monotonic() < deadline:
        if daemon_running():
            return
        time.sleep(0.5)
    raise SandboxUnavailable(f"started dockerd but it did not answer within {_DAEMON_WAIT_S:g} s; see {log.name}")


def _owner_label() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def reap_orphans() -> int:
    """Remove sandbox containers whose owning process (on this host) is gone; how many."""
    done = subprocess.run([*docker_client_argv(), "ps", "-aq", "--filter", f"label={LABEL}", "--format", '{{.ID}} {{.Label "rlvr.owner"}}'],
                          capture_output=True, text=True)
    dead = []
    for line in done.stdout.splitlines():
        container, _, owner = line.partition(" ")
        host, _, pid = owner.rpartition(":")
        if host == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
            dead.append(container)
    if dead:
        subprocess.run([*docker_client_argv(), "rm", "-f", *dead], capture_output=True)
    return len(dead)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_container(container: str) -> None:
    subprocess.run([*docker_client_argv(), "rm", "-f", container], capture_output=True)


class DockerProcess(SandboxProcess):
    """A ``docker exec`` client whose kill also ends what the command left in the container."""

    def __init__(self, argv: Sequence[str], *, env: dict[str, str], container: str, uid: int):
        super().__init__(argv, cwd=None, env=env)
        self._container, self._uid = container, uid

    def kill(self) -> None:
        still_running = self._popen.returncode is None and self._popen.poll() is None
        super().kill()
        if still_running:  # a timeout: the client died, the command may not have
            subprocess.run([*docker_client_argv(), "exec", "-u", f"{self._uid}:{self._uid}", self._container,
                            "sh", "-c", "kill -s KILL -1"], capture_output=True)


class DockerSandbox(Sandbox):
    """Runs commands in a private Docker container made from a local ``image``.

    Same interface and semantics as :class:`~rlvr.tools.sandbox.BwrapSandbox`: :attr:`workdir` is
    the writable directory (``/sandbox`` inside), the root filesystem is read-only, /tmp is
    private, there is no network, commands run as a non-root uid under :class:`Limits` rlimits.
    The container itself is capped at ``cpus`` CPUs and ``memory_bytes`` of memory.

    Args:
        image: a local image with ``sh``, ``prlimit`` and whatever commands will run
            (see :mod:`rlvr.envs.swe.image` for the one SWE-v0 builds).
        limits: resource limits for every command (default :class:`Limits`).
        cpus: CPUs for the whole container.
        memory_bytes: memory for the whole container.
        max_lifetime_s: the container removes itself after this long whatever happens.
    """

    def __init__(self, image: str, limits: Limits | None = None, *, cpus: float = 1.0, memory_bytes: int = 2 << 30,
                 max_lifetime_s: int = 6 * 3600):
        super().__init__(limits)
        self.image = image
        self.uid = secrets.choice(_SANDBOX_UIDS) if os.geteuid() == 0 else os.geteuid()
        if os.geteuid() == 0:
            os.chown(self.workdir, self.uid, self.uid)
        name = f"rlvr-sandbox-{secrets.token_hex(6)}"
        tmp = self.limits.tmp_bytes
        command = [
            *docker_client_argv(), "run", "-d", "--rm", "--name", name,
            "--label", LABEL, "--label", f"rlvr.owner={_owner_label()}",
            "--network", "none", "--cpus", f"{cpus:g}", "--memory", str(memory_bytes), "--memory-swap", str(memory_bytes),
            "--pids-limit", "512", "--read-only", "--security-opt", "no-new-privileges", "--cap-drop", "ALL",
            "--tmpfs", f"/tmp:rw,exec,size={tmp},mode=1777", "--tmpfs", f"/dev/shm:rw,size={tmp},mode=1777",
            "-v", f"{self.workdir}:{INNER_WORKDIR}", "--workdir", INNER_WORKDIR,
            image, "sleep", str(int(max_lifetime_s)),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            self.close()
            raise SandboxUnavailable(f"cannot start a container from {image!r}: {done.stderr.strip()}; build the image with `rlvr swe image build`")
        self.container = done.stdout.strip()
        self._container_finalizer = weakref.finalize(self, _remove_container, self.container)

    @property
    def inner_workdir(self) -> str:
        return INNER_WORKDIR

    @property
    def inner_tmpdir(self) -> str:
        return "/tmp"

    def _spawn(self, argv: Sequence[str], cwd: str, env: dict[str, str]) -> SandboxProcess:
        settings = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
        command = [
            *docker_client_argv(), "exec", "-i", "-u", f"{self.uid}:{self.uid}", "-w", cwd, *settings, self.container,
            "sh", "-c", _REAP_WRAPPER, "sh", "prlimit", *self.limits.prlimit_args(), "--", *argv,
        ]  # fmt: skip
        return DockerProcess(command, env=dict(os.environ), container=self.container, uid=self.uid)

    def clear(self) -> None:
        super().clear()
        subprocess.run([*docker_client_argv(), "exec", "-u", f"{self.uid}:{self.uid}", self.container, "sh", "-c", "kill -s KILL -1"],
                       capture_output=True)

    def close(self) -> None:
        """Remove the container, kill every running command and delete the working directory."""
        finalizer = getattr(self, "_container_finalizer", None)
        if finalizer is not None:
            finalizer()
        super().close()


class ContainerPool:
    """Keeps ``size`` started :class:`DockerSandbox` containers ready so an episode does not wait
    for ``docker run``; a background thread refills the pool and removes released containers.

    ``acquire()`` hands out a ready sandbox (or starts one if none is ready); ``release(box)``
    removes it. Every container left is removed by :meth:`close` or at interpreter exit.
    """

    def __init__(self, image: str, size: int = 2, **sandbox_kwargs):
        if size < 0:
            raise ValueError(f"pool size must be >= 0, got {size}")
        ensure_daemon()
        reap_orphans()
        self.image, self.size, self.sandbox_kwargs = image, size, sandbox_kwargs
        self._ready: queue.Queue[DockerSandbox] = queue.Queue()
        self._wanted = threading.Semaphore(0)
        self._closed = threading.Event()
        self._worker = threading.Thread(target=self._refill, name="rlvr-container-pool", daemon=True)
        self._worker.start()
        for _ in range(size):
            self._wanted.release()

    def acquire(self) -> DockerSandbox:
        """A started sandbox of its own for the caller (the pool starts a replacement)."""
        if self._closed.is_set():
            raise RuntimeError("this container pool is closed")
        self._wanted.release()
        try:
            return self._ready.get_nowait()
        except queue.Empty:
            self._wanted.acquire(blocking=False)  # starting one here instead; do not start a spare
            return DockerSandbox(self.image, **self.sandbox_kwargs)

    def release(self, sandbox: DockerSandbox) -> None:
        """Remove ``sandbox``'s container in the background."""
        threading.Thread(target=sandbox.close, daemon=True).start()

    def _refill(self) -> None:
        while not self._closed.is_set():
            if not self._wanted.acquire(timeout=0.2):
                continue
            if self._closed.is_set() or self._ready.qsize() >= self.size:
                continue
            try:
                self._ready.put(DockerSandbox(self.image, **self.sandbox_kwargs))
            except Exception:  # noqa: BLE001 - the next acquire() starts one itself and reports the error
                time.sleep(1.0)

    def close(self) -> None:
        """Stop refilling and remove the ready containers."""
        self._closed.set()
        self._worker.join(timeout=30)
        while not self._ready.empty():
            self._ready.get_nowait().close()
