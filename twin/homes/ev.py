"""Electric-vehicle charging sessions: one commute a day per EV, drawn for all EVs at midnight.

Each day every EV leaves in the morning and comes back in the evening. At local midnight the
source draws, for all EVs at once, today's evening arrival (normal around 18:00, sd 1.5 h, clipped
to 12:00-23:00), tomorrow's departure (normal around 07:30, sd 1 h, clipped to 05:00-10:00) and the
energy the day's driving takes (lognormal distance, median 35 km, times the car's kWh/km, at most
90% of its battery). The physics step plugs an EV in when its arrival comes and unplugs it at its
departure; energy still needed then is counted as unmet.
"""

from __future__ import annotations

import numpy as np

from twin.engine import Calendar
from twin.streams import Streams
from twin.homes.state import HomeParams, HomeState

ARRIVE_H, ARRIVE_SD_H, ARRIVE_RANGE_H = 18.0, 1.5, (12.0, 23.0)
EV_DAILY_KM_MEDIAN, EV_DAILY_KM_SIGMA = 35.0, 0.6   # km driven a day: lognormal median and log-sd
DEPART_H, DEPART_SD_H, DEPART_RANGE_H = 7.5, 1.0, (5.0, 10.0)


class EvSessions:
    """Stochastic source: draws the next charging session of every EV once a day."""

    name = "ev_sessions"
    priority = -2

    def __init__(self, calendar: Calendar, params: HomeParams, state: HomeState, streams: Streams,
                 dt_s: int):
        self.calendar, self.params, self.state, self.streams, self.dt_s = calendar, params, state, streams, dt_s
        self.has_ev = params.ev_charger_kw > 0
        # A replica world without an EV never draws sessions (as a plain world without one).
        self.drawing = self.has_ev.reshape(streams.replicas, -1).any(axis=1)

    def first_wake_s(self) -> int | None:
        """At the start (for today's session), then every midnight."""
        return 0 if self.has_ev.any() else None

    def fire(self, now_s: int) -> int:
        """Draw today's arrival, tomorrow's departure and the energy need for every EV."""
        n = self.params.n
        midnight = now_s - self.calendar.seconds_of_day(now_s)
        h = n // self.streams.replicas

        def draw(k: int, g: np.random.Generator) -> np.ndarray:
            if not self.drawing[k]:
                return np.ones((3, h))  # never used: this replica has no EV
            return np.stack([g.normal(ARRIVE_H, ARRIVE_SD_H, h), g.normal(DEPART_H, DEPART_SD_H, h),
                             g.lognormal(np.log(EV_DAILY_KM_MEDIAN), EV_DAILY_KM_SIGMA, h)])

        drawn_hours = np.concatenate(self.streams.each(draw), axis=1)
        arrive_h = np.clip(drawn_hours[0], *ARRIVE_RANGE_H)
        depart_h = np.clip(drawn_hours[1], *DEPART_RANGE_H)
        km = drawn_hours[2]
        need = np.minimum(km * self.params.ev_kwh_per_km, 0.9 * self.params.ev_capacity_kwh)
        arrive_s = midnight + self._on_step(arrive_h)
        # A start in the evening can be past today's arrival time: that session is skipped.
        drawn = self.has_ev & (arrive_s > now_s)
        st = self.state
        st.ev_next_arrive_s[...] = np.where(drawn, arrive_s, -1)
        st.ev_next_depart_s[...] = np.where(drawn, midnight + 86400 + self._on_step(depart_h), -1)
        st.ev_next_need_kwh[...] = np.where(drawn, need, 0.0)
        return self.calendar.next_midnight_s(now_s)

    def _on_step(self, hours: np.ndarray) -> np.ndarray:
        """Seconds rounded down to a physics step, so plug-in and -out fall on step boundaries."""
        return (hours * 3600 // self.dt_s).astype(np.int64) * self.dt_s
