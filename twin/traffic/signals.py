"""Traffic signals: phase plans and the built-in controllers, vectorized over intersections.

On a generated grid every intersection runs the scenario's phase plan (``signals.phases``); an
imported SUMO network brings each intersection's own program (:mod:`twin.traffic.sumo_net`). A phase
gives green to a set of movements. Each phase is followed by yellow and all-red intervals, during
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

The controllers step inside the compiled traffic step (:func:`twin.traffic.signal_kernel.fixed_time_step`
and :func:`twin.traffic.signal_kernel.controlled_step`); this module holds the plans and the state they step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.engine import ArrayState
from twin.scenario.traffic_schema import Signals
from twin.traffic.network import SIDES, TURN_LETTERS, RoadNetwork, SignalPrograms

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
    """A phase plan bound to a network: which queues each phase serves, the timings per
    intersection, and the fixed-time table."""

    n_phases: int              # the most phases any intersection has (the agent's action count on grids)
    q_bits: np.ndarray         # per queue: bit p set if the queue has green in phase p
    q_actuating_bits: np.ndarray  # per queue: bit p set if its vehicles extend phase p's green (actuated)
    cycle_s: int               # rows of the fixed-time table: the least common multiple of the cycles
    offset_s: np.ndarray       # per intersection
    phases_at: np.ndarray      # (I,) phases of each intersection's program
    yellow_s: np.ndarray       # (I, P)
    all_red_s: np.ndarray      # (I, P)
    signalized: np.ndarray     # (I,) bool
    cfg: Signals
    # Fixed time, precomputed per second of the table with offsets applied: (cycle, I) and (cycle, Q).
    at_phase: np.ndarray
    at_interval: np.ndarray
    at_t_in_s: np.ndarray
    at_change: np.ndarray
    at_green: np.ndarray

    def green(self, net: RoadNetwork, state: SignalState) -> np.ndarray:
        """Boolean per queue: its movement has green now."""
        phase = state.phase[net.q_int]
        return (state.interval[net.q_int] == GREEN) & ((self.q_bits >> phase) & 1).astype(bool)


# The fixed-time table has one row per second of the common cycle of all intersections, each row
# one entry per intersection and per queue: past this many entries the programs' cycles are refused.
MAX_TABLE_ENTRIES = 200_000_000


class ProgramsTooLong(ValueError):
    """The intersections' cycles have a common multiple too long to tabulate."""


def table_rows(progs: SignalPrograms, net: RoadNetwork) -> int:
    """Rows (s) of the fixed-time table: the least common multiple of the intersections' cycles.
    ProgramsTooLong, naming the cycles, if the table would pass :data:`MAX_TABLE_ENTRIES`."""
    cycles = (progs.green_s + progs.yellow_s + progs.all_red_s).sum(axis=1)
    rows = int(np.lcm.reduce(np.unique(cycles)))
    if rows * (net.n_int + net.n_queues) > MAX_TABLE_ENTRIES:
        shown = ", ".join(str(c) for c in np.unique(cycles)[:6])
        raise ProgramsTooLong(f"the signal cycles ({shown} s) repeat together only every {rows:,} s, too long a "
                              f"fixed-time table for {net.n_int:,} intersections; give the programs cycles "
                              "with a shorter common multiple")
    return rows


def grid_programs(cfg: Signals, net: RoadNetwork, block_length_m: float, dt_s: int) -> SignalPrograms:
    """The scenario's one phase plan at every intersection of a generated grid, with its offsets
    (green-wave offsets fall on step boundaries)."""
    bits = np.zeros(net.n_queues, dtype=np.int64)
    side = np.array([SIDES[s] for s in net.q_side])
    turn = np.array([TURN_LETTERS[t] for t in net.q_turn])
    for p, movements in enumerate(cfg.movements()):
        for a, t in movements:
            bits[(side == a) & (turn == t)] |= 1 << p
    n_int, n_phases = net.n_int, len(cfg.phases)
    cycle = sum(cfg.green_s) + n_phases * (cfg.yellow_s + cfg.all_red_s)
    if cfg.offsets == "green_wave":
        travel_s = block_length_m / (cfg.wave_speed_kmh / 3.6)
        # On step boundaries, so that stepping from one boundary to the next sees every interval.
        offset = (np.round((net.int_rc[:, 0] + net.int_rc[:, 1]) * travel_s / dt_s).astype(np.int64) * dt_s) % cycle
    else:
        offset = np.zeros(n_int, dtype=np.int64)
    per_phase = np.ones((n_int, n_phases), dtype=np.int64)
    return SignalPrograms(q_bits=bits, q_actuating_bits=bits, n_phases=np.full(n_int, n_phases, dtype=np.int64),
                          green_s=per_phase * np.array(cfg.green_s, dtype=np.int64),
                          yellow_s=per_phase * cfg.yellow_s, all_red_s=per_phase * cfg.all_red_s,
                          offset_s=offset, signalized=np.ones(n_int, dtype=bool))


