"""Names → things: environment ids, tool names and tool-call formats.

Environments are registered with Gymnasium (so ``gym.make`` works) and described here (so
``rlvr list`` can show them without importing every domain). Tools and call formats are looked up
by name through entry-point strings ``"module:attribute"``, imported only when first used — the
same indirection Gymnasium uses for environments, which keeps the contract free of imports from
the packages that build on it.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from typing import Any, Callable

import gymnasium as gym


@dataclass(frozen=True)
class EnvEntry:
    """What ``rlvr list`` shows about a registered environment."""

    id: str
    domain: str
    description: str
    tools: tuple[str, ...]
    kind: str = "text"


class UnknownNameError(KeyError):
    """A name that is not registered; the message lists the closest registered names."""

    def __str__(self) -> str:
        return str(self.args[0])


_ENVS: dict[str, EnvEntry] = {}
_TOOLS: dict[str, str | Callable[..., Any]] = {}
_CALL_FORMATS: dict[str, str | Callable[..., Any]] = {}


def register(
    id: str,
    entry_point: str | Callable[..., gym.Env],
    *,
    domain: str = "custom",
    description: str | None = None,
    tools: tuple[str, ...] = (),
    kind: str = "text",
    max_episode_steps: int | None = None,
    **kwargs: Any,
) -> None:
    """Register an environment with Gymnasium and with ``rlvr list``.

    ``entry_point`` is a class (or factory) or a ``"module:Class"`` string imported on first
    ``gym.make``. ``tools`` names the tools the environment can offer. ``kind`` says which
    contract the environment follows: ``"text"`` (messages in, text out; :class:`rlvr.TextEnv`),
    ``"control"`` (vector observations, continuous actions) or ``"vla"`` (camera image +
    instruction, continuous actions). ``max_episode_steps`` adds Gymnasium's ``TimeLimit``. Extra
    keyword arguments become the default constructor arguments.
    """
    if description is None:
        doc = getattr(entry_point, "__doc__", None) or ""
        description = doc.strip().splitlines()[0] if doc.strip() else ""
    gym.register(id=id, entry_point=entry_point, max_episode_steps=max_episode_steps, kwargs=kwargs or {})
    _ENVS[id] = EnvEntry(id=id, domain=domain, description=description, tools=tuple(tools), kind=kind)


def registered_envs(kind: str | None = None) -> list[EnvEntry]:
    """Every environment registered through :func:`register` (and still in Gymnasium's registry),
    sorted by domain then id; only those of one ``kind`` ("text", "control", "vla") when given."""
    entries = (e for e in _ENVS.values() if e.id in gym.registry and kind in (None, e.kind))
    return sorted(entries, key=lambda e: (e.domain, e.id))


def suggest(name: str, choices: list[str], n: int = 3) -> list[str]:
    """The registered names closest to ``name``."""
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.5)
    return [lowered[c] for c in close]


def unknown(kind: str, name: str, choices: list[str], how_to_list: str) -> UnknownNameError:
    """An error for an unregistered name that proposes the closest ones."""
    close = suggest(name, choices)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    return UnknownNameError(f"unknown {kind} {name!r}; {hint}({how_to_list})")


def make(id: str, **kwargs: Any) -> gym.Env:
    """``gym.make`` with an error that names the closest ids when ``id`` is not registered.

    ``"module:id"`` imports ``module`` first (Gymnasium's convention for user environments).
    """
    module, sep, env_id = id.partition(":")
    if not sep:
        module, env_id = "", id
    if module:
        importlib.import_module(module)
    if env_id not in gym.registry:
        raise unknown("env", env_id, list(gym.registry), "rlvr list shows all")
    return gym.make(env_id, **kwargs)


def register_tool(name: str, entry_point: str | Callable[..., Any]) -> None:
    """Make ``tools=[name]`` work: ``entry_point`` builds a fresh tool instance per environment."""
    _TOOLS[name] = entry_point


def register_call_format(name: str, entry_point: str | Callable[..., Any]) -> None:
    """Make ``call_format=name`` work: ``entry_point`` builds the format's parser."""
    _CALL_FORMATS[name] = entry_point


def tool_names() -> list[str]:
    return sorted(_TOOLS)


def call_format_names() -> list[str]:
    return sorted(_CALL_FORMATS)


def make_tool(name: str, **kwargs: Any) -> Any:
    """A new instance of the tool registered as ``name``."""
    if name not in _TOOLS:
        raise unknown("tool", name, list(_TOOLS), f"available: {', '.join(tool_names())}")
    return _load(_TOOLS[name])(**kwargs)


def make_call_format(name: str, **kwargs: Any) -> Any:
    """A new instance of the call format registered as ``name``."""
    if name not in _CALL_FORMATS:
        raise unknown("call format", name, list(_CALL_FORMATS), f"available: {', '.join(call_format_names())}")
    return _load(_CALL_FORMATS[name])(**kwargs)


def _load(entry_point: str | Callable[..., Any]) -> Callable[..., Any]:
    if callable(entry_point):
        return entry_point
    module, _, attribute = entry_point.partition(":")
    return getattr(importlib.import_module(module), attribute)
