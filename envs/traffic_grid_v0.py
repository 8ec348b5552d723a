"""PettingZoo ``traffic_grid_v0``: one agent per signal, ``parallel_env(**kwargs)`` as TrafficGrid-v0.

Each agent sees its own intersection (see :mod:`envs.signal_agents`), asks for one of its own
program's phases (Discrete) and is rewarded with its own terms; ``state()`` is every signal's
observation. On an imported SUMO net the agents are its traffic lights, and their observation and
action spaces differ from one another.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv
from pettingzoo.utils.conversions import parallel_to_aec

from envs.actions import discrete_actions
from envs.episodes import world_seed
from envs.parallel import AgentSpaces
from envs.rendering import RENDER_MODES, WorldRendering
from envs.traffic_grid import TrafficCore
from envs.traffic_task import TrafficTask
from twin.outcome import close_readings, world_kpis
from twin.telemetry.recorder import Recorder

ENV_ID = "traffic_grid_v0"


class TrafficGridParallelEnv(WorldRendering, AgentSpaces):
    """One agent per intersection; rewards per intersection; ``state()`` for centralized critics; rendering as
    TrafficGrid-v0."""

    metadata = {"name": ENV_ID, "render_modes": RENDER_MODES, "render_fps": 10}
    render_title = ENV_ID

    def __init__(self, **kwargs: Any):
        self.core = c = TrafficCore(ENV_ID, kwargs)
        agents = list(c.int_ids)
        self._init_agents(agents, obs={a: c.signal_space(i) for i, a in enumerate(agents)},
                          act={a: spaces.Discrete(int(n)) for a, n in zip(agents, c.nvec)},
                          state=spaces.Box(c.low, c.high, dtype=np.float32))
        self.render_mode = c.cfg.render_mode
        self.world = None

    @property
    def rendered_world(self):
        """The episode's world (None before the first reset)."""
        return self.world

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        """New episode; the world seed comes from the env's Generator (seeded by ``seed``)."""
        self.check_open()
        self.world = self.core.episodes.build([world_seed(self._seed(seed, ENV_ID))])
        self.recorder = Recorder(self.world.bus, self.world.start)
        self.task = TrafficTask(self.world, self.core.cfg.reward_weights, self.core.episodes.interval_s,
                                self.core.cfg.reward, self.core.agents)
        self.steps = 0
        self.agents = list(self.possible_agents)
        self._show_human()
        return self._split_flat(self.task.observe()), {a: {} for a in self.agents}

    def _split_flat(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        """Each agent's observation out of every agent's, flattened (kept whole for state())."""
        self._state = flat
        return dict(zip(self.possible_agents, self.core.agents.split(flat)))

    def step(self, actions: dict[str, Any]):
        """Apply each intersection's phase request for one decision interval."""
        self.check_open()
        if not self.agents:
            raise RuntimeError(f"{ENV_ID}: call reset() before step() (and after the episode ends)")
        missing, unknown = set(self.agents) - set(actions), set(actions) - set(self.agents)
        if missing or unknown:
            raise ValueError(f"{ENV_ID}: every live agent must act and only they; missing {sorted(missing)[:3]}, "
                             f"unknown {sorted(unknown)[:3]}; agents look like {self.possible_agents[:2]}")
        phases = np.array([int(discrete_actions(actions[a], int(n), (), f"{ENV_ID} {a}"))
                           for a, n in zip(self.possible_agents, self.core.nvec)])
        self.task.act(phases)
        self.world.advance(self.core.episodes.interval_s)
        self.steps += 1
        obs, step = self.task.outcome()
        obs = self._split_flat(obs)
        terms, reward = step.terms, self.core.reward(step)
        done = self.steps >= self.core.episodes.steps_per_episode
        agents = self.possible_agents
        infos = {a: {"reward_terms": {name: float(v[i]) for name, v in terms.items()}} for i, a in enumerate(agents)}
        if done:
            close_readings(self.world)
            kpis = world_kpis(self.world, self.recorder.telemetry())[0]
            for a in agents:
                infos[a]["kpis"] = kpis
            self.agents = []
        self._show_human()
        return (obs, {a: float(reward[i]) for i, a in enumerate(agents)}, {a: False for a in agents},
                {a: done for a in agents}, infos)  # the horizon is a time limit: truncation


def parallel_env(**kwargs: Any) -> TrafficGridParallelEnv:
    """The PettingZoo parallel environment; keywords as twin/TrafficGrid-v0."""
    return TrafficGridParallelEnv(**kwargs)


def raw_env(**kwargs: Any) -> AECEnv:
    """The AEC version (agents act in turn), by PettingZoo's conversion of :func:`parallel_env`;
    keywords as twin/TrafficGrid-v0."""
    return parallel_to_aec(parallel_env(**kwargs))


def env(**kwargs: Any) -> AECEnv:
    """The AEC version with PettingZoo's order-enforcing wrapper (which the conversion applies)."""
    return raw_env(**kwargs)

