"""Traffic readings: every ``interval_s`` the detectors, signals and network counts go to the bus.

Per detector (one per approach): vehicles that crossed the stop line, occupancy (share of steps
with a vehicle waiting at the line, averaged over the approach's lane groups) and the queue
(vehicles waiting at the line now).
Per intersection: its total queue. Per signal: the phase in force and the phase changes in the
interval. For the city: vehicles on the network, waiting to enter, and arrived so far.
"""

from __future__ import annotations

import numpy as np

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
        det, v = self.det, self.v
        per_queue = waiting_per_queue(self.q, now_s, self.net.n_queues)  # movement queues only
        n_q, n_det = self.net.n_queues, self.det_nodes.size
        busy = np.bincount(self.q_det, det.busy_steps[:n_q], n_det) / self.lane_groups
        n = int(v.n)
        generated = v.gen_s[:n] <= now_s
        on_network = (v.enter_s[:n] >= 0) & ((v.arrive_s[:n] < 0) | (v.arrive_s[:n] > now_s))
        arrived = (v.arrive_s[:n] >= 0) & (v.arrive_s[:n] <= now_s)
        values = np.concatenate([  # in the layout's order
            np.bincount(self.q_det, det.passed[:n_q], n_det), busy / steps,
            np.bincount(self.q_det, weights=per_queue, minlength=n_det),
            np.bincount(self.net.q_int, weights=per_queue, minlength=self.net.n_int),
            self.sig.phase, self.sig.changes,
            [on_network.sum(), (generated & (v.enter_s[:n] < 0)).sum(), arrived.sum()]], dtype=np.float64)
        self.bus.publish(now_s, self.layout, values)
        for arr in (det.passed, det.busy_steps, self.sig.changes):
            arr[...] = 0
        det.steps[...] = 0

    step = read  # a reading is this process's step
