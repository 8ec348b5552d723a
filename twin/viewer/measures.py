"""What the viewer shows, read from the live state arrays in bulk (numbers and text; no pygame).

Everything reads the world at call time; nothing is cached, so a frame always shows the arrays as
they are. Worlds with replicas show replica 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.engine import World
from twin.homes.state import ASLEEP, AWAKE, AWAY
from twin.traffic.signals import ALL_RED, GREEN, YELLOW
from twin.traffic.network import TURN_LETTERS
from twin.viewer.quantities import Unit, format_field, format_quantity

# twin.traffic.readings (the numba kernel) and twin.traffic.trips (pyarrow) are imported inside the
# traffic functions: a world without streets never needs them, and they are most of this module's
# import time.

LIGHT_GREEN, LIGHT_YELLOW, LIGHT_RED = 0, 1, 2
INSPECTOR_NEIGHBOURS = 8   # neighbours listed before "... and N more"
INTERVAL_NAMES = {GREEN: "green", YELLOW: "yellow", ALL_RED: "all red"}
# Fields that hold a state index rather than a quantity: shown by name.
STATE_NAMES = {("home", "occupancy"): {AWAY: "away", AWAKE: "awake", ASLEEP: "asleep"}}
# Times (s since the start) that are -1 while nothing is scheduled.
UNSET_WHEN_NEGATIVE = {("appliance", "start_s"), ("appliance", "requested_s")}
PERCENT = Unit("%", 100.0)   # a fraction shown in percent


def n_homes(world: World) -> int:
    """Homes of replica 0 (those on the map; a world of replicas holds that many per replica)."""
    return int(world.scenario.homes.count)


def feeder_load_kw(world: World) -> np.ndarray:
    """Net power (kW, + import) through each feeder of replica 0 over the last physics step."""
    energy = world.energy
    n, n_f = n_homes(world), world.scenario.grid.feeders
    p, s = energy.homes.params, world.state["homes"]
    return np.bincount(p.feeder[:n], weights=s.net_kw[:n], minlength=n_f)[:n_f]


def overload_min(world: World) -> float:
    """Minutes the transformers of replica 0 have carried more than their rating so far, summed
    (as the ``transformer_overload_min`` KPI counts them)."""
    n_f = world.scenario.grid.feeders
    return float(world.state["feeder_totals"].overload_s[:n_f].sum() / 60.0)


def transformer_loading(world: World) -> np.ndarray:
    """Each transformer's loading: |feeder power| / rating (1.0 is at the rating)."""
    return np.abs(feeder_load_kw(world)) / world.energy.transformer_rating_kw


def _replica0_queues(world: World) -> int:
    net = world.traffic.net
    return net.n_queues // net.replicas


def halted_per_queue(world: World) -> np.ndarray:
    """Vehicles standing at the stop line of each movement queue of replica 0."""
    from twin.traffic.readings import waiting_per_queue

    t = world.traffic
    return waiting_per_queue(t.queues, world.now_s, _replica0_queues(world))


def waiting_outside(world: World) -> np.ndarray:
    """Vehicles waiting outside each entry road of replica 0 to enter it (in the order of the entries)."""
    from twin.traffic.readings import waiting_per_queue

    t = world.traffic
    net = t.net
    outside0 = net.entries.size // net.replicas   # replica 0's outside queues come right after all movement queues
    return waiting_per_queue(t.queues, world.now_s, net.n_queues + outside0)[net.n_queues:]


def signal_lights(world: World) -> np.ndarray:
    """Light per movement queue of replica 0: LIGHT_GREEN, LIGHT_YELLOW (its green is ending) or LIGHT_RED."""
    t = world.traffic
    n_q = _replica0_queues(world)
    q_int = t.net.q_int[:n_q]
    phase, interval = t.signals.phase[q_int], t.signals.interval[q_int]
    served = ((t.plan.q_bits[:n_q] >> phase) & 1).astype(bool)
    return np.where(served & (interval == GREEN), LIGHT_GREEN,
                    np.where(served & (interval == YELLOW), LIGHT_YELLOW, LIGHT_RED)).astype(np.int8)


def vehicles_halted(world: World) -> float:
    """Vehicles standing still now (at stop lines and waiting to enter): the network's delay rate, veh*s/s."""
    from twin.traffic.readings import waiting_per_queue

    t = world.traffic
    net = t.net
    outside0 = net.entries.size // net.replicas
    per_row = waiting_per_queue(t.queues, world.now_s, net.n_queues + outside0)
    return float(per_row[: _replica0_queues(world)].sum() + per_row[net.n_queues:].sum())


@dataclass(frozen=True)
class TrafficNow:
    """Traffic so far: vehicle counts now and trip means (over all replicas of a batched world)."""

    in_network: int
    waiting_to_enter: int
    arrived: int
    mean_travel_time_s: float | None   # over arrived vehicles
    mean_delay_all_s: float | None     # over every generated vehicle, unfinished ones up to now


def traffic_now(world: World) -> TrafficNow:
    """Vehicle counts now and trip means so far: the run's trips up to ``now`` and their KPIs."""
    from twin.traffic.trips import Trips

    t = world.traffic
    trips = Trips.from_vehicles(t.vehicles, t.net.link_ids, world.now_s)
    arrived = trips.arrived_s >= 0
    delay = trips.delay_s()
    return TrafficNow(in_network=int(((trips.entered_s >= 0) & ~arrived).sum()),
                      waiting_to_enter=int((trips.entered_s < 0).sum()), arrived=int(arrived.sum()),
                      mean_travel_time_s=float((trips.arrived_s - trips.generated_s)[arrived].mean())
                      if arrived.any() else None,
                      mean_delay_all_s=float(delay.mean()) if delay.size else None)


