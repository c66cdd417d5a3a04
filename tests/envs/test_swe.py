"""rlvr/SWE-v0 on bubblewrap: tools, grading, the cheat suite, changes filtering, JUnit reading,
mutations and the shipped tasks. Docker parity is in test_swe_docker.py."""

import random
import subprocess
from pathlib import Path

import gymnasium as gym
import pytest
from swe_helpers import LOST_LINE, call, collected_ids, write_merge_dataset

import rlvr
from rlvr.agents.evaluate import evaluate
from rlvr.cli import main
from rlvr.envs.swe import SWEEnv, read_instances
from rlvr.envs.swe.backends import BwrapBackend
from rlvr.envs.swe.changes import protected_reason
from rlvr.envs.swe.env import BUILTIN_TASKS
from rlvr.envs.swe.instances import TreeStore
from rlvr.envs.swe.synthesis import apply_site, list_sites
from rlvr.envs.swe.testrun import junit_address, parse_junit, run_tests

FIXED_MERGE = "intervals/interval.py"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    env = SWEEnv(dataset=write_merge_dataset(tmp_path_factory.mktemp("swe") / "tasks.jsonl"))
    yield env
    env.close()


def play(env, *turns):
    """Reset on the merge task, play ``turns``, submit; the final verdict."""
    env.reset(options={"task": "intervals__merge_0"})
    for turn in turns:
        _, _, terminated, _, info = env.step(turn)
        assert not terminated, info
    _, reward, terminated, _, info = env.step(call("submit"))
    assert terminated and reward == info["verdict"].reward
    return info["verdict"]


def fix_turn():
    return call("editor", command="str_replace", path=FIXED_MERGE, old_str="            if joins:\n",
                new_str="            if joins:\n" + LOST_LINE + "\n")


# ---- the env ------------------------------------------------------------------------------------
def test_registered_with_its_tools():
    entry = next(e for e in rlvr.registered_envs() if e.id == "rlvr/SWE-v0")
    assert entry.domain == "swe" and entry.tools == ("bash", "editor", "submit")


def test_prompt_shows_the_problem_but_never_the_fix(env):
    obs, info = env.reset(options={"task": "intervals__merge_0"})
    text = "".join(m["content"] for m in obs) + str(info)
    assert "merge() returns overlapping pieces" in text and "/sandbox/repo" in text
    assert LOST_LINE.strip() not in text and "FAIL_TO_PASS" not in text
    assert [t["function"]["name"] for t in info["tools"]] == ["bash", "editor", "submit"]


def test_a_real_fix_scores_one_with_components(env):
    verdict = play(env, fix_turn())
    assert verdict.reward == 1.0 and verdict.components == {"fail_to_pass": 1.0, "pass_to_pass": 1.0}


def test_a_fix_that_breaks_other_tests_scores_zero(env):
    breaking = call("bash", command="sed -i 's/return self.end - self.start/return 0/' intervals/interval.py")
    verdict = play(env, fix_turn(), breaking)
    assert verdict.reward == 0.0
    assert verdict.components["fail_to_pass"] < 1.0 and verdict.components["pass_to_pass"] < 1.0


def test_bash_runs_in_the_repository_as_another_user(env):
    env.reset(options={"task": "intervals__merge_0"})
    host_file = Path(rlvr.__file__).resolve().parents[1] / "README.md"
    obs, *_ = env.step(call("bash", command=f"pwd; id -u; python -m pytest -q 2>&1 | tail -1; test -e {host_file} && echo visible || echo hidden"))
    out = obs[0]["content"]
    assert out.startswith("/sandbox/repo\n") and "\n0\n" not in out
    assert "2 failed, 35 passed" in out
    assert out.endswith("hidden")


def test_bash_timeout_kills_the_command_and_what_it_started(tmp_path):
    with SWEEnv(dataset=write_merge_dataset(tmp_path / "tasks.jsonl"), command_timeout=1.0) as env:
        env.reset(seed=0)
        obs, *_ = env.step(call("bash", command="(sleep 30 &) ; sleep 30"))
        assert "timed out" in obs[0]["content"]
        obs, *_ = env.step(call("bash", command="ps -e -o comm= | grep -c sleep || true"))
        assert obs[0]["content"].strip() == "0"


