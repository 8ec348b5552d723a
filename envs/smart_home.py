"""twin/SmartHome-v0: one home under one agent, and its native vector version.

Actions (Box [-1, 1]^3, or ``discrete=True`` for 18 combinations): heat-pump power, battery
power, EV charging (see :data:`envs.home_task.ACTIONS`). Observations: 14 features
(:data:`envs.home_task.OBS_FEATURES`). Where the scenario gives homes hot-water tanks each gains
the tank's temperature, the heater's action (36 discrete combinations) and its reward term
(:class:`envs.home_task.HomeSpaces`). Reward: by default the weighted sum of the terms in
``info["reward_terms"]`` (energy cost, comfort, emissions, EV energy unmet); ``reward=`` picks a
named reward or takes a function (:mod:`envs.rewards`). The episode is truncated at the scenario's
horizon (``duration``, 1 day by default); the final ``info["kpis"]`` holds the run's KPIs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from envs.actions import InvalidAction, box_actions, discrete_actions
from envs.config import HomeEnvConfig, parse_config
from envs.episodes import Episodes
from envs.hooks import WorldHooks
from envs.home_task import HomeSpaces, HomeTask
from envs.rendering import RENDER_MODES
from envs.rewards import HOME_REWARDS, reward_function
from envs.single import WorldEnv
from envs.vector import ReplicaVectorEnv

ENV_ID = "twin/SmartHome-v0"
EXTERNAL = {"heating": "external", "battery": "external", "ev": "external", "hot_water": "external"}


def home_spaces(discrete: bool, layout: HomeSpaces = HomeSpaces()) -> tuple[spaces.Box, spaces.Space]:
    """Observation and action space of one home."""
    obs = spaces.Box(layout.obs_low, layout.obs_high, dtype=np.float32)
    act = (spaces.Discrete(len(layout.discrete_actions)) if discrete
           else spaces.Box(-1.0, 1.0, (len(layout.actions),), np.float32))
    return obs, act


class SmartHomeHooks(WorldHooks):
    """What the agent of each replica world sees and does, shared by the single and the vector env."""

    cfg: HomeEnvConfig
    episodes: Episodes
    action_space: spaces.Space

    def _start(self) -> None:
        self.task = HomeTask(self.world, self.cfg.reward_weights, self.episodes.interval_s, self.layout)

    def _observe(self) -> np.ndarray:
        return self.task.observe()  # one home per world

    def _check_and_apply(self, actions: Any) -> None:
        if self.cfg.discrete:
            table = self.layout.discrete_actions
            a = table[discrete_actions(actions, len(table), self.action_space.shape, ENV_ID)]
        else:
            a = box_actions(actions, self.action_space, ENV_ID)
        self.task.act(a.reshape(-1, len(self.layout.actions)))

    def _outcome(self, episode_end: bool) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        obs, step = self.task.outcome(episode_end=episode_end)
        return obs, self.reward(step), step.terms


class SmartHomeEnv(SmartHomeHooks, WorldEnv):
    """One home: heat pump, battery and EV charger under one agent (rendering: :mod:`envs.rendering`)."""

    metadata = {"render_modes": RENDER_MODES, "render_fps": 8}
    render_title = ENV_ID

    def __init__(self, **kwargs: Any):
        self.cfg = parse_config(HomeEnvConfig, ENV_ID, kwargs)
        super().__init__(Episodes(ENV_ID, self.cfg, controllers=EXTERNAL, homes=(1, 1)))
        self.reward = reward_function(self.cfg.reward, HOME_REWARDS, ENV_ID)
        self.layout = HomeSpaces.of(self.episodes.scenario)
        self.observation_space, self.action_space = home_spaces(self.cfg.discrete, self.layout)


class SmartHomeVectorEnv(SmartHomeHooks, ReplicaVectorEnv):
    """``num_envs`` SmartHome worlds stepped together (``gym.make_vec(..., vectorization_mode="vector_entry_point")``)."""

    def __init__(self, num_envs: int = 1, max_episode_steps: int | None = None, **kwargs: Any):
        cfg = parse_config(HomeEnvConfig, ENV_ID, kwargs)
        super().__init__(num_envs, Episodes(ENV_ID, cfg, controllers=EXTERNAL, homes=(1, 1)), max_episode_steps)
        self.cfg = cfg
        self.reward = reward_function(cfg.reward, HOME_REWARDS, ENV_ID)
        self.layout = layout = HomeSpaces.of(self.episodes.scenario)
        self.single_observation_space, self.single_action_space = home_spaces(cfg.discrete, layout)
        self.observation_space = spaces.Box(np.tile(layout.obs_low, (num_envs, 1)),
                                            np.tile(layout.obs_high, (num_envs, 1)), dtype=np.float32)
        if cfg.discrete:
            self.action_space = spaces.MultiDiscrete(np.full(num_envs, len(layout.discrete_actions)))
        else:
            self.action_space = spaces.Box(-1.0, 1.0, (num_envs, len(layout.actions)), np.float32)


__all__ = ["SmartHomeEnv", "SmartHomeVectorEnv", "InvalidAction"]
