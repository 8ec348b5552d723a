"""The one interface every controller, learner and loaded model acts through.

A policy maps one observation of a single (non-vector) environment to one action of that
environment's action space. Rule-based baselines, trained tabular tables, our actor-critic and
stable-baselines3 models all satisfy it, so ``agents.evaluate`` compares them on equal terms.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Policy(Protocol):
    """Acts in one environment, one step at a time."""

    name: str

    def reset(self, seed: int | None = None) -> None:
        """Forget any episode memory (a phase timer, a recurrent state) before a new episode."""

    def act(self, obs: np.ndarray) -> Any:
        """The action for observation ``obs`` (an element of the env's action space)."""


class RandomPolicy:
    """Uniform random actions from the env's action space, seeded by ``reset(seed)``; the floor every
    learner must clear."""

    name = "random"

    def __init__(self, action_space):
        self.action_space = action_space

    def reset(self, seed: int | None = None) -> None:
        """Reseed the action space's Generator (``seed=None`` keeps the current stream)."""
        if seed is not None:
            self.action_space.seed(seed)

    def act(self, obs: np.ndarray) -> Any:
        """A uniform sample of the action space; ``obs`` is ignored."""
        return self.action_space.sample()
