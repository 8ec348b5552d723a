"""Road networks read from SUMO ``.net.xml`` files (``sumolib.net.readNet``), as :class:`RoadNetwork` arrays.

What is read, and how it maps onto twin's queue model:

- **Links** are SUMO's normal edges that passenger cars may use (internal, crossing and walking
  edges, and edges for rail, bicycles or pedestrians only, are left out). Length (m) and speed
  (m/s) are those of the edge's first lane; storage is ``max(1, floor(lanes x length / jam
  spacing))`` vehicles. An edge no connection leads into is an **entry** (vehicles come in at its
  start); one with no connection out of it is an **exit** (vehicles leave at its end). Every edge
  has an outside queue (``entries``: the border's first): a route file's vehicles depart on their
  first edge wherever it is, as SUMO's do, and the Poisson ``entry_vph`` comes in at the border.
- **Intersections** are the junctions where an edge with connections ends; their position is the
  junction's (x, y), m.
- **Movements**: one queue per (incoming edge, outgoing edge) pair that a connection joins, its
  turn from the connection's ``dir`` (``s`` through; ``l``/``L`` left; ``r``/``R`` right; ``t``/``T``
  a U-turn, a left of its own). Only route-file and OD vehicles whose route turns around take a
  U-turn; vehicles that pick their turn by the turning ratios never do (unless it is the only way
  on). A lane shared by k movements counts as 1/k of a lane for each here, and a movement's
  saturation flow is its lanes x the saturation flow per lane; a world splits shared lanes by its
  demand instead (:mod:`twin.traffic.lanes`). A U-turn takes no part of the lanes it shares: it
  discharges at their whole saturation flow on its own queue (few vehicles turn around, and
  counting it as a user halved the left turns' lane on every net built with turnarounds). A U-turn
  is kept only from a road with other movements to a road other movements feed: one from an exit
  would make it a way back in, and one into an entry would end the entry.
  A link's movements go in its ``queue_of`` row left-most first (left, through, right), so a link
  with one movement of each kind has the slots of a generated grid. A movement's time through the
  junction and its turn speed are its connections' internal lanes' (length / speed, summed along
  the chain, and the slowest speed), averaged over its connections (:mod:`twin.traffic.kinematics`).
- **Headings** (0 N, 1 E, 2 S, 3 W) are the compass bearing of the last segment of the edge's
  shape, SUMO's y axis pointing north, rounded to the nearest quarter. The viewer draws each road
  along its middle car lane's shape (``link_shape_m``).
- **Signals**: each junction's program is the traffic light's last program in the file (the one
  SUMO runs). Its green phases are those with a ``G`` or ``g`` and no ``y``; the phases after a
  green, up to the next green, are its yellow (with a ``y``) and all-red (without) time. A movement
  has green in a phase when one of its connections shows ``G``, ``g``, ``s`` (SUMO's green arrow
  after a stop, e.g. right on red), ``O`` or ``o`` at its link
  index. The program is turned so that twin's phase 0 is its first green, the offset moved with it.
  Durations are rounded to whole traffic steps (greens to at least one). A movement whose
  connections no light controls is always green, and a junction without a light (priority, right
  before left, ...) has one phase serving every movement.
- **Right of way**: a movement that gives way (a minor link at a junction without a light, a
  permissive ``g`` green at one) keeps the share of its saturation flow the gaps in its foes' flow
  leave it (:mod:`twin.traffic.yielding`); who yields to whom is read from each junction's
  ``<request response>`` (:mod:`twin.traffic.sumo_yields`).

Anything else a net may hold (actuated parameters, pedestrian crossings, vehicle class lanes) is
not read.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from twin.traffic.network import ENTRY, EXIT, INTERNAL, LEFT, RIGHT, THROUGH, RoadNetwork, SignalPrograms
from twin.traffic.sumo_yields import yield_groups

TURN_OF_DIR = {"s": THROUGH, "l": LEFT, "L": LEFT, "r": RIGHT, "R": RIGHT, "t": LEFT, "T": LEFT}
U_TURN_DIRS = frozenset("tT")
GREEN_STATES = frozenset("GgsOo")  # states in which SUMO lets a vehicle pass (after yielding)
MAX_PHASES = 63  # phase membership is a bit per phase in an int64


class SumoNetError(ValueError):
    """A SUMO network file twin cannot use; the message names the element and what is allowed."""


@dataclass(frozen=True)
class _Movement:
    link: int          # incoming edge (index into the kept links)
    out: int           # outgoing edge
    turn: int          # LEFT, THROUGH or RIGHT (a U-turn is a LEFT)
    u_turn: bool       # a turnaround (dir t/T): only routes take it, and it takes no lane share from the others
    lanes: float       # lanes of the incoming edge it gets (shared lanes split equally)
    tls: str           # controlling traffic light id, "" if none
    lane_mask: int     # bit b set if a connection leaves from lane b of the incoming edge
    lane_links: tuple[tuple[int, int], ...]  # (lane of the incoming edge, link index) of each controlled connection
    cross_s: float      # crossing the junction at its internal lanes' speeds, s (mean over its connections)
    turn_speed_mps: float  # the slowest of those speeds, m/s (mean over its connections)
    conns: tuple = dataclasses.field(default=(), compare=False, repr=False)  # its sumolib connections

    @property
    def link_indices(self) -> tuple[int, ...]:
        """Its controlled connections' indices into the light's state."""
        return tuple(j for _, j in self.lane_links)


def read_sumo_net(path: str | os.PathLike, *, lane_sat_vps: float, jam_spacing_m: float, dt_s: int) -> RoadNetwork:
    """The network in SUMO file ``path`` (see the module docstring): saturation flow ``lane_sat_vps``
    (vehicles/s per lane), ``jam_spacing_m`` (m per queued vehicle), signal times rounded to steps of
    ``dt_s`` (s). SumoNetError naming the problem for a file twin cannot use."""
    net = _parse(Path(path))
    edges = [e for e in net.getEdges(withInternal=False) if e.getFunction() == "" and e.allows("passenger")]
    index = {e.getID(): k for k, e in enumerate(edges)}
    moves = _movements(net, edges, index)
    # A U-turn is kept only between roads that lead into and out of junctions without it: one at a
    # road's dead end would make the road out of the net a way back in and cut its exit.
    others = [m for m in moves if not m.u_turn]
    fed, has_moves = {m.out for m in others}, {m.link for m in others}
    moves = [m for m in moves if not m.u_turn or (m.link in has_moves and m.out in fed)]
    keep = [k for k in range(len(edges)) if k in fed or k in has_moves]
    if not moves:
        raise SumoNetError(f"{path}: no connection joins two roads cars may use; twin needs a road network "
                           "with at least one junction")
    renumber = {k: n for n, k in enumerate(keep)}
    edges = [edges[k] for k in keep]
    moves = [dataclasses.replace(m, link=renumber[m.link], out=renumber[m.out]) for m in moves]
    n_links = len(edges)
    fed, has_moves = {m.out for m in moves}, {m.link for m in moves}
    kind = np.array([(INTERNAL if k in fed else ENTRY) if k in has_moves else EXIT for k in range(n_links)],
                    dtype=np.int8)
    border, exits = np.flatnonzero(kind == ENTRY), np.flatnonzero(kind == EXIT)
    # Vehicles enter at the border and, as SUMO's may, on any other road (one departing on an exit
    # drives to its end and leaves).
    entries = np.concatenate([border, np.flatnonzero(kind == INTERNAL), exits])
    if border.size == 0 or exits.size == 0:
        missing = "no edge that no connection leads into (an entry)" if border.size == 0 else \
            "no edge without connections out of it (an exit)"
        raise SumoNetError(f"{path}: {missing}; twin brings vehicles in at entries and lets them leave at exits")

    # Intersections: the junctions where a link with movements ends, in the order SUMO lists them.
    ends = {edges[m.link].getToNode().getID() for m in moves}
    nodes = [n for n in net.getNodes() if n.getID() in ends]
    int_index = {n.getID(): i for i, n in enumerate(nodes)}
    shared = sorted(set(int_index) & {e.getID() for e in edges})
    if shared:  # the device graph (and everything that names a node) holds both in one namespace
        raise SumoNetError(f"{path}: {', '.join(map(repr, shared[:3]))} names both a junction and an edge; twin "
                           "names every junction and road apart: rename one (netconvert --prefix.junction J --sumo-net-file IN -o OUT)")
    link_to = np.array([int_index[e.getToNode().getID()] if kind[k] != EXIT else -1 for k, e in enumerate(edges)],
                       dtype=np.int32)
    link_from = np.array([int_index.get(e.getFromNode().getID(), -1) if kind[k] != ENTRY else -1
                          for k, e in enumerate(edges)], dtype=np.int32)
    car_lanes = [[lane for lane in e.getLanes() if lane.allows("passenger")] for e in edges]
    length = np.array([ls[0].getLength() for ls in car_lanes], dtype=float)
    speed = np.array([ls[0].getSpeed() for ls in car_lanes], dtype=float)
    lanes = np.array([len(ls) for ls in car_lanes], dtype=np.int32)
    heading = np.array([_heading(e.getShape()) for e in edges], dtype=np.int8)
    # Where each road is drawn: its middle car lane's shape (x east, y north, m).
    shapes = tuple(np.array([pt[:2] for pt in ls[len(ls) // 2].getShape()], dtype=float) for ls in car_lanes)
    storage = np.maximum(1, np.floor(lanes * length / jam_spacing_m)).astype(np.int64)

    # Movement queues, each link's left-most first (a U-turn before its lefts); ties (two lefts) in
    # the order SUMO lists them.
    order = sorted(range(len(moves)), key=lambda j: (moves[j].link, not moves[j].u_turn, moves[j].turn, j))
    moves = [moves[j] for j in order]
    q_link = np.array([m.link for m in moves], dtype=np.int32)
    slots = max(np.bincount(q_link).max(), 1)
    queue_of = np.full((n_links, slots), -1, dtype=np.int32)
    fill = np.zeros(n_links, dtype=np.int64)
    for q, m in enumerate(moves):
        queue_of[m.link, fill[m.link]] = q
        fill[m.link] += 1
    q_int = link_to[q_link]
    programs, states_of = _programs(path, net, nodes, moves, q_int, lanes, dt_s)
    group_q, group_share, pair_group, pair_foe = yield_groups(nodes, moves, q_int, programs.green_s, states_of)
    return RoadNetwork(
        int_ids=tuple(n.getID() for n in nodes), int_rc=None,
        int_xy_m=np.array([n.getCoord()[:2] for n in nodes], dtype=float).reshape(-1, 2),
        link_ids=tuple(e.getID() for e in edges), link_kind=kind, link_from=link_from, link_to=link_to,
        link_heading=heading, length_m=length, lanes=lanes, speed_mps=speed, free_flow_s=length / speed,
        storage=storage, q_link=q_link, q_turn=np.array([m.turn for m in moves], dtype=np.int8),
        q_int=q_int.astype(np.int32), q_side=((heading[q_link].astype(int) + 2) % 4).astype(np.int8),
        q_out=np.array([m.out for m in moves], dtype=np.int32),
        q_sat_vps=np.array([m.lanes for m in moves]) * lane_sat_vps, queue_of=queue_of,
        q_cross_s=np.array([m.cross_s for m in moves]), q_turn_speed_mps=np.array([m.turn_speed_mps for m in moves]),
        entries=entries, exits=exits, lane_sat_vps=lane_sat_vps, approach=tuple(e.getID() for e in edges),
        programs=programs, q_lane_mask=np.array([m.lane_mask for m in moves], dtype=np.int64),
        q_u_turn=np.array([m.u_turn for m in moves], dtype=bool), link_shape_m=shapes,
        yield_group_q=group_q, yield_group_share=group_share, yield_pair_group=pair_group, yield_pair_foe=pair_foe)


def _parse(path: Path):
    """sumolib's Net of ``path`` with its last signal programs; SumoNetError if it is not a net file."""
    import sumolib  # lazily: only scenarios with a SUMO network need it

    if not path.is_file():
        raise SumoNetError(f"{path}: no such file")
    try:
        net = sumolib.net.readNet(str(path), withInternal=True, withLatestPrograms=True)
    except Exception as exc:  # sumolib raises whatever its XML reader or attribute lookups raise
        raise SumoNetError(f"{path}: not a SUMO network file sumolib can read ({type(exc).__name__}: "
                           f"{str(exc)[:200]}); write it with netconvert, netgenerate or netedit") from None
    if not net.getEdges(withInternal=False):
        raise SumoNetError(f"{path}: holds no edges; a SUMO network file (.net.xml) has <edge> and <junction> elements")
    return net


