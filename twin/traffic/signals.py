"""Traffic signals: phase plans and the built-in controllers, vectorized over intersections.

Every intersection runs the same phase plan (``signals.phases``); a phase gives green to a set of
movements (approach side, turn). Each phase is followed by yellow and all-red intervals, during
which no movement has green: vehicles cross only on green.

- Fixed time: a cycle of green, yellow and all-red per phase, looked up from a table by
  ``(t - offset) mod cycle``. With ``offsets: green_wave`` intersection (r, c) is offset by
  (r + c) x block length / wave speed, so platoons heading east or south meet green.
- Actuated: green lasts at least ``min_green_s``; after that it ends when no vehicle on a green
  movement is within ``gap_s`` of the stop line (gap-out) or at ``max_green_s`` (max-out), then
  yellow and all-red lead to the next phase. Demand is read from the stop-line detectors: the
  head vehicle of each green queue and when it reaches the line.
- External: an agent writes the phase it wants into ``SignalState.request``. The twin keeps the
  safety rules: a green lasts at least ``min_green_s`` whatever is asked; a change goes through
  yellow and all-red to the phase that was asked when the yellow began (requests made during
  yellow and all-red wait for the next green). Asking for the phase that is green keeps it;
  ``max_green_s`` is not imposed on an agent.

The controllers step inside the compiled traffic step (:func:`twin.traffic.kernel.fixed_time_step`
and :func:`twin.traffic.kernel.controlled_step`); this module holds the plans and the state they step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.engine import ArrayState
from twin.scenario.traffic_schema import Signals
from twin.traffic.network import SIDES, TURN_LETTERS, RoadNetwork

GREEN, YELLOW, ALL_RED = 0, 1, 2


@dataclass
class SignalState(ArrayState):
    """Per intersection: current phase, interval (GREEN/YELLOW/ALL_RED), seconds in it, changes."""

    phase: np.ndarray
    interval: np.ndarray
    t_in_s: np.ndarray
    changes: np.ndarray        # phase changes since the last reading
    request: np.ndarray        # external control: the phase an agent asks for
    target: np.ndarray         # external control: the phase the current yellow/all-red leads to


@dataclass(frozen=True, eq=False)
class SignalPlan:
    """A phase plan bound to a network: which queues each phase serves, and the fixed-time table."""

    n_phases: int
    q_bits: np.ndarray         # per queue: bit p set if the queue has green in phase p
    cycle_s: int
    table_phase: np.ndarray    # per second of the cycle
    table_interval: np.ndarray
    offset_s: np.ndarray       # per intersection
    cfg: Signals
    # Fixed time, precomputed per second of the cycle with offsets applied: (cycle, I) and (cycle, Q).
    at_phase: np.ndarray
    at_interval: np.ndarray
    at_t_in_s: np.ndarray
    at_change: np.ndarray
    at_green: np.ndarray

    def green(self, net: RoadNetwork, state: SignalState) -> np.ndarray:
        """Boolean per queue: its movement has green now."""
        phase = state.phase[net.q_int]
        return (state.interval[net.q_int] == GREEN) & ((self.q_bits >> phase) & 1).astype(bool)


def make_plan(cfg: Signals, net: RoadNetwork, block_length_m: float, dt_s: int) -> SignalPlan:
    """Bind ``cfg`` to ``net`` stepped every ``dt_s`` (s): phase membership per queue, the fixed-time
    table and offsets (green-wave offsets fall on step boundaries)."""
    bits = np.zeros(net.n_queues, dtype=np.int64)
    side = np.array([SIDES[s] for s in net.q_side])
    turn = np.array([TURN_LETTERS[t] for t in net.q_turn])
    for p, movements in enumerate(cfg.movements()):
        for a, t in movements:
            bits[(side == a) & (turn == t)] |= 1 << p
    phase_col, interval_col = [], []
    for p, green in enumerate(cfg.green_s):
        for interval, length in ((GREEN, green), (YELLOW, cfg.yellow_s), (ALL_RED, cfg.all_red_s)):
            phase_col += [p] * length
            interval_col += [interval] * length
    cycle = len(phase_col)
    dt = dt_s
    if cfg.offsets == "green_wave":
        travel_s = block_length_m / (cfg.wave_speed_kmh / 3.6)
        # On step boundaries, so that stepping from one boundary to the next sees every interval.
        offset = (np.round((net.int_rc[:, 0] + net.int_rc[:, 1]) * travel_s / dt).astype(np.int64) * dt) % cycle
    else:
        offset = np.zeros(net.n_int, dtype=np.int64)
    table_phase, table_interval = np.array(phase_col, dtype=np.int64), np.array(interval_col, dtype=np.int64)
    # Seconds the interval will have lasted at the end of a step starting at that cycle second
    # (as the actuated controller counts).
    starts = np.r_[True, (np.diff(table_phase) != 0) | (np.diff(table_interval) != 0)]
    first = np.maximum.accumulate(np.where(starts, np.arange(cycle), 0))
    table_t_in = np.arange(cycle) - first + dt
    pos = (np.arange(cycle)[:, None] - offset[None, :]) % cycle
    at_phase, at_interval = table_phase[pos], table_interval[pos]
    at_change = (at_phase != table_phase[(pos - dt) % cycle]).astype(np.int64)
    at_green = (at_interval[:, net.q_int] == GREEN) & ((bits[None, :] >> at_phase[:, net.q_int]) & 1).astype(bool)
    return SignalPlan(n_phases=len(cfg.phases), q_bits=bits, cycle_s=cycle, table_phase=table_phase,
                      table_interval=table_interval, offset_s=offset, cfg=cfg, at_phase=at_phase,
                      at_interval=at_interval, at_t_in_s=table_t_in[pos], at_change=at_change, at_green=at_green)


def initial_state(plan: SignalPlan, n_int: int) -> SignalState:
    """All intersections at the start of their first phase's green (fixed time: set on first step)."""
    zeros = [np.zeros(n_int, dtype=np.int64) for _ in range(6)]
    return SignalState(phase=zeros[0], interval=zeros[1], t_in_s=zeros[2], changes=zeros[3], request=zeros[4],
                       target=zeros[5])
