"""Traffic demand: Poisson arrivals per entry and origin-destination flows, drawn in bulk.

Once per ``batch`` the source draws, for every entry at once, how many vehicles arrive in the
window (Poisson, rate = vehicles/hour x the time-of-day factor) and when (uniform, on traffic
steps). Vehicles of plain entry flows choose their turn at each intersection by the turning
ratios; vehicles of an OD flow follow its route, the shortest free-flow path from origin to
destination (networkx, Dijkstra on the link graph). New vehicles join the outside queue of their
entry and enter when the entry link has room.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from twin.engine import Calendar
from twin.streams import Streams
from twin.scenario.base import clock_seconds
from twin.scenario.traffic_schema import Demand
from twin.traffic.network import SIDES, RoadNetwork
from twin.traffic.state import NEW_VEHICLE, QueueState, Vehicles, grow_buffer, grow_vehicles


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
    turn_cdf: np.ndarray            # cumulative left, through, right

    def factor_at(self, second_of_day: int) -> float:
        """The demand multiplier in force at a second of the day (1.0 without a profile)."""
        if self.profile_s.size == 0:
            return 1.0
        k = np.searchsorted(self.profile_s, second_of_day, side="right") - 1
        return float(self.profile_factor[k])  # k = -1 wraps to the last point of the previous day

    def peak_vph(self) -> float:
        """Total arrival rate at the busiest time of day (vehicles/hour)."""
        peak = self.profile_factor.max() if self.profile_factor.size else 1.0
        return float((self.entry_vph.sum() + self.od_vph.sum()) * peak)


def shortest_route(net: RoadNetwork, origin: int, destination: int) -> list[int]:
    """Links from entry ``origin`` to exit ``destination`` on shortest free-flow time."""
    g = nx.DiGraph()
    for q in range(net.n_queues):
        g.add_edge(int(net.q_link[q]), int(net.q_out[q]), weight=float(net.fft_steps[net.q_out[q]]))
    return nx.dijkstra_path(g, origin, destination, weight="weight")


def make_demand(cfg: Demand, net: RoadNetwork) -> DemandPlan:
    """Bind ``cfg`` to ``net`` (OD link ids are checked by the schema); NoRoute if an OD flow has none."""
    sides = [SIDES[(h + 2) % 4] for h in net.link_heading[net.entries]]
    entry_vph = np.array([cfg.side_vph.get(side, cfg.entry_vph) for side in sides], dtype=float)
    od_entry, od_vph, routes = [], [], []
    for k, flow in enumerate(cfg.od):
        origin, dest = net.link_index(flow.origin), net.link_index(flow.destination)
        try:
            routes.append(tuple(shortest_route(net, origin, dest)))
        except nx.NetworkXNoPath:
            raise NoRoute(k, f"got {flow.origin} -> {flow.destination}; no route connects them "
                             "(vehicles do not make U-turns); pick another destination") from None
        od_entry.append(int(np.flatnonzero(net.entries == origin)[0]))
        od_vph.append(flow.vph)
    hops = max((len(r) - 1 for r in routes), default=1)
    route_q = np.full((len(routes), hops), -1, dtype=np.int32)
    for r, links in enumerate(routes):
        for h, (a, b) in enumerate(zip(links[:-1], links[1:])):
            route_q[r, h] = next(q for q in net.queue_of[a] if net.q_out[q] == b)
    points = sorted((clock_seconds(p.at), p.factor) for p in cfg.profile)
    t = cfg.turning
    return DemandPlan(entry_vph=entry_vph, od_entry=np.array(od_entry, dtype=np.int64),
                      od_vph=np.array(od_vph, dtype=float), route_q=route_q, route_links=tuple(routes),
                      profile_s=np.array([p[0] for p in points], dtype=np.int64),
                      profile_factor=np.array([p[1] for p in points], dtype=float),
                      turn_cdf=np.cumsum([t.left, t.through, t.right]))


class TrafficDemand:
    """Stochastic source: draws a batch of arrivals for every entry and OD flow at once."""

    name = "traffic_demand"
    priority = -1

    def __init__(self, calendar: Calendar, plan: DemandPlan, net: RoadNetwork, vehicles: Vehicles,
                 queues: QueueState, streams: Streams, batch_s: int, horizon_s: int):
        self.calendar, self.plan, self.net, self.v, self.q = calendar, plan, net, vehicles, queues
        self.streams, self.batch_s, self.horizon_s = streams, batch_s, horizon_s
        # Every replica world draws its own arrivals: its entries and OD flows are one block each.
        k = streams.replicas
        self.n_entries = net.entries.size // k
        self.n_od = plan.od_vph.size // k
        self.rates_vph = np.concatenate([plan.entry_vph[: self.n_entries], plan.od_vph[: self.n_od]])
        self.entry = np.concatenate([np.arange(self.n_entries), plan.od_entry[: self.n_od]])
        self.route = np.concatenate([np.full(self.n_entries, -1), np.arange(self.n_od)])

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
        counts = np.concatenate([d[0] for d in drawn])
        u = np.concatenate([d[1] for d in drawn])
        k = np.repeat(np.arange(len(drawn)), self.rates_vph.size)
        v_entry = np.repeat(np.tile(self.entry, len(drawn)) + k * self.n_entries, counts)
        route = np.tile(self.route, len(drawn))
        v_route = np.repeat(np.where(route >= 0, route + k * self.n_od, -1), counts)
        dt = self.net.dt_s
        v_time = now_s + (u * window // dt).astype(np.int64) * dt
        order = np.lexsort((v_time, v_entry))  # by entry, then time: each outside queue stays FIFO
        self._add(v_entry[order], v_time[order], v_route[order])
        return now_s + self.batch_s

    def _add(self, entry: np.ndarray, time_s: np.ndarray, route: np.ndarray) -> None:
        """Create vehicles and append them to their entries' outside queues (rows Q + entry)."""
        k, v, q = entry.size, self.v, self.q
        first = int(v.n)
        if first + k > v.gen_s.size - 1:  # the last row is the sentinel
            grow_vehicles(v, first + k)
        ids = np.arange(first, first + k)
        v.n[...] = first + k
        v.gen_s[ids], v.ready_s[ids], v.route[ids] = time_s, time_s, route
        v.origin[ids], v.hop[ids] = self.net.entries[entry], 0
        for name, value in NEW_VEHICLE.items():
            getattr(v, name)[first:first + k] = value
        rows = self.net.n_queues + np.arange(self.net.entries.size)
        counts = np.bincount(entry, minlength=rows.size)
        if np.any(q.count[rows] + counts > q.buf.shape[1]):
            grow_buffer(q, int((q.count[rows] + counts).max()))
        cap = q.buf.shape[1]
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        row = rows[entry]
        slot = (q.head[row] + q.count[row] + np.arange(k) - starts[entry]) % cap
        q.buf[row, slot], q.slot_ready_s[row, slot] = ids, time_s
        was_empty = (q.count[rows] == 0) & (counts > 0)
        q.count[rows] += counts
        first_row = rows[was_empty]
        q.head_ready_s[first_row] = q.slot_ready_s[first_row, q.head[first_row]]
