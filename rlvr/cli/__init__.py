"""The ``rlvr`` command line: one module per subcommand, each with ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> exit status`` (or sub-commands that set ``run``).

Bad input (an unknown id, a bad flag, an unusable argument) exits with status 2 and one line
saying what to do instead.
"""

from __future__ import annotations

import os
import sys
from typing import Sequence

from rlvr.cli import collect, demo, listing, model, play, swe, train
from rlvr.cli import eval as eval_command
from rlvr.cli.common import Parser, UsageError

COMMANDS = (listing, play, eval_command, train, collect, demo, model, swe)


def build_parser() -> Parser:
    """The ``rlvr`` parser with every subcommand."""
    from rlvr import __version__

    parser = Parser(prog="rlvr", description="Gymnasium environments with verifiable rewards and tool calls.")
    parser.add_argument("--version", action="version", version=f"rlvr {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in COMMANDS:
        sub = commands.add_parser(command.NAME, help=command.HELP, description=command.HELP[0].upper() + command.HELP[1:] + ".")
        command.add_arguments(sub)
        if hasattr(command, "run"):  # commands with sub-commands (train) set ``run`` per sub-command
            sub.set_defaults(run=command.run, command_parser=sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``rlvr`` with ``argv`` (default: the process arguments); the exit status."""
    from rlvr.registry import UnknownNameError

    args, extras = build_parser().parse_known_args(argv)
    if extras:
        args.command_parser.error(f"unrecognized arguments: {' '.join(extras)}")
    try:
        return args.run(args)
    except (UsageError, UnknownNameError) as exc:
        print(f"{args.command_parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `rlvr list | head -1`: the reader went away, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
