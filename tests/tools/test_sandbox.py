"""Sandbox backends: isolation (bwrap), limits, timeouts and clean-up (both backends)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from rlvr.tools.sandbox import BwrapSandbox, Limits, LocalSandbox, SandboxUnavailable, make_sandbox
from rlvr.tools.sandbox import base as base_module
from rlvr.tools.sandbox import bwrap as bwrap_module

REPO = Path(__file__).resolve().parents[2]
PYTHON_PATHS = sorted({sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix})
needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed")


def py(code: str) -> list[str]:
    """argv running ``code`` with the test's own interpreter (stdlib only, fast start)."""
    return [sys.executable, "-I", "-S", "-c", code]


def pids_with(marker: str) -> list[int]:
    """Live processes whose command line contains ``marker`` (a /proc scan)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
                state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if marker.encode() in cmdline and state != "Z":
                found.append(int(entry))
    return found


def pids_of_uid(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path(f"/proc/{entry}/status").read_text()
            except OSError:
                continue
            uids = next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1:]
            state = next(line for line in status.splitlines() if line.startswith("State:")).split()[1]
            if int(uids[0]) == uid and state != "Z":
                found.append(int(entry))
    return found


def wait_until_gone(marker: str, within: float = 2.0) -> list[int]:
    deadline = time.monotonic() + within
    while (left := pids_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.fixture
def box():
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")
    with BwrapSandbox(Limits(wall_s=10), ro_paths=PYTHON_PATHS) as sandbox:
        yield sandbox


@pytest.fixture(params=["bwrap", "local"])
def kind(request):
    if request.param == "bwrap" and shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")
    return request.param


@pytest.fixture
def any_box(kind):
    with make_sandbox(kind, limits=Limits(wall_s=10), ro_paths=PYTHON_PATHS) as sandbox:
        yield sandbox


# --- the interface, on every backend -----------------------------------------------------------


def test_run_captures_stdout_stderr_exit_code_and_stdin(any_box):
    code = "import sys; print('out'); print('err', file=sys.stderr); print(sys.stdin.read()); sys.exit(3)"
    result = any_box.run(py(code), stdin="fed")
    assert (result.stdout, result.stderr, result.exit_code, result.timed_out) == ("out\nfed\n", "err\n", 3, False)
    assert 0 < result.duration_s < 5 and result.timeout_s == 10
    assert result.render() == "out\nfed\nerr\n[exit code 3]"
    assert not result.ok


def test_commands_start_in_the_private_workdir(any_box):
    result = any_box.run(py("import os; open('made.txt', 'w').write('x'); print(os.getcwd())"))
    assert result.stdout.strip() == any_box.inner_workdir
    assert (any_box.workdir / "made.txt").read_text() == "x"


def test_environment_is_clean_not_the_hosts(any_box, monkeypatch):
    monkeypatch.setenv("RLVR_TEST_SECRET", "hunter2")
    code = "import os; print(sorted(os.environ)); print(os.environ.get('RLVR_TEST_SECRET'))"
    result = any_box.run(py(code), env={"EXTRA": "1"})
    assert "hunter2" not in result.stdout and "RLVR_TEST_SECRET" not in result.stdout
    assert "'EXTRA'" in result.stdout and "'HOME'" in result.stdout


def test_timeout_kills_the_whole_tree(any_box):
    marker = f"rlvr-marker-{uuid.uuid4().hex}"
    grandchildren = (
        "import os, subprocess, time\n"
        "for _ in range(2):\n    subprocess.Popen(['sleep', '1000'])\n"
        f"os.fork()\ntime.sleep(1000)  # {marker}"
    )
    started = time.monotonic()
    result = any_box.run(py(grandchildren), timeout=1.0)
    assert result.timed_out and result.exit_code is None
    assert time.monotonic() - started < 2.5
    assert "[timed out after 1 s]" in result.render()
    assert wait_until_gone(marker) == []


def test_background_processes_die_with_the_command(any_box):
    marker = f"rlvr-marker-{uuid.uuid4().hex}"
    sleeper = [sys.executable, "-c", f"import time; time.sleep(1000)  # {marker}"]
    result = any_box.run(py(f"import subprocess\nsubprocess.Popen({sleeper!r})\nprint('left')"))
    assert result.ok and result.stdout == "left\n"
    assert wait_until_gone(marker) == []


def test_output_is_capped_in_the_middle(kind):
    with make_sandbox(kind, limits=Limits(output_bytes=1000), ro_paths=PYTHON_PATHS) as sandbox:
        result = sandbox.run(py("print('HEAD' + 'x' * 1_000_000 + 'TAIL')"))
    assert result.ok
    assert result.stdout.startswith("HEADxxx") and result.stdout.endswith("xxxTAIL\n")
    assert f"\n[... {1_000_009 - 1000} bytes omitted ...]\n" in result.stdout
    assert len(result.stdout) < 1100


def test_binary_output_is_shown_not_raised(any_box):
    result = any_box.run(py("import sys; sys.stdout.buffer.write(bytes(range(256)))"))
    assert result.ok and "\\xff" in result.stdout


def test_cpu_time_limit_kills_a_busy_loop(kind):
    with make_sandbox(kind, limits=Limits(cpu_s=1), ro_paths=PYTHON_PATHS) as sandbox:
        started = time.monotonic()
        result = sandbox.run(py("while True: pass"), timeout=20)
    assert result.exit_code == 128 + 24 and not result.timed_out  # SIGXCPU
    assert time.monotonic() - started < 5
    assert "CPU-time limit exceeded" in result.render()


def test_file_size_limit(kind):
    with make_sandbox(kind, limits=Limits(file_bytes=1 << 20), ro_paths=PYTHON_PATHS) as sandbox:
        result = sandbox.run(py("open('big', 'wb').write(b'x' * (2 << 20))"))
    assert result.exit_code == 1 and "File too large" in result.stderr


def test_memory_bomb_fails_fast(any_box):
    started = time.monotonic()
    result = any_box.run(py("bytearray(8 << 30)"))
    assert "MemoryError" in result.stderr and result.exit_code == 1
    assert time.monotonic() - started < 3


def test_close_kills_long_lived_processes_and_deletes_the_workdir(any_box):
    marker = f"rlvr-marker-{uuid.uuid4().hex}"
    process = any_box.popen(py(f"import time; print('up', flush=True); time.sleep(1000)  # {marker}"))
    assert process.stdout.read(3) == b"up\n"
    assert pids_with(marker) != []
    workdir = any_box.workdir
    any_box.close()
    assert wait_until_gone(marker) == []
    assert not workdir.exists()
    with pytest.raises(RuntimeError, match="closed"):
        any_box.run(["true"])


def test_clear_empties_the_workdir(any_box):
    (any_box.workdir / "old").mkdir()
    (any_box.workdir / "old" / "file").write_text("x")
    os.chmod(any_box.workdir / "old", 0)
    os.chmod(any_box.workdir, 0)
    any_box.clear()
    assert list(any_box.workdir.iterdir()) == []
    assert any_box.run(["true"]).ok


def test_make_sandbox_rejects_unknown_kinds():
    with pytest.raises(ValueError, match="choose one of: bwrap, docker, local"):
        make_sandbox("docker-ish")


def test_local_sandbox_needs_explicit_opt_in():
    with pytest.raises(ValueError, match="unsafe=True"):
        LocalSandbox()


def test_missing_bwrap_says_what_to_install(monkeypatch):
    monkeypatch.setattr(base_module.shutil, "which", lambda *args, **kwargs: None)
    base_module.host_executable.cache_clear()
    try:
        with pytest.raises(SandboxUnavailable, match=r"apt-get install bubblewrap.*sandbox='local'"):
            make_sandbox("bwrap")
    finally:
        monkeypatch.undo()
        base_module.host_executable.cache_clear()


def test_limits_are_validated():
    with pytest.raises(ValueError, match="cpu_s must be positive"):
        Limits(cpu_s=0)


# --- isolation (bwrap) ---------------------------------------------------------------------------


@pytest.fixture
def listening_port():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


CONNECT = (
    "import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n    print('connected')\n"
    "except OSError as e:\n    print('refused', e)"
)


def test_no_network(box, listening_port):
    # The same probe connects without the sandbox, so a refusal inside is the sandbox's doing.
    with make_sandbox("local") as local:
        assert local.run(py(CONNECT.format(port=listening_port))).stdout.startswith("connected")
    assert box.run(py(CONNECT.format(port=listening_port))).stdout.startswith("refused")
    lookup = "import socket\ntry:\n    socket.getaddrinfo('example.com', 80)\nexcept OSError as e:\n    print('no dns', e)"
    dns = box.run(py(lookup))
    assert dns.stdout.startswith("no dns")
    interfaces = box.run(py("import socket; print([name for _, name in socket.if_nameindex()])"))
    assert interfaces.stdout.strip() == "['lo']"


def test_only_the_workdir_and_tmp_are_writable(box):
    targets = ["/usr/evil", "/etc/evil", "/evil", "/root/evil", "/home/evil", "/proc/evil", str(REPO / "evil")]
    code = (
        "import sys\nfor path in sys.argv[1:]:\n"
        "    try:\n        open(path, 'w').write('x')\n        print('WROTE', path)\n"
        "    except OSError as e:\n        print('denied', path, e.strerror)"
    )
    result = box.run([*py(code), *targets, "/sandbox/ok", "/tmp/ok", "/dev/shm/ok"])
    wrote = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("WROTE")]
    assert wrote == ["/sandbox/ok", "/tmp/ok", "/dev/shm/ok"], result.stdout
    assert not (REPO / "evil").exists() and not Path("/usr/evil").exists()


def test_host_home_repo_and_secrets_are_invisible(box):
    home = Path.home()
    secret = home / f".rlvr-test-secret-{uuid.uuid4().hex}"
    secret.write_text("hunter2")
    try:
        code = (
            "import sys\nfor path in sys.argv[1:]:\n"
            "    try:\n        print('READ', path, open(path).read())\n"
            "    except OSError as e:\n        print('hidden', path, e.strerror)"
        )
        result = box.run([*py(code), str(secret), str(REPO / "pyproject.toml"), "/etc/shadow"])
    finally:
        secret.unlink()
    assert "hunter2" not in result.stdout and "READ" not in result.stdout, result.stdout
    # The home directory is absent, or holds only the parents of a Python bound from inside it.
    listing = box.run(["ls", "-A", str(home)]).stdout.split()
    needed = {Path(p).relative_to(home).parts[0] for p in PYTHON_PATHS if Path(p).is_relative_to(home)}
    assert set(listing) <= needed, listing


def test_runs_as_a_non_root_user_with_no_capabilities(box):
    result = box.run(py("import os; print(os.getuid(), os.getgid(), os.getgroups()); print(open('/proc/self/status').read())"))
    uid_line, status = result.stdout.split("\n", 1)
    assert uid_line.split()[0] != "0"
    if os.geteuid() == 0:
        assert uid_line.startswith(f"{box.uid} {box.uid} []")
    assert "CapEff:\t0000000000000000" in status and "NoNewPrivs:\t1" in status


@needs_bwrap
def test_fork_bomb_is_contained_and_the_host_stays_healthy():
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    with BwrapSandbox(Limits(processes=32), ro_paths=PYTHON_PATHS) as sandbox:
        process = sandbox.popen(py(bomb))
        time.sleep(1.5)
        running = len(pids_of_uid(sandbox.uid)) if os.geteuid() == 0 else None
        assert subprocess.run(["true"], timeout=5).returncode == 0  # the host can still start processes
        process.kill()
        if running is not None:
            assert 1 < running <= 32
            deadline = time.monotonic() + 3
            while pids_of_uid(sandbox.uid) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert pids_of_uid(sandbox.uid) == []
    assert subprocess.run(["true"], timeout=5).returncode == 0


@needs_bwrap
def test_private_tmp_is_size_limited():
    with BwrapSandbox(Limits(tmp_bytes=1 << 20), ro_paths=PYTHON_PATHS) as small:
        result = small.run(py("open('/tmp/fill', 'wb').write(b'x' * (4 << 20))"))
    assert "No space left on device" in result.stderr


def test_memory_limit_also_binds_under_bwrap(box):
    assert box.run(py("x = bytearray(2 << 30)")).stderr.endswith("MemoryError\n")


def test_unusable_bwrap_is_reported_with_its_reason(monkeypatch, tmp_path):
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    real = base_module.host_executable
    monkeypatch.setattr(bwrap_module, "host_executable", lambda name: str(fake) if name == "bwrap" else real(name))
    with pytest.raises(SandboxUnavailable, match=r"No permissions to create new namespace.*user namespaces"):
        BwrapSandbox(ro_paths=[str(tmp_path)])


@needs_bwrap
def test_works_for_a_non_root_caller():
    if os.geteuid() != 0:
        result = BwrapSandbox().run(["id", "-u"])
        assert result.ok and result.stdout.strip() == str(os.geteuid())
        return
    # Root can only become another user in a child process, and that child needs a Python it may
    # execute: the test's interpreter may sit under /root (mode 0700), so use the system one.
    python = shutil.which("python3", path="/usr/bin:/bin")
    if python is None:
        pytest.skip("no /usr/bin/python3 to run the sandbox as an unprivileged user")
    version = subprocess.run([python, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True).stdout
    if version.strip() != str(sys.version_info[:2]):
        pytest.skip(f"/usr/bin/python3 is {version.strip()}, not this Python, so it cannot import this environment's packages")
    site_dir = next(p for p in sys.path if p.endswith("site-packages") and p.startswith(sys.prefix))
    script = (
        f"import site\nsite.addsitedir({site_dir!r})\n"
        "from rlvr.tools.sandbox import BwrapSandbox\n"
        "with BwrapSandbox() as box:\n"
        "    print(box.run(['sh', '-c', 'id -u; echo hi > f; cat f; touch /usr/x']).render())\n"
    )
    done = subprocess.run([python, "-I", "-S", "-c", script], user=65534, group=65534, extra_groups=[],
                          capture_output=True, text=True, timeout=60, cwd="/")  # fmt: skip
    if "No module named" in done.stderr:
        pytest.skip(f"the unprivileged child cannot import rlvr: {done.stderr.strip().splitlines()[-1]}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:3] == ["65534", "hi", "touch: cannot touch '/usr/x': Read-only file system"]
