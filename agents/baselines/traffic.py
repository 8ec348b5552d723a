"""Rule-based signal controllers for ``twin/TrafficGrid-v0``: fixed time, actuated and max-pressure.

They act through the env like a learner: each reads only the observation (per intersection:
``halted`` and ``approaching`` vehicles for the 12 movements ``NL NT NR EL ET ER SL ST SR WL WT WR``,
the phase one-hot, the yellow/all-red flag and the seconds in the current interval; see
:mod:`envs.traffic_task`) and asks for one phase per intersection. Constants come from the env
when built: the scenario's phase plan (which movements each phase serves), signal timing, grid
topology and the decision interval. The twin enforces min green, yellow and all-red whatever is
asked, and keeps the green phase when it is asked for again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from envs.signal_agents import MOVEMENTS, feature_count
from twin.scenario.schema import Scenario
from twin.traffic.max_pressure import choose_phases, phase_pressure
from twin.traffic.network import EXIT, SIDES, TURN_LETTERS, grid_network

N_MOV = len(MOVEMENTS)  # 12 movements per intersection


def traffic_scenario(env: Any) -> Scenario:
    """The validated scenario a TrafficGrid-v0 env builds its worlds from."""
    core = getattr(env.unwrapped, "core", None)
    scenario = getattr(getattr(core, "episodes", None), "scenario", None)
    if scenario is None or scenario.traffic is None:
        raise ValueError(f"{type(env.unwrapped).__name__} is not twin/TrafficGrid-v0; traffic baselines need it")
    return scenario


@dataclass(frozen=True, eq=False)
class SignalLayout:
    """How TrafficGrid-v0 lays out intersections in its observation, and what each phase serves.

    ``serves[p, m]``: movement m has green in phase p. ``downstream[i, m]``: flat observation
    indices of the ``halted`` counts of the left, through and right lane groups on the link that
    movement m of intersection i leads into, -1 where it leads out of the grid (an exit link holds
    no queue).
    """

    n_int: int
    n_phases: int
    interval_s: int
    serves: np.ndarray
    downstream: np.ndarray

    @property
    def n_features(self) -> int:
        """Observation features per intersection: halted and approaching per movement, phase one-hot, 2."""
        return feature_count(N_MOV, self.n_phases)

    @classmethod
    def of(cls, env: Any) -> "SignalLayout":
        """The layout of a TrafficGrid-v0 env (wrapped or not)."""
        sc = traffic_scenario(env)
        return cls.from_scenario(sc, env.unwrapped.core.episodes.interval_s)

    @classmethod
    def from_scenario(cls, scenario: Scenario, interval_s: int) -> "SignalLayout":
        """The layout of a central agent over every intersection of ``scenario`` deciding every ``interval_s``."""
        traffic = scenario.traffic
        if traffic.imported:
            raise ValueError(f"scenario {scenario.name} runs on a SUMO network; these baselines read a generated "
                             "grid's 12 movements per intersection. On an imported net run its own programs or the "
                             "built-in controllers: twin run SCENARIO --set traffic.signals.controller=max_pressure")
        phases = traffic.signals.movements()
        serves = np.zeros((len(phases), N_MOV), dtype=bool)
        for p, movements in enumerate(phases):
            for side, turn in movements:
                serves[p, SIDES.index(side) * 3 + TURN_LETTERS.index(turn)] = True
        net = grid_network(traffic)
        movement = net.q_side.astype(np.int64) * 3 + net.q_turn.astype(np.int64)
        n_features = feature_count(N_MOV, len(phases))
        flat = net.q_int.astype(np.int64) * n_features + movement  # obs index of each queue's halted count
        q_of_int = np.full((net.n_int, N_MOV), -1, dtype=np.int64)
        q_of_int[net.q_int, movement] = np.arange(net.n_queues)
        out_link = net.q_out[q_of_int]
        into_exit = net.link_kind[out_link] == EXIT
        downstream = np.where(into_exit[..., None], -1, flat[net.queue_of[np.where(into_exit, 0, out_link)]])
        return cls(n_int=net.n_int, n_phases=len(phases), interval_s=int(interval_s), serves=serves,
                   downstream=downstream)

    def rows(self, obs: np.ndarray) -> np.ndarray:
        """The observation as (intersections, features)."""
        a = np.asarray(obs, dtype=np.float64)
        if a.size != self.n_int * self.n_features:
            raise ValueError(f"observation has {a.size} values; this layout expects {self.n_int} intersections "
                             f"x {self.n_features} features")
        return a.reshape(self.n_int, self.n_features)

    def phase(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per intersection: current (or last green) phase, in yellow/all-red (bool), seconds in the interval."""
        one_hot = rows[:, 2 * N_MOV:2 * N_MOV + self.n_phases]
        return one_hot.argmax(axis=1), rows[:, -2] > 0.5, rows[:, -1]

    def downstream_halted(self, obs: np.ndarray) -> np.ndarray:
        """(intersections, 12, 3): halted vehicles at the left, through and right lines of the link each
        movement leads into; 0 for links leaving the grid."""
        flat = np.asarray(obs, dtype=np.float64).ravel()
        return flat[np.maximum(self.downstream, 0)] * (self.downstream >= 0)


