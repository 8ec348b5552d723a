"""State arrays of the traffic subsystem: movement queues as ring buffers, vehicles, detectors.

Vehicles are rows of arrays (ids are row numbers, assigned in order of generation); queues hold
vehicle ids in FIFO ring buffers ``buf[q, (head[q] + k) % cap]`` for k < count[q]. Vehicles
waiting outside an entry link are another set of ring buffers, one per entry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.engine import ArrayState


@dataclass
class QueueState(ArrayState):
    """Movement queues (Q) and link occupancy (L)."""

    buf: np.ndarray            # (Q, cap) vehicle ids
    head: np.ndarray
    count: np.ndarray
    tokens: np.ndarray         # saturation-flow allowance, vehicles (at most one step's worth, >= 1)
    occupancy: np.ndarray      # (L,) vehicles on each link
    entry_tokens: np.ndarray   # (E,) inflow allowance of each entry link


@dataclass
class OutsideState(ArrayState):
    """Vehicles generated for an entry but not yet on the network, per entry (FIFO)."""

    buf: np.ndarray            # (E, cap)
    head: np.ndarray
    count: np.ndarray


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
    """Per stop-line detector (one per approach), cleared at each reading."""

    passed: np.ndarray         # vehicles that crossed the stop line
    busy_steps: np.ndarray     # steps with a vehicle waiting at or crossing the line
    steps: np.ndarray          # shape (): steps since the last reading


def empty_vehicles(capacity: int) -> Vehicles:
    """Vehicle arrays for ``capacity`` vehicles, all unused."""
    def minus_one(dtype=np.int64):
        return np.full(capacity, -1, dtype=dtype)

    return Vehicles(n=np.zeros((), dtype=np.int64), gen_s=minus_one(), enter_s=minus_one(),
                    arrive_s=minus_one(), ready_s=minus_one(), free_flow_s=np.zeros(capacity, dtype=np.int64),
                    wait_s=np.zeros(capacity, dtype=np.int64), stops=np.zeros(capacity, dtype=np.int64),
                    origin=minus_one(np.int32), dest=minus_one(np.int32), route=minus_one(np.int32),
                    hop=np.zeros(capacity, dtype=np.int32))
