"""Demand read from a SUMO route file (``.rou.xml``: vehicles, trips, flows and routes), bound to a
network read from a SUMO net (:mod:`twin.traffic.sumo_net`).

What is read, and what it becomes:

- ``<route id edges>`` at the top level: routes that vehicles and flows name by ``route=``.
- ``<vehicle depart>`` with a ``<route edges>`` inside or a ``route=`` reference: one departure.
- ``<trip depart from to [via]>``: one departure on the shortest free-flow route from ``from``
  through each ``via`` edge to ``to`` (Dijkstra on the links, as twin's OD flows route).
- ``<flow begin end>`` with a route (inside, by reference, or ``from``/``to``/``via``), and one of
  SUMO's rates: ``vehsPerHour`` (a vehicle every 3600 / vph s from ``begin``), ``period`` (every
  period s), ``number`` (that many, evenly over begin..end), ``probability`` (each second a vehicle
  with that chance, drawn by the replica's own stream) or ``period="exp(r)"`` (Poisson, r per second).
  ``end`` defaults to SUMO's 24 h after ``begin`` unless ``number`` is given.
- Times are SUMO simulation seconds; ``begin_s`` is the SUMO time at the scenario's start. A
  vehicle departs on the first traffic step at or after its time; what falls before the start or
  after the horizon is left out.

Vehicle types, departure lanes, positions and speeds, colours and parameters are not read: every
vehicle is a car that enters at the start of its first edge, at the border or inside the net
(it waits in that road's outside queue until the road has room, as SUMO's insertion waits).
Persons, containers, stops and route or type distributions are refused. A vehicle leaves the
network at the end of its route's last edge, an exit edge or not. A vehicle twin cannot drive (its
route starts on an exit edge, turns where no connection joins two of its edges, e.g. a U-turn, or
names an edge the net lacks) is refused by name, or left out and counted with ``skip``.
"""

from __future__ import annotations

import os
import re
from collections import Counter, OrderedDict
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np

from twin.traffic.demand import shortest_route
from twin.traffic.network import RoadNetwork

SUMO_DEFAULT_FLOW_END_S = 86_400.0
UNSUPPORTED = {"person": "persons", "personFlow": "person flows", "container": "containers",
               "containerFlow": "container flows", "routeDistribution": "route distributions"}
IGNORED = frozenset({"vType", "vTypeDistribution", "param", "interval", "include"})
_EXP = re.compile(r"^\s*exp\(\s*([0-9.eE+-]+)\s*\)\s*$")


class RouteFileError(ValueError):
    """A route file twin cannot use; the message names the element and what is allowed."""


@dataclass(frozen=True, eq=False)
class RouteDemand:
    """The route file's vehicles on a network: its routes, fixed departures and random flows."""

    routes: tuple[tuple[int, ...], ...]  # link indices of each distinct route, from an entry
    depart_s: np.ndarray      # (N,) fixed departures, scenario seconds on step boundaries, sorted
    depart_route: np.ndarray  # (N,) index into routes
    flow_route: np.ndarray    # (F,) random flows: index into routes
    flow_begin_s: np.ndarray  # (F,) first second (scenario time) a vehicle may come
    flow_end_s: np.ndarray    # (F,) first second none comes
    flow_per_s: np.ndarray    # (F,) probability per second, or Poisson rate per second
    flow_poisson: np.ndarray  # (F,) bool: Poisson (period="exp(r)") rather than one chance per second
    left_out: int             # vehicles not driven (``skip``); those outside the run do not count
    left_out_why: tuple[str, ...]  # up to three examples

    @property
    def n_routes(self) -> int:
        return len(self.routes)

    def route_vph(self, horizon_s: int) -> np.ndarray:
        """(routes,) vehicles per hour along each route over ``horizon_s`` (s), the random flows' expected."""
        count = np.bincount(self.depart_route, minlength=self.n_routes).astype(float)
        np.add.at(count, self.flow_route, (self.flow_end_s - self.flow_begin_s) * self.flow_per_s)
        return count * 3600.0 / max(horizon_s, 1)


