"""What a task says about its world, the one interface of both env templates.

:class:`envs.single.WorldEnv` (one world) and :class:`envs.vector.ReplicaVectorEnv` (one world
of K replicas) drive worlds alike and leave four things to the task, written once per task in a
mixin that its single and vector env share. Arrays are per replica (one row per replica world).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from twin.engine import World


class WorldHooks:
    """The hooks an env template calls; a task's mixin overrides all four."""

    world: World | None

    def _start(self) -> None:
        """Bind the task to the freshly built ``self.world``."""
        raise NotImplementedError

    def _observe(self) -> np.ndarray:
        """The observation per replica, as of now."""
        raise NotImplementedError

    def _check_and_apply(self, actions: Any) -> None:
        """Refuse a bad action (``envs.actions.InvalidAction``, naming what is allowed) or apply it."""
        raise NotImplementedError

    def _outcome(self, episode_end: bool) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """After a step: the observation, the reward and the reward terms (each per replica) of the
        last interval (``episode_end``: it reached the horizon), from the task's one call for them,
        so observing and rewarding cannot happen in the wrong order."""
        raise NotImplementedError


__all__ = ["WorldHooks"]
