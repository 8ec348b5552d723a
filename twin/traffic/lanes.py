"""Lanes of an imported network: how movements share a lane, and how much each movement's queue holds.

A SUMO lane may serve several movements (a right-and-through lane). twin keeps one FIFO per
movement, so it splits each shared lane's saturation flow between the movements using it: a fifth
of the lane equally among them (``EQUAL_PART``), the rest in proportion to the flow each puts on
that lane (at least ``MIN_LANE_SHARE`` of that part each). A movement with several lanes spreads
its expected flow over them so that the lanes' loads level out, as drivers pick the emptier lane
that serves their turn: a through movement sharing its kerb lane with a busy right turn keeps to
its other lane, and the turn gets nearly the whole kerb lane. The shares of a lane add up to the
lane. The expected flows: OD flows and a route file's routes along their queues, and the entries'
Poisson flows spread by the turn shares link after link. A generated grid splits its lanes by the
turning ratios instead (:mod:`twin.traffic.network`). Of the splits tried against SUMO
(benchmarks/README.md), an equal split gridlocked RESCO's arterial4x4, a split by flow alone
starved cologne3's quiet turns, and half equal, half by a movement's whole flow on every lane it
may use gave cologne1's right turn half of the kerb lane its through traffic did not need.

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


EQUAL_PART = 0.2           # of each shared lane split equally among its movements; the rest by their flow on it
LEVELLING_ROUNDS = 200     # rounds of drivers moving to the less loaded of their lanes


def flow_per_lane(net: RoadNetwork, flow_vph: np.ndarray, on: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lanes, Q) vehicles/hour each movement puts on each lane it may use, and (lanes, Q) the
    link-lane index of each cell: drivers spread a movement's ``flow_vph`` (Q,) over its lanes so
    that the lanes' loads level out, as SUMO's drivers change to the lane that serves their turn
    with the fewest vehicles. Each round every movement moves flow from its most loaded lane to
    its least loaded one: half the difference, shared among the link's movements that can move.
    ``on`` (lanes, Q) bool: the lanes each movement shares (a U-turn none: it borrows its lanes whole)."""
    width, n_q = on.shape
    cell = net.q_link[None, :].astype(np.int64) * width + np.arange(width)[:, None]
    per_cell = functools.partial(np.bincount, cell.ravel(), minlength=net.n_links * width)
    x = on * (flow_vph / np.maximum(on.sum(axis=0), 1))[None, :]
    movers = np.maximum(np.bincount(net.q_link, weights=on.sum(axis=0) > 1, minlength=net.n_links), 1)[net.q_link]
    cols = np.arange(n_q)
    for _ in range(LEVELLING_ROUNDS):
        load = per_cell(weights=x.ravel())[cell]
        hi = np.where(on & (x > 0), load, -np.inf).argmax(axis=0)
        lo = np.where(on, load, np.inf).argmin(axis=0)
        move = np.minimum(x[hi, cols], np.maximum(load[hi, cols] - load[lo, cols], 0.0) / (2 * movers))
        x[hi, cols] -= move
        x[lo, cols] += move
    return x, cell


def movement_lanes(net: RoadNetwork, flow_vph: np.ndarray) -> np.ndarray:
    """(Q,) lanes each movement's saturation flow is made of on an imported net (the module
    docstring): per lane it may use, ``EQUAL_PART`` equally and the rest by its share of the flow
    on that lane once drivers have levelled the lanes (:func:`flow_per_lane`, at least
    ``MIN_LANE_SHARE`` of that part each); a U-turn the whole of each lane it may use, taking
    nothing from the others'."""
    bits = lane_bits(net).astype(float)
    on = bits if net.q_u_turn is None else bits * ~net.q_u_turn
    x, cell = flow_per_lane(net, flow_vph, on > 0)
    per_cell = functools.partial(np.bincount, cell.ravel(), minlength=net.n_links * on.shape[0])
    users = np.maximum(per_cell(weights=on.ravel())[cell], 1)           # movements on each lane of the link
    total = per_cell(weights=x.ravel())[cell]
    by_flow = np.where(total > 0, x / np.where(total > 0, total, 1.0), 1.0 / users)
    floored = np.maximum(by_flow, MIN_LANE_SHARE) * on
    norm = per_cell(weights=floored.ravel())[cell]
    lanes = (on * EQUAL_PART / users + (1 - EQUAL_PART) * floored / np.where(norm > 0, norm, 1.0)).sum(axis=0)
    if net.q_u_turn is not None:
        lanes = lanes + bits.sum(axis=0) * net.q_u_turn
    return lanes
