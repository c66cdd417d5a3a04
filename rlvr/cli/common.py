"""What the subcommands share: the argument parser, environment flags, errors and consoles.

Heavy imports (rich, the agents) stay inside functions so that ``rlvr --help`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import gymnasium as gym
    from rich.console import Console

    from rlvr.env import TextEnv


class UsageError(Exception):
    """Bad input on the command line: ``rlvr`` prints the message and exits with status 2."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors end by pointing at ``--help``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}; '{self.prog} --help' lists what to pass\n")


def difficulty(text: str) -> float:
    """``--difficulty``: a float in [0, 1]."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"difficulty must be a number in [0, 1], got {text!r}")
    return value


def positive_int(text: str) -> int:
    """A whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def seed(text: str) -> int:
    """A non-negative integer seed."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"a seed is a non-negative integer, got {text!r}")
    return int(text)


def tool_list(text: str) -> list[str]:
    """``--tools python,python_repl``: comma-separated tool names."""
    return [name.strip() for name in text.split(",") if name.strip()]


def env_arg(text: str) -> tuple[str, Any]:
    """``--env-arg KEY=VALUE``: VALUE is read as JSON when it parses (numbers, lists, true), else as text."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip().isidentifier():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE (e.g. max_turns=4), got {text!r}")
    try:
        return key.strip(), json.loads(value)
    except json.JSONDecodeError:
        return key.strip(), value


def add_env_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that configure an environment, the same for every subcommand that makes one."""
    group = parser.add_argument_group("environment")
    group.add_argument("--tools", type=tool_list, metavar="NAME,...", help="tools to offer, e.g. python,python_repl")
    group.add_argument("--call-format", metavar="FORMAT", help="how tool calls are written: hermes, openai or tags")
    group.add_argument("--difficulty", type=difficulty, metavar="X", help="task difficulty in [0, 1] (default: drawn per task)")
    group.add_argument("--max-turns", type=positive_int, metavar="N", help="assistant turns per episode")
    group.add_argument("--env-arg", type=env_arg, action="append", default=[], metavar="KEY=VALUE", help="any other constructor argument (repeatable)")


def env_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Constructor arguments from the environment flags; flags left out keep the env's defaults."""
    kwargs = dict(args.env_arg)
    flags = {"tools": args.tools, "call_format": args.call_format, "difficulty": args.difficulty, "max_turns": args.max_turns}
    kwargs.update({name: value for name, value in flags.items() if value is not None})
    return kwargs


def resolve_env(spec: str) -> str:
    """The registered id named by ``ENV`` or ``MODULE:ENV`` (Gymnasium's convention: the module
    is imported first, so that it registers its environments)."""
    import gymnasium as gym

    from rlvr import registry

    module, sep, env_id = spec.partition(":")
    if not sep:
        module, env_id = "", spec
    if module:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            raise UsageError(f"cannot import {module!r} (from {spec!r}): {exc}; put its folder on PYTHONPATH or install it") from None
    if env_id not in gym.registry:
        raise registry.unknown("env", env_id, list(gym.registry), "rlvr list shows all")
    return env_id


def make_env(env_id: str, kwargs: dict[str, Any]) -> gym.Env:
    """``rlvr.make(env_id, **kwargs)``, with bad constructor arguments reported as a usage error."""
    from rlvr import registry

    try:
        return registry.make(env_id, **kwargs)
    except (TypeError, ValueError) as exc:
        shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) or "no arguments"
        raise UsageError(f"cannot make {env_id} with {shown}: {exc}") from None
    except ImportError as exc:
        raise UsageError(f"cannot make {env_id}: {exc}") from None


def require_text_env(env: gym.Env, command: str) -> TextEnv:
    """The text environment under ``env``'s wrappers; a usage error when it is another kind."""
    from rlvr.agents.base import text_env

    try:
        return text_env(env, command)
    except TypeError as exc:
        env.close()
        raise UsageError(str(exc)) from None


def console(stderr: bool = False) -> Console:
    """A rich console for tables and messages (plain text when not a terminal)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def add_logging_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--wandb PROJECT`` and ``--no-tensorboard``, which every trainer takes."""
    parser.add_argument("--wandb", metavar="PROJECT", help="also log to Weights & Biases")
    parser.add_argument("--no-tensorboard", action="store_true", help="do not write tensorboard/ event files")


def add_run_folder_arguments(parser: argparse.ArgumentParser, default: str) -> None:
    """``--out DIR`` and ``--resume``, which every trainer takes. A ``default`` with ``<...>`` in it
    (``runs/ppo-<env>``) is a pattern the command fills in, so ``--out`` then defaults to None."""
    parser.add_argument("--out", default=None if "<" in default else default, metavar="DIR", help=f"run folder: checkpoints, latest, metrics.jsonl, tensorboard/ (default: {default})")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its newest checkpoint")


def add_reproducibility_arguments(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, checkpoint_every: int, unit: str, *, zero_turns_off: bool = False, threads_help: str = ""
) -> None:
    """``--checkpoint-every N`` (in ``unit``; 0 allowed when ``zero_turns_off``), ``--seed``,
    ``--threads`` and the logging flags, which every trainer takes."""
    off = "; 0: only at the end" if zero_turns_off else ""
    parser.add_argument("--checkpoint-every", type=int if zero_turns_off else positive_int, default=checkpoint_every, metavar="N", help=f"{unit} between checkpoints{off} (default: {checkpoint_every})")
    parser.add_argument("--seed", type=seed, default=0, metavar="N", help="the same seed reproduces the run (default: 0)")
    parser.add_argument("--threads", type=positive_int, default=1, metavar="N", help=f"torch threads{threads_help} (default: 1)")
    add_logging_arguments(parser)


def default_run_dir(algorithm: str, env_id: str) -> str:
    """``runs/<algorithm>-<env name>``, e.g. ``runs/grpo-countdown`` for ``rlvr/Countdown-v0``."""
    name = re.sub(r"-v\d+$", "", env_id.rpartition("/")[2]).lower()
    return f"runs/{algorithm}-{re.sub(r'[^a-z0-9]+', '-', name).strip('-')}"
