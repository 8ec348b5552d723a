"""Lanes of an imported network: how movements share a lane, and how much each movement's queue holds.

A SUMO lane may serve several movements (a right-and-through lane). twin keeps one FIFO per
movement, so it splits each shared lane's saturation flow between the movements using it: half
of the lane equally among them, half in proportion to the flow the demand is expected to put on
each (at least ``MIN_LANE_SHARE`` of that half each). A busy through movement so takes most of a
lane it shares with a quiet right turn, and the turn keeps enough to clear its vehicles; the
shares of a lane add up to the lane. The expected flows: OD flows and a route file's routes along
their queues, and the entries' Poisson flows spread by the turn shares link after link. A
generated grid splits its lanes by the turning ratios instead (:mod:`twin.traffic.network`).
Of the splits tried against SUMO (benchmarks/README.md), an equal split gridlocked RESCO's
arterial4x4 and a split by flow alone starved cologne3's quiet turns; this one tracks both.

Lane storage: a movement's queue holds at most the vehicles of the lanes it may use,
``floor(link storage x its lanes / the link's lanes)`` (at least one). A vehicle whose next
movement is known (an OD or route-file vehicle) waits at its line while that queue is full, so a
full turn lane no longer takes the through lanes' room; vehicles that pick their turn by the
turning ratios pick it on entering and are held by the link's storage alone. Vehicles moved in
one pass see the counts at its start, so a queue may pass its limit by the few entering together.
"""

from __future__ import annotations

import functools

import numpy as np

from twin.traffic.demand import slot_shares
from twin.traffic.network import MIN_LANE_SHARE, RoadNetwork


def lane_bits(net: RoadNetwork) -> np.ndarray:
    """(lanes, Q) 1 where movement queue q may use lane b of its link (an imported net's
    ``q_lane_mask``), one row per lane of the widest edge."""
    width = int(np.bitwise_or.reduce(net.q_lane_mask, initial=0)).bit_length()
    return (net.q_lane_mask[None, :] >> np.arange(width)[:, None]) & 1


def lane_storage(net: RoadNetwork) -> np.ndarray:
    """(Q,) vehicles each movement queue may hold (see the module docstring): its lanes' part of
    the link's storage on an imported net, the whole link's on a grid."""
    whole = net.storage[net.q_link].astype(np.int64)
    if net.q_lane_mask is None:
        return whole
    return np.maximum(1, whole * lane_bits(net).sum(axis=0) // net.lanes[net.q_link]).astype(np.int64)


PROPAGATION_STEPS = 500  # links a turning-ratio vehicle is followed through (all but a trace have left by then)


def expected_queue_flow_vph(net: RoadNetwork, entry_vph: np.ndarray, turn_cdf: np.ndarray,
                            route_q: np.ndarray, route_vph: np.ndarray) -> np.ndarray:
    """(Q,) vehicles/hour each movement queue is expected to carry: the routes (``route_q`` (R,
    hops) queue ids, -1 padded, at ``route_vph`` (R,) each) along their queues, plus ``entry_vph``
    (per entry of ``net.entries``) split at every link by its turn shares ``turn_cdf`` (L, K)."""
    flow = np.zeros(net.n_queues)
    on_route = route_q >= 0
    np.add.at(flow, route_q[on_route], np.broadcast_to(route_vph[:, None], route_q.shape)[on_route])
    slot = np.zeros(net.n_queues, dtype=np.int64)
    rows, cols = np.nonzero(net.queue_of >= 0)
    slot[net.queue_of[rows, cols]] = cols
    share = slot_shares(turn_cdf)[net.q_link, slot]  # (Q,) of its link's vehicles
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
    """(Q,) lanes each movement's saturation flow is made of on an imported net (the module
    docstring): per lane it may use, half an equal share and half its share of ``flow_vph`` (Q,);
    a U-turn the whole of each lane it may use, taking nothing from the others'."""
    lanes = np.zeros(net.n_queues)
    per_link = functools.partial(np.bincount, net.q_link, minlength=net.n_links)
    sharing = 1.0 if net.q_u_turn is None else (~net.q_u_turn).astype(float)  # a U-turn borrows its lanes whole
    for on in lane_bits(net).astype(float):  # one lane index at a time, over every link at once
        if net.q_u_turn is not None:
            lanes += on * net.q_u_turn
        on = on * sharing
        users = np.maximum(per_link(on), 1)[net.q_link]           # movements on this lane of the link
        total = per_link(on * flow_vph)[net.q_link]
        by_flow = np.where(total > 0, flow_vph / np.where(total > 0, total, 1.0), 1.0 / users)
        floored = np.maximum(by_flow, MIN_LANE_SHARE) * on
        norm = per_link(floored)[net.q_link]
        lanes += on * 0.5 / users + 0.5 * floored / np.where(norm > 0, norm, 1.0)
    return lanes