def make_plan(cfg: Signals, net: RoadNetwork, dt_s: int, block_length_m: float = 0.0) -> SignalPlan:
    """Bind ``cfg`` to ``net`` stepped every ``dt_s`` (s): the net's own programs (an imported net)
    or the scenario's plan at every intersection of a grid with blocks of ``block_length_m`` (m, for
    green-wave offsets), and the fixed-time table. ProgramsTooLong if the cycles' common multiple is
    too long to tabulate."""
    progs = net.programs if net.programs is not None else grid_programs(cfg, net, block_length_m, dt_s)
    bits, dt, n_int = progs.q_bits, dt_s, net.n_int
    # Intersections with the same program share one table column pattern: a grid has one program.
    timing = np.concatenate([progs.n_phases[:, None], progs.green_s, progs.yellow_s, progs.all_red_s], axis=1)
    programs, program_of = np.unique(timing, axis=0, return_inverse=True)
    program_of = program_of.ravel()
    tables = [_program_table(row, progs.green_s.shape[1]) for row in programs]
    cycle = table_rows(progs, net)
    at_phase = np.empty((cycle, n_int), dtype=np.int64)
    at_interval, at_t_in, at_change = np.empty_like(at_phase), np.empty_like(at_phase), np.empty_like(at_phase)
    for j, (table_phase, table_interval) in enumerate(tables):
        members = np.flatnonzero(program_of == j)
        own = table_phase.size
        # Seconds the interval will have lasted at the end of a step starting at that cycle second
        # (as the actuated controller counts).
        starts = np.r_[True, (np.diff(table_phase) != 0) | (np.diff(table_interval) != 0)]
        first = np.maximum.accumulate(np.where(starts, np.arange(own), 0))
        table_t_in = np.arange(own) - first + dt
        pos = (np.arange(cycle)[:, None] - progs.offset_s[None, members]) % own
        at_phase[:, members], at_interval[:, members] = table_phase[pos], table_interval[pos]
        at_t_in[:, members] = table_t_in[pos]
        at_change[:, members] = (table_phase[pos] != table_phase[(pos - dt) % own]).astype(np.int64)
    at_green = (at_interval[:, net.q_int] == GREEN) & ((bits[None, :] >> at_phase[:, net.q_int]) & 1).astype(bool)
    return SignalPlan(n_phases=int(progs.n_phases.max(initial=1)), q_bits=bits,
                      q_actuating_bits=progs.q_actuating_bits, cycle_s=cycle,
                      offset_s=progs.offset_s, phases_at=progs.n_phases, yellow_s=progs.yellow_s,
                      all_red_s=progs.all_red_s, signalized=progs.signalized, cfg=cfg, at_phase=at_phase,
                      at_interval=at_interval, at_t_in_s=at_t_in, at_change=at_change, at_green=at_green)


def _program_table(timing: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Phase and interval per second of one program's cycle (``timing``: its phase count, then
    green, yellow and all-red per phase, each ``width`` long)."""
    n = int(timing[0])
    green, yellow, all_red = timing[1:1 + width], timing[1 + width:1 + 2 * width], timing[1 + 2 * width:]
    phase_col, interval_col = [], []
    for p in range(n):
        for interval, length in ((GREEN, green[p]), (YELLOW, yellow[p]), (ALL_RED, all_red[p])):
            phase_col += [p] * int(length)
            interval_col += [interval] * int(length)
    return np.array(phase_col, dtype=np.int64), np.array(interval_col, dtype=np.int64)


def initial_state(plan: SignalPlan, n_int: int) -> SignalState:
    """All intersections at the start of their first phase's green (fixed time: set on first step)."""
    zeros = [np.zeros(n_int, dtype=np.int64) for _ in range(6)]
    return SignalState(phase=zeros[0], interval=zeros[1], t_in_s=zeros[2], changes=zeros[3], request=zeros[4],
                       target=zeros[5])
