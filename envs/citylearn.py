"""``twin/CityLearn-v0``: a CityLearn dataset as a Gymnasium env in CityLearn's central-agent layout.

``gym.make("twin/CityLearn-v0", dataset="path/to/schema.json")``. The observation is CityLearn's
central vector (:mod:`envs.citylearn_layout`: its names in ``env.observation_names``), the
action one value per battery in [-1, 1] (``env.action_names``, building by building), the reward
CityLearn's default summed over the buildings. An existing CityLearn controller written for
``CityLearnEnv(schema, central_agent=True)`` reads the same vector in the same order; the
decentralised layout is the PettingZoo ``envs.citylearn_v0.parallel_env``. The episode's last step
truncates and its ``info`` holds CityLearn's KPIs (``info["kpis"]``) and energy totals.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from envs.actions import box_actions
from envs.citylearn_core import CityLearnCore
from envs.citylearn_layout import central_observations
from envs.episodes import EpisodeSpec, check_seed

ENV_ID = "twin/CityLearn-v0"


class CityLearnEnv(EpisodeSpec, gym.Env):
    """One central agent over every building of a CityLearn dataset (see the module docstring)."""

    metadata = {"render_modes": []}

    def __init__(self, **kwargs: Any):
        self.core = CityLearnCore(ENV_ID, kwargs)
        columns = central_observations(self.core.district)
        self.layout = self.core.layout(columns)
        names = self.core.district.names
        self.observation_names = [f"{names[b]}.{n}" for b, n in columns]
        self.action_names = [f"{names[b]}.electrical_storage" for b in self.core.acting]
        self.observation_space = spaces.Box(self.layout.low, self.layout.high, dtype=np.float32)
        self.action_space = spaces.Box(-1.0, 1.0, (len(self.core.acting),), np.float32)
        self.episode_steps = max(last - first for first, last in self.core.splits)
        self.render_mode = None
        self._running = False

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Start the next episode of the schema's; ``seed`` seeds the Generator random splits draw from."""
        super().reset(seed=check_seed(seed, ENV_ID))
        if options:
            raise ValueError(f"{ENV_ID}: reset takes no options, got {sorted(options)}")
        self.core.start(self.np_random)
        self._running = True
        return self.core.observe(self.layout), {}

    def step(self, action: Any):
        """Run one time step of the dataset with ``action``; reward: -sum of max(net kWh, 0)**exponent."""
        if not self._running:
            raise RuntimeError(f"{ENV_ID}: call reset() before step() (and after the episode ends)")
        a = box_actions(action, self.action_space, ENV_ID)
        reward = float(self.core.advance(a).sum())
        done = self.core.done
        info: dict[str, Any] = self.core.info() if done else {}
        self._running = not done
        return self.core.observe(self.layout), reward, False, done, info