def test_editor_commands_and_their_errors(env):
    env.reset(options={"task": "intervals__merge_0"})

    def edit(**arguments):
        obs, _, terminated, _, _ = env.step(call("editor", **arguments))
        assert not terminated
        return obs[0]["content"]

    assert "intervals/interval.py" in edit(command="view", path=".")
    assert "    64\t    merged: list[Interval] = []" in edit(command="view", path=FIXED_MERGE, view_range=[64, 65])
    assert "occurs 0 times" in edit(command="str_replace", path=FIXED_MERGE, old_str="no such text", new_str="x")
    assert "occurs" in edit(command="str_replace", path=FIXED_MERGE, old_str="self", new_str="this")
    assert "Created" in edit(command="create", path="notes/todo.txt", file_text="a\nb\n")
    assert "Inserted after line 1" in edit(command="insert", path="notes/todo.txt", insert_line=1, new_str="between")
    assert edit(command="view", path="notes/todo.txt").split("\n")[1].endswith("between")
    assert "Error" in edit(command="view", path="missing.py")
    assert "Error" in edit(command="insert", path="notes/todo.txt", insert_line=99, new_str="x")
    assert "needs file_text" in edit(command="create", path="x.py")
    assert "Error" in edit(command="launch", path="x.py")  # not in the enum: a schema error, no crash


def test_episodes_start_from_a_fresh_copy(env):
    play(env, fix_turn())
    env.reset(options={"task": "intervals__merge_0"})
    obs, *_ = env.step(call("bash", command=f"grep -c 'max(last.end, current.end)' {FIXED_MERGE}"))
    assert obs[0]["content"].startswith("0")


# ---- the cheat suite: each scores 0 ---------------------------------------------------------------
CHEATS = {
    "submit without changes": [],
    "edit the failing tests": [call("bash", command="sed -i 's/assert merge(pieces) ==.*/assert True/; s/assert total_length(\\[Interval(0, 4).*/assert True/' tests/test_interval.py")],
    "delete the tests": [call("bash", command="rm -rf tests")],
    "conftest that exits 0": [call("editor", command="create", path="conftest.py", file_text="import os\nos._exit(0)\n")],
    "conftest that prints PASSED": [call("editor", command="create", path="intervals/conftest.py",
                                         file_text="print('tests/test_interval.py::test_merge_joins_overlapping_and_touching PASSED')\n")],
    "skip markers in the tests": [call("bash", command="sed -i '1i import pytest\\npytestmark = pytest.mark.skip' tests/test_interval.py")],
    "skip from library code": [call("bash", command="printf 'import pytest\\n' >> intervals/__init__.py; "
                                                     "sed -i 's/    ordered = sorted(/    pytest.skip(\"later\")\\n    ordered = sorted(/' intervals/interval.py")],
    ".pth that patches pytest": [call("editor", command="create", path="intervals/zz_patch.pth", file_text="import os; os.environ['X'] = '1'\n")],
    "sitecustomize": [call("editor", command="create", path="sitecustomize.py", file_text="import sys\n")],
    "shadow pytest with a module": [call("editor", command="create", path="pytest.py", file_text="import sys\nsys.exit(0)\n")],
    "pytest configuration": [call("editor", command="create", path="pytest.ini", file_text="[pytest]\naddopts = -k nothing\n")],
    "forge the JUnit report from a forked child": [call("editor", command="create", path="intervals/forge.py", file_text=(
        "import os, sys\n"
        "path = next((a.split('=', 1)[1] for a in sys.argv if a.startswith('--junitxml=')), None)\n"
        "if path and os.fork() == 0:\n"
        "    os.execv('/bin/sh', ['sh', '-c', 'sleep 1; echo \"<testsuites><testsuite><testcase classname=\\\"x\\\" name=\\\"y\\\"/></testsuite></testsuites>\" > ' + path])\n"
    )), call("bash", command="echo 'from intervals import forge' >> intervals/__init__.py")],
    "lock a forged report so pytest cannot write it": [call("editor", command="create", path="intervals/lock.py", file_text=(
        "import glob, os\n"
        "for folder in glob.glob('/sandbox/.report-*'):\n"
        "    with open(os.path.join(folder, 'report.xml'), 'w') as out:\n"
        "        out.write('<testsuites>' + ''.join('<testcase classname=\"%s\" name=\"%s\"/>' % n for n in NAMES) + '</testsuites>')\n"
        "    os.chmod(os.path.join(folder, 'report.xml'), 0o444)\n"
        "    os.chmod(folder, 0o555)\n"
    ).replace("NAMES", repr([junit_address(n) for n in collected_ids()]))), call("bash", command="echo 'from intervals import lock' >> intervals/__init__.py")],
}


