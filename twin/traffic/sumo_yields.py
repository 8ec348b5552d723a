"""Who gives way to whom at an imported net's junctions, read from SUMO's right-of-way requests.

Each junction of a SUMO net lists, per link (connection) index, its ``response``: the links it
must let pass. A movement yields in a group (:mod:`twin.traffic.yielding`):
- at a junction without a light, once, to every movement one of whose connections its
  connections must let pass;
- at a light, in each green phase where one of its connections shows a permissive green ``g``,
  to the movements with a connection it must let pass that has green (``G`` or ``g``) in that
  phase; the group's share is the phase's part of the movement's green time.

A junction's link indices count its incoming lanes' connections in the order of the junction's
``incLanes``, as :meth:`sumolib.net.node.Node.getLinkIndex` does (and as SUMO writes them); they
are counted here once per junction, which that method does per call.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

YieldGroups = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # group_q, group_share, pair_group, pair_foe


def junction_link_index(node) -> dict[int, int]:
    """``id(connection) -> link index`` of every connection through sumolib junction ``node``."""
    index, at = {}, 0
    incoming = {e.getID(): e for e in node.getIncoming()}
    for lane_id in node._incLanes or ():
        edge_id, _, lane = lane_id.rpartition("_")
        edge = incoming.get(edge_id)
        if edge is None or not lane.isdigit():
            continue
        for conn in edge.getLane(int(lane)).getOutgoing():
            src, dst = conn.getFromLane().getEdge().getFunction(), conn.getToLane().getEdge().getFunction()
            if dst == "walkingarea" or (src == "walkingarea" and dst != "crossing"):
                continue
            index[id(conn)] = at
            at += 1
    return index


def yield_groups(nodes, moves, q_int: np.ndarray, green_s: np.ndarray, states_of: dict[int, list[str]]) -> YieldGroups:
    """The yield groups of an imported net (module docstring) as (group_q, group_share, pair_group,
    pair_foe) arrays: ``nodes`` its sumolib junctions in intersection order, ``moves`` its
    movements (with their sumolib ``conns`` and ``link_indices`` into their light's state),
    ``q_int`` (Q,) the intersection of each, ``green_s`` (I, P) the programs' green times (s), and
    ``states_of[i]`` the green phases' states of each signalized intersection."""
    rows_of: dict[int, list[int]] = defaultdict(list)
    for q, i in enumerate(q_int):
        rows_of[int(i)].append(q)
    group_q, group_share, pair_group, pair_foe = [], [], [], []

    def add(q: int, share: float, foes: set[int]) -> None:
        if not foes:
            return
        g = len(group_q)
        group_q.append(q)
        group_share.append(share)
        for f in sorted(foes):
            pair_group.append(g)
            pair_foe.append(f)

    for i, node in enumerate(nodes):
        rows = rows_of.get(i, [])
        if not rows or not getattr(node, "_prohibits", None):
            continue
        index = junction_link_index(node)
        move_at = {index[id(c)]: q for q in rows for c in moves[q].conns if id(c) in index}
        # Per movement: the movements whose connections it must let pass, by prohibiting link.
        prohibitors: dict[int, dict[int, int]] = {}
        for q in rows:
            by_link: dict[int, int] = {}
            for c in moves[q].conns:
                response = node._prohibits.get(index.get(id(c), -1), "")
                for k, bit in enumerate(reversed(response)):
                    if bit == "1" and k in move_at and move_at[k] != q:
                        by_link[k] = move_at[k]
            prohibitors[q] = by_link
        states = states_of.get(i)
        if states is None:  # no light: minor links give way to their prohibitors all the time
            for q in rows:
                add(q, 1.0, set(prohibitors[q].values()))
            continue
        tl_of = {index[id(c)]: c.getTLLinkIndex() for q in rows for c in moves[q].conns if id(c) in index}
        for q in rows:
            mine = moves[q].link_indices
            phases = [p for p, s in enumerate(states) if any(s[j] in "GgsOo" for j in mine if j < len(s))]
            total = float(sum(green_s[i, p] for p in phases))
            for p in phases:
                s = states[p]
                if not any(j < len(s) and s[j] == "g" for j in mine):
                    continue
                foes = {f for k, f in prohibitors[q].items() if 0 <= tl_of.get(k, -1) < len(s) and s[tl_of[k]] in "Gg"}
                add(q, green_s[i, p] / total if total > 0 else 0.0, foes)
    return (np.array(group_q, dtype=np.int64), np.array(group_share, dtype=float),
            np.array(pair_group, dtype=np.int64), np.array(pair_foe, dtype=np.int64))
