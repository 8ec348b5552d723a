"""PettingZoo ``neighborhood_v0``: one agent per home, ``parallel_env(**kwargs)`` as Neighborhood-v0."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv
from pettingzoo.utils.conversions import parallel_to_aec

from envs.actions import box_actions
from envs.episodes import world_seed
from envs.neighborhood import NeighborhoodCore
from envs.parallel import AgentSpaces
from envs.rendering import RENDER_MODES, WorldRendering
from twin.generators.homes import home_ids

ENV_ID = "neighborhood_v0"


class NeighborhoodParallelEnv(WorldRendering, AgentSpaces):
    """One agent per home; rewards per home; ``state()`` for centralized critics; rendering as Neighborhood-v0."""

    metadata = {"name": ENV_ID, "render_modes": RENDER_MODES, "render_fps": 8}
    render_title = ENV_ID

    def __init__(self, **kwargs: Any):
        self.core = NeighborhoodCore(ENV_ID, kwargs)
        agents, n = home_ids(self.core.n_homes), self.core.n_homes
        low, high, width = self.core.home_low, self.core.home_high, len(self.core.layout.actions)
        self._init_agents(
            agents, obs={a: spaces.Box(low, high, dtype=np.float32) for a in agents},
            act={a: spaces.Box(-1.0, 1.0, (width,), np.float32) for a in agents},
            state=spaces.Box(np.tile(low, n), np.tile(high, n), dtype=np.float32))
        self.render_mode = self.core.cfg.render_mode

    @property
    def rendered_world(self):
        """The episode's world (None before the first reset)."""
        return self.core.world

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        """New episode; the world seed comes from the env's Generator (seeded by ``seed``)."""
        self.check_open()
        self.core.start(world_seed(self._seed(seed, ENV_ID)))
        self.agents = list(self.possible_agents)
        self._show_human()
        return self._split(self.core.observe()), {a: {} for a in self.agents}

    def step(self, actions: dict[str, Any]):
        """Apply each home's commands; every home must act while the episode runs."""
        self.check_open()
        missing = set(self.agents) - set(actions)
        if missing:
            raise ValueError(f"{ENV_ID}: no action for {sorted(missing)[:3]}; every live agent must act")
        unknown = set(actions) - set(self.agents)
        if unknown:
            raise ValueError(f"{ENV_ID}: {sorted(unknown)[:3]} are not live agents; agents look like {self.agents[:2]}")
        a = np.stack([box_actions(actions[agent], self._act_spaces[agent], f"{ENV_ID} {agent}")
                      for agent in self.possible_agents])
        obs, step = self.core.advance(a)
        terms, reward = step.terms, self.core.reward(step)
        done = self.core.done
        obs = self._split(obs)
        agents = self.possible_agents
        infos = {a: {"reward_terms": {name: float(v[i]) for name, v in terms.items()}} for i, a in enumerate(agents)}
        if done:
            kpis = self.core.kpis()
            for a in agents:
                infos[a]["kpis"] = kpis
        rewards = {a: float(reward[i]) for i, a in enumerate(agents)}
        terminations = {a: False for a in agents}
        truncations = {a: done for a in agents}  # the horizon is a time limit
        if done:
            self.agents = []
        self._show_human()
        return obs, rewards, terminations, truncations, infos


def parallel_env(**kwargs: Any) -> NeighborhoodParallelEnv:
    """The PettingZoo parallel environment; keywords as twin/Neighborhood-v0."""
    return NeighborhoodParallelEnv(**kwargs)


def raw_env(**kwargs: Any) -> AECEnv:
    """The AEC version (agents act in turn), by PettingZoo's conversion of :func:`parallel_env`;
    keywords as twin/Neighborhood-v0."""
    return parallel_to_aec(parallel_env(**kwargs))


def env(**kwargs: Any) -> AECEnv:
    """The AEC version with PettingZoo's order-enforcing wrapper (which the conversion applies)."""
    return raw_env(**kwargs)