def _movements(net, edges, index: dict[str, int]) -> list[_Movement]:
    """Movements of every kept edge (see the module docstring)."""
    moves: list[_Movement] = []
    for k, edge in enumerate(edges):
        by_out: dict[str, list] = defaultdict(list)
        for out_edge, conns in edge.getOutgoing().items():
            if out_edge.getID() not in index:
                continue
            for c in conns:
                d = c.getDirection()
                if not c.getFromLane().allows("passenger") or not c.getToLane().allows("passenger"):
                    continue
                if d not in TURN_OF_DIR:
                    raise SumoNetError(f"connection {edge.getID()} -> {out_edge.getID()}: direction {d!r} is not "
                                       "one twin knows; allowed: s, l, L, r, R, t, T")
                by_out[out_edge.getID()].append(c)
        # A lane used by k movements gives each 1/k of a lane; a U-turn borrows its lanes whole.
        shares: dict[int, int] = defaultdict(int)
        for conns in by_out.values():
            if conns[0].getDirection() not in U_TURN_DIRS:
                for lane in {c.getFromLane().getIndex() for c in conns}:
                    shares[lane] += 1
        for out_id, conns in by_out.items():
            from_lanes = {c.getFromLane().getIndex() for c in conns}
            u_turn = conns[0].getDirection() in U_TURN_DIRS
            tls = {c.getTLSID() for c in conns if c.getTLSID()}
            if len(tls) > 1:
                raise SumoNetError(f"connections {edge.getID()} -> {out_id}: controlled by two traffic lights "
                                   f"({', '.join(sorted(tls))}); one movement needs one light")
            crossing = [_crossing(net, c) for c in conns]
            moves.append(_Movement(link=k, out=index[out_id], turn=TURN_OF_DIR[conns[0].getDirection()],
                                   u_turn=u_turn, lanes=float(len(from_lanes)) if u_turn else
                                   sum(1.0 / shares[lane] for lane in from_lanes), tls=next(iter(tls), ""),
                                   lane_mask=sum(1 << lane for lane in from_lanes),
                                   lane_links=tuple((c.getFromLane().getIndex(), c.getTLLinkIndex())
                                                    for c in conns if c.getTLSID()),
                                   cross_s=float(np.mean([x[0] for x in crossing])),
                                   turn_speed_mps=float(np.mean([x[1] for x in crossing])), conns=tuple(conns)))
    return moves


