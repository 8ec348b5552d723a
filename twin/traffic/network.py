"""Grid road networks: intersections, directed links and their turning movements, as arrays.

Headings are 0 N, 1 E, 2 S, 3 W (clockwise); rows grow southwards. A link ending at an
intersection has three movement queues, left, through and right (no U-turns): a vehicle picks
its movement when it enters the link and waits in that movement's FIFO (its lane group), so a
blocked left turn does not hold up through traffic. Entry links bring vehicles in from the
border; exit links take them out and have no queues.

Per link: length (m), lanes, free-flow speed (m/s), free-flow time (s, length / speed), storage
(vehicles: lanes x length / jam spacing). The network is geometry only: the traffic step rounds
free-flow times up to whole steps (:func:`free_flow_steps_s`), and nothing here depends on it. Per movement:
saturation flow (vehicles/s) = saturation flow per lane x the lanes the movement gets, the link's
lanes split between left, through and right in proportion to the turning ratios (at least 5% of
a lane each), so the three together never exceed the link's lanes; the time crossing the junction
(0: a grid's links meet at a point) and the speed through it (:mod:`twin.traffic.kinematics`).
"""

from __future__ import annotations

import dataclasses
import functools
import os
from dataclasses import dataclass

import numpy as np

from twin.graph import DeviceGraph
from twin.scenario.traffic_schema import Traffic
from twin.traffic.ids import intersection_ids, link_id

SIDES = "NESW"
ENTRY, INTERNAL, EXIT = 0, 1, 2
LEFT, THROUGH, RIGHT = 0, 1, 2
TURN_LETTERS = "LTR"
MIN_LANE_SHARE = 0.05  # the least part of a lane a movement gets, so no movement is shut out
_STEP = {0: (-1, 0), 1: (0, 1), 2: (1, 0), 3: (0, -1)}  # heading -> (d_row, d_col)


