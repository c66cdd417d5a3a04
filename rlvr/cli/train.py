"""``rlvr train ALGORITHM``: one module per algorithm (``train_grpo``, ...), each with
``add_parser(algorithms)`` that adds its sub-command and sets ``run``."""

from __future__ import annotations

import argparse

from rlvr.cli import train_bc, train_grpo, train_o2o, train_ppo, train_vla_grpo

NAME = "train"
HELP = "train a policy on an environment with one of the algorithms below"
ALGORITHMS = (train_grpo, train_bc, train_vla_grpo, train_ppo, train_o2o)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    algorithms = parser.add_subparsers(title="algorithms", metavar="ALGORITHM", required=True)
    for algorithm in ALGORITHMS:
        algorithm.add_parser(algorithms)