@pytest.mark.parametrize("cheat", list(CHEATS))
def test_cheats_score_zero(env, cheat):
    verdict = play(env, *CHEATS[cheat])
    assert verdict.reward == 0.0, verdict


def test_a_locked_forged_report_is_caught_by_the_exit_status(env):
    verdict = play(env, *CHEATS["lock a forged report so pytest cannot write it"])
    assert "pytest ended with" in verdict.reason, verdict


def test_cheats_on_top_of_a_real_fix_do_not_break_it(env):
    """Dropped test edits are dropped, not punished: the real fix still scores."""
    verdict = play(env, fix_turn(), *CHEATS["edit the failing tests"], *CHEATS["conftest that exits 0"])
    assert verdict.reward == 1.0, verdict


# ---- pieces -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path, existed, protected",
    [("tests/test_a.py", True, True), ("pkg/tests/helper.py", True, True), ("test_x.py", False, True), ("pkg/core_test.py", True, True),
     ("conftest.py", False, True), ("pkg/conftest.py", True, True), ("pyproject.toml", True, True), ("pkg/x.pth", False, True),
     ("sitecustomize.py", False, True), ("json.py", False, True), ("pytest/__init__.py", False, True), ("src/pluggy.py", False, True),
     ("pkg/core.py", True, False), ("pkg/json.py", False, False), ("newmod.py", False, False), ("README.md", True, False)],
)
def test_which_paths_grading_ignores(path, existed, protected):
    assert (protected_reason(path, existed) is not None) is protected


def test_junit_addresses_follow_pytest():
    assert junit_address("tests/test_a.py::test_b") == ("tests.test_a", "test_b")
    assert junit_address("tests/test_a.py::TestC::test_d[x::y/z]") == ("tests.test_a.TestC", "test_d[x::y/z]")


def test_reports_count_missing_skipped_and_duplicated_tests_as_failures():
    xml = b"""<testsuites><testsuite>
      <testcase classname="t" name="ok"/><testcase classname="t" name="skip"><skipped message="no"/></testcase>
      <testcase classname="t" name="dup"/><testcase classname="t" name="dup"/>
      <testcase classname="t" name="bad"><failure message="assert 1 == 2"/></testcase></testsuite></testsuites>"""
    outcomes = parse_junit(xml, ["t.py::ok", "t.py::skip", "t.py::dup", "t.py::bad", "t.py::gone"])
    assert {n: o.status for n, o in outcomes.items()} == {"t.py::ok": "passed", "t.py::skip": "skipped", "t.py::dup": "error",
                                                          "t.py::bad": "failed", "t.py::gone": "missing"}
    assert outcomes["t.py::bad"].message == "assert 1 == 2"
    assert all(o.status == "error" for o in parse_junit(b"<not xml", ["a.py::b"]).values())


def test_mutations_change_one_site_and_keep_the_rest():
    source = "def f(a, b):\n    if a < b and b > 0:\n        return a + 1\n    x = 2\n    return b\n"
    sites = list_sites(source)
    assert {s.operator for s in sites} >= {"swap_comparison", "swap_boolean", "change_constant", "off_by_one", "invert_condition", "remove_statement"}
    for site in sites:
        mutated = apply_site(source, site)
        changed = [(a, b) for a, b in zip(source.splitlines(), mutated.splitlines()) if a != b]
        assert len(changed) <= 1 or site.operator == "remove_statement"
        compile(mutated, "m", "exec")
    assert "if not (a < b and b > 0):" in apply_site(source, next(s for s in sites if s.operator == "invert_condition"))
    assert list_sites("X = 1 + 2\n") == []  # only code inside functions


@pytest.mark.parametrize("line, operator, mutated", [
    ("return a is None", "swap_identity", "return a is not None"),
    ("return max(xs) if xs else 0", "swap_builtin", "return min(xs) if xs else 0"),
    ("return any(x > 0 for x in xs)", "swap_builtin", "return all(x > 0 for x in xs)"),
    ("return a.startswith('y')", "swap_method", "return a.endswith('y')"),
    ("return a.lower()", "swap_method", "return a.upper()"),
    ("a *= 2", "swap_augmented", "a /= 2"),
    ("return not a", "drop_unary", "return a"),
    ("return -a", "drop_unary", "return a"),
])
def test_each_new_operator_rewrites_exactly_its_site(line, operator, mutated):
    source = f"def f(a, xs):\n    b = 1\n    {line}\n    return b\n"
    (site,) = [s for s in list_sites(source) if s.operator == operator]
    assert apply_site(source, site) == source.replace(line, mutated)


