"""Lay K replica worlds side by side: concatenate per-replica arrays, offsetting indices.

A batch of replicas is one world whose entity arrays (homes, appliances, feeders, links, queues,
intersections) hold replica 0's entities, then replica 1's, and so on. Fields that index other
entities (a home's feeder, an appliance's home, a queue's link) are offset by the replica's
block start. Everything else about the model is unchanged, which is what makes replica k step
exactly like a single world.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from twin.traffic.demand import DemandPlan
from twin.traffic.network import RoadNetwork
from twin.traffic.signals import SignalPlan


def concat_fields(items: Sequence[Any], offsets: dict[str, int] | None = None) -> Any:
    """One dataclass whose array fields are the items' arrays concatenated along axis 0.

    ``offsets[name]`` is added to replica k's values of field ``name`` times k, leaving negative
    values (meaning "none") alone. Nested dataclasses are concatenated the same way; 0-d arrays,
    scalars and other values must be equal across items and are taken from the first.
    """
    first, offsets = items[0], offsets or {}
    if len(items) == 1:
        return first
    values = {}
    for f in dataclasses.fields(first):
        parts = [getattr(item, f.name) for item in items]
        v = parts[0]
        if dataclasses.is_dataclass(v):
            values[f.name] = concat_fields(parts)
        elif isinstance(v, np.ndarray) and v.ndim > 0:
            step = offsets.get(f.name)
            if step is not None:
                parts = [np.where(p >= 0, p + k * step, p).astype(p.dtype) for k, p in enumerate(parts)]
            values[f.name] = np.concatenate(parts)
        elif isinstance(v, tuple):
            values[f.name] = tuple(x for p in parts for x in p)
        else:
            values[f.name] = v
    return dataclasses.replace(first, **values)


def tile_network(net: RoadNetwork, k: int) -> RoadNetwork:
    """``k`` disjoint copies of ``net`` (ids of copy r > 0 are prefixed ``wr/``)."""
    if k == 1:
        return net
    copies = [dataclasses.replace(net, int_ids=_prefixed(net.int_ids, r), link_ids=_prefixed(net.link_ids, r))
              for r in range(k)]
    tiled = concat_fields(copies, {"link_from": net.n_int, "link_to": net.n_int, "q_link": net.n_links,
                                   "q_int": net.n_int, "q_out": net.n_links, "queue_of": net.n_queues,
                                   "entries": net.n_links, "exits": net.n_links, "yield_group_q": net.n_queues,
                                   "yield_pair_foe": net.n_queues,
                                   "yield_pair_group": 0 if net.yield_group_q is None else net.yield_group_q.size})
    return dataclasses.replace(tiled, replicas=k)


def tile_plan(plan: SignalPlan, net: RoadNetwork, k: int) -> SignalPlan:
    """The signal plan of ``k`` copies of the network ``plan`` was made for."""
    if k == 1:
        return plan
    per_int = {name: np.tile(getattr(plan, name), (1, k))
               for name in ("at_phase", "at_interval", "at_t_in_s", "at_change", "at_green")}
    per_int.update({name: np.tile(getattr(plan, name), (k,) + (1,) * (getattr(plan, name).ndim - 1))
                    for name in ("q_bits", "q_actuating_bits", "offset_s", "phases_at", "yellow_s", "all_red_s",
                                 "signalized")})
    return dataclasses.replace(plan, **per_int)


def tile_demand(demand: DemandPlan, net: RoadNetwork, k: int) -> DemandPlan:
    """The demand of ``k`` copies of ``net`` (each copy draws its own arrivals)."""
    if k == 1:
        return demand
    routes = [np.where(demand.route_q >= 0, demand.route_q + r * net.n_queues, -1) for r in range(k)]
    return dataclasses.replace(
        demand, entry_vph=np.tile(demand.entry_vph, k), turn_cdf=np.tile(demand.turn_cdf, (k, 1)),
        od_entry=np.concatenate([demand.od_entry + r * net.entries.size for r in range(k)]),
        od_vph=np.tile(demand.od_vph, k), file_route_vph=np.tile(demand.file_route_vph, k), route_q=np.concatenate(routes),
        route_links=tuple(tuple(x + r * net.n_links for x in links) for r in range(k) for links in demand.route_links))


def _prefixed(ids: tuple[str, ...], r: int) -> tuple[str, ...]:
    return ids if r == 0 else tuple(f"w{r}/{i}" for i in ids)
