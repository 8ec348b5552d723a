"""The mesoscopic queue model: every vehicle, every movement queue, one step for all of them.

A vehicle entering a link joins the FIFO of the movement it will take and reaches the stop line
at free flow after the link's free-flow time. In a step starting at ``t`` the head vehicle of a
queue crosses when all hold: it has reached the line (ready <= t), its movement has green, the
saturation-flow allowance has a whole vehicle (token bucket refilled at the saturation flow,
capped at one step's worth), and the link it turns into has room (occupancy < storage), else it
waits: queues spill back. Exit links take every vehicle and it arrives after their free-flow
time. Entries admit the head of their outside queue when its time has come and the entry link
has room, at the entry link's saturation flow.

Per vehicle the model keeps exact times: generated, entered, arrived, free-flow time of the links
entered, time spent stopped (outside and at stop lines), and stops (each delay at a stop line,
and waiting to enter, counts once).
"""

from __future__ import annotations

import numpy as np

from twin.traffic.demand import DemandPlan
from twin.traffic.network import EXIT, RoadNetwork
from twin.traffic.signals import SignalPlan, SignalState, actuated_update, fixed_time_update
from twin.traffic.state import DetectorRegisters, OutsideState, QueueState, Vehicles


class TrafficPhysics:
    """The traffic step process; fires every traffic ``dt_s``."""

    name = "traffic_physics"
    priority = 2

    def __init__(self, *, net: RoadNetwork, plan: SignalPlan, demand: DemandPlan, signals: SignalState,
                 queues: QueueState, outside: OutsideState, vehicles: Vehicles, detectors: DetectorRegisters,
                 rng: np.random.Generator):
        self.net, self.plan, self.demand, self.sig = net, plan, demand, signals
        self.q, self.out, self.v, self.det, self.rng = queues, outside, vehicles, detectors, rng
        self.dt_s = net.dt_s
        self.controller = plan.cfg.controller
        self.q_rows = np.arange(net.n_queues)
        self.e_rows = np.arange(net.entries.size)
        self.q_det = np.unique(net.q_link, return_inverse=True)[1]  # detector (approach) of each queue
        self.n_det = int(self.q_det.max()) + 1 if self.q_det.size else 0
        self.q_refill = net.q_sat_vps * self.dt_s
        self.q_cap = np.maximum(self.q_refill, 1.0)
        self.e_refill = net.lanes[net.entries] * net.lane_sat_vps * self.dt_s
        self.e_cap = np.maximum(self.e_refill, 1.0)
        self.fft_s = net.fft_steps * self.dt_s
        self.is_exit = net.link_kind == EXIT

    def first_wake_s(self) -> int:
        """The first step starts at time 0."""
        return 0

    def fire(self, now_s: int) -> int:
        """Run one step and schedule the next."""
        self.step(now_s)
        return now_s + self.dt_s

    def step(self, t: int) -> None:
        """Advance signals, queues and entries by one step starting at ``t``."""
        q, v, net = self.q, self.v, self.net
        has = q.count > 0
        head_v = q.buf[self.q_rows, q.head]
        head_ready = np.where(has, v.ready_s[head_v], np.iinfo(np.int64).max)
        if self.controller == "fixed_time":
            fixed_time_update(self.plan, self.sig, t, self.dt_s)
        else:
            near = (head_ready <= t + self.plan.cfg.gap_s) & self.plan.green(net, self.sig)
            demand = np.bincount(net.q_int, weights=near, minlength=net.n_int) > 0
            actuated_update(self.plan, self.sig, demand, self.dt_s)
        green = self.plan.green(net, self.sig)
        np.minimum(q.tokens + self.q_refill, self.q_cap, out=q.tokens)
        waiting = head_ready <= t
        cross = np.flatnonzero(waiting & green & (q.tokens >= 1.0))
        if cross.size:
            self._discharge(t, cross, head_v[cross])
        self.det.busy_steps += np.bincount(self.q_det, weights=waiting, minlength=self.n_det) > 0
        self.det.steps += 1
        self._admit(t)

    def _discharge(self, t: int, cross: np.ndarray, movers: np.ndarray) -> None:
        q, v, net = self.q, self.v, self.net
        target = net.q_out[cross]
        inside = ~self.is_exit[target]
        if inside.any():
            # Several queues may feed one link in a step: admit them in queue order while room lasts.
            room = net.storage - q.occupancy
            wanted = np.bincount(target[inside], minlength=net.n_links)
            if np.any(wanted[target[inside]] > room[target[inside]]):
                keep = self._within_room(target, inside, room)
                cross, movers, target, inside = cross[keep], movers[keep], target[keep], inside[keep]
        cap = q.buf.shape[1]
        q.head[cross] = (q.head[cross] + 1) % cap
        q.count[cross] -= 1
        q.tokens[cross] -= 1.0
        q.occupancy -= np.bincount(net.q_link[cross], minlength=net.n_links)
        self.det.passed += np.bincount(self.q_det[cross], minlength=self.n_det)
        delay = t - v.ready_s[movers]
        v.wait_s[movers] += delay
        v.stops[movers] += delay > 0
        leaving = movers[~inside]
        if leaving.size:
            exit_link = target[~inside]
            v.arrive_s[leaving] = t + self.fft_s[exit_link]
            v.free_flow_s[leaving] += self.fft_s[exit_link]
            v.dest[leaving] = exit_link
        if inside.any():
            self._enter(t, movers[inside], target[inside])

    def _within_room(self, target: np.ndarray, inside: np.ndarray, room: np.ndarray) -> np.ndarray:
        """Mask of movers that fit: per target link, the first ``room`` of them in queue order."""
        keep = np.ones(target.size, dtype=bool)
        rows = np.flatnonzero(inside)
        order = rows[np.argsort(target[rows], kind="stable")]
        links = target[order]
        starts = np.flatnonzero(np.r_[True, links[1:] != links[:-1]])
        rank = np.arange(order.size) - np.repeat(starts, np.diff(np.r_[starts, order.size]))
        keep[order] = rank < room[links]
        return keep

    def _enter(self, t: int, movers: np.ndarray, link: np.ndarray) -> None:
        """Put vehicles onto ``link`` (one each) in the queue of the movement they will take."""
        q, v, net = self.q, self.v, self.net
        route = v.route[movers]
        routed = route >= 0
        queue = np.empty(movers.size, dtype=np.int64)
        if routed.any():
            hop = v.hop[movers[routed]]
            queue[routed] = self.demand.route_q[route[routed], hop]
            v.hop[movers[routed]] = hop + 1
        free = ~routed
        if free.any():
            turn = np.searchsorted(self.demand.turn_cdf, self.rng.random(int(free.sum())), side="right")
            queue[free] = net.queue_of[link[free], np.minimum(turn, 2)]
        cap = q.buf.shape[1]
        rank = np.zeros(movers.size, dtype=np.int64)
        if np.unique(queue).size != queue.size:  # rare: two vehicles join one queue in a step
            order = np.argsort(queue, kind="stable")
            sq = queue[order]
            starts = np.flatnonzero(np.r_[True, sq[1:] != sq[:-1]])
            rank[order] = np.arange(sq.size) - np.repeat(starts, np.diff(np.r_[starts, sq.size]))
        q.buf[queue, (q.head[queue] + q.count[queue] + rank) % cap] = movers
        q.count += np.bincount(queue, minlength=net.n_queues)
        q.occupancy += np.bincount(link, minlength=net.n_links)
        v.ready_s[movers] = t + self.fft_s[link]
        v.free_flow_s[movers] += self.fft_s[link]

    def _admit(self, t: int) -> None:
        """Let the head of each outside queue onto its entry link if its time has come and there is room."""
        out, q, v, net = self.out, self.q, self.v, self.net
        np.minimum(q.entry_tokens + self.e_refill, self.e_cap, out=q.entry_tokens)
        head_v = out.buf[self.e_rows, out.head]
        links = net.entries
        due = (out.count > 0) & (v.gen_s[head_v] <= t) & (q.occupancy[links] < net.storage[links])
        ok = np.flatnonzero(due & (q.entry_tokens >= 1.0))
        if ok.size == 0:
            return
        movers = head_v[ok]
        out.head[ok] = (out.head[ok] + 1) % out.buf.shape[1]
        out.count[ok] -= 1
        q.entry_tokens[ok] -= 1.0
        v.enter_s[movers] = t
        late = t - v.gen_s[movers]
        v.wait_s[movers] += late
        v.stops[movers] += late > 0
        self._enter(t, movers, links[ok])
