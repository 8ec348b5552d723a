"""twin/Neighborhood-v0: every home of a world under one central agent, and the PettingZoo version.

Central: observation = every home's 14 features and its feeder's net load (kW), flattened home by
home; action = Box [-1, 1] of shape (homes, 3), one row per home as in SmartHome-v0 (with
hot-water tanks one more feature and action each, :class:`envs.home_task.HomeSpaces`). Reward =
the homes' terms summed plus ``transformer`` (energy above the transformer rating). PettingZoo
(:mod:`envs.neighborhood_v0`): one agent per home with its own 15 features and its own terms plus
an equal share of its feeder's transformer term; ``state()`` is every agent's observation.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from gymnasium import spaces

from envs.actions import box_actions
from envs.config import SCENARIOS, EnvConfigError, HomeEnvConfig, parse_config
from envs.episodes import Episodes
from envs.hooks import WorldHooks
from envs.home_task import HomeSpaces, HomeTask
from envs.rendering import RENDER_MODES, WorldRendering
from envs.rewards import HOME_REWARDS, HomeStep, reward_function
from envs.single import WorldEnv
from envs.vector import ReplicaVectorEnv
from twin.outcome import close_readings, world_kpis
from twin.telemetry.recorder import Recorder

ENV_ID = "twin/Neighborhood-v0"
EXTERNAL = {"heating": "external", "battery": "external", "ev": "external", "hot_water": "external"}
FEEDER_LIMIT_KW = 1e6


def home_obs_bounds(layout: HomeSpaces) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of one home's Neighborhood features: its home features, then its feeder's net load (kW)."""
    return (np.r_[layout.obs_low, -FEEDER_LIMIT_KW].astype(np.float32),
            np.r_[layout.obs_high, FEEDER_LIMIT_KW].astype(np.float32))


class NeighborhoodCore:
    """One neighborhood world: per-home observations with feeder load, actions, per-home rewards."""

    def __init__(self, env_id: str, kwargs: dict[str, Any]):
        kwargs = {"scenario": str(SCENARIOS / "neighborhood.yaml"), **kwargs}
        self.cfg = parse_config(HomeEnvConfig, env_id, kwargs)
        if self.cfg.discrete:
            raise EnvConfigError(f"{env_id}: discrete=True is a SmartHome-v0 option; {env_id} takes Box actions")
        self.episodes = Episodes(env_id, self.cfg, controllers=EXTERNAL, homes=(1, None))
        self.n_homes = self.episodes.scenario.homes.count
        self.n_feeders = self.episodes.scenario.grid.feeders
        self.layout = HomeSpaces.of(self.episodes.scenario)
        self.home_low, self.home_high = home_obs_bounds(self.layout)
        self.reward = reward_function(self.cfg.reward, HOME_REWARDS, env_id)
        self.world = None

    def start(self, seed: int) -> None:
        """A new episode in a world built with ``seed``, recorded for its KPIs."""
        self.bind(self.episodes.build([seed]))
        self.recorder = Recorder(self.world.bus, self.world.start)

    def bind(self, world) -> None:
        """Serve the (possibly replicated) ``world`` from its start; homes are laid out world by world."""
        self.world = world
        self.task = HomeTask(world, self.cfg.reward_weights, self.episodes.interval_s, self.layout)
        self.steps = 0
        self._overload_last = np.zeros(self.n_feeders * world.replicas)

    def observe(self) -> np.ndarray:
        """(homes of every world, features): the home features (15 with hot water) and the net load (kW) of
        the home's feeder."""
        p, s = self.task.p, self.task.s
        feeder_kw = np.bincount(p.feeder, weights=s.net_kw, minlength=self.n_feeders * self.world.replicas)
        feeder_kw = np.clip(feeder_kw, -FEEDER_LIMIT_KW, FEEDER_LIMIT_KW)
        return np.concatenate([self.task.observe(), feeder_kw[p.feeder, None].astype(np.float32)], axis=1)

    def advance(self, actions: np.ndarray) -> tuple[np.ndarray, HomeStep]:
        """Apply (homes, actions) actions for one interval; the observation after it and what each home did."""
        if self.world is None or self.done:
            raise RuntimeError("call reset() before step() (and after the episode ends)")
        self.task.act(actions)
        self.world.advance(self.episodes.interval_s)
        self.steps += 1
        return self.outcome(episode_end=self.done)

    def outcome(self, episode_end: bool) -> tuple[np.ndarray, HomeStep]:
        """The observation now and each home's last interval, in one call (see :meth:`observe`, :meth:`measure`)."""
        obs = self.observe()
        return obs, self.measure(episode_end)

    def measure(self, episode_end: bool) -> HomeStep:
        """Each home's last interval; each feeder's transformer term is shared equally by its homes."""
        step = self.task.measure(episode_end=episode_end)
        feeder = self.task.p.feeder
        homes_on_feeder = np.bincount(feeder, minlength=self.n_feeders * self.world.replicas)
        shared = self._feeder_terms()[feeder] / homes_on_feeder[feeder]
        return dataclasses.replace(step, terms={**step.terms, "transformer": shared})

    def _feeder_terms(self) -> np.ndarray:
        """Transformer term per feeder since the last call (weighted, signed)."""
        now = self.world.energy.feeder_totals.overload_kwh.copy()
        last, self._overload_last = self._overload_last, now
        return -self.cfg.reward_weights.get("transformer", 0.0) * (now - last)

    @property
    def done(self) -> bool:
        """The episode reached the scenario's horizon."""
        return self.steps >= self.episodes.steps_per_episode

    def kpis(self) -> dict[str, float | None]:
        """KPIs of the episode so far, from its telemetry."""
        close_readings(self.world)
        return world_kpis(self.world, self.recorder.telemetry())[0]


