"""The file editor's worker, run inside the sandbox: reads one JSON request on stdin, prints the result.

Kept to the standard library and run with ``python -I -S`` so it starts fast in any image.
Paths are relative to the repository (the working directory) or absolute inside the sandbox.
"""

import json
import os
import sys

MAX_VIEW_LINES = 400
SNIPPET = 4


def numbered(lines, first):
    return "\n".join(f"{number:6d}\t{line}" for number, line in enumerate(lines, first))


def snippet(text, line):
    lines = text.split("\n")
    start = max(0, line - SNIPPET)
    return numbered(lines[start : line + SNIPPET + 1], start + 1)


def read(path):
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        return f.read()


def write(path, text):
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)


def view(path, view_range):
    if os.path.isdir(path):
        entries = []
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
            depth = root[len(path):].count(os.sep)
            if depth >= 2:
                dirs[:] = []
            entries += [os.path.join(root, name) for name in sorted(files) if not name.startswith(".")]
        return f"Files in {path} (two levels):\n" + "\n".join(os.path.relpath(e, path) for e in entries[:500])
    lines = read(path).split("\n")
    first, last = 1, len(lines)
    if view_range:
        first, last = view_range[0], view_range[1] if view_range[1] != -1 else len(lines)
        if not (1 <= first <= len(lines)) or last < first:
            raise ValueError(f"view_range {view_range} is outside the file's {len(lines)} lines")
    shown = lines[first - 1 : last]
    more = ""
    if len(shown) > MAX_VIEW_LINES:
        shown = shown[:MAX_VIEW_LINES]
        more = f"\n[... {last - first + 1 - MAX_VIEW_LINES} more lines; pass view_range to see them]"
    return numbered(shown, first) + more


def main():
    request = json.loads(sys.stdin.read())
    command, path = request["command"], request["path"]
    if command == "view":
        return view(path, request.get("view_range"))
    if command == "create":
        if os.path.isdir(path):
            raise ValueError(f"{path} is a directory")
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        existed = os.path.exists(path)
        write(path, request["file_text"])
        return f"{'Overwrote' if existed else 'Created'} {path}."
    text = read(path)
    if command == "str_replace":
        old, new = request["old_str"], request.get("new_str") or ""
        count = text.count(old)
        if count != 1:
            raise ValueError(f"old_str occurs {count} times in {path}; it must occur exactly once (add surrounding lines to make it unique)")
        line = text[: text.index(old)].count("\n")
        text = text.replace(old, new)
        write(path, text)
        return f"Edited {path}. The lines around the change:\n" + snippet(text, line)
    if command == "insert":
        lines = text.split("\n")
        at = request["insert_line"]
        if not 0 <= at <= len(lines):
            raise ValueError(f"insert_line must be between 0 and {len(lines)}")
        lines[at:at] = request["new_str"].split("\n")
        text = "\n".join(lines)
        write(path, text)
        return f"Inserted after line {at} of {path}:\n" + snippet(text, at)
    raise ValueError(f"unknown command {command!r}")


if __name__ == "__main__":
    try:
        print(main())
    except (OSError, ValueError, KeyError, UnicodeError) as exc:
        print(f"Error: {exc}")
