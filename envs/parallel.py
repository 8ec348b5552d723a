"""What the PettingZoo parallel environments share: fixed space objects per agent, seeding, state()."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.utils import seeding
from pettingzoo import ParallelEnv

from envs.episodes import check_seed


class AgentSpaces(ParallelEnv):
    """Spaces per agent that are the same objects every call (PettingZoo seeds them through that)."""

    def _init_agents(self, agents: list[str], obs: dict[str, spaces.Space], act: dict[str, spaces.Space],
                     state: spaces.Box) -> None:
        self.possible_agents, self.agents = agents, []
        self._obs_spaces, self._act_spaces, self.state_space = obs, act, state
        self.render_mode, self.np_random = None, None
        self._state = np.zeros(state.shape, dtype=np.float32)

    def observation_space(self, agent: str) -> spaces.Space:
        """The same space object every call."""
        return self._obs_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        """The same space object every call."""
        return self._act_spaces[agent]

    def state(self) -> np.ndarray:
        """Every agent's observation, flattened agent by agent (for centralized critics)."""
        return self._state

    def _seed(self, seed: int | None, env_id: str) -> np.random.Generator:
        """The env's Generator, reseeded when ``seed`` is given (as ``gymnasium.Env.reset``)."""
        seed = check_seed(seed, env_id)
        if seed is not None or self.np_random is None:
            self.np_random, _ = seeding.np_random(seed)
        return self.np_random

    def _split(self, rows: np.ndarray) -> dict[str, Any]:
        """Per-agent rows of ``rows`` as observations; keeps the flattened copy for state()."""
        self._state = rows.ravel()
        return {a: rows[i] for i, a in enumerate(self.possible_agents)}