@dataclass(frozen=True, eq=False)
class SignalPrograms:
    """Each intersection's phase program, padded to the most phases any intersection has.

    Times are seconds on traffic-step boundaries. An unsignalized junction has one phase that
    serves every movement and never ends (``signalized`` False): the controllers skip it.
    """

    q_bits: np.ndarray         # (Q,) bit p set if the queue has green in phase p of its intersection
    q_actuating_bits: np.ndarray  # (Q,) bit p set if its vehicles extend phase p's green (actuated control)
    n_phases: np.ndarray       # (I,) phases of each intersection's program
    green_s: np.ndarray        # (I, P) fixed-time green of each phase, s
    yellow_s: np.ndarray       # (I, P) yellow after each phase's green, s
    all_red_s: np.ndarray      # (I, P) all-red after that yellow, s
    offset_s: np.ndarray       # (I,) fixed time: when the program starts its first phase, s (mod cycle)
    signalized: np.ndarray     # (I,) bool


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """Arrays describing a road network (see the module docstring for units)."""

    int_ids: tuple[str, ...]
    int_rc: np.ndarray | None   # (I, 2) row, col of a generated grid; None for an imported net
    link_ids: tuple[str, ...]
    link_kind: np.ndarray       # ENTRY, INTERNAL or EXIT
    link_from: np.ndarray       # upstream intersection, -1 for entry links
    link_to: np.ndarray         # downstream intersection, -1 for exit links
    link_heading: np.ndarray
    length_m: np.ndarray
    lanes: np.ndarray
    speed_mps: np.ndarray
    free_flow_s: np.ndarray     # free-flow time, length / speed (s)
    storage: np.ndarray         # vehicles
    q_link: np.ndarray          # per movement queue: its link
    q_turn: np.ndarray          # LEFT, THROUGH or RIGHT
    q_int: np.ndarray           # intersection it enters
    q_side: np.ndarray          # approach side (0 N .. 3 W) the vehicles come from
    q_out: np.ndarray           # link it leads to
    q_sat_vps: np.ndarray       # saturation flow, vehicles per second
    q_cross_s: np.ndarray       # time crossing the junction at its own speed, s (SUMO's internal lanes; 0 on a grid)
    q_turn_speed_mps: np.ndarray  # speed through the junction, m/s (a grid's: the slower link's)
    queue_of: np.ndarray        # (L, K) queue of each link's movements, -1 where it has fewer (exit links: none)
    entries: np.ndarray         # links vehicles enter on, each with an outside queue: the border's entry links
                                # (link_kind ENTRY), then on an imported net every internal link (departures inside)
    exits: np.ndarray           # exit link indices
    lane_sat_vps: float         # saturation flow of one lane, vehicles per second
    approach: tuple[str, ...]   # per link: its name as an approach (a grid's side letter, an imported edge's id)
    int_xy_m: np.ndarray        # (I, 2) intersection positions, m (x east, y north)
    programs: SignalPrograms | None = None  # an imported net's own signal programs; grids use the scenario's
    q_lane_mask: np.ndarray | None = None   # (Q,) imported: bit b set if the queue may use lane b of its link
    q_u_turn: np.ndarray | None = None      # (Q,) imported: the movement turns around (SUMO dir t); grids have none
    link_shape_m: tuple[np.ndarray, ...] | None = None  # imported: per link, (points, 2) its middle lane's shape, m (y north)
    # Imported: who gives way (twin.traffic.yielding): per yield group its movement and share of that
    # movement's green, per (group, foe) pair its group and the foe movement; None on a grid.
    yield_group_q: np.ndarray | None = None
    yield_group_share: np.ndarray | None = None
    yield_pair_group: np.ndarray | None = None
    yield_pair_foe: np.ndarray | None = None
    replicas: int = 1           # copies of one grid side by side (see twin.replicate.tile_network)

    @property
    def imported(self) -> bool:
        """Whether the network was read from a file (its own signal programs, no grid rows and columns)."""
        return self.programs is not None

    @property
    def border_entries(self) -> np.ndarray:
        """Per entry (``entries``): whether it brings vehicles in from the border (the Poisson
        ``entry_vph`` arrives there), not a road inside that a route file's vehicles depart on."""
        return self.link_kind[self.entries] == ENTRY

    @property
    def n_int(self) -> int:
        """Number of intersections."""
        return len(self.int_ids)

    @property
    def n_links(self) -> int:
        """Number of links."""
        return len(self.link_ids)

    @property
    def n_queues(self) -> int:
        """Number of movement queues."""
        return int(self.q_link.size)

    def link_index(self, link_id: str) -> int:
        """Index of a link by id; KeyError naming some valid ids otherwise."""
        try:
            return self.link_ids.index(link_id)
        except ValueError:
            sample = ", ".join(self.link_ids[i] for i in self.entries[:2]) + ", " + self.link_ids[self.exits[0]]
            raise KeyError(f"no link {link_id!r}; links look like {sample}") from None


def free_flow_steps_s(net: RoadNetwork, dt_s: int) -> np.ndarray:
    """Each link's free-flow time rounded up to whole traffic steps of ``dt_s`` (s, int64): how
    long a vehicle takes to reach the stop line (or to leave, on an exit link) in the stepped model."""
    return np.ceil(net.free_flow_s / dt_s - 1e-9).astype(np.int64) * dt_s


def road_network(cfg: Traffic) -> RoadNetwork:
    """The network ``cfg`` runs on: the grid it describes, or the SUMO file it names (read once per
    version of the file and settings: the arrays are shared, and read-only)."""
    kinematics = (cfg.accel_mps2, cfg.decel_mps2, cfg.speed_shortfall_mps, cfg.resolution)
    if not cfg.imported:
        return _with_room_to_drive(grid_network(cfg), *kinematics)
    from twin.traffic.sumo_net import read_sumo_net

    path = cfg.network.sumo_net
    stat = os.stat(path)
    return _read_cached(path, stat.st_mtime_ns, stat.st_size, cfg.saturation_flow_vphpl / 3600.0, cfg.jam_spacing_m,
                        *kinematics, read_sumo_net)


