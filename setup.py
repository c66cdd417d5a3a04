"""Maps the top-level folders onto ``rlvr.*`` sub-packages (see DESIGN.md, "Layout").

Everything else about the distribution lives in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup

PACKAGE_ROOTS = {
    "rlvr": "rlvr",
    "rlvr.envs": "envs",
    "rlvr.tools": "tools",
    "rlvr.agents": "agents",
    "rlvr.trainers": "trainers",
}
# Folders shipped as data, not as packages: the small libraries SWE-v0 tasks are made from
# (each with its own tests and pytest.ini), copied into sandboxes at run time.
DATA_TREES = {"rlvr.envs.swe": "envs/swe/repos"}


def find_packages() -> list[str]:
    here = Path(__file__).parent
    found = []
    for name, folder in PACKAGE_ROOTS.items():
        for init in sorted((here / folder).rglob("__init__.py")):
            relative = init.parent.relative_to(here / folder)
            if "__pycache__" in relative.parts or any(init.is_relative_to(here / tree) for tree in DATA_TREES.values()):
                continue
            found.append(".".join([name, *relative.parts]) if relative.parts else name)
    return found


if __name__ == "__main__":  # setuptools runs this file as __main__; tests import find_packages
    setup(
        packages=find_packages(),
        package_dir=PACKAGE_ROOTS,
        package_data={"": ["*.json", "*.jsonl", "*.txt", "*.sql"], **{name: ["repos/**/*"] for name in DATA_TREES}},
    )