@dataclass
class _Reader:
    path: Path
    net: RoadNetwork
    links: nx.DiGraph
    begin_s: float
    horizon_s: int
    dt_s: int
    skip: bool

    def __post_init__(self):
        self.index = {e: k for k, e in enumerate(self.net.link_ids)}
        self.moves = {(int(a), int(b)) for a, b in zip(self.net.q_link, self.net.q_out)}
        self.route_of: dict[tuple[int, ...], int] = {}
        self.named: dict[str, list[str]] = {}
        self.departs: list[tuple[int, int]] = []
        self.flows: list[tuple[int, int, int, float, bool]] = []
        self.why: Counter[str] = Counter()
        self.examples: list[str] = []

    def where(self, el) -> str:
        return f"{self.path}: <{el.name} id={getattr(el, 'id', None)!r}>"

    def route(self, edges: list[str], el) -> int | None:
        """The route's index, or None (with the reason kept) if twin cannot drive it."""
        problem = route_problem(self.net, edges, self.index, self.moves)
        if problem is None:
            key = tuple(self.index[e] for e in edges)
            return self.route_of.setdefault(key, len(self.route_of))
        if not self.skip:
            raise RouteFileError(f"{self.where(el)}: {problem}; twin drives routes along the net's "
                                 "connections (a U-turn only where the net has a turnaround); set "
                                 "traffic.demand.unroutable: skip to leave such vehicles out")
        self.why[problem] += 1
        if len(self.examples) < 3:
            self.examples.append(f"{getattr(el, 'id', '?')}: {problem}")
        return None

    def shortest(self, stops: list[str]) -> list[str]:
        """Edges of the shortest free-flow route through ``stops`` in order (a stop the net lacks
        stays in, so the route check names it)."""
        if any(s not in self.index for s in stops):
            return stops
        out = [stops[0]]
        for a, b in zip(stops, stops[1:]):
            try:
                path = shortest_route(self.links, self.index[a], self.index[b])
            except (nx.NetworkXNoPath, nx.NodeNotFound):
                return out + [b]  # no way on to b: the route check names the hop
            out += [self.net.link_ids[k] for k in path[1:]]
        return out

    def edges_of(self, el) -> list[str]:
        """The edges a vehicle or flow drives: its own <route>, a named route, or from/via/to."""
        inner = el.getChild("route") if el.hasChild("route") else []
        if inner:
            return (inner[0].edges or "").split()
        ref = getattr(el, "route", None)
        if ref is not None:
            if ref not in self.named:
                raise RouteFileError(f"{self.where(el)}: route {ref!r} is not a <route> defined before it "
                                     "in the file (route distributions are not read)")
            return self.named[ref]
        origin, dest = getattr(el, "attr_from", None), getattr(el, "to", None)
        if origin is None or dest is None:
            attrs = [a for a in ("fromJunction", "toJunction", "fromTaz", "toTaz", "fromXY", "toXY") if el.hasAttribute(a)]
            extra = f" ({', '.join(attrs)} are not read)" if attrs else ""
            raise RouteFileError(f"{self.where(el)}: needs a route: a <route edges> inside, route=ID, or from and "
                                 f"to edges{extra}")
        via = (getattr(el, "via", None) or "").split()
        return self.shortest([origin, *via, dest])

    def seconds(self, el, attr: str, default: float | None = None) -> float:
        value = getattr(el, attr, None)
        if value is None:
            if default is None:
                raise RouteFileError(f"{self.where(el)}: needs {attr}= (seconds)")
            return default
        try:
            out = float(value)
        except ValueError:
            raise RouteFileError(f"{self.where(el)}: {attr}={value!r} is not a number of seconds "
                                 "(triggered, now and other keywords are not read)") from None
        if not np.isfinite(out) or out < 0:
            raise RouteFileError(f"{self.where(el)}: {attr}={value!r}; expected seconds >= 0")
        return out

    def to_step(self, sumo_s: float) -> int | None:
        """Scenario second of SUMO time ``sumo_s`` on the next step boundary, None if outside the run."""
        t = sumo_s - self.begin_s
        if t < 0:
            return None
        step = int(np.ceil(t / self.dt_s - 1e-9)) * self.dt_s
        return step if step < self.horizon_s else None

    def vehicle(self, el) -> None:
        if el.hasChild("stop"):
            raise RouteFileError(f"{self.where(el)}: has <stop>s; twin's vehicles do not stop on the way")
        depart = self.seconds(el, "depart")
        edges = self.edges_of(el)
        r = self.route(edges, el)
        t = self.to_step(depart)
        if r is not None and t is not None:
            self.departs.append((t, r))

    def flow(self, el) -> None:
        if el.hasChild("stop"):
            raise RouteFileError(f"{self.where(el)}: has <stop>s; twin's vehicles do not stop on the way")
        rates = {a for a in ("vehsPerHour", "period", "probability", "number") if el.hasAttribute(a)}
        if len(rates) != 1 and rates != {"number", "period"}:
            raise RouteFileError(f"{self.where(el)}: give one of vehsPerHour, period, probability or number, or "
                                 f"number with period (got {', '.join(sorted(rates)) or 'none'})")
        begin = self.seconds(el, "begin", 0.0)
        r = self.route(self.edges_of(el), el)
        if r is None:
            return
        poisson = _EXP.match(el.period or "")
        if "probability" in rates or poisson:  # random: drawn while the run goes, by each replica
            end = self.seconds(el, "end", begin + SUMO_DEFAULT_FLOW_END_S)
            per_s = float(poisson.group(1)) if poisson else self.seconds(el, "probability")
            if not poisson and per_s > 1:
                raise RouteFileError(f"{self.where(el)}: probability={per_s}; expected 0..1 per second")
            lo, hi = max(begin - self.begin_s, 0.0), min(end - self.begin_s, float(self.horizon_s))
            if hi > lo:
                self.flows.append((r, int(np.ceil(lo)), int(np.ceil(hi)), per_s, bool(poisson)))
            return
        if "number" in rates:
            number = int(self.seconds(el, "number"))
            if "period" in rates:
                period = self.seconds(el, "period")
            else:
                period = (self.seconds(el, "end", begin + SUMO_DEFAULT_FLOW_END_S) - begin) / max(number, 1)
            times = begin + period * np.arange(number)
        else:
            end = self.seconds(el, "end", begin + SUMO_DEFAULT_FLOW_END_S)
            period = self.seconds(el, "period") if "period" in rates else 3600.0 / max(self.seconds(el, "vehsPerHour"), 1e-300)
            if not np.isfinite(period) or period <= 0 or period > 1e12:
                raise RouteFileError(f"{self.where(el)}: expected vehsPerHour > 0 or period > 0 s")
            span_end = min(end, self.begin_s + self.horizon_s)
            times = begin + period * np.arange(max(int(np.ceil((span_end - begin) / period)), 0))
        for sumo_s in times:
            t = self.to_step(float(sumo_s))
            if t is not None:
                self.departs.append((t, r))

    def read(self) -> RouteDemand:
        root = _parse(self.path)
        for el in root.getChildList():
            if el.name in IGNORED:
                continue
            if el.name in UNSUPPORTED:
                raise RouteFileError(f"{self.path}: holds {UNSUPPORTED[el.name]} (<{el.name}>); twin reads vehicles, "
                                     "trips, flows and routes")
            if el.name == "route":
                if el.id is None:
                    raise RouteFileError(f"{self.path}: a top-level <route> needs an id")
                self.named[el.id] = (el.edges or "").split()
            elif el.name in ("vehicle", "trip"):
                self.vehicle(el)
            elif el.name == "flow":
                self.flow(el)
            else:
                raise RouteFileError(f"{self.path}: <{el.name}> is not a route file element twin reads; allowed: "
                                     "vehicle, trip, flow, route (and vType, which is not read)")
        order = sorted(range(len(self.departs)), key=lambda j: self.departs[j])
        flows = self.flows
        return RouteDemand(
            routes=tuple(sorted(self.route_of, key=self.route_of.get)),
            depart_s=np.array([self.departs[j][0] for j in order], dtype=np.int64),
            depart_route=np.array([self.departs[j][1] for j in order], dtype=np.int64),
            flow_route=np.array([f[0] for f in flows], dtype=np.int64),
            flow_begin_s=np.array([f[1] for f in flows], dtype=np.int64),
            flow_end_s=np.array([f[2] for f in flows], dtype=np.int64),
            flow_per_s=np.array([f[3] for f in flows], dtype=float),
            flow_poisson=np.array([f[4] for f in flows], dtype=bool),
            left_out=sum(self.why.values()), left_out_why=tuple(self.examples))


