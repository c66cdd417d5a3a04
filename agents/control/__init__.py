"""Control policies: a Gaussian MLP actor-critic (PPO), a tanh-Gaussian actor and a critic
ensemble (offline-to-online RL), and running observation/reward normalisation."""

from rlvr.agents.control.gaussian import ActorCriticConfig, GaussianActorCritic, NumpyActorCritic
from rlvr.agents.control.sac import CriticEnsemble, TanhGaussianActor, ValueNetwork
from rlvr.agents.control.normalization import ObservationNormalizer, RewardNormalizer, RunningMeanStd

__all__ = ["CriticEnsemble", "TanhGaussianActor", "ValueNetwork", "ActorCriticConfig", "GaussianActorCritic", "NumpyActorCritic", "ObservationNormalizer", "RewardNormalizer", "RunningMeanStd"]