def _with_room_to_drive(net: RoadNetwork, accel_mps2: float, decel_mps2: float, shortfall_mps: float,
                        dt_s: int) -> RoadNetwork:
    """``net`` with each link's storage raised to hold the vehicles driving along it at saturation
    flow (:func:`twin.traffic.kinematics.storage_for_moving_vehicles`)."""
    from twin.traffic.kinematics import storage_for_moving_vehicles

    storage = storage_for_moving_vehicles(net, accel_mps2=accel_mps2, decel_mps2=decel_mps2,
                                          shortfall_mps=shortfall_mps, dt_s=dt_s)
    return net if np.array_equal(storage, net.storage) else dataclasses.replace(net, storage=storage)


@functools.lru_cache(maxsize=8)
def _read_cached(path: str, mtime_ns: int, size: int, lane_sat_vps: float, jam_spacing_m: float, accel_mps2: float,
                 decel_mps2: float, shortfall_mps: float, dt_s: int, reader) -> RoadNetwork:
    net = reader(path, lane_sat_vps=lane_sat_vps, jam_spacing_m=jam_spacing_m, dt_s=dt_s)
    net = _with_room_to_drive(net, accel_mps2, decel_mps2, shortfall_mps, dt_s)
    # Every world built from this file shares these arrays: a write to one would change the others.
    for part in (net, net.programs):
        for value in vars(part).values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
    return net


def grid_network(cfg: Traffic) -> RoadNetwork:
    """Generate the N x M grid described by ``cfg.network``."""
    net = cfg.network
    rows, cols = net.rows, net.cols
    int_ids = intersection_ids(rows, cols)
    index = {(r, c): r * cols + c for r in range(rows) for c in range(cols)}
    links: list[tuple[str, int, int, int, int, float]] = []  # id, kind, from, to, heading, length
    for (r, c), i in index.items():
        for h in range(4):
            dr, dc = _STEP[h]
            j = index.get((r + dr, c + dc))
            if j is None:
                links.append((link_id("exit", int_ids[i], SIDES[h]), EXIT, i, -1, h, net.border_length_m))
                # Vehicles enter through the same border side, heading the opposite way.
                links.append((link_id("entry", int_ids[i], SIDES[h]), ENTRY, -1, i, (h + 2) % 4, net.border_length_m))
            else:
                links.append((link_id("road", int_ids[i], SIDES[h]), INTERNAL, i, j, h, net.block_length_m))
    link_ids = tuple(x[0] for x in links)
    kind = np.array([x[1] for x in links], dtype=np.int8)
    link_from = np.array([x[2] for x in links], dtype=np.int32)
    link_to = np.array([x[3] for x in links], dtype=np.int32)
    heading = np.array([x[4] for x in links], dtype=np.int8)
    length = np.array([x[5] for x in links], dtype=float)
    n_links = len(links)
    lanes = np.full(n_links, net.lanes, dtype=np.int32)
    speed = np.full(n_links, net.speed_limit_kmh / 3.6)
    storage = np.floor(lanes * length / cfg.jam_spacing_m).astype(np.int64)

    leaving = {(int(link_from[k]), int(heading[k])): k for k in range(n_links) if kind[k] != ENTRY}
    queued = np.flatnonzero(kind != EXIT)
    q_link = np.repeat(queued, 3).astype(np.int32)
    q_turn = np.tile(np.array([LEFT, THROUGH, RIGHT], dtype=np.int8), queued.size)
    q_int = link_to[q_link]
    q_heading = heading[q_link].astype(int)
    out_heading = np.where(q_turn == LEFT, (q_heading + 3) % 4, np.where(q_turn == RIGHT, (q_heading + 1) % 4, q_heading))
    q_out = np.array([leaving[(int(i), int(h))] for i, h in zip(q_int, out_heading)], dtype=np.int32)
    # Lane groups: the approach's lanes are split between its movements in proportion to the
    # turning ratios (at least 5% of a lane each), so an approach never carries more than its lanes.
    ratios = np.array([cfg.demand.turning.left, cfg.demand.turning.through, cfg.demand.turning.right])
    share = np.maximum(ratios, MIN_LANE_SHARE)
    movement_lanes = lanes[q_link] * (share / share.sum())[q_turn]
    queue_of = np.full((n_links, 3), -1, dtype=np.int32)
    queue_of[q_link, q_turn] = np.arange(q_link.size, dtype=np.int32)
    int_rc = np.array([(r, c) for r in range(rows) for c in range(cols)], dtype=np.int32)
    return RoadNetwork(
        int_ids=int_ids, int_rc=int_rc,
        int_xy_m=np.stack([int_rc[:, 1], -int_rc[:, 0]], axis=1) * float(net.block_length_m),
        approach=tuple(SIDES[(h + 2) % 4] for h in heading),
        link_ids=link_ids, link_kind=kind, link_from=link_from, link_to=link_to, link_heading=heading,
        length_m=length, lanes=lanes, speed_mps=speed, free_flow_s=length / speed, storage=storage,
        q_link=q_link, q_turn=q_turn, q_int=q_int.astype(np.int32), q_side=((q_heading + 2) % 4).astype(np.int8),
        q_out=q_out, q_sat_vps=movement_lanes * cfg.saturation_flow_vphpl / 3600.0, queue_of=queue_of,
        q_cross_s=np.zeros(q_link.size), q_turn_speed_mps=np.minimum(speed[q_link], speed[q_out]),
        entries=np.flatnonzero(kind == ENTRY), exits=np.flatnonzero(kind == EXIT),
        lane_sat_vps=cfg.saturation_flow_vphpl / 3600.0)