class FixedTimePolicy:
    """A fixed cycle, the same at every intersection (no offsets): phase p is asked for during its
    slot of ``green_s[p] + yellow_s + all_red_s`` seconds, timed by counting decision intervals, so it
    shows green for ``green_s[p]`` s after the yellow and all-red the change costs. Slots are rounded
    up to whole decision intervals, and the twin stretches a green shorter than ``min_green_s``."""

    name = "fixed_time"

    def __init__(self, layout: SignalLayout, green_s: tuple[int, ...], yellow_s: int, all_red_s: int):
        if len(green_s) != layout.n_phases or min(green_s) <= 0:
            raise ValueError(f"fixed_time: need one positive green (s) per phase ({layout.n_phases}), got {green_s}")
        self.layout = layout
        self.lost_s = int(yellow_s) + int(all_red_s)
        self.slot_s = np.asarray(green_s, dtype=np.int64) + self.lost_s
        self.reset()

    @classmethod
    def from_env(cls, env: Any) -> "FixedTimePolicy":
        """The scenario's fixed-time greens, yellow and all-red."""
        sig = traffic_scenario(env).traffic.signals
        return cls(SignalLayout.of(env), sig.green_s, sig.yellow_s, sig.all_red_s)

    def reset(self, seed: int | None = None) -> None:
        """Start the cycle at phase 0 (green at the start of an episode, so its lost time counts as spent)."""
        self._phase, self._elapsed_s = 0, self.lost_s

    def act(self, obs: np.ndarray) -> np.ndarray:
        """The phase of the cycle for every intersection (``obs`` is only checked for its size)."""
        self.layout.rows(obs)
        if self._elapsed_s >= self.slot_s[self._phase]:
            self._phase, self._elapsed_s = (self._phase + 1) % self.layout.n_phases, 0
        self._elapsed_s += self.layout.interval_s
        return np.full(self.layout.n_int, self._phase, dtype=np.int64)


class ActuatedPolicy:
    """Vehicle-actuated control from the observation, per intersection.

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
        """One phase request per intersection."""
        lay = self.layout
        rows = lay.rows(obs)
        phase, changing, t_in = lay.phase(rows)
        halted, approaching = rows[:, :N_MOV], rows[:, N_MOV:2 * N_MOV]
        waiting = (halted + approaching) > 0                      # (I, 12) movement has vehicles
        green = lay.serves[phase]                                 # (I, 12) movements of the current phase
        keep = ((halted > 0) & green).any(axis=1)
        # Phases in plan order after the current one, first with a waiting red movement.
        order = (phase[:, None] + np.arange(1, lay.n_phases + 1)[None, :]) % lay.n_phases   # (I, P)
        wanted = (lay.serves[order] & (waiting & ~green)[:, None, :]).any(axis=2)            # (I, P)
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
        """(intersections, phases): total pressure of the movements each phase serves (vehicles)."""
        lay = self.layout
        return phase_pressure(lay.rows(obs)[:, :N_MOV], lay.downstream_halted(obs), self.turning, lay.serves)

    def act(self, obs: np.ndarray) -> np.ndarray:
        """One phase request per intersection (the rule the built-in ``max_pressure`` controller applies
        to the queues, :mod:`twin.traffic.max_pressure`)."""
        lay = self.layout
        phase, _, _ = lay.phase(lay.rows(obs))
        return choose_phases(self.pressure(obs), phase)


__all__ = ["SignalLayout", "FixedTimePolicy", "ActuatedPolicy", "MaxPressurePolicy", "traffic_scenario"]
