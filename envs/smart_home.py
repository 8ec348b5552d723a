"""twin/SmartHome-v0: one home under one agent, and its native vector version.

Actions (Box [-1, 1]^3, or ``discrete=True`` for 18 combinations): heat-pump power, battery
power, EV charging (see :data:`envs.home_task.ACTIONS`). Observations: 14 features
(:data:`envs.home_task.OBS_FEATURES`). Reward: by default the weighted sum of the terms in
``info["reward_terms"]`` (energy cost, comfort, emissions, EV energy unmet); ``reward=`` picks a
named reward or takes a function (:mod:`envs.rewards`). The episode is truncated at the scenario's
horizon (``duration``, 1 day by default); the final ``info["kpis"]`` holds the run's KPIs.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from envs.actions import InvalidAction, box_actions, discrete_actions
from envs.config import HomeEnvConfig, parse_config
from envs.episodes import Episodes, EpisodeSpec, check_seed, world_seed
from envs.home_task import ACTIONS, DISCRETE_ACTIONS, OBS_HIGH, OBS_LOW, HomeTask
from envs.rendering import RENDER_MODES, WorldRendering
from envs.rewards import HOME_REWARDS, reward_function
from envs.vector import ReplicaVectorEnv
from twin.outcome import close_readings, world_kpis
from twin.telemetry.recorder import Recorder

ENV_ID = "twin/SmartHome-v0"
EXTERNAL = {"heating": "external", "battery": "external", "ev": "external"}


def home_spaces(discrete: bool) -> tuple[spaces.Box, spaces.Space]:
    """Observation and action space of one home."""
    obs = spaces.Box(OBS_LOW, OBS_HIGH, dtype=np.float32)
    act = spaces.Discrete(len(DISCRETE_ACTIONS)) if discrete else spaces.Box(-1.0, 1.0, (len(ACTIONS),), np.float32)
    return obs, act


class SmartHomeEnv(EpisodeSpec, WorldRendering, gym.Env):
    """One home: heat pump, battery and EV charger under one agent (rendering: :mod:`envs.rendering`)."""

    metadata = {"render_modes": RENDER_MODES, "render_fps": 8}
    render_title = ENV_ID

    def __init__(self, **kwargs: Any):
        self.cfg = parse_config(HomeEnvConfig, ENV_ID, kwargs)
        self.episodes = Episodes(ENV_ID, self.cfg, controllers=EXTERNAL, homes=(1, 1))
        self.episode_steps = self.episodes.steps_per_episode
        self.reward = reward_function(self.cfg.reward, HOME_REWARDS, ENV_ID)
        self.render_mode = self.cfg.render_mode
        self.observation_space, self.action_space = home_spaces(self.cfg.discrete)
        self.world = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Build a new world (its seed drawn from ``np_random``) and return the first observation."""
        self.check_open()
        super().reset(seed=check_seed(seed, ENV_ID))
        if options:
            raise ValueError(f"{ENV_ID}: reset takes no options, got {sorted(options)}")
        self.world = self.episodes.build([world_seed(self.np_random)])
        self.recorder = Recorder(self.world.bus, self.world.start)
        self.task = HomeTask(self.world, self.cfg.reward_weights, self.episodes.interval_s)
        self.steps = 0
        self._show_human()
        return self.task.observe()[0], {}

    @property
    def rendered_world(self):
        """The episode's world (None before the first reset)."""
        return self.world

    def step(self, action: Any):
        """Apply ``action`` for one decision interval; reward and terms cover that interval."""
        self.check_open()
        if self.world is None or self.steps >= self.episodes.steps_per_episode:
            raise RuntimeError(f"{ENV_ID}: call reset() before step() (and after the episode ends)")
        if self.cfg.discrete:
            a = DISCRETE_ACTIONS[discrete_actions(action, len(DISCRETE_ACTIONS), (), ENV_ID)][None]
        else:
            a = box_actions(action, self.action_space, ENV_ID)[None]
        self.task.act(a)
        self.world.advance(self.episodes.interval_s)
        self.steps += 1
        truncated = self.steps >= self.episodes.steps_per_episode  # the horizon is a time limit
        obs, step = self.task.outcome(episode_end=truncated)
        info: dict[str, Any] = {"reward_terms": {name: float(v[0]) for name, v in step.terms.items()}}
        if truncated:
            info["kpis"] = self.episode_kpis()
        self._show_human()
        return obs[0], float(self.reward(step)[0]), False, truncated, info

    def episode_kpis(self) -> dict[str, float | None]:
        """KPIs of the episode from its telemetry (as ``twin run``); for the end of an episode, as it
        publishes the partial last meter reading."""
        close_readings(self.world)
        return world_kpis(self.world, self.recorder.telemetry())[0]


class SmartHomeVectorEnv(ReplicaVectorEnv):
    """``num_envs`` SmartHome worlds stepped together (``gym.make_vec(..., vectorization_mode="vector_entry_point")``)."""

    def __init__(self, num_envs: int = 1, max_episode_steps: int | None = None, **kwargs: Any):
        cfg = parse_config(HomeEnvConfig, ENV_ID, kwargs)
        super().__init__(num_envs, Episodes(ENV_ID, cfg, controllers=EXTERNAL, homes=(1, 1)), max_episode_steps)
        self.cfg = cfg
        self.reward = reward_function(cfg.reward, HOME_REWARDS, ENV_ID)
        self.single_observation_space, self.single_action_space = home_spaces(cfg.discrete)
        self.observation_space = spaces.Box(np.tile(OBS_LOW, (num_envs, 1)), np.tile(OBS_HIGH, (num_envs, 1)),
                                            dtype=np.float32)
        if cfg.discrete:
            self.action_space = spaces.MultiDiscrete(np.full(num_envs, len(DISCRETE_ACTIONS)))
        else:
            self.action_space = spaces.Box(-1.0, 1.0, (num_envs, len(ACTIONS)), np.float32)

    def _start(self) -> None:
        self.task = HomeTask(self.world, self.cfg.reward_weights, self.episodes.interval_s)

    def _observe(self) -> np.ndarray:
        return self.task.observe()

    def _check_and_apply(self, actions: Any) -> None:
        if self.cfg.discrete:
            a = DISCRETE_ACTIONS[discrete_actions(actions, len(DISCRETE_ACTIONS), (self.num_envs,), ENV_ID)]
        else:
            a = box_actions(actions, self.action_space, ENV_ID)
        self.task.act(a)

    def _outcome(self, episode_end: bool) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        obs, step = self.task.outcome(episode_end=episode_end)  # one home per world
        return obs, self.reward(step), step.terms


__all__ = ["SmartHomeEnv", "SmartHomeVectorEnv", "InvalidAction"]
