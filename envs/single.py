"""Single-world environments: one world per episode, built on ``reset`` and stepped one decision
interval per ``step``.

A single environment and its native vector version (:mod:`envs.vector`) share the hooks that say
what a world's agents see and do, written once for worlds holding any number of replicas; here
the world holds one, and the template takes row 0 of what the hooks return. Episodes have a fixed
length: ``step`` truncates at the scenario's horizon, and that step's ``info["kpis"]`` holds the
episode's KPIs as ``twin run`` reports them.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from envs.episodes import Episodes, EpisodeSpec, check_seed, world_seed
from envs.hooks import WorldHooks
from envs.rendering import WorldRendering
from twin.engine import World
from twin.outcome import close_readings, world_kpis
from twin.telemetry.recorder import Recorder


class WorldEnv(WorldHooks, EpisodeSpec, WorldRendering, gym.Env):
    """Base of the single-world environments; subclasses set the spaces and provide the hooks
    (:class:`envs.hooks.WorldHooks`, as :class:`envs.vector.ReplicaVectorEnv`'s)."""

    def __init__(self, episodes: Episodes):
        self.episodes = episodes
        self.env_id = episodes.env_id
        self.episode_steps = episodes.steps_per_episode
        self.render_mode = episodes.cfg.render_mode
        self.world: World | None = None
        self.steps = 0

    # -- the Gymnasium API ---------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Build a new world (its seed drawn from ``np_random``) and return the first observation."""
        self.check_open()
        super().reset(seed=check_seed(seed, self.env_id))
        if options:
            raise ValueError(f"{self.env_id}: reset takes no options, got {sorted(options)}")
        self.world = self.episodes.build([world_seed(self.np_random)])
        self.recorder = Recorder(self.world.bus, self.world.start)
        self.steps = 0
        self._start()
        self._show_human()
        return self._observe()[0], {}

    def step(self, action: Any):
        """Apply ``action`` for one decision interval; the reward and its terms cover that interval."""
        self.check_open()
        if self.world is None or self.steps >= self.episode_steps:
            raise RuntimeError(f"{self.env_id}: call reset() before step() (and after the episode ends)")
        self._check_and_apply(action)
        self.world.advance(self.episodes.interval_s)
        self.steps += 1
        truncated = self.steps >= self.episode_steps  # the horizon is a time limit
        obs, reward, terms = self._outcome(truncated)
        info: dict[str, Any] = {"reward_terms": {name: float(v[0]) for name, v in terms.items()}}
        if truncated:
            info["kpis"] = self.episode_kpis()
        self._show_human()
        return obs[0], float(reward[0]), False, truncated, info

    @property
    def rendered_world(self) -> World | None:
        """The episode's world (None before the first reset)."""
        return self.world

    def episode_kpis(self) -> dict[str, float | None]:
        """KPIs of the episode so far from its telemetry, as ``twin run`` reports them; it publishes
        the partial last meter reading, so it is for the end of an episode."""
        close_readings(self.world)
        return world_kpis(self.world, self.recorder.telemetry())[0]
