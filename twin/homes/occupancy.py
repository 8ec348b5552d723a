"""Occupancy: a time-of-day Markov chain per home, stepped for all homes in one draw.

States: AWAY, AWAKE (someone up at home), ASLEEP. Every ``step_s`` (10 min) each home moves with
probabilities that depend on the hour of day and on its profile: a working household on a
weekday, or a household at home (retired, home workers, and everyone on weekends). The tables
give per-step probabilities of waking, going to sleep, leaving and returning; the rows are
completed so they sum to one. The same step redraws each home's activity level (a lognormal
multiplier on its active load), so base load varies between homes and over the day.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from twin.engine import Calendar
from twin.streams import Streams
from twin.homes.state import ASLEEP, AWAKE, AWAY, HomeParams, HomeState

STEP_S = 600
ACTIVITY_SIGMA = 0.35

#                      0    1    2    3    4    5    6    7    8    9   10   11   12   13   14   15   16   17   18   19   20   21   22   23
_WAKE_WORK = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.05, 0.35, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.0, 0.0, 0.0])
_WAKE_HOME = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.01, 0.05, 0.2, 0.3, 0.4, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.0, 0.0, 0.0])
_SLEEP = np.array([0.4, 0.5, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.04, 0.12, 0.25])
_LEAVE_WORK = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.03, 0.2, 0.25, 0.1, 0.02, 0.02, 0.02, 0.02, 0.02, 0.01, 0.01, 0.01, 0.02, 0.02, 0.02, 0.01, 0.0, 0.0])
_LEAVE_HOME = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.01, 0.03, 0.04, 0.03, 0.02, 0.03, 0.03, 0.03, 0.02, 0.02, 0.02, 0.01, 0.01, 0.0, 0.0, 0.0])
_RETURN_WORK = np.array([0.5, 0.5, 0.5, 0.5, 0.5, 0.3, 0.05, 0.01, 0.0, 0.0, 0.005, 0.01, 0.02, 0.01, 0.01, 0.03, 0.08, 0.18, 0.22, 0.2, 0.2, 0.25, 0.3, 0.4])
_RETURN_HOME = np.array([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.3, 0.2, 0.1, 0.06, 0.08, 0.1, 0.12, 0.1, 0.1, 0.1, 0.12, 0.15, 0.2, 0.2, 0.25, 0.3, 0.35, 0.4])


def _matrices(wake, sleep, leave, ret) -> np.ndarray:
    """(24, 3, 3) row-stochastic transition matrices from the hourly per-step probabilities."""
    p = np.zeros((24, 3, 3))
    p[:, AWAY, AWAKE] = ret
    p[:, AWAY, AWAY] = 1 - ret
    p[:, AWAKE, AWAY] = leave
    p[:, AWAKE, ASLEEP] = sleep
    p[:, AWAKE, AWAKE] = 1 - leave - sleep
    p[:, ASLEEP, AWAKE] = wake
    p[:, ASLEEP, ASLEEP] = 1 - wake
    return p


# [profile, hour, from, to]; profile 0 = working household on a weekday, 1 = at home.
TRANSITIONS = np.stack([
    _matrices(_WAKE_WORK, _SLEEP, _LEAVE_WORK, _RETURN_WORK),
    _matrices(_WAKE_HOME, _SLEEP, _LEAVE_HOME, _RETURN_HOME),
])
CUMULATIVE = np.cumsum(TRANSITIONS, axis=-1)


def initial_occupancy(hour: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """A plausible occupancy state per home for a start at local ``hour`` (int8 array)."""
    if hour < 6 or hour >= 23:
        weights = [0.05, 0.10, 0.85]
    elif 9 <= hour < 16:
        weights = [0.55, 0.45, 0.0]
    else:
        weights = [0.2, 0.7, 0.1]
    return rng.choice(3, size=n, p=weights).astype(np.int8)


@njit(cache=True, nogil=True)
def step_occupancy(occupancy, u, cumulative, profile, hour):
    """Move every home to the state its uniform ``u`` falls in: the count of the cumulative
    probabilities of its (profile, hour, state) row below ``u`` (one pass, no temporaries)."""
    for i in range(occupancy.size):
        row = cumulative[profile[i], hour, occupancy[i]]
        occupancy[i] = (u[i] > row[0]) + (u[i] > row[1])


class OccupancyChain:
    """Stochastic source: steps every home's occupancy and activity level every 10 minutes."""

    name = "occupancy"
    priority = -4

    def __init__(self, calendar: Calendar, params: HomeParams, state: HomeState, streams: Streams):
        self.calendar, self.params, self.state, self.streams = calendar, params, state, streams
        # Each home's transition profile on a weekday and at the weekend (everyone at home).
        self.profile = (np.where(params.worker, 0, 1), np.ones(params.n, dtype=np.int64))

    def first_wake_s(self) -> int | None:
        """First transition one step after the start."""
        return STEP_S if self.params.n else None

    def fire(self, now_s: int) -> int:
        """Draw one transition for every home at once."""
        profile = self.profile[self.calendar.weekday(now_s) >= 5]
        u = self.streams.split("random", self.params.n)
        step_occupancy(self.state.occupancy, u, CUMULATIVE, profile, self.calendar.hour_of_day(now_s))
        self.state.activity[...] = self.streams.split("lognormal", self.params.n, 0.0, ACTIVITY_SIGMA)
        return now_s + STEP_S
