"""twin/TrafficGrid-v0: every signal of a road network under one agent, and the native vector version.

The network is a generated grid or an imported SUMO net (``traffic.network.sumo_net``). Action:
MultiDiscrete, the phase each signal asks for (``nvec``: each one's phase count; the twin
enforces min green, yellow and all-red). Observation: per signal, halted and approaching vehicles
per movement, the phase (one-hot), whether it is in yellow/all-red, and seconds in the current
interval, flattened signal by signal (:mod:`envs.signal_agents`). Reward: by default the weighted sum of
``info["reward_terms"]`` (queue, delay, switch); ``reward=`` picks one of sumo-rl's by name or
takes a function (:mod:`envs.rewards`). The final ``info["kpis"]`` holds the run's traffic KPIs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from envs.actions import discrete_actions
from envs.config import EnvConfigError, TrafficEnvConfig, parse_config
from envs.episodes import Episodes
from envs.hooks import WorldHooks
from envs.rendering import RENDER_MODES
from envs.rewards import TRAFFIC_REWARDS, reward_function
from envs.signal_agents import SignalAgents
from envs.traffic_task import TERMS, TrafficTask
from envs.single import WorldEnv
from envs.vector import ReplicaVectorEnv
from twin.traffic.network import road_network

ENV_ID = "twin/TrafficGrid-v0"


class TrafficCore:
    """One scenario's road network: its signal agents, their spaces, and episodes."""

    def __init__(self, env_id: str, kwargs: dict[str, Any]):
        self.env_id = env_id
        self.cfg = parse_config(TrafficEnvConfig, env_id, kwargs)
        self.episodes = Episodes(env_id, self.cfg, traffic=True)
        self.reward = reward_function(self.cfg.reward, TRAFFIC_REWARDS, env_id)
        sc = self.episodes.scenario
        self.net = net = road_network(sc.traffic)
        phases_at = (net.programs.n_phases if net.imported
                     else np.full(net.n_int, len(sc.traffic.signals.phases), dtype=np.int64))
        try:
            self.agents = SignalAgents.of(net, phases_at)
        except ValueError as exc:
            raise EnvConfigError(f"{env_id}: scenario {self.cfg.scenario}: {exc}") from None
        self.int_ids = self.agents.ids
        self.n_int = self.agents.count
        self.nvec = self.agents.n_phases          # phases each agent may ask for
        uniform = bool((self.nvec == self.nvec[0]).all())
        # What discrete_actions checks against: one count where all agents share it (grids).
        self.action_counts = int(self.nvec[0]) if uniform else self.nvec
        self.low, self.high = self.agents.all_bounds(sc.duration)
        self._tiled: dict[int, SignalAgents] = {1: self.agents}

    @property
    def n_phases(self) -> int:
        """Phases of every agent's program, where they all have the same count (generated grids);
        ValueError on a network whose programs differ (read ``nvec`` there)."""
        if not isinstance(self.action_counts, int):
            raise ValueError(f"{self.env_id}: the signals have {sorted(set(self.nvec.tolist()))} phases; "
                             "read core.nvec, one count per agent")
        return self.action_counts

    def agents_of(self, replicas: int) -> SignalAgents:
        """The agents of a world of ``replicas`` copies of the scenario's network (tiled once per count)."""
        tiled = self._tiled.get(replicas)
        if tiled is None:
            tiled = self._tiled[replicas] = self.agents.tiled(replicas, self.net.n_int, self.net.n_queues)
        return tiled

    def signal_space(self, a: int) -> spaces.Box:
        """Observation space of agent ``a``."""
        return spaces.Box(*self.agents.bounds(a, self.episodes.scenario.duration), dtype=np.float32)


class TrafficGridHooks(WorldHooks):
    """What the central agent of each replica grid sees and does, shared by the single and the vector env."""

    core: TrafficCore
    action_space: spaces.MultiDiscrete

    def _start(self) -> None:
        self.task = TrafficTask(self.world, self.core.cfg.reward_weights, self.core.episodes.interval_s,
                                self.core.cfg.reward, self.core.agents_of(self.world.replicas))

    def _observe(self) -> np.ndarray:
        return self.task.observe().reshape(self.world.replicas, -1)

    def _check_and_apply(self, actions: Any) -> None:
        self.task.act(discrete_actions(actions, self._nvec, self.action_space.shape, ENV_ID).ravel())

    def _outcome(self, episode_end: bool) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        obs, step = self.task.outcome()
        k = self.world.replicas
        rows = self.task.last_terms.reshape(len(TERMS), k, -1)
        terms = dict(zip(TERMS, rows.sum(axis=2)))
        if self.core.cfg.reward == "weighted":  # the terms' sum, as envs.rewards' "weighted" adds them (finite weights)
            return obs.reshape(k, -1), rows.sum(axis=0).sum(axis=1), terms
        return obs.reshape(k, -1), self.core.reward(step).reshape(k, -1).sum(axis=1), terms


class TrafficGridEnv(TrafficGridHooks, WorldEnv):
    """All signals of the grid under one central agent (rendering: :mod:`envs.rendering`)."""

    metadata = {"render_modes": RENDER_MODES, "render_fps": 10}
    render_title = ENV_ID

    def __init__(self, **kwargs: Any):
        self.core = c = TrafficCore(ENV_ID, kwargs)
        super().__init__(c.episodes)
        self.observation_space = spaces.Box(c.low, c.high, dtype=np.float32)
        self.action_space = spaces.MultiDiscrete(c.nvec)
        self._nvec = c.action_counts


class TrafficGridVectorEnv(TrafficGridHooks, ReplicaVectorEnv):
    """``num_envs`` grids stepped together (``gym.make_vec(..., vectorization_mode="vector_entry_point")``)."""

    def __init__(self, num_envs: int = 1, max_episode_steps: int | None = None, **kwargs: Any):
        core = TrafficCore(ENV_ID, kwargs)
        super().__init__(num_envs, core.episodes, max_episode_steps)
        self.core = core
        self.single_observation_space = spaces.Box(core.low, core.high, dtype=np.float32)
        self.single_action_space = spaces.MultiDiscrete(core.nvec)
        self.observation_space = spaces.Box(np.tile(core.low, (num_envs, 1)), np.tile(core.high, (num_envs, 1)),
                                            dtype=np.float32)
        self.action_space = spaces.MultiDiscrete(np.tile(core.nvec, (num_envs, 1)))
        self._nvec = core.action_counts if isinstance(core.action_counts, int) else np.tile(core.nvec, num_envs)
