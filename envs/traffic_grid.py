"""twin/TrafficGrid-v0: every signal of a street grid under one agent, and the native vector version.

Action: MultiDiscrete, the phase each intersection asks for (the twin enforces min green, yellow
and all-red). Observation: per intersection, halted and approaching vehicles per movement, the
phase (one-hot), whether it is in yellow/all-red, and seconds in the current interval,
flattened intersection by intersection. Reward: by default the weighted sum of
``info["reward_terms"]`` (queue, delay, switch); ``reward=`` picks one of sumo-rl's by name or
takes a function (:mod:`envs.rewards`). The final ``info["kpis"]`` holds the run's traffic KPIs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from envs.actions import discrete_actions
from envs.config import TrafficEnvConfig, parse_config
from envs.episodes import Episodes
from envs.hooks import WorldHooks
from envs.rendering import RENDER_MODES
from envs.rewards import TRAFFIC_REWARDS, reward_function
from envs.traffic_task import MOVEMENTS, TERMS, VEHICLE_LIMIT, TrafficTask, feature_count
from envs.single import WorldEnv
from envs.vector import ReplicaVectorEnv
from twin.traffic.ids import intersection_ids

ENV_ID = "twin/TrafficGrid-v0"


class TrafficCore:
    """One scenario's street grid: its sizes, spaces per intersection, and episodes."""

    def __init__(self, env_id: str, kwargs: dict[str, Any]):
        self.env_id = env_id
        self.cfg = parse_config(TrafficEnvConfig, env_id, kwargs)
        self.episodes = Episodes(env_id, self.cfg, traffic=True)
        self.reward = reward_function(self.cfg.reward, TRAFFIC_REWARDS, env_id)
        sc = self.episodes.scenario
        self.int_ids = intersection_ids(sc.traffic.network.rows, sc.traffic.network.cols)
        self.n_int = len(self.int_ids)
        self.n_phases = len(sc.traffic.signals.phases)
        self.n_features = feature_count(self.n_phases)
        self.low = np.zeros(self.n_features, dtype=np.float32)
        self.high = np.full(self.n_features, VEHICLE_LIMIT, dtype=np.float32)
        self.high[2 * len(MOVEMENTS):-1] = 1.0
        self.high[-1] = sc.duration  # seconds in the current interval

    def signal_space(self) -> spaces.Box:
        """Observation space of one intersection."""
        return spaces.Box(self.low, self.high, dtype=np.float32)


class TrafficGridHooks(WorldHooks):
    """What the central agent of each replica grid sees and does, shared by the single and the vector env."""

    core: TrafficCore
    action_space: spaces.MultiDiscrete

    def _start(self) -> None:
        self.task = TrafficTask(self.world, self.core.cfg.reward_weights, self.core.episodes.interval_s,
                                self.core.cfg.reward)

    def _observe(self) -> np.ndarray:
        return self.task.observe().reshape(self.world.replicas, -1)

    def _check_and_apply(self, actions: Any) -> None:
        self.task.act(discrete_actions(actions, self.core.n_phases, self.action_space.shape, ENV_ID).ravel())

    def _outcome(self, episode_end: bool) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        obs, step = self.task.outcome()
        k = self.world.replicas
        terms = dict(zip(TERMS, self.task.last_terms.reshape(len(TERMS), k, -1).sum(axis=2)))
        return obs.reshape(k, -1), self.core.reward(step).reshape(k, -1).sum(axis=1), terms


class TrafficGridEnv(TrafficGridHooks, WorldEnv):
    """All signals of the grid under one central agent (rendering: :mod:`envs.rendering`)."""

    metadata = {"render_modes": RENDER_MODES, "render_fps": 10}
    render_title = ENV_ID

    def __init__(self, **kwargs: Any):
        self.core = c = TrafficCore(ENV_ID, kwargs)
        super().__init__(c.episodes)
        self.observation_space = spaces.Box(np.tile(c.low, c.n_int), np.tile(c.high, c.n_int), dtype=np.float32)
        self.action_space = spaces.MultiDiscrete(np.full(c.n_int, c.n_phases))


class TrafficGridVectorEnv(TrafficGridHooks, ReplicaVectorEnv):
    """``num_envs`` grids stepped together (``gym.make_vec(..., vectorization_mode="vector_entry_point")``)."""

    def __init__(self, num_envs: int = 1, max_episode_steps: int | None = None, **kwargs: Any):
        core = TrafficCore(ENV_ID, kwargs)
        super().__init__(num_envs, core.episodes, max_episode_steps)
        self.core = core
        n = core.n_int
        self.single_observation_space = spaces.Box(np.tile(core.low, n), np.tile(core.high, n), dtype=np.float32)
        self.single_action_space = spaces.MultiDiscrete(np.full(n, core.n_phases))
        self.observation_space = spaces.Box(np.tile(core.low, (num_envs, n)), np.tile(core.high, (num_envs, n)),
                                            dtype=np.float32)
        self.action_space = spaces.MultiDiscrete(np.full((num_envs, n), core.n_phases))
