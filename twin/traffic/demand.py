"""Traffic demand: Poisson arrivals per entry and origin-destination flows, drawn in bulk.

Once per ``batch`` the source draws, for every entry at once, how many vehicles arrive in the
window (Poisson, rate = vehicles/hour x the time-of-day factor) and when (uniform, on traffic
steps). Vehicles of plain entry flows choose their turn at each intersection by the turning
ratios; vehicles of an OD flow follow its route, the shortest free-flow path from origin to
destination (networkx, Dijkstra on the link graph). On a SUMO network a route file
(:mod:`twin.traffic.sumo_routes`) adds its vehicles: each distinct route is a source whose fixed
departures are taken batch by batch and whose random flows each replica draws. New vehicles join
the outside queue of their entry and enter when the entry link has room.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
from numba import njit

from twin.compiled import bind
from twin.engine import Calendar
from twin.streams import Streams
from twin.scenario.base import clock_seconds
from twin.scenario.traffic_schema import Demand
from twin.traffic.network import SIDES, RoadNetwork, free_flow_steps_s
from twin.traffic import ring
from twin.traffic.state import QueueState, Vehicles, grow_vehicles

if TYPE_CHECKING:
    from twin.traffic.sumo_routes import RouteDemand


class NoRoute(ValueError):
    """An OD flow's destination cannot be reached from its origin (it would need a U-turn)."""

    def __init__(self, index: int, message: str):
        super().__init__(message)
        self.index = index


@dataclass(frozen=True, eq=False)
class DemandPlan:
    """Rates and routes bound to a network."""

    entry_vph: np.ndarray           # per entry link (index into net.entries)
    od_entry: np.ndarray            # per OD flow: index into net.entries
    od_vph: np.ndarray
    route_q: np.ndarray             # (R, max hops) queue ids along each OD route, -1 padded
    route_links: tuple[tuple[int, ...], ...]
    profile_s: np.ndarray           # second of day each factor starts
    profile_factor: np.ndarray
    turn_cdf: np.ndarray            # (L, K) per link, cumulative share of each movement slot (net.queue_of)
    file: "RouteDemand | None" = None  # a SUMO route file's vehicles; its routes follow the OD routes in route_q
    file_route_vph: np.ndarray = field(default_factory=lambda: np.zeros(0))  # vehicles/hour along each of the file's routes over the run

    def factor_at(self, second_of_day: int) -> float:
        """The demand multiplier in force at a second of the day (1.0 without a profile)."""
        if self.profile_s.size == 0:
            return 1.0
        k = np.searchsorted(self.profile_s, second_of_day, side="right") - 1
        return float(self.profile_factor[k])  # k = -1 wraps to the last point of the previous day

    def peak_vph(self) -> float:
        """Total arrival rate at the busiest time of day (vehicles/hour)."""
        peak = self.profile_factor.max() if self.profile_factor.size else 1.0
        return float((self.entry_vph.sum() + self.od_vph.sum()) * peak + self.file_route_vph.sum())


def link_graph(net: RoadNetwork, dt_s: int) -> nx.DiGraph:
    """Links as nodes, movements as edges weighted by the free-flow time (s) of the link turned
    into, as vehicles stepped every ``dt_s`` (s) see it (each link's time in whole steps)."""
    link_s = free_flow_steps_s(net, dt_s)
    g = nx.DiGraph()
    g.add_weighted_edges_from((int(net.q_link[q]), int(net.q_out[q]), float(link_s[net.q_out[q]]))
                              for q in range(net.n_queues))
    return g


def shortest_route(links: nx.DiGraph, origin: int, destination: int) -> list[int]:
    """Links from entry ``origin`` to exit ``destination`` on shortest free-flow time (``links``
    from :func:`link_graph`)."""
    return nx.dijkstra_path(links, origin, destination, weight="weight")