def route_problem(net: RoadNetwork, edges: list[str], index: dict[str, int] | None = None,
                  moves: set[tuple[int, int]] | None = None) -> str | None:
    """Why twin cannot drive a vehicle along ``edges`` (edge ids) on ``net``, or None if it can:
    from a road that leads into a junction (at the border or inside), each edge joined to the next
    by a connection (it leaves the network at the end of its last edge, an exit or not). ``index``
    (edge id -> link) and ``moves`` ((link, link) pairs a movement joins) may be given to reuse."""
    index = index if index is not None else {e: k for k, e in enumerate(net.link_ids)}
    moves = moves if moves is not None else {(int(a), int(b)) for a, b in zip(net.q_link, net.q_out)}
    if not edges:
        return "has no edges"
    missing = [e for e in edges if e not in index]
    if missing:
        return f"edge {missing[0]!r} is not a road of the net cars may use"
    ks = [index[e] for e in edges]
    for a, b in zip(ks, ks[1:]):
        if (a, b) not in moves:
            return f"no connection from {net.link_ids[a]!r} to {net.link_ids[b]!r}"
    return None


def read_sumo_routes(path: str | os.PathLike, net: RoadNetwork, links: nx.DiGraph, *, begin_s: float,
                     horizon_s: int, dt_s: int, skip_unroutable: bool) -> RouteDemand:
    """The vehicles of route file ``path`` on ``net`` (``links`` from :func:`twin.traffic.demand.link_graph`,
    for trips), SUMO time ``begin_s`` (s) at the scenario's start, departures within ``horizon_s``
    (s) on steps of ``dt_s`` (s). RouteFileError naming the element for what twin cannot use.

    Read once per version of the file, network object and settings (the loader's checks, the memory
    estimate and the world all ask): the arrays are shared, and read-only."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        raise RouteFileError(f"{path}: no such file") from None
    # ``links`` is made from ``net`` and ``dt_s`` alone, so it is not part of the key.
    key = (str(path), stat.st_mtime_ns, stat.st_size, net, float(begin_s), int(horizon_s), int(dt_s),
           bool(skip_unroutable))
    if key not in _READ:
        demand = _Reader(path, net, links, float(begin_s), int(horizon_s), int(dt_s), skip_unroutable).read()
        for value in vars(demand).values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
        _READ[key] = demand
        while len(_READ) > _READ_KEPT:
            _READ.popitem(last=False)
    return _READ[key]


_READ_KEPT = 8  # route files read, newest last (the net in each key keeps its arrays alive too)
_READ: "OrderedDict[tuple, RouteDemand]" = OrderedDict()


def _parse(path: Path):
    import sumolib  # lazily: only scenarios with a route file need it

    if not path.is_file():
        raise RouteFileError(f"{path}: no such file")
    try:
        roots = list(sumolib.xml.parse(str(path), "routes"))
    except Exception as exc:  # sumolib raises whatever its XML reader raises
        raise RouteFileError(f"{path}: not a SUMO route file sumolib can read ({type(exc).__name__}: "
                             f"{str(exc)[:200]})") from None
    if len(roots) != 1:
        raise RouteFileError(f"{path}: expected one <routes> element, found {len(roots)}")
    return roots[0]