def live_kpis(world: World) -> list[tuple[str, str]]:
    """Key figures so far as (label, value with unit) rows for the side panel."""
    rows: list[tuple[str, str]] = []
    n = n_homes(world)
    if n:
        totals, s = world.state["home_totals"], world.state["homes"]
        energy = world.energy
        load = feeder_load_kw(world)
        rows += [("energy cost", f"{totals.cost_eur[:n].sum():,.2f} EUR"),
                 ("emissions", f"{totals.emissions_kg[:n].sum():,.1f} kg"),
                 ("comfort violation", f"{totals.discomfort_kh[:n].sum():,.1f} K*h"),
                 ("transformer overload", f"{overload_min(world):,.1f} min"),
                 ("load now", f"{load.sum():,.1f} kW"),
                 ("highest loading", f"{100 * np.abs(load).max() / energy.transformer_rating_kw:.0f} %"
                  if np.isfinite(energy.transformer_rating_kw) else "no transformer"),
                 ("mean indoor", f"{s.temp_air_c[:n].mean():.1f} \u00b0C"),
                 ("PV now", f"{s.pv_kw[:n].sum():,.1f} kW")]
    if world.traffic is not None:
        t = traffic_now(world)

        def seconds(x: float | None) -> str:
            return "-" if x is None else f"{x:,.0f} s"

        rows += [("vehicles on streets", f"{t.in_network:,}"), ("waiting to enter", f"{t.waiting_to_enter:,}"),
                 ("arrived", f"{t.arrived:,}"), ("mean travel time", seconds(t.mean_travel_time_s)),
                 ("mean delay, all vehicles", seconds(t.mean_delay_all_s))]
    return rows


def field_text(kind: str, name: str, value: object) -> str:
    """A node's attribute or state field as the inspector shows it: with its unit and three significant
    digits (:mod:`twin.viewer.quantities`), a state index by its name, an unset time as ``none``."""
    names = STATE_NAMES.get((kind, name))
    if names is not None and value in names:
        return names[value]
    if (kind, name) in UNSET_WHEN_NEGATIVE and isinstance(value, (int, float)) and value < 0:
        return "none"
    return format_field(name, value, kind)


def signal_text(world: World, index: int) -> str:
    """A signal's state in words: phase number and name, interval, seconds in it."""
    t = world.traffic
    sig = t.signals
    phase, interval = int(sig.phase[index]), int(sig.interval[index])
    # A grid's phases have the scenario's names; an imported net's programs are numbered.
    name = t.plan.cfg.phases[phase] if not t.net.imported else f"of {int(t.plan.phases_at[index])}"
    return f"phase {phase} ({name}), {INTERVAL_NAMES[interval]}, {int(sig.t_in_s[index])} s in"


def inspector_lines(world: World, node_id: str) -> list[str]:
    """What the inspector shows for a node: id, kind, its state and its parts' state, its neighbours."""
    graph = world.graph
    node = graph.node(node_id)
    lines = [node_id, f"kind: {node['kind']}"]
    kind = node["kind"]
    attrs = {k: v for k, v in node.items() if k not in ("kind", "index")}
    lines += [f"  {k}: {field_text(kind, k, v)}" for k, v in attrs.items()]
    if kind == "signal":
        lines.append(f"  {signal_text(world, node['index'])}")
    else:
        lines += [f"  {name}: {field_text(kind, name, value)}" for name, value in world.node_state(node_id).items()]
    if node["kind"] == "road":
        queue_rows = world.traffic.net.queue_of[node["index"]]
        counts = world.traffic.queues.count
        if not world.traffic.net.imported:  # a grid: always left, through, right
            lines.append("  queued L/T/R: " + "/".join("-" if r < 0 else str(int(counts[r])) for r in queue_rows))
        else:
            turns = world.traffic.net.q_turn
            lines.append("  queued: " + ", ".join(f"{TURN_LETTERS[turns[r]]} {int(counts[r])}" for r in queue_rows if r >= 0))
    if node["kind"] in ("feeder", "transformer"):
        load = float(feeder_load_kw(world)[node["index"]])
        rating = world.energy.transformer_rating_kw
        of_rating = (f" ({format_quantity(abs(load) / rating, PERCENT)} of {format_quantity(rating, 'kVA')})"
                     if np.isfinite(rating) else ", no transformer")
        lines.append(f"  load now: {format_quantity(load, 'kW')}{of_rating}")
    for _, rel, child in [x for x in graph.neighbours(node_id) if x[0] == "out" and x[1] == "contains"]:
        state = world.node_state(child)
        if graph.kind(child) == "signal":
            lines.append(f"  signal: {signal_text(world, graph.node(child)['index'])}")
        elif state:
            short = child[len(node_id) + 1:] if child.startswith(node_id + "/") else child
            child_kind = graph.kind(child)
            lines.append(f"  {short}: " + ", ".join(f"{k} {field_text(child_kind, k, v)}" for k, v in state.items()))
    neighbours = graph.neighbours(node_id)
    lines.append(f"neighbours ({len(neighbours)}):")
    for direction, rel, other in neighbours[:INSPECTOR_NEIGHBOURS]:
        arrow = "->" if direction == "out" else "<-"
        lines.append(f"  {arrow} {rel} {other}")
    if len(neighbours) > INSPECTOR_NEIGHBOURS:
        lines.append(f"  ... and {len(neighbours) - INSPECTOR_NEIGHBOURS} more")
    return lines
