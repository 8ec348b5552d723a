"""What the signal agents see, do and are rewarded for, every agent of a world at once.

Serves TrafficGrid-v0, its native vector version and the PettingZoo ``traffic_grid_v0``, on
generated grids and imported SUMO networks alike. Who the agents are and how their observations
are laid out is :mod:`envs.signal_agents`'. See ``docs/environments.md``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from envs.rewards import TrafficStep, needs_detail
from envs.signal_agents import VEHICLE_LIMIT, SignalAgents
from twin.engine import World
from twin.traffic.readings import waiting_per_queue, waiting_time_per_queue
from twin.traffic.signals import GREEN

TERMS = ("queue", "delay", "switch")  # reward terms, in the order of interval_terms' rows


@njit(cache=True, nogil=True)
def fill_observation(out, halted, count, agent_int, queue_start, queues, obs_start, phase, interval, t_in_s, limit):
    """Agent a's features ``out[obs_start[a]:obs_start[a + 1]]``: halted then approaching vehicles
    per movement (``queues[queue_start[a]:queue_start[a + 1]]``), the phase one-hot, 1 in yellow or
    all-red, and seconds in the interval, clipped to ``limit``.
    One compiled pass: with a thousand worlds the numpy version cost about a third of the step."""
    for a in range(agent_int.size):
        i = agent_int[a]
        o = obs_start[a]
        q0 = queue_start[a]
        m = queue_start[a + 1] - q0
        for j in range(m):
            q = queues[q0 + j]
            out[o + j] = min(halted[q], limit)
            out[o + m + j] = min(count[q] - halted[q], limit)
        end = obs_start[a + 1]
        for p in range(o + 2 * m, end - 2):
            out[p] = 0.0
        out[o + 2 * m + phase[i]] = 1.0
        out[end - 2] = 1.0 if interval[i] != GREEN else 0.0
        out[end - 1] = min(t_in_s[i], limit)


@njit(cache=True, nogil=True)
def sum_per_intersection(row_int, values, n_int):
    """``np.bincount(row_int, weights=values, minlength=n_int)`` for the first ``row_int.size``
    values, compiled (numpy's weighted bincount was a visible share of a thousand-world step)."""
    out = np.zeros(n_int)
    for r in range(row_int.size):
        out[row_int[r]] += values[r]
    return out


@njit(cache=True, nogil=True)
def interval_terms(q_int, halted_q, row_int, delay_q, last_delay_s, phase, last_phase, n_int,
                   w_queue, w_delay, w_switch, interval_s):
    """Per intersection: the vehicles halted now (``halted_q`` summed over its movements), and the
    weighted, signed terms (rows in TERMS order: queue, delay, switch) of the interval since
    ``last_delay_s`` and ``last_phase`` (the stop-line delay, s, so far: ``delay_q`` summed over the
    intersection's rows; the phase), which it then updates.
    One compiled pass in place of a dozen numpy calls a step; the arithmetic is numpy's, in its order."""
    halted = sum_per_intersection(q_int, halted_q, n_int)
    delay = sum_per_intersection(row_int, delay_q, n_int)
    terms = np.empty((len(TERMS), n_int))  # rows in TERMS order
    for i in range(n_int):
        terms[0, i] = -w_queue * halted[i] * interval_s / 3600.0
        terms[1, i] = -w_delay * (delay[i] - last_delay_s[i]) / 3600.0
        terms[2, i] = -w_switch * (1.0 if phase[i] != last_phase[i] else 0.0)
        last_delay_s[i] = delay[i]
        last_phase[i] = phase[i]
    return halted, terms


class TrafficTask:
    """Observations, phase requests and reward terms of every signal agent in ``world``."""

    def __init__(self, world: World, weights: dict[str, float], interval_s: int, reward: object = "weighted",
                 agents: SignalAgents | None = None):
        """``agents``: the world's signal agents, if the caller has them (an env derives them once per
        scenario); else derived from the world's network."""
        t = world.traffic
        self.world, self.net, self.sig, self.q, self.v = world, t.net, t.signals, t.queues, t.vehicles
        self.weights, self.interval_s = weights, interval_s
        net = self.net
        self.agents = agents if agents is not None else SignalAgents.of(net, t.plan.phases_at)
        self.n_int = net.n_int
        # Every row (movement queues, then outside queues) belongs to the intersection it leads to.
        self.row_int = np.concatenate([net.q_int, net.link_to[net.entries]]).astype(np.int64)
        self.movement_rows = np.arange(net.n_queues)
        # Links into and out of each intersection (a vehicle on an exit link is on no queue: it drives
        # to the border at free flow and is counted nowhere).
        self._in_links = np.flatnonzero(net.link_to >= 0)
        self._in_int = net.link_to[self._in_links].astype(np.int64)
        self._out_links = np.flatnonzero(net.link_from >= 0)
        self._out_int = net.link_from[self._out_links].astype(np.int64)
        self._weights = tuple(float(weights.get(term, 0.0)) for term in TERMS)
        self._last_delay = sum_per_intersection(self.row_int, self.q.delay_s, self.n_int)
        self._last_phase = self.sig.phase.copy()
        # The weighted, signed terms of the last interval, (TERMS, agents); rows of step.terms.
        self.last_terms = np.zeros((len(TERMS), self.agents.count))
        self.detail = needs_detail(reward)
        if self.detail:
            self._halted = self.halted()
            self._last_waiting_s = self._waiting_s()

    # -- observations ------------------------------------------------------------------------
    def halted(self) -> np.ndarray:
        """Vehicles at the stop line (reached it, not yet crossed) per movement queue."""
        return waiting_per_queue(self.q, self.world.now_s, self.movement_rows.size)

    def observe(self) -> np.ndarray:
        """Every agent's features, agent by agent (float32, ``agents.n_features`` long): halted and
        approaching per movement, phase, interval (:mod:`envs.signal_agents`)."""
        self._halted = self.halted()
        out = np.empty(self.agents.n_features, dtype=np.float32)
        s, ag = self.sig, self.agents
        fill_observation(out, self._halted, self.q.count, ag.intersection, ag.queue_start, ag.queues, ag.obs_start,
                         s.phase, s.interval, s.t_in_s, VEHICLE_LIMIT)
        return out

    # -- actions -----------------------------------------------------------------------------
    def act(self, phases: np.ndarray) -> None:
        """Ask every agent for a phase, one per agent (the twin keeps min green, yellow and all-red)."""
        if self.agents.every_intersection:
            self.sig.request[...] = phases
        else:
            self.sig.request[self.agents.intersection] = phases

    # -- rewards -----------------------------------------------------------------------------
    def _waiting_s(self) -> np.ndarray:
        """How long the vehicles at each intersection's stop lines have stood there, summed (s)."""
        per_queue = waiting_time_per_queue(self.q, self._halted, self.world.now_s)
        return sum_per_intersection(self.net.q_int, per_queue, self.n_int)

    def outcome(self) -> tuple[np.ndarray, TrafficStep]:
        """The observation now and the last interval's reward terms, in the one order that is right:
        the terms read the stop-line counts that observing takes."""
        obs = self.observe()
        return obs, self._measure()

    def _measure(self) -> TrafficStep:
        """The last interval of every agent, with the weighted, signed terms (after observe())."""
        halted, rows = interval_terms(
            self.net.q_int, self._halted, self.row_int, self.q.delay_s, self._last_delay, self.sig.phase,
            self._last_phase, self.n_int, *self._weights, self.interval_s)
        mine = None if self.agents.every_intersection else self.agents.intersection
        if mine is not None:
            halted, rows = halted[mine], rows[:, mine]
        self.last_terms = rows
        terms = dict(zip(TERMS, rows))
        if not self.detail:
            return TrafficStep(self.interval_s, terms, halted, None, None, None, None)
        waiting, last = self._waiting_s(), self._last_waiting_s
        self._last_waiting_s = waiting
        occupancy = self.q.occupancy.astype(np.float64)
        approaching = sum_per_intersection(self._in_int, occupancy[self._in_links], self.n_int)
        leaving = sum_per_intersection(self._out_int, occupancy[self._out_links], self.n_int)
        if mine is not None:
            waiting, last, approaching, leaving = waiting[mine], last[mine], approaching[mine], leaving[mine]
        return TrafficStep(self.interval_s, terms, halted, waiting, last, approaching_veh=approaching,
                           leaving_veh=leaving)
