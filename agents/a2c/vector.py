"""Vector environments for the actor-critic: a factory per env id, and the autoreset mode in use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gymnasium.vector import AutoresetMode, VectorEnv

from agents.tasks import Task

MakeVecEnv = Callable[[int], VectorEnv]


def vector_env_factory(env_id: str, **env_kwargs: Any) -> MakeVecEnv:
    """``make(num_envs)`` for ``env_id``: its native vector env where it has one (twin's
    ``vector_entry_point``), else a ``SyncVectorEnv`` of single envs; ``env_kwargs`` go to the env."""
    return Task(env_id, env_kwargs).make_vec


def autoreset_mode(envs: VectorEnv) -> AutoresetMode:
    """The env's autoreset mode (next-step when it does not say); ValueError for disabled autoreset."""
    mode = AutoresetMode(envs.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP))
    if mode not in (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP):
        raise ValueError(f"A2C needs a vector env that resets finished worlds itself (autoreset_mode NEXT_STEP "
                         f"or SAME_STEP); got {mode}")
    return mode


__all__ = ["MakeVecEnv", "vector_env_factory", "autoreset_mode"]