def detector_ids(net: RoadNetwork) -> list[str]:
    """One stop-line detector per approach (each link that ends at an intersection)."""
    queued = np.flatnonzero(net.link_kind != EXIT)
    return [f"{net.int_ids[net.link_to[k]]}/det-{net.approach[k]}" for k in queued]


def add_traffic_nodes(graph: DeviceGraph, net: RoadNetwork, parent: str = "city") -> None:
    """Add intersections, signals, roads and detectors with their edges to ``graph``."""
    n = net.n_int
    place = ({"row": net.int_rc[:, 0].tolist(), "col": net.int_rc[:, 1].tolist()} if not net.imported else
             {"x_m": net.int_xy_m[:, 0].tolist(), "y_m": net.int_xy_m[:, 1].tolist()})
    graph.add_nodes("intersection", list(net.int_ids), index=list(range(n)), **place)
    graph.add_edges("contains", [(parent, i) for i in net.int_ids])
    signals = [f"{i}/signal" for i in net.int_ids]
    graph.add_nodes("signal", signals, index=list(range(n)))
    graph.add_edges("controls", list(zip(signals, net.int_ids)))
    graph.add_edges("contains", [(i, s) for i, s in zip(net.int_ids, signals)])
    graph.add_nodes("road", list(net.link_ids), index=list(range(net.n_links)),
                    length_m=net.length_m.tolist(), lanes=net.lanes.tolist(),
                    speed_mps=np.round(net.speed_mps, 3).tolist(), storage_veh=net.storage.tolist(),
                    role=[("entry", "internal", "exit")[k] for k in net.link_kind])
    graph.add_edges("contains", [(parent, link) for link in net.link_ids])
    for k in np.flatnonzero(net.link_kind == INTERNAL):
        graph.add_edge(net.int_ids[net.link_from[k]], net.int_ids[net.link_to[k]], "connects",
                       road=net.link_ids[k], length_m=float(net.length_m[k]), lanes=int(net.lanes[k]),
                       speed_mps=float(net.speed_mps[k]), storage_veh=int(net.storage[k]),
                       saturation_vph=float(net.q_sat_vps[net.queue_of[k][net.queue_of[k] >= 0]].sum() * 3600))
    queued = np.flatnonzero(net.link_kind != EXIT)
    dets = detector_ids(net)
    graph.add_nodes("detector", dets, index=list(range(len(dets))))
    graph.add_edges("measures", [(d, net.link_ids[k]) for d, k in zip(dets, queued)])
    graph.add_edges("contains", [(net.int_ids[net.link_to[k]], d) for d, k in zip(dets, queued)])
