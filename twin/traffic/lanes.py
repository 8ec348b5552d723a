"""Lanes of an imported network: movements that share lanes, and how much each movement's queue holds.

A SUMO lane may serve several movements (a right-and-through lane). twin keeps one FIFO per
movement; SUMO's vehicles on a shared lane go one after another whichever way they turn. So the
movements that share lanes (a *lane group*: linked through any lane they share) together
discharge at most at the saturation flow of the lanes they have between them: each step a group
gets one allowance, and a vehicle crossing takes from its own movement's and from its group's.
A movement's own allowance is, summed over the lanes it may use, the larger of an equal share of
the lane and its share of the flow the demand is expected to put on the lane: a busy through
movement can take most of a lane it shares with a quiet right turn, and the quiet turn still
gets its equal share when it has vehicles (shares over 1 in total, the group caps them). The
expected flows: OD flows and a route file's routes along their queues, and the entries' Poisson
flows spread by the turn shares link after link. A movement alone on its lanes has no group.
A generated grid assigns no lanes to movements: it splits its lanes by the turning ratios instead
(:mod:`twin.traffic.network`).

Lane storage: a movement's queue holds at most the vehicles of the lanes it may use,
``floor(link storage x its lanes / the link's lanes)`` (at least one). A vehicle whose next
movement is known (an OD or route-file vehicle) waits at its line while that queue is full, so a
full turn lane no longer takes the through lanes' room; vehicles that pick their turn by the
turning ratios pick it on entering and are held by the link's storage alone. Vehicles moved in
one pass see the counts at its start, so a queue may pass its limit by the few entering together.
"""

from __future__ import annotations

import numpy as np

from twin.traffic.network import RoadNetwork


def lanes_used(net: RoadNetwork) -> np.ndarray:
    """(Q,) lanes each movement queue may use (an imported net's ``q_lane_mask``)."""
    return np.array([bin(int(m)).count("1") for m in net.q_lane_mask], dtype=np.int64)


def lane_groups(net: RoadNetwork) -> tuple[np.ndarray, np.ndarray]:
    """(Q,) the lane group of each movement queue, -1 if it shares no lane; (G,) lanes of each
    group. Groups are numbered link by link, so replicas' groups follow one another. None on a grid."""
    group = np.full(net.n_queues, -1, dtype=np.int64)
    if net.q_lane_mask is None:
        return group, np.zeros(0, dtype=np.int64)
    group_lanes: list[int] = []
    for link in range(net.n_links):
        users = [int(q) for q in net.queue_of[link] if q >= 0]
        parts: list[tuple[int, list[int]]] = []  # (lane mask, queues) of groups found so far
        for q in users:
            mask, members = int(net.q_lane_mask[q]), [q]
            for other in [p for p in parts if p[0] & mask]:  # merge every group it shares a lane with
                parts.remove(other)
                mask |= other[0]
                members += other[1]
            parts.append((mask, members))
        for mask, members in parts:
            if len(members) > 1:
                group[members] = len(group_lanes)
                group_lanes.append(bin(mask).count("1"))
    return group, np.array(group_lanes, dtype=np.int64)


def lane_storage(net: RoadNetwork) -> np.ndarray:
    """(Q,) vehicles each movement queue may hold (see the module docstring): its lanes' part of
    the link's storage on an imported net, the whole link's on a grid."""
    whole = net.storage[net.q_link].astype(np.int64)
    if net.q_lane_mask is None:
        return whole
    return np.maximum(1, whole * lanes_used(net) // net.lanes[net.q_link]).astype(np.int64)


PROPAGATION_STEPS = 500  # links a turning-ratio vehicle is followed through (all but a trace have left by then)


def expected_queue_flow_vph(net: RoadNetwork, entry_vph: np.ndarray, turn_cdf: np.ndarray,
                            route_q: np.ndarray, route_vph: np.ndarray) -> np.ndarray:
    """(Q,) vehicles/hour each movement queue is expected to carry: the routes (``route_q`` (R,
    hops) queue ids, -1 padded, at ``route_vph`` (R,) each) along their queues, plus ``entry_vph``
    (per entry of ``net.entries``) split at every link by its turn shares ``turn_cdf`` (L, K)."""
    flow = np.zeros(net.n_queues)
    for r in range(route_q.shape[0]):
        np.add.at(flow, route_q[r][route_q[r] >= 0], route_vph[r])
    slot = np.zeros(net.n_queues, dtype=np.int64)
    rows, cols = np.nonzero(net.queue_of >= 0)
    slot[net.queue_of[rows, cols]] = cols
    share = np.diff(turn_cdf, axis=1, prepend=0.0)[net.q_link, slot]  # (Q,) of its link's vehicles
    inflow = np.zeros(net.n_links)
    inflow[net.entries] = entry_vph
    for _ in range(PROPAGATION_STEPS):  # vehicles leave by the exits, so this dies away
        moved = inflow[net.q_link] * share
        flow += moved
        inflow = np.bincount(net.q_out, weights=moved, minlength=net.n_links)
        if inflow.sum() < 1e-9:
            break
    return flow


def movement_lanes(net: RoadNetwork, flow_vph: np.ndarray) -> np.ndarray:
    """(Q,) lanes of each movement's own allowance on an imported net (the module docstring):
    per lane it may use, the larger of an equal share and its share of ``flow_vph`` (Q,)."""
    lanes = np.zeros(net.n_queues)
    for link in range(net.n_links):
        users = net.queue_of[link][net.queue_of[link] >= 0]
        if users.size == 0:
            continue
        masks = net.q_lane_mask[users]
        for bit in range(int(np.bitwise_or.reduce(masks)).bit_length()):
            on = users[(masks >> bit) & 1 == 1]
            if on.size == 0:
                continue
            total = flow_vph[on].sum()
            by_flow = flow_vph[on] / total if total > 0 else np.zeros(on.size)
            lanes[on] += np.maximum(by_flow, 1.0 / on.size)
    return lanes
