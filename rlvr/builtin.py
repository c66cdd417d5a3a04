"""The environments, tools and call formats that ship with rlvr, registered on ``import rlvr``.

Entry points are strings, so nothing here imports a domain until it is used.
"""

from rlvr.registry import register, register_call_format, register_tool

register_call_format("hermes", "rlvr.tools.formats:HermesFormat")
register_call_format("openai", "rlvr.tools.formats:OpenAIFormat")
register_call_format("tags", "rlvr.tools.formats:TagFormat")

register_tool("python", "rlvr.tools.python:PythonTool")
register_tool("python_repl", "rlvr.tools.python:PythonREPL")

register(
    "rlvr/Math-v0",
    "rlvr.envs.math:MathEnv",
    domain="math",
    description="Arithmetic, fractions, equations, percentages, units, GCD/LCM, remainders (procedural) or GSM8K/MATH files; exact final-value grading",
    tools=("python", "python_repl"),
)
register(
    "rlvr/Countdown-v0",
    "rlvr.envs.countdown:CountdownEnv",
    domain="math",
    description="Reach the target with +-*/ over the given numbers, each used at most once; exact rational check",
    tools=("python", "python_repl"),
)
register(
    "rlvr/SQL-v0",
    "rlvr.envs.sql:SQLEnv",
    domain="sql",
    description="Text-to-SQL on SQLite (generated databases, Spider, BIRD); read-only sql tool; execution match on the database and perturbed copies",
    tools=("sql",),
)
register(
    "rlvr/Search-v0",
    "rlvr.envs.search:SearchEnv",
    domain="search",
    description="Multi-hop QA (1-4 hops) over a generated knowledge base or a user's JSONL corpus; bm25s search/open tools; exact match after normalisation",
    tools=("search", "open"),
)
register(
    "rlvr/Web-v0",
    "rlvr.envs.web:WebEnv",
    domain="web",
    description="Buy what a goal asks for in a local shop served over HTTP on loopback; browse, click, fill forms; reward from the order the server holds",
    tools=("open_page", "click", "fill_and_submit"),
)

# Language-conditioned manipulation (rlvr.envs.robotics.tasks.TASKS holds the same names and the instructions).
VLA_TASKS = (
    "Reach", "Push", "PickPlace", "DrawerOpen", "DrawerClose", "ButtonPress", "ButtonPressFront",
    "WindowOpen", "WindowClose", "DoorOpen", "FaucetOpen", "HandlePress", "PlateSlide", "CoffeeButton",
)
for _task in VLA_TASKS:
    register(
        f"rlvr/VLA-{_task}-v0",
        "rlvr.envs.robotics:MetaWorldVLAEnv",
        domain="robotics",
        kind="vla",
        description=f"MetaWorld {_task}: camera image + proprioception + instruction -> end-effector deltas and gripper; reward 1 on success",
        task=_task,
    )
register(
    "rlvr/VLA-MultiTask-v0",
    "rlvr.envs.robotics:MetaWorldVLAEnv",
    domain="robotics",
    kind="vla",
    description=f"All {len(VLA_TASKS)} MetaWorld VLA tasks, one drawn per episode; reward 1 on success",
)
register(
    "rlvr/SWE-v0",
    "rlvr.envs.swe:SWEEnv",
    domain="swe",
    description="Repair Python libraries until their tests pass (tasks synthesised by libcst mutation, or SWE-bench-format files); bash/editor/submit tools in bwrap or Docker; graded on a clean copy, test edits dropped",
    tools=("bash", "editor", "submit"),
)

# Continuous control: Gymnasium MuJoCo v5 tasks (rlvr.envs.control.tasks.TASKS holds the same names,
# the success thresholds and D4RL's reference scores).
CONTROL_TASKS = (
    ("HalfCheetah", 4800), ("Hopper", 3800), ("Walker2d", 4000), ("Ant", 6000),
    ("InvertedPendulum", 950), ("InvertedDoublePendulum", 9100), ("Swimmer", 360),
)
for _task, _threshold in CONTROL_TASKS:
    register(
        f"rlvr/{_task}-v0",
        "rlvr.envs.control:MujocoControlEnv",
        domain="control",
        kind="control",
        max_episode_steps=1000,
        description=f"Gymnasium MuJoCo {_task}-v5 (same reward); info['success'] once the episode return reaches {_threshold}",
        task=_task,
    )
