"""The tools of an SWE episode: ``bash``, the file ``editor`` and ``submit``; all act in the episode's sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rlvr.env import truncate_middle
from rlvr.envs.swe.workspace import Workspace
from rlvr.tools.base import Tool

EDITOR_SOURCE = Path(__file__).with_name("_editor.py").read_text(encoding="utf-8")


class BashTool(Tool):
    """``bash``: runs a shell command in the repository (a fresh shell per call) and returns its output."""

    name = "bash"
    parameters = {
        "type": "object",
        "properties": {"command": {"type": "string", "description": "the shell command, run with bash -c in the repository"}},
        "required": ["command"],
        "additionalProperties": False,
    }

    def __init__(self, workspace: Workspace, timeout: float = 30.0, max_output: int = 10_000):
        self.workspace, self.timeout, self.max_output = workspace, timeout, max_output
        self.description = (
            "Run a bash command in the repository (the working directory, /sandbox/repo) and get its output; e.g. "
            f"`python -m pytest -q`, `grep -rn name .`. Each call is a new shell; there is no network; a call is stopped after {timeout:g} s."
        )

    def run(self, command: str) -> str:
        result = self.workspace.run(["bash", "-c", command], timeout=self.timeout)
        return truncate_middle(result.render(), self.max_output)


class EditorTool(Tool):
    """``editor``: view files and directories, create files, replace a unique string, insert lines."""

    name = "editor"
    description = (
        "View and edit files. command=view shows a file with line numbers (view_range [first, last]) or lists a directory; "
        "create writes file_text to path; str_replace replaces old_str, which must occur exactly once, by new_str; "
        "insert adds new_str after line insert_line (0 = top). Paths are relative to the repository or absolute."
    )
    parameters = {
        "type": "object",
        "properties": {
            "command": {"enum": ["view", "create", "str_replace", "insert"]},
            "path": {"type": "string", "maxLength": 4096},
            "file_text": {"type": "string"},
            "old_str": {"type": "string", "minLength": 1},
            "new_str": {"type": "string"},
            "insert_line": {"type": "integer", "minimum": 0},
            "view_range": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
        },
        "required": ["command", "path"],
        "additionalProperties": False,
    }
    _NEEDS = {"create": ("file_text",), "str_replace": ("old_str",), "insert": ("insert_line", "new_str")}

    def __init__(self, workspace: Workspace, timeout: float = 20.0):
        self.workspace, self.timeout = workspace, timeout

    def run(self, **arguments: Any) -> str:
        missing = [name for name in self._NEEDS.get(arguments["command"], ()) if name not in arguments]
        if missing:
            return f"Error: {arguments['command']} needs {', '.join(missing)}"
        python = self.workspace.backend.python
        result = self.workspace.run([python, "-I", "-S", "-c", EDITOR_SOURCE], stdin=json.dumps(arguments), timeout=self.timeout)
        return result.render()


class SubmitTool(Tool):
    """``submit``: ends the episode; the working copy as it is now is graded."""

    name = "submit"
    ends_episode = True
    description = "Submit your changes for grading and end the episode. The repository's current state is graded by its tests."
    parameters = {"type": "object", "properties": {}, "additionalProperties": False}

    def run(self) -> str:
        return "submitted"
