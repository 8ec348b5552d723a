"""Deferrable appliances: cycle power profiles, and the source that starts cycles in bulk.

Each appliance runs a fixed cycle (kW per minute, below) once started. Users ask for a cycle
while someone is up at home, at a daily rate shaped by the hour of day (more in the morning and
evening). The source wakes once per ``window_s`` and, for every idle appliance at once, draws
whether a request falls in the window (probability 1 - exp(-rate * window)) and where in it; the
built-in controller starts the cycle at the request. Power per step is a table lookup for all
running appliances together.
"""

from __future__ import annotations

import functools

import numpy as np
from numba import njit

from twin.engine import Calendar
from twin.streams import Streams
from twin.homes.state import AWAKE, ApplianceParams, ApplianceState, HomeState

# (name, share of homes with appliances that own one, cycles per day, [(minutes, kW), ...])
APPLIANCE_SPECS = (
    ("washer", 0.95, 0.55, [(20, 2.0), (50, 0.2), (15, 0.45)]),
    ("dishwasher", 0.70, 0.75, [(20, 1.8), (50, 0.1), (20, 1.8), (20, 0.05)]),
    ("dryer", 0.45, 0.30, [(70, 2.4)]),
)
APPLIANCE_KINDS = tuple(spec[0] for spec in APPLIANCE_SPECS)
OWNERSHIP = np.array([spec[1] for spec in APPLIANCE_SPECS])
CYCLES_PER_DAY = np.array([spec[2] for spec in APPLIANCE_SPECS])
# Relative request rate by hour of day (mean 1 over the day).
_HOURLY = np.array([0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.4, 0.9, 1.5, 1.8, 1.6, 1.3,
                    1.1, 1.0, 1.0, 1.0, 1.1, 1.3, 1.6, 1.9, 2.0, 1.6, 0.9, 0.4])
HOURLY_SHAPE = _HOURLY / _HOURLY.mean()


def profile_table_kw(dt_s: int) -> tuple[np.ndarray, np.ndarray]:
    """Cycle profiles resampled to steps of ``dt_s``: (kinds, max_steps) kW table and step counts.

    Each step holds the mean power over its span, so energy per cycle is kept at any resolution.
    The arrays are the caller's own (copies of one table per step length).
    """
    table, lengths = _profile_table_kw(dt_s)
    return table.copy(), lengths.copy()


@functools.lru_cache(maxsize=8)
def _profile_table_kw(dt_s: int) -> tuple[np.ndarray, np.ndarray]:
    minute_profiles = [np.concatenate([np.full(m, kw) for m, kw in spec[3]]) for spec in APPLIANCE_SPECS]
    lengths = np.array([int(np.ceil(len(p) * 60 / dt_s)) for p in minute_profiles])
    table = np.zeros((len(minute_profiles), int(lengths.max())))
    for k, prof in enumerate(minute_profiles):
        per_second = np.repeat(prof, 60)
        padded = np.zeros(lengths[k] * dt_s)
        padded[: per_second.size] = per_second
        table[k, : lengths[k]] = padded.reshape(lengths[k], dt_s).mean(axis=1)
    return table, lengths


def cycle_energy_kwh() -> np.ndarray:
    """Energy of one cycle per appliance kind (kWh)."""
    return np.array([sum(m * kw for m, kw in spec[3]) / 60.0 for spec in APPLIANCE_SPECS])


def appliance_power_kw(params: ApplianceParams, state: ApplianceState, table_kw: np.ndarray,
                       lengths: np.ndarray, now_s: int, dt_s: int, n_homes: int) -> np.ndarray:
    """Power per home (kW) of the appliances running over the step starting at ``now_s``.

    Ends finished cycles (sets ``start_s`` back to -1) as a side effect.
    """
    step = (now_s - state.start_s) // dt_s
    running = (state.start_s >= 0) & (step >= 0)
    finished = running & (step >= lengths[params.kind])
    state.start_s[finished] = -1
    running &= ~finished
    power = np.where(running, table_kw[params.kind, np.where(running, step, 0)], 0.0)
    return np.bincount(params.home, weights=power, minlength=n_homes)


@njit(cache=True, nogil=True)
def start_requested(start_s, requested_s, occupancy, home, u, p, at_s, awake):
    """Start the cycle of every idle appliance whose home is awake and whose uniform ``u`` falls
    below its request probability ``p``, at ``at_s`` (one pass over the appliances)."""
    for i in range(start_s.size):
        if start_s[i] < 0 and occupancy[home[i]] == awake and u[i] < p[i]:
            requested_s[i] = at_s[i]
            start_s[i] = at_s[i]


class ApplianceRequests:
    """Stochastic source: users ask for appliance cycles; starts them (built-in controller)."""

    name = "appliance_requests"
    priority = -3

    def __init__(self, calendar: Calendar, params: ApplianceParams, state: ApplianceState, homes: HomeState,
                 streams: Streams, dt_s: int, window_s: int = 900):
        self.calendar, self.params, self.state, self.homes = calendar, params, state, homes
        self.streams, self.dt_s, self.window_s = streams, dt_s, window_s
        # Appliances per replica world (each draws for its own), laid out replica by replica.
        homes_per_replica = max(homes.occupancy.size // streams.replicas, 1)
        self.per_replica = np.bincount(params.home // homes_per_replica, minlength=streams.replicas)
        self.rate_per_s = CYCLES_PER_DAY[params.kind] / 86400.0
        # Request probability per (hour of day, appliance) within a window.
        self.p_by_hour = -np.expm1(self.rate_per_s[None, :] * HOURLY_SHAPE[:, None] * -float(window_s))

    def first_wake_s(self) -> int | None:
        """Starts at time 0 when there are appliances."""
        return 0 if self.params.home.size else None

    def fire(self, now_s: int) -> int:
        """Draw this window's requests for all idle appliances whose home is awake."""
        p = self.p_by_hour[self.calendar.hour_of_day(now_s)]
        # Per replica: all the uniforms, then all the offsets, as a single world draws them.
        u, offset = self.streams.uniform_rows(2, self.per_replica)
        # Requests land on a physics step inside the window.
        at = now_s + (offset * self.window_s // self.dt_s).astype(np.int64) * self.dt_s
        start_requested(self.state.start_s, self.state.requested_s, self.homes.occupancy, self.params.home,
                        u, p, at, AWAKE)
        return now_s + self.window_s
