"""Rule-based signal controllers for ``twin/TrafficGrid-v0``: fixed time, actuated and max-pressure.

They act through the env like a learner: each reads only the observation (per signal: ``halted``
and ``approaching`` vehicles per movement, on a grid the 12 ``NL NT NR EL ET ER SL ST SR WL WT WR``,
the phase one-hot, the yellow/all-red flag and the seconds in the current interval; see
:mod:`envs.signal_agents`) and asks for one phase per signal. Constants come from the env when
built (:class:`SignalLayout`): which movements each phase serves (the scenario's plan on a grid,
each light's own program on an imported SUMO net), signal timing, topology and the decision
interval. The twin enforces min green, yellow and all-red whatever is asked, and keeps the green
phase when it is asked for again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.baselines.signal_layout import SignalLayout, traffic_scenario
from twin.traffic.max_pressure import choose_phases, phase_pressure


class FixedTimePolicy:
    """A fixed cycle per signal, all starting together (no offsets): phase p of signal a is asked for
    during its slot of the yellow and all-red after the phase before it plus ``green_s[a, p]``
    seconds, timed by counting decision intervals, so it shows green for ``green_s`` s after the
    yellow and all-red the change costs.
    Slots are rounded up to whole decision intervals, and the twin stretches a green shorter than
    ``min_green_s``. On a grid every signal runs the scenario's greens; on an imported net each runs
    its own program's greens, yellows and all-reds."""

    name = "fixed_time"

    def __init__(self, layout: SignalLayout, green_s: Any, yellow_s: Any, all_red_s: Any):
        shape = (layout.n_int, layout.n_phases)
        green = np.broadcast_to(np.asarray(green_s, dtype=np.int64), shape)
        own = np.arange(layout.n_phases)[None, :] < layout.phases_at[:, None]
        if np.asarray(green_s).shape[-1:] != (layout.n_phases,) or (green[own] <= 0).any():
            raise ValueError(f"fixed_time: need one positive green (s) per phase ({layout.n_phases}), got {green_s}")
        self.layout = layout
        lost = np.broadcast_to(np.asarray(yellow_s, dtype=np.int64) + np.asarray(all_red_s, dtype=np.int64), shape)
        # A phase's slot runs from when it is asked for: the yellow and all-red of the phase before it, then its green.
        before = (np.arange(layout.n_phases)[None, :] - 1) % layout.phases_at[:, None]
        self.lost_s = np.take_along_axis(lost, before, axis=1)
        self.slot_s = green + self.lost_s
        self.reset()

    @classmethod
    def from_env(cls, env: Any) -> "FixedTimePolicy":
        """The scenario's fixed-time greens, yellow and all-red (an imported net's: each light's own)."""
        layout = SignalLayout.of(env)
        if not layout.grid:
            core = env.unwrapped.core
            prog, at = core.net.programs, core.agents.intersection
            p = layout.n_phases
            return cls(layout, prog.green_s[at, :p], prog.yellow_s[at, :p], prog.all_red_s[at, :p])
        sig = traffic_scenario(env).traffic.signals
        return cls(layout, sig.green_s, sig.yellow_s, sig.all_red_s)

    def reset(self, seed: int | None = None) -> None:
        """Start every cycle at phase 0 (green at the start of an episode, so its lost time counts as spent)."""
        self._phase = np.zeros(self.layout.n_int, dtype=np.int64)
        self._elapsed_s = self.lost_s[:, 0].copy()  # the change into phase 0 counts as already made

    def act(self, obs: np.ndarray) -> np.ndarray:
        """The phase of the cycle for every signal (``obs`` is only checked for its size)."""
        lay = self.layout
        lay.rows(obs)
        due = self._elapsed_s >= self.slot_s[np.arange(lay.n_int), self._phase]
        self._phase = np.where(due, (self._phase + 1) % lay.phases_at, self._phase)
        self._elapsed_s = np.where(due, 0, self._elapsed_s) + lay.interval_s
        return self._phase.copy()


