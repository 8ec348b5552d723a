"""Baselines of ``twin/CityLearn-v0``: CityLearn's own rule-based controller and no control.

:class:`CityLearnBasicRBC` is ``citylearn.agents.rbc.BasicRBC`` for batteries (the rule the 2022
challenge schema names as its agent): every battery discharges 8% of its nominal power from hour
9 to 21 and charges 9.1% in hours 1-8 and 22-24 (CityLearn's ``hour`` runs 1-24), read from the
observation's ``hour``. :class:`NoControl` leaves every battery idle (all actions 0), the run
CityLearn's KPIs are normalised against.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from twin.citylearn.rbc import ACTION_BY_HOUR


def rbc_battery_action(hour: float) -> float:
    """BasicRBC's battery action at CityLearn ``hour`` (1-24): share of nominal power, charging +
    (0 outside 1-24)."""
    h = int(hour)
    return float(ACTION_BY_HOUR[h]) if 0 <= h < len(ACTION_BY_HOUR) else 0.0


class CityLearnBasicRBC:
    """CityLearn's BasicRBC on the central observation (needs ``hour`` observed)."""

    name = "citylearn_basic_rbc"

    def __init__(self, hour_index: int, n_actions: int):
        self.hour_index, self.n_actions = hour_index, n_actions

    @classmethod
    def from_env(cls, env: Any) -> CityLearnBasicRBC:
        """For a CityLearn-v0 env: the hour is the first building's ``hour`` observation."""
        names = [n.split(".", 1)[1] for n in env.unwrapped.observation_names]
        if "hour" not in names:
            raise ValueError("CityLearnBasicRBC reads the hour: the dataset's schema must make 'hour' active")
        return cls(names.index("hour"), env.action_space.shape[0])

    def reset(self, seed: int | None = None) -> None:
        """Nothing to forget: the rule reads only the hour."""

    def act(self, obs: np.ndarray) -> np.ndarray:
        """The same action for every battery: BasicRBC's at the observed hour."""
        return np.full(self.n_actions, rbc_battery_action(obs[self.hour_index]), dtype=np.float32)


class NoControl:
    """Every battery idle."""

    name = "no_control"

    def __init__(self, n_actions: int):
        self.n_actions = n_actions

    @classmethod
    def from_env(cls, env: Any) -> NoControl:
        """For a CityLearn-v0 env."""
        return cls(env.action_space.shape[0])

    def reset(self, seed: int | None = None) -> None:
        """No memory."""

    def act(self, obs: np.ndarray) -> np.ndarray:
        """All zeros."""
        return np.zeros(self.n_actions, dtype=np.float32)
