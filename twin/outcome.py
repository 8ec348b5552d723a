"""What a finished world measured: its last readings closed, its KPIs and trips.

``twin run`` and the envs both end an episode here, so a KPI means the same in ``kpis.json`` and in
an env's final ``info["kpis"]``.
"""

from __future__ import annotations

from twin.citylearn.world import district_kpis
from twin.engine import World
from twin.kpis import compute_kpis
from twin.telemetry.table import Telemetry
from twin.traffic.trips import Trips, traffic_kpis


def close_readings(world: World) -> None:
    """Publish the partial last interval a horizon that is not a whole number of readings leaves."""
    world.energy.readings.read(world.now_s)
    if world.traffic is not None:
        world.traffic.readings.read(world.now_s)


def world_kpis(world: World, telemetry: Telemetry) -> tuple[dict[str, float | None], Trips | None]:
    """The energy KPIs of a finished world's record, plus traffic KPIs and trips when it has streets."""
    kpis = compute_kpis(telemetry)
    traffic = world.traffic
    trips = Trips.from_vehicles(traffic.vehicles, traffic.net.link_ids, world.now_s) if traffic else None
    if trips is not None:
        kpis |= traffic_kpis(trips, telemetry)
    if world.citylearn is not None:
        kpis |= district_kpis(world.citylearn, world.now_s)
    return kpis, trips
