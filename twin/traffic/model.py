"""The mesoscopic queue model: every vehicle, every queue, one step for all of them.

A vehicle entering a link joins the FIFO of the movement it will take and reaches the stop line
at free flow after the link's free-flow time. In a step starting at ``t`` the head vehicle of a
queue crosses when all hold: it has reached the line (ready <= t), its movement has green, the
saturation-flow allowance has a whole vehicle (a token bucket refilled at the saturation flow,
capped at one step's worth), and the link it turns into has room (occupancy < storage); else it
waits, so queues spill back. Exit links take every vehicle; it arrives after their free-flow time.

Entries use the same machinery: each entry's outside queue is one more queue, always green,
whose vehicles are ready at the time they want to enter and which discharges onto the entry link
at the entry's saturation flow when it has room. One pass over all queues serves both.

Per vehicle the model keeps exact times: generated, entered, arrived, free-flow time of the links
entered, time stopped (outside and at stop lines), and stops (each delay at a line, waiting to
enter included, counts once).

This module sets up the constants per queue row, updates the signals and keeps the turn pool
filled; the step over the queues itself is compiled (:mod:`twin.traffic.kernel`).
"""

from __future__ import annotations

import numpy as np

from twin.engine import Periodic
from twin.traffic.kernel import queue_step, signal_green
from twin.streams import Streams
from twin.traffic.demand import DemandPlan
from twin.traffic.network import EXIT, RoadNetwork
from twin.traffic.signals import SignalPlan, SignalState, actuated_update, external_update, fixed_time_update
from twin.traffic.state import DetectorRegisters, QueueState, TurnDraws, Vehicles


class TrafficPhysics(Periodic):
    """The traffic step process; fires every traffic ``dt_s``."""

    name = "traffic_physics"
    priority = 2

    def __init__(self, *, net: RoadNetwork, plan: SignalPlan, demand: DemandPlan, signals: SignalState,
                 queues: QueueState, vehicles: Vehicles, detectors: DetectorRegisters, turns: TurnDraws,
                 streams: Streams):
        self.net, self.plan, self.demand, self.sig = net, plan, demand, signals
        self.q, self.v, self.det, self.turns, self.streams = queues, vehicles, detectors, turns, streams
        self.dt_s = self.period_s = dt = net.dt_s
        self.controller = plan.cfg.controller
        n_q, n_e = net.n_queues, net.entries.size
        self.n_movement_queues = n_q
        self.rows = np.arange(n_q + n_e)
        # Replica worlds lay out movement queues replica by replica, then outside queues the same
        # way; a row's position within its own replica is what orders queues competing for room.
        k = net.replicas
        self.links_per_replica = net.n_links // k
        self.rows_per_replica = (n_q + n_e) // k
        self.local_row = np.concatenate([np.arange(n_q) % (n_q // k), n_q // k + np.arange(n_e) % (n_e // k)])
        self.outside_link = net.n_links  # an extra, bottomless link where outside queues sit
        self.link = np.concatenate([net.q_link, np.full(n_e, self.outside_link)])
        self.target = np.concatenate([net.q_out, net.entries])
        self.storage = np.concatenate([net.storage, [np.iinfo(np.int64).max // 4]])
        self.refill = np.concatenate([net.q_sat_vps, net.lanes[net.entries] * net.lane_sat_vps]) * dt
        self.cap = np.maximum(self.refill, 1.0)
        # A queue's head moves at most once per pass; enough passes let each reach its saturation flow.
        self.passes = int(np.ceil(self.refill.max() - 1e-9))
        self.is_exit = np.concatenate([net.link_kind == EXIT, [False]])
        self.fft_s = net.fft_steps * dt
        self.green = np.ones(n_q + n_e, dtype=bool)  # outside queues stay green; movements are refilled
        self.fixed_green = np.concatenate([plan.at_green, np.ones((plan.cycle_s, n_e), dtype=bool)], axis=1)
        self.routed = demand.route_q.size > 0
        # Turn draws a step may need per replica; the pool holds several steps' worth.
        self.turns_per_step = self.passes * self.rows_per_replica
        block = max(1024, 4 * self.turns_per_step)
        if turns.u.shape[1] < block:
            turns.u, turns.used = np.zeros((k, block)), np.full(k, block, dtype=np.int64)

    def step(self, t: int) -> None:
        """Advance signals and every queue by one step starting at ``t``."""
        q, v, d, turns, net = self.q, self.v, self.det, self.turns, self.net
        green = self._signals(t)
        self._fill_turn_pool()
        d.steps += 1
        queue_step(t, green, self.passes,
                   q.buf, q.head, q.count, q.head_ready_s, q.tokens, q.occupancy, q.delay_s,
                   v.ready_s, v.wait_s, v.stops, v.enter_s, v.arrive_s, v.free_flow_s, v.dest, v.route, v.hop,
                   d.passed, d.busy_steps, turns.u, turns.used,
                   self.refill, self.cap, self.target, self.link, self.storage, self.local_row,
                   self.rows_per_replica, self.n_movement_queues, self.is_exit, self.fft_s, net.queue_of,
                   self.links_per_replica, self.demand.turn_cdf, self.routed, self.demand.route_q)

    def _signals(self, t: int) -> np.ndarray:
        """Update the controllers; return green per queue (outside queues always green)."""
        if self.controller == "fixed_time":
            fixed_time_update(self.plan, self.sig, t)
            return self.fixed_green[t % self.plan.cycle_s]
        net, green = self.net, self.green
        if self.controller == "external":
            external_update(self.plan, self.sig, self.dt_s)
        else:
            signal_green(green, net.q_int, self.plan.q_bits, self.sig.phase, self.sig.interval)
            head_ready = self.q.head_ready_s[: self.n_movement_queues]
            near = (head_ready <= t + self.plan.cfg.gap_s) & green[: self.n_movement_queues]
            demand = np.bincount(net.q_int, weights=near, minlength=net.n_int) > 0
            actuated_update(self.plan, self.sig, demand, self.dt_s)
        signal_green(green, net.q_int, self.plan.q_bits, self.sig.phase, self.sig.interval)
        return green

    def _fill_turn_pool(self) -> None:
        """Refill the turn pool rows that might run dry in this step (a pass moves at most one
        vehicle per row), each from its own replica's stream, keeping unused draws first."""
        pool = self.turns
        block = pool.u.shape[1]
        short = pool.used > block - self.turns_per_step
        if not short.any():
            return
        for k in np.flatnonzero(short):  # about once per block
            spare = block - pool.used[k]
            pool.u[k, :spare] = pool.u[k, pool.used[k]:]
            pool.u[k, spare:] = self.streams.gens[k].random(block - spare)
            pool.used[k] = 0