def make_demand(cfg: Demand, net: RoadNetwork, dt_s: int, horizon_s: int) -> DemandPlan:
    """Bind ``cfg`` to ``net`` stepped every ``dt_s`` (s; OD routes take the shortest free-flow time
    in whole steps) for a run of ``horizon_s`` (s). OD link ids are checked by the schema (the
    loader, on an imported net); NoRoute if an OD flow has none; RouteFileError for a route file
    twin cannot use."""
    sides = [SIDES[(h + 2) % 4] for h in net.link_heading[net.entries]]
    entry_vph = np.array([cfg.side_vph.get(side, cfg.entry_rate_vph) for side in sides], dtype=float)
    entry_vph[~net.border_entries] = 0.0  # departures inside come from a route file only
    od_entry, od_vph, routes = [], [], []
    links = link_graph(net, dt_s) if cfg.od or cfg.sumo_routes else None
    for k, flow in enumerate(cfg.od):
        origin, dest = net.link_index(flow.origin), net.link_index(flow.destination)
        try:
            routes.append(tuple(shortest_route(links, origin, dest)))
        except nx.NetworkXNoPath:
            raise NoRoute(k, f"got {flow.origin} -> {flow.destination}; no route connects them "
                             "(vehicles do not make U-turns); pick another destination") from None
        od_entry.append(int(np.flatnonzero(net.entries == origin)[0]))
        od_vph.append(flow.vph)
    file = None
    if cfg.sumo_routes is not None:
        from twin.traffic.sumo_routes import read_sumo_routes  # it reads with this module's routing

        file = read_sumo_routes(cfg.sumo_routes, net, links, begin_s=cfg.sumo_begin, horizon_s=horizon_s, dt_s=dt_s,
                                skip_unroutable=cfg.unroutable == "skip")
        routes += file.routes
    # One column more than the longest route's movements: a -1 after every route's last movement
    # ends the trip of a route that stops on a link other than an exit (a route file's).
    hops = max((len(r) for r in routes), default=1)
    route_q = np.full((len(routes), hops), -1, dtype=np.int32)
    for r, links in enumerate(routes):
        for h, (a, b) in enumerate(zip(links[:-1], links[1:])):
            route_q[r, h] = next(q for q in net.queue_of[a] if q >= 0 and net.q_out[q] == b)
    points = sorted((clock_seconds(p.at), p.factor) for p in cfg.profile)
    t = cfg.turning
    return DemandPlan(entry_vph=entry_vph, od_entry=np.array(od_entry, dtype=np.int64),
                      od_vph=np.array(od_vph, dtype=float), route_q=route_q, route_links=tuple(routes),
                      profile_s=np.array([p[0] for p in points], dtype=np.int64),
                      profile_factor=np.array([p[1] for p in points], dtype=float),
                      turn_cdf=turn_cdf(net, (t.left, t.through, t.right)), file=file,
                      file_route_vph=file.route_vph(horizon_s) if file is not None else np.zeros(0))


def turn_cdf(net: RoadNetwork, shares: tuple[float, float, float]) -> np.ndarray:
    """(links, K): per link, the cumulative probability of each of its movement slots
    (``net.queue_of``), from the left, through and right ``shares``.

    A class's share is split evenly between a link's movements of that class and the link's shares
    are renormalised over the movements it has; from its last movement on the row is exactly 1.0,
    so a movement a link lacks is never drawn. A link with one movement of each class keeps the
    raw cumulative shares (a grid's links all do). A U-turn (an imported net's) gets no share: only
    routes take it. A link whose movements all have share 0 takes
    each with equal chance.
    """
    slots = net.queue_of
    have = slots >= 0
    turn = np.where(have, net.q_turn[np.maximum(slots, 0)], 0).astype(np.int64)
    # U-turns (imported nets) are taken by routes only: no share, and no part of the lefts' share.
    chosen = have if net.q_u_turn is None else have & ~net.q_u_turn[np.maximum(slots, 0)]
    per_class = np.stack([((turn == c) & chosen).sum(axis=1) for c in range(3)], axis=1)   # (L, 3)
    weight = np.where(chosen, np.asarray(shares, dtype=float)[turn] / np.maximum(per_class[np.arange(len(turn))[:, None], turn], 1), 0.0)
    total = weight.sum(axis=1)
    weight = np.where((total == 0)[:, None], have.astype(float), weight)
    cdf = np.cumsum(weight, axis=1)
    complete = (per_class == 1).all(axis=1) & (have.sum(axis=1) == 3)
    partial = ~complete & have.any(axis=1)
    cdf[partial] /= cdf[partial, -1:]
    last = np.where(have.any(axis=1), have.sum(axis=1) - 1, 0)
    cdf[np.arange(slots.shape[1])[None, :] >= last[:, None]] = 1.0
    return cdf


def slot_shares(turn_cdf: np.ndarray) -> np.ndarray:
    """(L, K) the share of each link's vehicles that take each of its movement slots (the steps
    of :func:`turn_cdf`'s rows; 0 for slots a link lacks)."""
    return np.diff(turn_cdf, axis=1, prepend=0.0)


