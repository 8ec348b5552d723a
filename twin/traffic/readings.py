"""Traffic readings: every ``interval_s`` the detectors, signals and network counts go to the bus.

Per detector (one per approach): vehicles that crossed the stop line, occupancy (share of steps
with a vehicle waiting at the line, averaged over the approach's lane groups) and the queue
(vehicles waiting at the line now).
Per intersection: its total queue. Per signal: the phase in force and the phase changes in the
interval. For the city: vehicles on the network, waiting to enter, and arrived so far.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from twin.engine import Periodic
from twin.telemetry.bus import TelemetryBus
from twin.traffic.kernel import halted_per_queue, waiting_time_of_halted
from twin.traffic.network import RoadNetwork
from twin.traffic.signals import SignalState
from twin.traffic.state import DetectorRegisters, QueueState, Vehicles


def waiting_per_queue(q: QueueState, t: int, rows: int) -> np.ndarray:
    """Vehicles in each of the first ``rows`` queues that have reached the stop line by ``t`` (s).

    The movement queues' counts at the end of the last step run come with the step, counted while
    the queues were in cache; anything else is counted here.
    """
    if rows <= q.halted.size and q.halted_at_s == t:
        return q.halted[:rows].copy()
    return halted_per_queue(q.slot_ready_s, q.head, q.count, q.head_ready_s, t, rows)


def waiting_time_per_queue(q: QueueState, halted: np.ndarray, t: int) -> np.ndarray:
    """Seconds the vehicles at the stop line of each of the first ``halted.size`` queues have stood
    there at ``t``, summed; ``halted`` is :func:`waiting_per_queue` of the same queues at ``t``."""
    return waiting_time_of_halted(q.slot_ready_s, q.head, halted, t)


@njit(cache=True, nogil=True)
def reading_values(out, q_det, n_det, lane_groups, q_int, n_int, steps, passed, busy_steps, per_queue, phase, changes,
                   gen_s, enter_s, arrive_s, n_vehicles, now_s):
    """Fill ``out`` in the readings' layout order: per detector the vehicles that crossed, occupancy
    (busy steps summed over its lane groups / their count / ``steps``) and queue; per intersection
    its queue; per signal phase and changes; vehicles on the network, waiting to enter and arrived
    by ``now_s`` (s). One pass where numpy took nine (three over every vehicle so far); the sums
    run in numpy's bincount order, so the values are the same to the bit."""
    n_q = q_det.size
    crossed = out[:n_det]
    occupancy = out[n_det:2 * n_det]
    queue = out[2 * n_det:3 * n_det]
    at_int = out[3 * n_det:3 * n_det + n_int]
    crossed[:] = 0.0
    occupancy[:] = 0.0
    queue[:] = 0.0
    at_int[:] = 0.0
    for r in range(n_q):
        d = q_det[r]
        crossed[d] += passed[r]
        occupancy[d] += busy_steps[r]
        queue[d] += per_queue[r]
        at_int[q_int[r]] += per_queue[r]
    for d in range(n_det):
        occupancy[d] = occupancy[d] / lane_groups[d] / steps
    o = 3 * n_det + n_int
    n_sig = phase.size
    for i in range(n_sig):
        out[o + i] = phase[i]
        out[o + n_sig + i] = changes[i]
    on_network = waiting = arrived = 0
    for k in range(n_vehicles):
        a = arrive_s[k]
        if enter_s[k] >= 0 and (a < 0 or a > now_s):
            on_network += 1
        if gen_s[k] <= now_s and enter_s[k] < 0:
            waiting += 1
        if a >= 0 and a <= now_s:
            arrived += 1
    o += 2 * n_sig
    out[o] = on_network
    out[o + 1] = waiting
    out[o + 2] = arrived


class TrafficReadings(Periodic):
    """Scheduled event: publish the traffic readings, then clear the detector registers."""

    name = "traffic_readings"
    priority = -7

    def __init__(self, *, bus: TelemetryBus, net: RoadNetwork, interval_s: int, signals: SignalState,
                 queues: QueueState, vehicles: Vehicles, detectors: DetectorRegisters,
                 detector_ids: list[str]):
        self.bus, self.net = bus, net
        self.period_s = self.first_s = interval_s  # the first reading closes the first interval
        self.sig, self.q, self.v, self.det = signals, queues, vehicles, detectors
        self.det_nodes = bus.register(detector_ids)
        self.int_nodes = bus.register(list(net.int_ids))
        self.sig_nodes = bus.register([f"{i}/signal" for i in net.int_ids])
        self.city = bus.register(["city"])
        self.q_det = np.unique(net.q_link, return_inverse=True)[1]  # approach of each movement queue
        self.lane_groups = np.bincount(self.q_det)
        self.layout = bus.layout([
            ("det_count", "veh", self.det_nodes), ("det_occupancy", "fraction", self.det_nodes),
            ("queue_veh", "veh", self.det_nodes), ("intersection_queue_veh", "veh", self.int_nodes),
            ("phase", "index", self.sig_nodes), ("phase_changes", "count", self.sig_nodes),
            ("vehicles_in_network", "veh", self.city), ("vehicles_waiting_to_enter", "veh", self.city),
            ("vehicles_arrived", "veh", self.city)])

    def read(self, now_s: int) -> None:
        """Publish readings for the steps since the last one (nothing if there were none)."""
        steps = int(self.det.steps)
        if steps == 0:
            return
        det, v, net = self.det, self.v, self.net
        per_queue = waiting_per_queue(self.q, now_s, net.n_queues)  # movement queues only
        values = np.empty(self.layout.size)
        reading_values(values, self.q_det, self.det_nodes.size, self.lane_groups, net.q_int, net.n_int, steps,
                       det.passed, det.busy_steps, per_queue, self.sig.phase, self.sig.changes,
                       v.gen_s, v.enter_s, v.arrive_s, int(v.n), now_s)
        self.bus.publish(now_s, self.layout, values)
        for arr in (det.passed, det.busy_steps, self.sig.changes):
            arr[...] = 0
        det.steps[...] = 0

    step = read  # a reading is this process's step
