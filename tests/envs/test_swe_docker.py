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