def _crossing(net, conn) -> tuple[float, float]:
    """(s, m/s): the time through the junction along the connection's internal lanes at their
    speeds, and the slowest of those speeds; (0, the slower of its two lanes' speeds) for a
    connection without internal lanes (a net built with ``--no-internal-links``)."""
    time_s, slowest = 0.0, min(conn.getFromLane().getSpeed(), conn.getToLane().getSpeed())
    via = conn.getViaLaneID()
    for _ in range(16):  # a chain of internal lanes (an internal junction splits one): never this long
        if not via:
            break
        lane = net.getLane(via)
        time_s += lane.getLength() / lane.getSpeed()
        slowest = min(slowest, lane.getSpeed())
        nxt = lane.getOutgoing()
        via = nxt[0].getViaLaneID() if nxt else ""
    return time_s, slowest


def _heading(shape) -> int:
    """0 N, 1 E, 2 S, 3 W: the compass bearing of the shape's last segment (y north), to the nearest quarter."""
    (x0, y0), (x1, y1) = shape[-2][:2], shape[-1][:2]
    bearing = math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360.0
    return int(round(bearing / 90.0)) % 4


def _programs(path: Path, net, nodes, moves: list[_Movement], q_int: np.ndarray, edge_lanes: np.ndarray,
              dt_s: int) -> tuple[SignalPrograms, dict[int, list[str]]]:
    """Each intersection's program from its traffic light (one always-green phase without one),
    and the green phases' states of each signalized intersection; ``edge_lanes``: car lanes per link."""
    n_int = len(nodes)
    rows_of: dict[int, list[int]] = defaultdict(list)
    for q, i in enumerate(q_int):
        rows_of[int(i)].append(q)
    bits = np.zeros(len(moves), dtype=np.int64)
    actuating = np.zeros(len(moves), dtype=np.int64)
    per_int: list[tuple[list[int], list[int], list[int], int]] = []
    signalized = np.zeros(n_int, dtype=bool)
    states_of: dict[int, list[str]] = {}
    for i, node in enumerate(nodes):
        lights = {moves[q].tls for q in rows_of[i] if moves[q].tls}
        if len(lights) > 1:
            raise SumoNetError(f"{path}: junction {node.getID()} is controlled by several traffic lights "
                               f"({', '.join(sorted(lights))}); twin gives each junction one")
        if not lights:
            bits[rows_of[i]] = actuating[rows_of[i]] = 1
            per_int.append(([dt_s], [0], [0], 0))
            continue
        signalized[i] = True
        tls_id = lights.pop()
        greens, yellows, reds, offset, states = _program_of(path, net.getTLS(tls_id), dt_s)
        states_of[i] = states
        for q in rows_of[i]:
            m = moves[q]
            if not m.tls:  # a movement no light controls is never stopped
                bits[q] = (1 << len(greens)) - 1  # and holds no phase green
                continue
            for p, state in enumerate(states):
                if any(j < len(state) and state[j] in GREEN_STATES for j in m.link_indices):
                    bits[q] |= 1 << p
            if max(m.link_indices) >= min(len(s) for s in states):
                raise SumoNetError(f"{path}: traffic light {tls_id}: its phase states have "
                                   f"{min(len(s) for s in states)} signals, but connection link index "
                                   f"{max(m.link_indices)} needs more")
        controlled = [moves[q] for q in rows_of[i] if moves[q].tls]
        for q in rows_of[i]:  # once every link index is known to be in range
            if moves[q].tls:
                actuating[q] = _actuating_bits(moves[q], controlled, states, one_lane=edge_lanes[moves[q].link] == 1)
        per_int.append((greens, yellows, reds, offset))
    width = max(len(g) for g, _, _, _ in per_int)
    green_s, yellow_s, all_red_s = (np.zeros((n_int, width), dtype=np.int64) for _ in range(3))
    for i, (g, y, r, _) in enumerate(per_int):
        green_s[i, :len(g)], yellow_s[i, :len(y)], all_red_s[i, :len(r)] = g, y, r
    cycle = (green_s + yellow_s + all_red_s).sum(axis=1)
    offset = np.array([o for _, _, _, o in per_int], dtype=np.int64) % cycle
    return SignalPrograms(q_bits=bits, q_actuating_bits=actuating, n_phases=np.array([len(g) for g, _, _, _ in per_int], dtype=np.int64),
                          green_s=green_s, yellow_s=yellow_s, all_red_s=all_red_s, offset_s=offset,
                          signalized=signalized), states_of


