"""Small SUMO network files the tests write themselves (``.net.xml``, the elements sumolib reads).

Geometry follows SUMO: x east, y north, metres. Each arm of a junction is a pair of edges, one in
and one out; connections list the lanes they join, their direction and the traffic light's link
index. Internal lanes (a connection's way through the junction) are written only for the
(incoming, outgoing) edge pairs given in ``NetFile.internal``, one per connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

ARMS = {"N": (0.0, 1.0), "E": (1.0, 0.0), "S": (0.0, -1.0), "W": (-1.0, 0.0)}
# Turning from the arm a vehicle comes in on, to the arm it leaves by (no U-turns).
RIGHT_OF = {"N": "W", "E": "N", "S": "E", "W": "S"}
LEFT_OF = {"N": "E", "E": "S", "S": "W", "W": "N"}
OPPOSITE = {"N": "S", "E": "W", "S": "N", "W": "E"}


@dataclass
class NetFile:
    """A network being written: junctions, edges, connections and signal programs."""

    junctions: dict[str, tuple[float, float, str]] = field(default_factory=dict)   # id -> x, y, type
    edges: list[tuple[str, str, str, int, float]] = field(default_factory=list)   # id, from, to, lanes, speed
    connections: list[tuple[str, str, int, int, str, str, int]] = field(default_factory=list)
    programs: dict[str, tuple[float, list[tuple[float, str]]]] = field(default_factory=dict)
    internal: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)  # (in, out) -> length m, speed m/s
    # Right of way: junction -> {link index: the link indices it must let pass} (SUMO's <request response>).
    yields: dict[str, dict[int, set[int]]] = field(default_factory=dict)

    def write(self, path: Path) -> Path:
        """Write the file and return its path."""
        xy = {j: (x, y) for j, (x, y, _) in self.junctions.items()}
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<net version="1.20">']
        for eid, a, b, lanes, speed in self.edges:
            (x0, y0), (x1, y1) = xy[a], xy[b]
            length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
            lines.append(f'  <edge id={quoteattr(eid)} from={quoteattr(a)} to={quoteattr(b)} priority="1">')
            for k in range(lanes):
                lines.append(f'    <lane id="{eid}_{k}" index="{k}" speed="{speed}" length="{length:.2f}" '
                             f'shape="{x0:.2f},{y0:.2f} {x1:.2f},{y1:.2f}"/>')
            lines.append("  </edge>")
        for tls, (offset, phases) in self.programs.items():
            lines.append(f'  <tlLogic id={quoteattr(tls)} type="static" programID="0" offset="{offset}">')
            lines += [f'    <phase duration="{d}" state="{s}"/>' for d, s in phases]
            lines.append("  </tlLogic>")
        incoming: dict[str, list[str]] = {j: [] for j in self.junctions}
        for eid, _, b, lanes, _ in self.edges:
            incoming[b] += [f"{eid}_{k}" for k in range(lanes)]
        for j, (x, y, kind) in self.junctions.items():
            head = (f'  <junction id={quoteattr(j)} type="{kind}" x="{x}" y="{y}" '
                    f'incLanes="{" ".join(incoming[j])}" intLanes=""')
            if j not in self.yields:
                lines.append(head + "/>")
                continue
            # SUMO writes a link's response as a bit string, the bit of link k at position -(k + 1).
            n_links = sum(1 for c in self.connections if c[0] in {f"{e[0]}" for e in self.edges if e[2] == j})
            lines.append(head + ">")
            for index in range(n_links):
                gives_way = self.yields[j].get(index, set())
                bits = "".join("1" if k in gives_way else "0" for k in reversed(range(n_links)))
                lines.append(f'    <request index="{index}" response="{bits}" foes="{bits}" cont="0"/>')
            lines.append("  </junction>")
        for n, (a, b, la, lb, d, tl, index) in enumerate(self.connections):
            light = f' tl="{tl}" linkIndex="{index}"' if tl else ""
            via = ""
            if (a, b) in self.internal:
                length, speed = self.internal[(a, b)]
                x, y = xy[next(e[2] for e in self.edges if e[0] == a)]
                lines.append(f'  <edge id=":i{n}" function="internal"><lane id=":i{n}_0" index="0" speed="{speed}" '
                             f'length="{length}" shape="{x:.2f},{y:.2f} {x + 1:.2f},{y:.2f}"/></edge>')
                lines.append(f'  <connection from=":i{n}" to="{b}" fromLane="0" toLane="{lb}" dir="{d}" state="M"/>')
                via = f' via=":i{n}_0"'
            lines.append(f'  <connection from="{a}" to="{b}" fromLane="{la}" toLane="{lb}"{via}{light} dir="{d}" '
                         'state="O"/>')
        lines.append("</net>")
        path.write_text("\n".join(lines) + "\n")
        return path


def add_junction(net: NetFile, jid: str, x: float, y: float, *, arms: dict[str, str], lanes: int = 2,
                 speed_mps: float = 13.89, signalized: bool = True, u_turns: bool = False) -> list[int]:
    """A junction at (x, y) whose arms (side -> the junction or border node id there) each bring an
    edge in and take one out; lanes: 0 (right) serves right and through, the others through and, the
    left-most, left. Returns the link indices of its connections in order, four arms x (right,
    through..., left, U-turn)."""
    net.junctions[jid] = (x, y, "traffic_light" if signalized else "priority")
    for side, other in arms.items():
        if other not in net.junctions:
            dx, dy = ARMS[side]
            net.junctions[other] = (x + 200 * dx, y + 200 * dy, "dead_end")
        for eid, a, b in ((f"{other}_{jid}", other, jid), (f"{jid}_{other}", jid, other)):
            if eid not in {e[0] for e in net.edges}:
                net.edges.append((eid, a, b, lanes, speed_mps))
    index = 0
    for side, other in arms.items():
        into = f"{other}_{jid}"
        moves = [("r", RIGHT_OF[side], [0])]
        moves.append(("s", OPPOSITE[side], list(range(lanes))))
        moves.append(("l", LEFT_OF[side], [lanes - 1]))
        if u_turns:
            moves.append(("t", side, [lanes - 1]))
        for d, to_side, from_lanes in moves:
            if to_side not in arms:
                continue
            out = f"{jid}_{arms[to_side]}"
            for lane in from_lanes:
                net.connections.append((into, out, lane, min(lane, lanes - 1), d, jid if signalized else "", index))
                index += 1
    return list(range(index))


def two_phase_program(net: NetFile, jid: str, *, green_s: tuple[float, float] = (27, 27), yellow_s: float = 3,
                      all_red_s: float = 2, offset_s: float = 0) -> None:
    """North-south, then east-west green (lefts permissive, 'g'), each with its yellow and all-red."""
    mine = [c for c in net.connections if c[5] == jid]
    side_of = {f"{other}_{jid}": side for side, other in _arms_of(net, jid).items()}

    def state(sides: str, green: str) -> str:
        return "".join((("g" if c[4] == "l" and green == "G" else green) if side_of[c[0]] in sides else "r")
                       for c in sorted(mine, key=lambda c: c[6]))

    net.programs[jid] = (offset_s, [(green_s[0], state("NS", "G")), (yellow_s, state("NS", "y")),
                                    (all_red_s, state("", "r")), (green_s[1], state("EW", "G")),
                                    (yellow_s, state("EW", "y")), (all_red_s, state("", "r"))])


def yield_to(net: NetFile, jid: str, yielding: tuple[str, str], foes: list[tuple[str, str]]) -> None:
    """At junction ``jid``, the connections of movement ``yielding`` (side it comes from, SUMO dir)
    must let pass those of the movements ``foes``; a junction's link indices are its connections'
    order here (add_junction lists them lane by lane, as SUMO counts them)."""
    side_of = {f"{other}_{jid}": side for side, other in _arms_of(net, jid).items()}
    mine = [c for c in net.connections if c[0] in side_of]
    index = {id(c): k for k, c in enumerate(mine)}
    of = {(side_of[c[0]], c[4]): [index[id(x)] for x in mine if (side_of[x[0]], x[4]) == (side_of[c[0]], c[4])]
          for c in mine}
    table = net.yields.setdefault(jid, {})
    for k in of[yielding]:
        table.setdefault(k, set()).update(j for foe in foes for j in of[foe])


def _arms_of(net: NetFile, jid: str) -> dict[str, str]:
    x, y, _ = net.junctions[jid]
    out = {}
    for eid, a, b, _, _ in net.edges:
        if b == jid:
            ax, ay, _ = net.junctions[a]
            dx, dy = ax - x, ay - y
            side = ("E" if dx > 0 else "W") if abs(dx) > abs(dy) else ("N" if dy > 0 else "S")
            out[side] = a
    return out


def cross_net(path: Path, *, lanes: int = 2, **program) -> Path:
    """One signalized four-arm junction ``C`` with 200 m arms ``n``, ``e``, ``s``, ``w``."""
    net = NetFile()
    add_junction(net, "C", 0.0, 0.0, arms={"N": "n", "E": "e", "S": "s", "W": "w"}, lanes=lanes)
    two_phase_program(net, "C", **program)
    return net.write(path)


def t_net(path: Path) -> Path:
    """An unsignalized T junction ``T`` with arms west, east and south (no north arm), one lane each."""
    net = NetFile()
    add_junction(net, "T", 0.0, 0.0, arms={"W": "w", "E": "e", "S": "s"}, lanes=1, signalized=False)
    return net.write(path)


def corridor_net(path: Path, *, b_listed_from: int = 0) -> Path:
    """Two signalized junctions ``A`` (west) and ``B`` (east, 300 m on) of different cycles: A 60 s
    (25 + 3 + 2 per phase), B 90 s (40 + 3 + 2) with a 10 s offset; B's program listed from its
    phase ``b_listed_from`` (1: its first yellow; the same cycle, another start)."""
    net = NetFile()
    net.junctions["B"] = (300.0, 0.0, "traffic_light")
    add_junction(net, "A", 0.0, 0.0, arms={"N": "an", "E": "B", "S": "as", "W": "aw"})
    add_junction(net, "B", 300.0, 0.0, arms={"N": "bn", "E": "be", "S": "bs", "W": "A"})
    two_phase_program(net, "A", green_s=(25, 25))
    two_phase_program(net, "B", green_s=(40, 40), offset_s=10)
    offset, phases = net.programs["B"]
    net.programs["B"] = (offset, phases[b_listed_from:] + phases[:b_listed_from])
    return net.write(path)
