"""Our own advantage actor-critic (A2C) in torch, readable top to bottom.

``Config`` (hyperparameters), ``A2C`` (the learner on a Gymnasium vector env), ``A2CPolicy`` /
``load_policy`` (a trained policy as an ``agents.policy.Policy``), ``vector_env_factory`` (a
``make(num_envs)`` for an env id). Discrete, MultiDiscrete and Box actions; Box, Discrete and
MultiDiscrete observations.
"""

from agents.a2c.checkpoint import CheckpointError
from agents.a2c.config import Config, ConfigError
from agents.a2c.learner import A2C
from agents.a2c.policy import A2CPolicy, load_policy
from agents.a2c.spaces import UnsupportedSpace
from agents.a2c.vector import vector_env_factory

__all__ = ["Config", "ConfigError", "A2C", "A2CPolicy", "load_policy", "vector_env_factory", "CheckpointError",
           "UnsupportedSpace"]