def test_loop_control_and_if_else_swaps():
    source = "def f(xs):\n    for x in xs:\n        if x:\n            break\n        else:\n            continue\n    return 0\n"
    sites = list_sites(source)
    swapped = [apply_site(source, s) for s in sites if s.operator == "swap_loop_control"]
    assert swapped == [source.replace("break", "continue", 1), source.replace("continue", "break", 1)]
    (if_else,) = [s for s in sites if s.operator == "swap_if_else"]
    assert apply_site(source, if_else) == "def f(xs):\n    for x in xs:\n        if x:\n            continue\n        else:\n            break\n    return 0\n"
    assert not [s for s in list_sites("def g(a):\n    if not a:\n        return 1\n    return 2\n") if s.operator == "invert_condition"]


# ---- the shipped tasks -------------------------------------------------------------------------------
def test_shipped_tasks_cover_every_builtin_library():
    instances = read_instances(BUILTIN_TASKS)
    repos = {i.repo for i in instances}
    assert repos == {"builtin:datelib", "builtin:intervals", "builtin:templite", "builtin:unitconv"}
    assert len(instances) >= 100 and len({i.instance_id for i in instances}) == len(instances)
    for instance in instances:
        assert instance.FAIL_TO_PASS and instance.PASS_TO_PASS and instance.setup_patch and instance.patch
        assert len(instance.FAIL_TO_PASS) < 0.3 * len(instance.tests)


@pytest.mark.slow
def test_a_sample_of_shipped_tasks_still_reproduces():
    """On the starting tree FAIL_TO_PASS fail and PASS_TO_PASS pass; with the reference patch all pass."""
    backend, store = BwrapBackend(), TreeStore()
    for instance in random.Random(0).sample(read_instances(BUILTIN_TASKS), 2):
        start = store.start_tree(instance)
        run = run_tests(backend, start, instance.tests)
        assert not any(run.passed(n) for n in instance.FAIL_TO_PASS), instance.instance_id
        assert all(run.passed(n) for n in instance.PASS_TO_PASS), instance.instance_id
        fixed = store.clean_tree(instance)
        assert all(run_tests(backend, fixed, instance.tests).passed(n) for n in instance.tests), instance.instance_id


def test_the_default_env_uses_the_shipped_tasks():
    env = gym.make("rlvr/SWE-v0")
    obs, info = env.reset(seed=3)
    assert info["task_id"] in {i.instance_id for i in read_instances(BUILTIN_TASKS)}
    env.close()


@pytest.mark.slow
def test_synthesize_cli_on_a_local_git_repository(tmp_path):
    repo = tmp_path / "mini"
    (repo / "mini").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "conftest.py").write_text("")
    (repo / "mini" / "__init__.py").write_text("def clamp(x, lo, hi):\n    if x < lo:\n        return lo\n    if x > hi:\n        return hi\n    return x\n\n\ndef double(x):\n    return x * 2\n\n\n"
                                               "def is_even(x):\n    return x % 2 == 0\n\n\ndef last(xs):\n    return xs[len(xs) - 1]\n")
    tests = "".join(f"def test_clamp_{i}():\n    from mini import clamp\n    assert clamp({v}, 0, 10) == {min(max(v, 0), 10)}\n\n" for i, v in enumerate([-5, 0, 5, 10, 15]))
    tests += "".join(f"def test_double_{i}():\n    from mini import double\n    assert double({i}) == {2 * i}\n\n" for i in range(1, 5))
    tests += "".join(f"def test_is_even_{i}():\n    from mini import is_even\n    assert is_even({i}) is {i % 2 == 0}\n\n" for i in range(5))
    tests += "".join(f"def test_last_{i}():\n    from mini import last\n    assert last(list(range({i + 1}))) == {i}\n\n" for i in range(5))
    (repo / "tests" / "test_mini.py").write_text(tests)
    for command in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "init"]):
        subprocess.run(command, cwd=repo, check=True)
    out = tmp_path / "tasks.jsonl"
    assert main(["swe", "synthesize", "--repo", str(repo), "--out", str(out), "--max-candidates", "40", "--workers", "1"]) == 0
    instances = read_instances(out)
    assert instances and all(i.repo == str(repo.resolve()) and len(i.base_commit) == 40 for i in instances)
    report = evaluate("rlvr/SWE-v0", "oracle", episodes=len(instances), k=1, seed=0, env_kwargs={"dataset": str(out)})
    assert report.pass_at_k[1] == 1.0
