"""Tabular learners: Q-learning over discretized observations (numpy only).

``QLearning.for_env(env)`` builds an agent for a discrete-action Gymnasium env (for
``twin/SmartHome-v0`` with ``discrete=True`` it uses ``smart_home_discretizer()``, for a
one-intersection ``twin/TrafficGrid-v0`` ``signal_discretizer()``);
``IndependentQLearning`` runs one per agent of a PettingZoo parallel env.
"""

from agents.tabular.discretize import (
    DEFAULT_MAX_TABLE_ENTRIES, DiscreteStates, Discretizer, TableTooLarge, TileCoding, UniformBins,
    discretizer_from_config, signal_discretizer, smart_home_discretizer,
)
from agents.tabular.qlearning import (
    GreedyQPolicy, IndependentQLearning, QLearning, QLearningConfig, UnsupportedSpace, default_discretizer,
)

__all__ = ["QLearning", "QLearningConfig", "IndependentQLearning", "GreedyQPolicy", "UnsupportedSpace",
           "default_discretizer", "Discretizer", "UniformBins", "TileCoding", "DiscreteStates", "TableTooLarge",
           "discretizer_from_config", "smart_home_discretizer", "signal_discretizer", "DEFAULT_MAX_TABLE_ENTRIES"]
