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
"""

from __future__ import annotations

import numpy as np

from twin.engine import Periodic
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
        self.outside_green = np.ones(n_e, dtype=bool)
        self.fixed_green = np.concatenate([plan.at_green, np.ones((plan.cycle_s, n_e), dtype=bool)], axis=1)
        self.routed = demand.route_q.size > 0

    def step(self, t: int) -> None:
        """Advance signals and every queue by one step starting at ``t``."""
        q, v = self.q, self.v
        # An empty queue's head slot holds -1: the sentinel vehicle, never ready.
        head_v = q.buf[self.rows, q.head]
        head_ready = v.ready_s[head_v]
        green = self._signals(t, head_ready)
        np.minimum(q.tokens + self.refill, self.cap, out=q.tokens)
        waiting = head_ready <= t
        self.det.busy_steps += waiting
        self.det.steps += 1
        for k in range(self.passes):
            if k:
                head_v = q.buf[self.rows, q.head]
                waiting = v.ready_s[head_v] <= t
            cross = np.flatnonzero(waiting & green & (q.tokens >= 1.0))
            if cross.size:
                cross = self._admissible(t, cross)
            if cross.size == 0:
                break
            self._move(t, cross, head_v[cross])

    def _signals(self, t: int, head_ready: np.ndarray) -> np.ndarray:
        """Update the controllers; return green per queue (outside queues always green)."""
        if self.controller == "fixed_time":
            fixed_time_update(self.plan, self.sig, t)
            return self.fixed_green[t % self.plan.cycle_s]
        net = self.net
        if self.controller == "external":
            external_update(self.plan, self.sig, self.dt_s)
        else:
            green = self.plan.green(net, self.sig)
            near = (head_ready[: self.n_movement_queues] <= t + self.plan.cfg.gap_s) & green
            demand = np.bincount(net.q_int, weights=near, minlength=net.n_int) > 0
            actuated_update(self.plan, self.sig, demand, self.dt_s)
        return np.concatenate([self.plan.green(net, self.sig), self.outside_green])

    def _admissible(self, t: int, cross: np.ndarray) -> np.ndarray:
        """The queues whose head can really go: their next link has room for them.

        Several queues may feed one link in a step; when room runs short they go in an order
        that rotates every step, so no approach is always last.
        """
        q = self.q
        target = self.target[cross]
        room = self.storage - q.occupancy
        if room[target].min() >= target.size:  # the usual case: room for everyone
            return cross
        order = np.lexsort(((self.local_row[cross] + t) % self.rows_per_replica, target))
        return cross[_rank_within(target, order) < room[target]]

    def _move(self, t: int, cross: np.ndarray, movers: np.ndarray) -> None:
        """Move the head vehicles of the ``cross`` queues onto their next link (or out of the network)."""
        q, v = self.q, self.v
        target = self.target[cross]
        cap = q.buf.shape[1]
        q.buf[cross, q.head[cross]] = -1
        q.head[cross] = (q.head[cross] + 1) % cap
        q.count[cross] -= 1
        q.tokens[cross] -= 1.0
        q.occupancy -= np.bincount(self.link[cross], minlength=q.occupancy.size)
        self.det.passed[cross] += 1  # a queue discharges at most once per pass
        delay = t - v.ready_s[movers]
        q.delay_s[cross] += delay
        v.wait_s[movers] += delay
        v.stops[movers] += delay > 0
        entering = cross >= self.n_movement_queues
        if entering.any():
            v.enter_s[movers[entering]] = t
        leaving = self.is_exit[target]
        if leaving.any():
            out, exit_link = movers[leaving], target[leaving]
            v.arrive_s[out] = t + self.fft_s[exit_link]
            v.free_flow_s[out] += self.fft_s[exit_link]
            v.dest[out] = exit_link
            movers, target = movers[~leaving], target[~leaving]
        if movers.size:
            self._enter(t, movers, target)

    def _turn(self, link: np.ndarray) -> np.ndarray:
        """Draw each vehicle's movement on ``link`` from the turning ratios; return its queue."""
        u = self._turn_uniforms(link // self.links_per_replica)
        turn = np.searchsorted(self.demand.turn_cdf, u, side="right")
        return self.net.queue_of[link, np.minimum(turn, 2)]

    def _turn_uniforms(self, replica: np.ndarray) -> np.ndarray:
        """One uniform per element, the next ones of its replica's pool in element order."""
        pool = self.turns
        if self.net.replicas == 1:
            rank, need = np.arange(replica.size), np.array([replica.size])
        else:
            rank = _rank_within(replica, np.argsort(replica, kind="stable"))
            need = np.bincount(replica, minlength=pool.used.size)
        block = pool.u.shape[1]
        short = np.flatnonzero(pool.used + need > block)
        for k in short:  # rare: about once per block of draws per replica
            spare = block - pool.used[k]
            pool.u[k, :spare] = pool.u[k, pool.used[k]:]
            pool.u[k, spare:] = self.streams.gens[k].random(block - spare)
            pool.used[k] = 0
        u = pool.u[replica, pool.used[replica] + rank]
        pool.used += need
        return u

    def _enter(self, t: int, movers: np.ndarray, link: np.ndarray) -> None:
        """Put vehicles onto ``link`` (one each) in the queue of the movement they will take."""
        q, v, net = self.q, self.v, self.net
        if self.routed:
            queue = np.empty(movers.size, dtype=np.int64)
            route = v.route[movers]
            routed = route >= 0
            hop = v.hop[movers[routed]]
            queue[routed] = self.demand.route_q[route[routed], hop]
            v.hop[movers[routed]] = hop + 1
            free = ~routed
            if free.any():
                queue[free] = self._turn(link[free])
        else:
            queue = self._turn(link)
        slot = q.head[queue] + q.count[queue]
        joining = np.bincount(queue, minlength=q.count.size)
        if joining.max() > 1:  # rare: two vehicles join one queue in a step; keep their order
            slot += _rank_within(queue, np.argsort(queue, kind="stable"))
        q.buf[queue, slot % q.buf.shape[1]] = movers
        q.count += joining
        q.occupancy += np.bincount(link, minlength=q.occupancy.size)
        v.ready_s[movers] = t + self.fft_s[link]
        v.free_flow_s[movers] += self.fft_s[link]


def _rank_within(keys: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Per element, its position among the elements with the same key, in the given ``order``.

    ``order`` must sort ``keys`` (ties in the order that should count first).
    """
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    rank = np.empty(keys.size, dtype=np.int64)
    rank[order] = np.arange(keys.size) - np.repeat(starts, np.diff(np.r_[starts, keys.size]))
    return rank
