"""State arrays of the traffic subsystem: queues as ring buffers, vehicles, detectors.

Vehicles are rows of arrays (ids are row numbers, assigned in order of generation); queues hold
vehicle ids in FIFO ring buffers, and beside them the times those vehicles reach the stop line (the
layout and its helpers are :mod:`twin.traffic.ring`'s). Rows 0..Q-1 are the movement queues;
rows Q..Q+E-1 are the entries' outside queues, vehicles generated but not yet on the network. Buffers and vehicle arrays grow when they must (outside the step).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.engine import ArrayState


@dataclass
class QueueState(ArrayState):
    """Movement queues and outside queues (Q + E rows), and link occupancy (L)."""

    buf: np.ndarray            # (Q + E, cap) vehicle ids in rings (twin.traffic.ring), -1 where empty
    slot_ready_s: np.ndarray   # (Q + E, cap) beside each id in buf: when that vehicle reaches the line (s)
    head: np.ndarray           # (Q + E,) slot of each row's head vehicle
    count: np.ndarray          # (Q + E,) vehicles in each row
    head_ready_s: np.ndarray   # when each row's head vehicle reaches the line (s), NEVER_S if empty
    tokens: np.ndarray         # saturation-flow allowance, vehicles (capped at one step's worth, >= 1)
    occupancy: np.ndarray      # vehicles on each link (those waiting outside are on none)
    delay_s: np.ndarray        # per row: total stopped time of the vehicles that left it (never cleared)
    halted: np.ndarray         # (Q,) vehicles at the stop line of each movement queue at halted_at_s
    halted_at_s: np.ndarray    # shape (): when the step last counted them (s); -1 before it has


@dataclass
class Vehicles(ArrayState):
    """One row per vehicle; -1 marks times that have not happened."""

    n: np.ndarray              # shape (): vehicles created so far (next id)
    gen_s: np.ndarray          # when it wanted to enter
    enter_s: np.ndarray
    arrive_s: np.ndarray
    ready_s: np.ndarray        # when it reaches the stop line of its current link at free flow
    free_flow_s: np.ndarray    # free-flow time of the links it has entered
    wait_s: np.ndarray         # time stopped: outside the network and at stop lines
    stops: np.ndarray
    origin: np.ndarray         # entry link
    dest: np.ndarray           # exit link it left by (-1 until then)
    route: np.ndarray          # OD route id, -1 to choose turns by the turning ratios
    hop: np.ndarray            # position along its route


@dataclass
class DetectorRegisters(ArrayState):
    """Stop-line detector registers, kept per queue (Q + E) and summed per approach when read.

    Cleared at each reading.
    """

    passed: np.ndarray         # vehicles that crossed the stop line
    busy_steps: np.ndarray     # steps with a vehicle waiting at the line
    steps: np.ndarray          # shape (): steps since the last reading


@dataclass
class TurnDraws(ArrayState):
    """Uniforms for turning choices, drawn ahead in blocks from each replica's stream.

    A step needs a few turn draws per replica world; gathering them from this pool is one numpy
    call for all replicas, where drawing them would be one Generator call per replica per step.
    A replica's row is refilled (unused draws kept first) when a step needs more than it holds,
    which depends on that replica alone, so replica k still draws exactly as a single world.
    """

    u: np.ndarray              # (replicas, block) uniforms in [0, 1)
    used: np.ndarray           # (replicas,) how many of each row are spent


def empty_turn_draws(replicas: int, block: int) -> TurnDraws:
    """A pool with every row spent, so each replica draws its first block when it first needs it."""
    return TurnDraws(u=np.zeros((replicas, block)), used=np.full(replicas, block, dtype=np.int64))


NEVER_S = np.iinfo(np.int64).max // 4


def grow_vehicles(v: "Vehicles", needed: int) -> None:
    """Make room for ``needed`` vehicles (keeping the sentinel as the last row)."""
    old = v.gen_s.size - 1
    new = max(needed, 2 * old) + 1
    for name, arr in v.arrays().items():
        if arr.ndim == 0:
            continue
        grown = np.zeros(new, dtype=arr.dtype)
        grown[:old] = arr[:old]
        grown[-1] = arr[-1]
        setattr(v, name, grown)


def empty_vehicles(capacity: int) -> Vehicles:
    """Vehicle arrays for ``capacity`` vehicles plus a last sentinel row.

    Rows are written whole when their vehicles are created
    (:func:`twin.traffic.demand.append_arrivals`), never read before: the arrays start as zeros,
    which costs nothing until a row is used. Empty ring-buffer slots hold -1, which indexes the
    sentinel: its ready and generation times are never reached, so an empty queue needs no separate
    test on the hot path.
    """
    capacity += 1
    ints = {name: np.zeros(capacity, dtype=np.int64)
            for name in ("gen_s", "enter_s", "arrive_s", "ready_s", "free_flow_s", "wait_s", "stops")}
    small = {name: np.zeros(capacity, dtype=np.int32) for name in ("origin", "dest", "route", "hop")}
    vehicles = Vehicles(n=np.zeros((), dtype=np.int64), **ints, **small)
    for name in ("enter_s", "arrive_s", "origin", "dest", "route"):
        getattr(vehicles, name)[-1] = -1
    vehicles.gen_s[-1] = vehicles.ready_s[-1] = NEVER_S
    return vehicles