class NeighborhoodHooks(WorldHooks):
    """What the central agent of each replica neighborhood sees and does, shared by the single and the vector env."""

    core: NeighborhoodCore
    action_space: spaces.Box

    def _start(self) -> None:
        self.core.bind(self.world)

    def _observe(self) -> np.ndarray:
        return self.core.observe().reshape(self.world.replicas, -1)

    def _check_and_apply(self, actions: Any) -> None:
        self.core.task.act(box_actions(actions, self.action_space, ENV_ID).reshape(-1, len(self.core.layout.actions)))

    def _outcome(self, episode_end: bool) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        obs, step = self.core.outcome(episode_end)
        k = self.world.replicas
        terms = {name: v.reshape(k, -1).sum(axis=1) for name, v in step.terms.items()}
        return obs.reshape(k, -1), self.core.reward(step).reshape(k, -1).sum(axis=1), terms


class NeighborhoodEnv(NeighborhoodHooks, WorldEnv):
    """All homes of a feeder (or several) under one central agent (rendering: :mod:`envs.rendering`)."""

    metadata = {"render_modes": RENDER_MODES, "render_fps": 8}
    render_title = ENV_ID

    def __init__(self, **kwargs: Any):
        self.core = NeighborhoodCore(ENV_ID, kwargs)
        super().__init__(self.core.episodes)
        n, core = self.core.n_homes, self.core
        self.observation_space = spaces.Box(np.tile(core.home_low, n), np.tile(core.home_high, n), dtype=np.float32)
        self.action_space = spaces.Box(-1.0, 1.0, (n, len(core.layout.actions)), np.float32)


class NeighborhoodVectorEnv(NeighborhoodHooks, ReplicaVectorEnv):
    """``num_envs`` Neighborhood worlds stepped together (``gym.make_vec(..., vectorization_mode="vector_entry_point")``).

    Per world as Neighborhood-v0: observation (homes * 15,), action (homes, 3), reward the homes'
    terms summed with the transformer term; ``info["reward_terms"]`` holds one array per term.
    """

    def __init__(self, num_envs: int = 1, max_episode_steps: int | None = None, **kwargs: Any):
        self.core = NeighborhoodCore(ENV_ID, kwargs)
        super().__init__(num_envs, self.core.episodes, max_episode_steps)
        n, k, core = self.core.n_homes, num_envs, self.core
        low, high, width = core.home_low, core.home_high, len(core.layout.actions)
        self.single_observation_space = spaces.Box(np.tile(low, n), np.tile(high, n), dtype=np.float32)
        self.single_action_space = spaces.Box(-1.0, 1.0, (n, width), np.float32)
        self.observation_space = spaces.Box(np.tile(low, (k, n)), np.tile(high, (k, n)), dtype=np.float32)
        self.action_space = spaces.Box(-1.0, 1.0, (k, n, width), np.float32)
