"""Offline-to-online RL on Minari datasets: IQL, Cal-QL, RLPD, WSRL on one SAC-style core."""

from rlvr.trainers.offline_to_online.data import DatasetError, ReplayBuffer, returns_to_go
from rlvr.trainers.offline_to_online.trainer import ALGORITHMS, ConfigError, O2OConfig, O2OTrainer

__all__ = ["ALGORITHMS", "ConfigError", "DatasetError", "O2OConfig", "O2OTrainer", "ReplayBuffer", "returns_to_go"]