def _actuating_bits(move: _Movement, junction: list[_Movement], states: list[str], *, one_lane: bool) -> int:
    """Bit p set if the movement's vehicles keep phase p green under actuated control, as SUMO's
    actuated lights choose their detectors: a connection of it has major green (G) in p, or minor
    green (g) where it is never major in any phase or its edge has one lane, and every controlled
    connection from that lane of the edge has green in p too (a lane whose other turn is red does not
    extend the phase). ``s`` (go after a stop) never extends one."""
    never_major = {j: all(s[j] != "G" for s in states) for _, j in move.lane_links}
    from_lane: dict[int, list[int]] = defaultdict(list)
    for other in junction:
        if other.link == move.link:
            for lane, j in other.lane_links:
                from_lane[lane].append(j)
    out = 0
    for p, state in enumerate(states):
        for lane, j in move.lane_links:
            green = state[j] == "G" or (state[j] == "g" and (never_major[j] or one_lane))
            if green and all(state[k] in "Gg" for k in from_lane[lane]):
                out |= 1 << p
                break
    return out


def _program_of(path: Path, tls, dt_s: int) -> tuple[list[int], list[int], list[int], int, list[str]]:
    """(green, yellow, all-red per green phase, offset, the green phases' states) of a light's
    program, turned to start at its first green, times in whole steps of ``dt_s`` (s)."""
    programs = list(tls.getPrograms().values())
    if not programs:
        raise SumoNetError(f"{path}: traffic light {tls.getID()} has no <tlLogic> program; give it one "
                           "(netconvert writes one for every light)")
    program = programs[-1]
    phases = program.getPhases()
    is_green = [any(ch in "Gg" for ch in ph.state) and "y" not in ph.state for ph in phases]
    if not any(is_green):
        raise SumoNetError(f"{path}: traffic light {tls.getID()}: program {program._id!r} has no green phase "
                           "(a state with G or g and no y)")
    first = is_green.index(True)
    turned = phases[first:] + phases[:first]
    flags = is_green[first:] + is_green[:first]
    if sum(flags) > MAX_PHASES:
        raise SumoNetError(f"{path}: traffic light {tls.getID()} has {sum(flags)} green phases; at most {MAX_PHASES}")

    def steps(seconds: float) -> int:
        return int(round(float(seconds) / dt_s)) * dt_s

    greens, yellows, reds, states = [], [], [], []
    for ph, green in zip(turned, flags):
        if green:
            greens.append(max(dt_s, steps(ph.duration)))
            yellows.append(0)
            reds.append(0)
            states.append(ph.state)
        elif "y" in ph.state:
            yellows[-1] += steps(ph.duration)
        else:
            reds[-1] += steps(ph.duration)
    lead_s = sum(float(ph.duration) for ph in phases[:first])
    return greens, yellows, reds, steps(float(program.getOffset()) + lead_s), states