class TrafficDemand:
    """Stochastic source: draws a batch of arrivals for every entry and OD flow at once."""

    name = "traffic_demand"
    priority = -1

    def __init__(self, calendar: Calendar, plan: DemandPlan, net: RoadNetwork, vehicles: Vehicles,
                 queues: QueueState, streams: Streams, batch_s: int, horizon_s: int, dt_s: int):
        self.calendar, self.plan, self.net, self.v, self.q = calendar, plan, net, vehicles, queues
        self.streams, self.batch_s, self.horizon_s, self.dt_s = streams, batch_s, horizon_s, dt_s
        # Every replica world draws its own arrivals: its entries and OD flows are one block each.
        k = streams.replicas
        self.n_entries = net.entries.size // k
        self.n_od = plan.od_vph.size // k
        self.n_routes = plan.route_q.shape[0] // k  # the OD flows' routes, then the route file's
        self.rates_vph = np.concatenate([plan.entry_vph[: self.n_entries], plan.od_vph[: self.n_od]])
        self.file = plan.file
        n_file = self.file.n_routes if self.file is not None else 0
        # A route file's routes are sources of their own, after the Poisson ones, entering at their first edge.
        file_entry = [int(np.flatnonzero(net.entries[: self.n_entries] == r[0])[0]) for r in plan.route_links[self.n_od:self.n_routes]]
        self.entry = np.concatenate([np.arange(self.n_entries), plan.od_entry[: self.n_od],
                                     np.array(file_entry, dtype=np.int64)]).astype(np.int64)
        self.route = np.concatenate([np.full(self.n_entries, -1), np.arange(self.n_od),
                                     self.n_od + np.arange(n_file)]).astype(np.int64)
        self._append = None  # append_arrivals' entry point, bound at the first batch (twin.compiled)

    def first_wake_s(self) -> int:
        """The first batch covers the start."""
        return 0

    def fire(self, now_s: int) -> int | None:
        """Draw arrivals in [now, now + batch) and queue them outside their entries."""
        window = min(self.batch_s, self.horizon_s - now_s)
        if window <= 0:
            return None
        lam = self.rates_vph * (self.plan.factor_at(self.calendar.seconds_of_day(now_s)) * window / 3600.0)

        def draw(k: int, g: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
            counts = g.poisson(lam)  # per source, then when in the window each vehicle comes
            return counts, g.random(int(counts.sum()))

        drawn = self.streams.each(draw)  # the only work done replica by replica
        counts = np.stack([d[0] for d in drawn])          # (replicas, sources)
        u = np.concatenate([d[1] for d in drawn])
        dt = self.dt_s  # vehicles come on step boundaries
        time_s = now_s + (u * window // dt).astype(np.int64) * dt
        if self.file is not None:
            counts, time_s = self._with_file(counts, time_s, now_s, window)
        self._add(counts, time_s)
        return now_s + self.batch_s

    def _with_file(self, counts: np.ndarray, time_s: np.ndarray, now_s: int, window: int) -> tuple[np.ndarray, np.ndarray]:
        """``counts`` and ``time_s`` with the route file's departures in [now, now + window) added
        as its routes' sources: the fixed ones, and each replica's draws of the random flows."""
        f, dt = self.file, self.dt_s
        lo, hi = np.searchsorted(f.depart_s, [now_s, now_s + window])
        fixed_route, fixed_s = f.depart_route[lo:hi], f.depart_s[lo:hi]
        live = np.flatnonzero((f.flow_begin_s < now_s + window) & (f.flow_end_s > now_s))

        def draw(k: int, g: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
            routes, times = [fixed_route], [fixed_s]
            for j in live:  # SUMO's random flows: a chance each second (or Poisson counts)
                first, stop = max(now_s, int(f.flow_begin_s[j])), min(now_s + window, int(f.flow_end_s[j]))
                seconds = np.arange(first, stop)
                n = g.poisson(f.flow_per_s[j], seconds.size) if f.flow_poisson[j] else \
                    (g.random(seconds.size) < f.flow_per_s[j]).astype(np.int64)
                t = np.repeat(seconds, n) // dt * dt
                routes.append(np.full(t.size, f.flow_route[j]))
                times.append(t)
            route, t = np.concatenate(routes), np.concatenate(times)
            order = np.argsort(route, kind="stable")  # source by source, each in time order
            return np.bincount(route, minlength=f.n_routes), t[order]

        extra = self.streams.each(draw) if live.size else [draw(0, None)] * counts.shape[0]
        per_replica = counts.sum(axis=1)
        parts, start = [], 0
        for k, (_, t) in enumerate(extra):
            parts += [time_s[start:start + per_replica[k]], t]
            start += per_replica[k]
        return np.concatenate([counts, np.stack([c for c, _ in extra])], axis=1), np.concatenate(parts)

    def _add(self, counts: np.ndarray, time_s: np.ndarray) -> None:
        """Create the vehicles drawn (``counts[k, source]`` of replica k, their times ``time_s`` in
        draw order) and append them to their entries' outside queues (rows Q + entry)."""
        v, q, net = self.v, self.q, self.net
        first, total = int(v.n), int(counts.sum())
        if first + total > v.gen_s.size - 1:  # the last row is the sentinel
            grow_vehicles(v, first + total)
        # The longest an outside queue gets with these (the buffers grow outside the kernel).
        needed = outside_length_after(q.count, net.n_queues, self.entry, counts, self.n_entries)
        if needed > q.buf.shape[1]:
            ring.grow(q, needed)
        # By name: two dozen arrays, many of one dtype, where a swapped pair would compile silently.
        args = dict(counts=counts, time_s=time_s, src_entry=self.entry, src_route=self.route, n_routes=self.n_routes,
                    first=first, entry_links=net.entries, n_queues=net.n_queues, gen_s=v.gen_s,
                    ready_s=v.ready_s, route=v.route, origin=v.origin, hop=v.hop, enter_s=v.enter_s,
                    arrive_s=v.arrive_s, dest=v.dest, free_flow_s=v.free_flow_s, wait_s=v.wait_s, stops=v.stops,
                    buf=q.buf, slot_ready_s=q.slot_ready_s, head=q.head, count=q.count,
                    head_ready_s=q.head_ready_s)
        ordered = tuple(args[name] for name in APPEND_ARRIVALS_PARAMS)
        if self._append is None:  # the types never change (grown arrays keep theirs): resolve them once
            self._append = bind(append_arrivals, ordered)
        self._append(*ordered)
        v.n[...] = first + total


@njit(cache=True, nogil=True)
def outside_length_after(count, n_queues, src_entry, counts, n_entries):
    """The most vehicles any outside queue (rows ``n_queues + k * n_entries + entry``) holds once
    ``counts[k, s]`` more join the queue of entry ``src_entry[s]`` of replica k."""
    longest = 0
    for k in range(counts.shape[0]):
        base = n_queues + k * n_entries
        gained = np.zeros(n_entries, dtype=np.int64)
        for s in range(counts.shape[1]):
            gained[src_entry[s]] += counts[k, s]
        for e in range(n_entries):
            longest = max(longest, count[base + e] + gained[e])
    return longest


@njit(cache=True, nogil=True)
def append_arrivals(counts, time_s, src_entry, src_route, n_routes, first, entry_links, n_queues,
                    gen_s, ready_s, route, origin, hop, enter_s, arrive_s, dest, free_flow_s, wait_s, stops,
                    buf, slot_ready_s, head, count, head_ready_s):
    """Write the new vehicles (ids from ``first``) and queue them outside their entries.

    ``counts[k, s]`` vehicles of replica k come from source s (an entry flow, an OD flow or a
    route file's route: its entry ``src_entry[s]``, its route ``src_route[s]`` among the replica's
    ``n_routes``, or -1); ``time_s`` holds their times (s),
    replica by replica, source by source. Ids go replica by replica, then by entry, then by time
    (ties in draw order), so each outside queue stays FIFO and a replica's ids are those of a
    single world shifted.
    """
    n_rep, n_src = counts.shape
    n_ent = entry_links.size // n_rep
    v = first
    d0 = 0  # the replica's first draw
    for k in range(n_rep):
        n_k = 0
        for s in range(n_src):
            n_k += counts[k, s]
        src = np.empty(n_k, dtype=np.int64)  # each draw's source
        j = 0
        for s in range(n_src):
            for _ in range(counts[k, s]):
                src[j] = s
                j += 1
        key = np.empty(n_k, dtype=np.int64)
        t_k = time_s[d0:d0 + n_k]
        t_min = t_k.min() if n_k else 0
        span = (t_k.max() - t_min + 1) if n_k else 1
        for j in range(n_k):
            key[j] = src_entry[src[j]] * span + (t_k[j] - t_min)
        for j in np.argsort(key, kind="mergesort"):  # stable: ties stay in draw order
            s, t = src[j], t_k[j]
            e = k * n_ent + src_entry[s]
            gen_s[v] = ready_s[v] = t
            route[v] = src_route[s] + k * n_routes if src_route[s] >= 0 else -1
            origin[v] = entry_links[e]
            hop[v] = 0
            enter_s[v] = arrive_s[v] = dest[v] = -1
            free_flow_s[v] = wait_s[v] = stops[v] = 0
            r = n_queues + e
            ring.push(buf, slot_ready_s, head, count, r, v, t)
            if count[r] == 1:
                head_ready_s[r] = t
            v += 1
        d0 += n_k


APPEND_ARRIVALS_PARAMS = tuple(inspect.signature(append_arrivals.py_func).parameters)