class ActuatedPolicy:
    """Vehicle-actuated control from the observation, per signal.

    A green is held for at least ``min_green_s`` and extended while a movement it serves has a
    vehicle halted at the stop line (its queue has not cleared). It ends at a gap (no such vehicle)
    or after ``max_green_s``,
    but only if a movement without green has vehicles (halted or approaching); the next phase is the
    next one in the plan order that serves such a movement. The observation has no detector
    position, so "gap" means an empty stop line at the decision instant, not a headway in seconds;
    extending also for vehicles still approaching (up to a link length away) held greens to their
    maximum and was no better than fixed time on the shipped scenarios.
    """

    name = "actuated"

    def __init__(self, layout: SignalLayout, min_green_s: float, max_green_s: float):
        if not 0 < min_green_s <= max_green_s:
            raise ValueError(f"actuated: need 0 < min_green_s <= max_green_s, got {min_green_s}, {max_green_s}")
        self.layout, self.min_green_s, self.max_green_s = layout, float(min_green_s), float(max_green_s)
        self.reset()

    @classmethod
    def from_env(cls, env: Any) -> "ActuatedPolicy":
        """The scenario's min and max green (s)."""
        sig = traffic_scenario(env).traffic.signals
        return cls(SignalLayout.of(env), sig.min_green_s, sig.max_green_s)

    def reset(self, seed: int | None = None) -> None:
        """Forget the phase asked for last (memory for yellow and all-red)."""
        self._asked: np.ndarray | None = None

    def act(self, obs: np.ndarray) -> np.ndarray:
        """One phase request per signal."""
        lay = self.layout
        flat = lay.rows(obs)
        phase, changing, t_in = lay.phase(flat)
        halted, approaching = lay.halted(flat), lay.approaching(flat)
        waiting = (halted + approaching) > 0                      # (A, M) movement has vehicles
        at = np.arange(lay.n_int)
        green = lay.serves[at, phase]                             # (A, M) movements of the current phase
        keep = ((halted > 0) & green).any(axis=1)
        # Phases in program order after the current one, first with a waiting red movement.
        order = (phase[:, None] + np.arange(1, lay.n_phases + 1)[None, :]) % lay.phases_at[:, None]   # (A, P)
        wanted = (lay.serves[at[:, None], order] & (waiting & ~green)[:, None, :]).any(axis=2)      # (A, P)
        has_next = wanted.any(axis=1)
        nxt = order[np.arange(lay.n_int), wanted.argmax(axis=1)]
        end = ~changing & has_next & (t_in >= self.min_green_s) & (~keep | (t_in >= self.max_green_s))
        asked = np.where(end, nxt, phase)
        if self._asked is not None:
            asked = np.where(changing, self._asked, asked)       # a change in progress keeps its target
        self._asked = asked
        return asked.astype(np.int64)


class MaxPressurePolicy:
    """Max-pressure control (Varaiya 2013): every intersection asks for the phase whose movements have
    the largest total pressure; a movement's pressure is its queue minus the queue it feeds,
    ``x_m - sum_k r_k x_out,k`` (vehicles), where

    - ``x_m`` is the ``halted`` count of movement m (vehicles at its stop line);
    - ``x_out,k`` are the ``halted`` counts of the left, through and right lane groups of the link m
      leads into, read from the downstream intersection's part of the central observation, and
      ``r_k`` the scenario's turning shares (an approximation for origin-destination flows, which
      follow routes, not shares); a movement leaving the grid has no downstream queue.
    - On an imported SUMO net ``x_out,k`` are the queues of the link m leads into, each weighted
      equally (the observation carries no turn shares), and a link into a junction without a light
      counts as empty (its queues are not observed).

    Queues are used rather than every vehicle on a link because moving vehicles do not block a
    movement; on the shipped grids counting them made the controller worse. The current phase is
    kept on ties; the twin keeps min green, and a request made during yellow or all-red waits for
    the next green.
    """

    name = "max_pressure"

    def __init__(self, layout: SignalLayout, turning: tuple[float, float, float] = (0.15, 0.70, 0.15)):
        if len(turning) != 3 or min(turning) < 0 or sum(turning) <= 0:
            raise ValueError(f"max_pressure: turning must be three shares (left, through, right) >= 0, got {turning}")
        self.layout = layout
        self.turning = np.asarray(turning, dtype=np.float64) / sum(turning)

    @classmethod
    def from_env(cls, env: Any) -> "MaxPressurePolicy":
        """Phase plan, grid topology and turning shares of the env's scenario."""
        t = traffic_scenario(env).traffic.demand.turning
        return cls(SignalLayout.of(env), (t.left, t.through, t.right))

    def reset(self, seed: int | None = None) -> None:
        """Max-pressure keeps no memory."""

    def pressure(self, obs: np.ndarray) -> np.ndarray:
        """(signals, phases): total pressure of the movements each phase serves (vehicles); -inf for
        phases a signal's program lacks."""
        lay = self.layout
        flat = lay.rows(obs)
        if lay.grid:
            return phase_pressure(lay.halted(flat), lay.downstream_halted(flat), self.turning, lay.serves[0])
        movement = lay.halted(flat) - (lay.downstream_halted(flat) * lay.shares).sum(axis=2)
        pressure = np.einsum("am,apm->ap", movement, lay.serves.astype(np.float64))
        return np.where(np.arange(lay.n_phases)[None, :] < lay.phases_at[:, None], pressure, -np.inf)

    def act(self, obs: np.ndarray) -> np.ndarray:
        """One phase request per signal (on a grid, the rule the built-in ``max_pressure`` controller
        applies to the queues, :mod:`twin.traffic.max_pressure`)."""
        lay = self.layout
        phase, _, _ = lay.phase(lay.rows(obs))
        return choose_phases(self.pressure(obs), phase)


__all__ = ["SignalLayout", "FixedTimePolicy", "ActuatedPolicy", "MaxPressurePolicy", "traffic_scenario"]
