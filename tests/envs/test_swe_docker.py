"""rlvr/SWE-v0 in Docker: the same episodes give the same rewards as with bubblewrap, and no
container outlives its environment. Needs a Docker engine (started here if installed, as root)
and builds the image once (mmdebstrap, about two minutes) if it is missing."""

import subprocess

import pytest
from swe_helpers import LOST_LINE, call, write_merge_dataset

from rlvr.envs.swe import SWEEnv
from rlvr.tools.sandbox import SandboxUnavailable

pytestmark = [pytest.mark.docker, pytest.mark.slow]

EPISODES = {
    "fix": [call("editor", command="str_replace", path="intervals/interval.py", old_str="            if joins:\n",
                 new_str="            if joins:\n" + LOST_LINE + "\n")],
    "no change": [],
    "edit tests": [call("bash", command="rm -rf tests")],
    "fix but break another": [call("bash", command=f"sed -i 's/^            if joins:$/            if joins:\\n{LOST_LINE}/' intervals/interval.py; "
                                                    "sed -i 's/return self.end - self.start/return 0/' intervals/interval.py")],
}


@pytest.fixture(scope="module")
def image():
    from rlvr.envs.swe.image import ensure_image
    from rlvr.tools.sandbox.docker import ensure_daemon

    try:
        ensure_daemon()
        return ensure_image()
    except SandboxUnavailable as exc:
        pytest.skip(f"no Docker here: {exc}")


def rewards(env):
    out = {}
    for name, turns in EPISODES.items():
        env.reset(options={"task": "intervals__merge_0"})
        for turn in turns:
            env.step(turn)
        _, reward, terminated, _, info = env.step(call("submit"))
        assert terminated
        out[name] = (reward, info["verdict"].components["fail_to_pass"] == 1.0)
    return out


def containers_of_this_process():
    import os
    import socket

    done = subprocess.run(["docker", "ps", "-aq", "--filter", f"label=rlvr.owner={socket.gethostname()}:{os.getpid()}"],
                          capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_docker_and_bwrap_give_the_same_rewards(image, tmp_path):
    dataset = write_merge_dataset(tmp_path / "tasks.jsonl")
    with SWEEnv(dataset=dataset) as env:
        expected = rewards(env)
    with SWEEnv(dataset=dataset, sandbox="docker", image=image, pool_size=1) as env:
        got = rewards(env)
        env.reset(seed=0)
        obs, *_ = env.step(call("bash", command="id -u; python --version; (getent hosts example.com || echo offline)"))
        assert obs[0]["content"].split("\n")[0] != "0" and "offline" in obs[0]["content"]
    assert got == expected and expected["fix"] == (1.0, True) and expected["no change"][0] == 0.0


def test_no_container_outlives_the_env(image, tmp_path):
    env = SWEEnv(dataset=write_merge_dataset(tmp_path / "tasks.jsonl"), sandbox="docker", image=image, pool_size=2)
    env.reset(seed=0)
    env.step(call("bash", command="sleep 1000 &"))
    assert containers_of_this_process()
    env.close()
    import time

    deadline = time.monotonic() + 30
    while containers_of_this_process() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert containers_of_this_process() == []


# ---- SWE-bench-style instances with their own images -------------------------------------------------
IMAGE_PYTHON = "/opt/miniconda3/envs/testbed/bin/python"


def _new_file_patch(path: str, text: str) -> str:
    lines = text.splitlines()
    body = "".join(f"+{line}\n" for line in lines)
    return f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n" + body


@pytest.fixture(scope="module")
def instance_images(image, tmp_path_factory):
    """Two SWE-bench-style images of the merge task: the bug checked out at /testbed without the
    test file that shows it (that comes with ``test_patch``), and a conda-style interpreter path."""
    import io
    import tarfile

    from rlvr.envs.swe.instances import BUILTIN_REPOS, TreeStore
    from swe_helpers import merge_instance

    start = TreeStore(tmp_path_factory.mktemp("trees")).start_tree(merge_instance())
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        tar.add(start, arcname="testbed", filter=lambda m: None if m.name == "testbed/tests/test_interval.py" else m)
        link = tarfile.TarInfo(IMAGE_PYTHON.lstrip("/"))
        link.type, link.linkname = tarfile.SYMTYPE, "/usr/bin/python3"
        tar.addfile(link)
    container = subprocess.run(["docker", "create", image, "true"], capture_output=True, text=True, check=True).stdout.strip()
    names = ["rlvr-test-instance:merge", "sweb.eval.x86_64.acme__intervals-2:latest"]
    try:
        subprocess.run(["docker", "cp", "-", f"{container}:/"], input=archive.getvalue(), check=True, capture_output=True)
        subprocess.run(["docker", "commit", container, names[0]], check=True, capture_output=True)
        subprocess.run(["docker", "tag", names[0], names[1]], check=True, capture_output=True)
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True)
    test_file = (BUILTIN_REPOS / "intervals" / "tests" / "test_interval.py").read_text()
    base = merge_instance().to_record()
    records = [
        {**base, "instance_id": "acme__intervals-1", "repo": "acme/intervals", "base_commit": "0" * 40, "setup_patch": "",
         "test_patch": _new_file_patch("tests/test_interval.py", test_file), "image_name": names[0]},
        {**base, "instance_id": "acme__intervals-2", "repo": "acme/intervals", "base_commit": "0" * 40, "setup_patch": "",
         "test_patch": _new_file_patch("tests/test_interval.py", test_file)},
        {**base, "instance_id": "acme__intervals-3", "repo": "acme/intervals", "setup_patch": "", "image_name": "absent/image:1"},
    ]
    yield records
    subprocess.run(["docker", "rmi", "-f", *names], capture_output=True)


def test_instances_run_in_their_own_images_with_the_test_patch_at_grading(instance_images, tmp_path):
    import json

    from rlvr.envs.swe.instances import SWEInstance

    dataset = tmp_path / "swebench.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in instance_images))
    with SWEEnv(dataset=dataset, sandbox="docker", pool_size=1) as env:
        for instance_id in ("acme__intervals-1", "acme__intervals-2"):  # named in the record; SWE-bench's naming
            instance = SWEInstance.from_record(next(r for r in instance_images if r["instance_id"] == instance_id))
            assert env.backend_for(instance).python == IMAGE_PYTHON
            env.reset(options={"task": instance_id})
            obs, *_ = env.step(call("bash", command="ls tests; command -v python"))
            assert "test_interval.py" not in obs[0]["content"] and IMAGE_PYTHON.rpartition("/")[0] in obs[0]["content"]
            _, reward, *_ = env.step(call("submit"))
            assert reward == 0.0  # the bug is still there, and the tests from test_patch say so
            env.reset(options={"task": instance_id})
            for tool_call in env.oracle_tool_calls(env.task):
                env.step(f"<tool_call>{json.dumps({'name': tool_call.name, 'arguments': tool_call.arguments})}</tool_call>")
            _, reward, _, _, info = env.step(call("submit"))
            assert reward == 1.0, info["verdict"].reason
            assert env.last_grade.run.passed("tests/test_interval.py::test_merge_joins_overlapping_and_touching")
        with pytest.raises(SandboxUnavailable, match="absent/image:1.*not on this machine"):
            env.reset(options={"task": "acme__intervals-3"})
