"""PettingZoo ``citylearn_v0``: a CityLearn dataset in CityLearn's decentralised layout, one agent
per building (``parallel_env(dataset=...)``, the keywords of ``twin/CityLearn-v0``).

Each agent is a building (named as in the schema) and observes CityLearn's decentralised vector of
that building (:mod:`envs.citylearn_layout`; names in ``env.observation_names[agent]``); its
action is its battery's share of nominal power in [-1, 1], shape (1,), or shape (0,) for a
building without a battery or with the action inactive; its reward CityLearn's default
``-max(net kWh, 0) ** exponent``. ``state()`` is the central vector. At the episode's end every
agent is truncated and its info holds the district's KPIs and totals.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv
from pettingzoo.utils.conversions import parallel_to_aec

from envs.actions import box_actions
from envs.citylearn_core import CityLearnCore
from envs.citylearn_layout import building_observations, central_observations
from envs.parallel import AgentSpaces

ENV_ID = "citylearn_v0"


class CityLearnParallelEnv(AgentSpaces):
    """One agent per building of a CityLearn dataset (see the module docstring)."""

    metadata = {"name": ENV_ID, "render_modes": []}

    def __init__(self, **kwargs: Any):
        self.core = CityLearnCore(ENV_ID, kwargs)
        d = self.core.district
        agents = list(d.names)
        self._layouts = [self.core.layout([(i, n) for n in names])
                         for i, names in enumerate(building_observations(d))]
        self._central = self.core.layout(central_observations(d))
        self.observation_names = {a: list(l.names) for a, l in zip(agents, self._layouts)}
        acting = set(self.core.acting.tolist())
        self._init_agents(
            agents, obs={a: spaces.Box(l.low, l.high, dtype=np.float32) for a, l in zip(agents, self._layouts)},
            act={a: spaces.Box(-1.0, 1.0, (1 if i in acting else 0,), np.float32) for i, a in enumerate(agents)},
            state=spaces.Box(self._central.low, self._central.high, dtype=np.float32))
        self._acting_agents = [agents[i] for i in self.core.acting]

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        """Start the next episode of the schema's; ``seed`` seeds the Generator random splits draw from
        (``options`` are ignored, as by the other PettingZoo envs)."""
        self.core.start(self._seed(seed, ENV_ID))
        self.agents = list(self.possible_agents)
        return self._observe(), {a: {} for a in self.agents}

    def step(self, actions: dict[str, Any]):
        """Apply each building's action; every live agent must act."""
        if not self.agents:
            raise RuntimeError(f"{ENV_ID}: call reset() before step() (and after the episode ends)")
        missing = set(self.agents) - set(actions)
        unknown = set(actions) - set(self.agents)
        if missing or unknown:
            raise ValueError(f"{ENV_ID}: " + (f"no action for {sorted(missing)[:3]}; every live agent must act"
                                               if missing else f"{sorted(unknown)[:3]} are not live agents; "
                                               f"agents are {self.agents[:3]}…"))
        a = np.array([box_actions(actions[agent], self._act_spaces[agent], f"{ENV_ID} {agent}")[0]
                      for agent in self._acting_agents])
        reward = self.core.advance(a)
        done = self.core.done
        agents = self.possible_agents
        obs = self._observe()
        info = self.core.info() if done else {}
        infos = {a: dict(info) for a in agents}
        rewards = {a: float(reward[i]) for i, a in enumerate(agents)}
        if done:
            self.agents = []
        return obs, rewards, {a: False for a in agents}, {a: done for a in agents}, infos

    def _observe(self) -> dict[str, np.ndarray]:
        self._state = self.core.observe(self._central)
        return {a: self.core.observe(l) for a, l in zip(self.possible_agents, self._layouts)}


def parallel_env(**kwargs: Any) -> CityLearnParallelEnv:
    """The parallel API version (as ``pettingzoo.*.parallel_env``)."""
    return CityLearnParallelEnv(**kwargs)


def env(**kwargs: Any) -> AECEnv:
    """The AEC version, converted from the parallel one by PettingZoo."""
    return parallel_to_aec(parallel_env(**kwargs))
