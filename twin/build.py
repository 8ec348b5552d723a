"""Build a runnable :class:`~twin.engine.World` from a validated scenario.

The world's one Generator comes from ``SeedSequence(scenario.seed)``; every draw (weather,
prices, homes, and later the stochastic sources) takes from it in a fixed order, so a scenario and
seed determine the run bit for bit. A batch of replica worlds has one Generator per replica (see
:mod:`twin.streams`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from twin.citylearn.world import CityLearnSystem, add_building_nodes, build_citylearn
from twin.engine import ArrayState, Calendar, NodeFields, Steps, World
from twin.generators.homes import HomeDraw, add_home_nodes, draw_homes, home_ids
from twin.graph import DeviceGraph
from twin.grid.market import Market, MarketState, TariffClock
from twin.grid.meters import MeterReadings, NodeIndex
from twin.homes.appliances import ApplianceRequests
from twin.homes.ev import EvSessions
from twin.homes.occupancy import OccupancyChain
from twin.homes.state import FeederTotals, GridRegisters, HomeParams, HomeRegisters, HomeTotals, zeros_like_fields
from twin.homes.step import HomePhysics
from twin.replicate import concat_fields
from twin.scenario.memory import check_memory
from twin.scenario.schema import Scenario
from twin.streams import Streams
from twin.tariffs import carbon_intensity, flat_price, price_thresholds, real_time_price, time_of_use_price
from twin.telemetry.bus import TelemetryBus
from twin.traffic.build import build_traffic
from twin.traffic.network import RoadNetwork, add_traffic_nodes, road_network
from twin.weather import WeatherSeries, epw_weather, read_epw, synthetic_weather

# Which state array and fields a node of each kind shows (see World.node_state). Detectors have
# none: their registers are kept per lane group and summed per approach in their readings.
NODE_FIELDS: NodeFields = {
    "home": ("homes", ("occupancy", "base_kw", "appliance_kw", "net_kw")),
    "zone": ("homes", ("temp_air_c", "temp_mass_c", "heating_on", "cooling_on")),
    "heat_pump": ("homes", ("hp_kw", "heat_w")),
    "pv": ("homes", ("pv_kw",)),
    "battery": ("homes", ("soc", "battery_kw")),
    "ev_charger": ("homes", ("ev_present", "ev_need_kwh", "ev_kw")),
    "hot_water_tank": ("homes", ("dhw_temp_c", "dhw_on", "dhw_kw")),
    "smart_meter": ("home_registers", ("import_kwh", "export_kwh")),
    "appliance": ("appliances", ("start_s", "requested_s")),
    "feeder": ("grid_registers", ("energy_kwh", "peak_kw", "overload_s")),
    "signal": ("signals", ("phase", "interval", "t_in_s")),
    "road": ("queues", ("occupancy",)),
    "building": ("citylearn", ("soc", "capacity_kwh")),
}


@dataclass(frozen=True)
class EnergySystem:
    """References to the homes-and-grid parts of a world, for controllers, envs and tests."""

    homes: HomeDraw
    registers: HomeRegisters
    grid: GridRegisters
    totals: HomeTotals
    feeder_totals: FeederTotals
    market: Market                 # replica 0's (the only one of a plain world)
    markets: tuple[Market, ...]    # one per replica
    market_state: MarketState
    weather: WeatherSeries         # replica 0's
    physics: HomePhysics
    readings: MeterReadings
    transformer_rating_kw: float


def make_weather(scenario: Scenario, rng: np.random.Generator) -> WeatherSeries:
    """The outdoor weather over the horizon at the physics resolution."""
    w = scenario.weather
    if w.source == "epw":
        return epw_weather(read_epw(w.epw_path), start=scenario.start, duration_s=scenario.duration,
                           step_s=scenario.resolution)
    return synthetic_weather(
        start=scenario.start, duration_s=scenario.duration, step_s=scenario.resolution,
        latitude_deg=scenario.location.latitude_deg, longitude_deg=scenario.location.longitude_deg,
        mean_temp_c=w.mean_temp_c, seasonal_amplitude_k=w.seasonal_amplitude_k,
        daily_amplitude_k=w.daily_amplitude_k, noise_k=w.noise_k, noise_hours=w.noise_hours,
        cloudiness=w.cloudiness, rng=rng)


def make_market(scenario: Scenario, rng: np.random.Generator) -> Market:
    """Import price, feed-in price and carbon intensity over the horizon."""
    t, start, horizon = scenario.tariff, scenario.start, scenario.duration
    if t.kind == "flat":
        price = flat_price(price_eur_per_kwh=t.price_eur_per_kwh)
    elif t.kind == "time_of_use":
        price = time_of_use_price(start=start, duration_s=horizon,
                                  periods=[(p.start_s, p.price_eur_per_kwh) for p in t.periods])
    else:
        price = real_time_price(start=start, duration_s=horizon, mean_eur_per_kwh=t.price_eur_per_kwh,
                                daily_swing=t.daily_swing, volatility=t.volatility, rng=rng)
    c = scenario.carbon
    carbon = carbon_intensity(start=start, duration_s=horizon, mean_g_per_kwh=c.mean_g_per_kwh,
                              solar_dip=c.solar_dip, evening_peak=c.evening_peak, noise=c.noise, rng=rng)
    return Market(price=price, carbon=carbon, feed_in_eur_per_kwh=t.feed_in_eur_per_kwh)


@dataclass(frozen=True)
class ReplicaDraw:
    """What one world draws when it is built, in draw order: weather, market, homes."""

    weather: WeatherSeries
    market: Market
    homes: HomeDraw


def draw_replica(scenario: Scenario, rng: np.random.Generator, hot_water_rng: np.random.Generator) -> ReplicaDraw:
    """The build-time draws of one world from its Generator (and its hot-water substream's)."""
    weather = make_weather(scenario, rng)
    market = make_market(scenario, rng)
    homes = draw_homes(scenario.homes, scenario.grid.feeders, scenario.resolution, scenario.start.hour, rng,
                       hot_water_rng)
    return ReplicaDraw(weather, market, homes)


def stack_homes(draws: list[HomeDraw], n_feeders: int) -> HomeDraw:
    """The homes of several replicas side by side (feeder and home indices offset per replica)."""
    n_homes = draws[0].params.n
    return HomeDraw(params=concat_fields([d.params for d in draws], {"feeder": n_feeders}),
                    state=concat_fields([d.state for d in draws]),
                    appliances=concat_fields([d.appliances for d in draws], {"home": n_homes}),
                    appliance_state=concat_fields([d.appliance_state for d in draws]))


def grid_node_ids(scenario: Scenario) -> tuple[list[str], list[str]]:
    """Ids of the feeders and transformers: none in a world without homes, and no transformers
    where the scenario models none (``grid.transformer_rating_kva: null``)."""
    n_feeders = scenario.grid.feeders if scenario.homes.count else 0
    feeders = [f"feeder-{f + 1}" for f in range(n_feeders)]
    has_transformers = scenario.grid.transformer_rating_kva is not None
    return feeders, [f"transformer-{f + 1}" for f in range(n_feeders)] if has_transformers else []


def add_grid_nodes(graph: DeviceGraph, scenario: Scenario) -> list[str]:
    """Feeder and transformer nodes (see :func:`grid_node_ids`); returns the feeder ids."""
    feeders, transformers = grid_node_ids(scenario)
    graph.add_nodes("transformer", transformers, index=list(range(len(transformers))),
                    rating_kva=[scenario.grid.transformer_rating_kva] * len(transformers))
    graph.add_nodes("feeder", feeders, index=list(range(len(feeders))))
    graph.add_edges("contains", [("city", t) for t in transformers] or [("city", f) for f in feeders])
    graph.add_edges("supplies", list(zip(transformers, feeders)))
    graph.add_edges("measures", list(zip(transformers, feeders)))
    return feeders


def world_graph(scenario: Scenario, homes0: HomeDraw, streets: RoadNetwork | None = None,
                citylearn: CityLearnSystem | None = None) -> DeviceGraph:
    """The device graph of the city, its weather station, grid, replica 0's homes, its CityLearn
    buildings and its streets."""
    graph = DeviceGraph()
    graph.add_node("city", "city", name=scenario.name)
    graph.add_node("weather", "weather_station", source=scenario.weather.source)
    graph.add_edge("city", "weather", "contains")
    add_home_nodes(graph, homes0, add_grid_nodes(graph, scenario))
    if citylearn is not None:
        add_building_nodes(graph, citylearn.district)
    if streets is not None:
        add_traffic_nodes(graph, streets)
    return graph


def register_energy_nodes(bus: TelemetryBus, p0: HomeParams, homes: list[str], feeders: list[str],
                          transformers: list[str]) -> NodeIndex:
    """Telemetry nodes of the homes, their devices and the grid (replica 0's: a plain world has no other)."""
    def subset(mask: np.ndarray, suffix: str) -> tuple[np.ndarray, np.ndarray]:
        rows = np.flatnonzero(mask)
        return rows, bus.register([f"{homes[i]}/{suffix}" for i in rows])

    hp_homes, hp_nodes = subset(p0.has_heat_pump, "heat_pump")
    pv_homes, pv_nodes = subset(p0.pv_kwp > 0, "pv")
    bat_homes, bat_nodes = subset(p0.bat_capacity_kwh > 0, "battery")
    ev_homes, ev_nodes = subset(p0.ev_charger_kw > 0, "ev_charger")
    dhw_homes, dhw_nodes = subset(p0.has_hot_water, "hot_water")
    return NodeIndex(
        meters=bus.register([f"{h}/meter" for h in homes]), homes=bus.register(homes),
        zones=bus.register([f"{h}/zone" for h in homes]), feeders=bus.register(feeders),
        transformers=bus.register(transformers), city=bus.register(["city"]), weather=bus.register(["weather"]),
        hp_homes=hp_homes, hp_nodes=hp_nodes, pv_homes=pv_homes, pv_nodes=pv_nodes,
        battery_homes=bat_homes, battery_nodes=bat_nodes, ev_homes=ev_homes, ev_nodes=ev_nodes,
        hot_water_homes=dhw_homes, hot_water_nodes=dhw_nodes)


def build_energy(scenario: Scenario, replicas: list[ReplicaDraw], nodes: NodeIndex, bus: TelemetryBus,
                 calendar: Calendar, streams: Streams) -> tuple[EnergySystem, list, dict[str, ArrayState]]:
    """The homes and grid of every replica: the energy system, its processes and its state arrays."""
    k, dt_s, n_feeders = streams.replicas, scenario.resolution, scenario.grid.feeders
    weather, market = replicas[0].weather, replicas[0].market
    draw = stack_homes([r.homes for r in replicas], n_feeders)
    p = draw.params
    registers = zeros_like_fields(HomeRegisters, p.n)
    grid = zeros_like_fields(GridRegisters, k * n_feeders)
    grid.steps = np.zeros((), dtype=np.int64)
    totals = zeros_like_fields(HomeTotals, p.n)
    feeder_totals = zeros_like_fields(FeederTotals, k * n_feeders)
    market_state = MarketState(np.zeros(k), np.zeros(k))
    # Unity power factor; without a transformer nothing limits a feeder.
    rating_kw = math.inf if scenario.grid.transformer_rating_kva is None else scenario.grid.transformer_rating_kva
    physics = HomePhysics(params=p, state=draw.state, appliances=draw.appliances,
                          appliance_state=draw.appliance_state, registers=registers, grid=grid,
                          totals=totals, feeder_totals=feeder_totals, market_state=market_state,
                          weathers=[r.weather for r in replicas], feed_in_eur_per_kwh=market.feed_in_eur_per_kwh,
                          controllers=scenario.controllers, transformer_rating_kw=rating_kw, dt_s=dt_s,
                          price_thresholds_eur_per_kwh=price_thresholds(scenario.tariff))
    readings = MeterReadings(bus=bus, nodes=nodes, interval_s=scenario.grid.meter_interval, dt_s=dt_s,
                             params=replicas[0].homes.params, state=draw.state, registers=registers, grid=grid,
                             market=market, weather=weather, transformer_rating_kw=rating_kw,
                             record=scenario.outputs.record)
    processes = [
        TariffClock([r.market for r in replicas], market_state),
        OccupancyChain(calendar, p, draw.state, streams),
        ApplianceRequests(calendar, draw.appliances, draw.appliance_state, draw.state, streams, dt_s),
        EvSessions(calendar, p, draw.state, streams, dt_s),
        physics,
    ] + ([readings] if k == 1 else [])
    state = {"homes": draw.state, "appliances": draw.appliance_state, "home_registers": registers,
             "grid_registers": grid, "home_totals": totals, "feeder_totals": feeder_totals, "market": market_state}
    energy = EnergySystem(homes=draw, registers=registers, grid=grid, totals=totals, feeder_totals=feeder_totals,
                          market=market, markets=tuple(r.market for r in replicas), market_state=market_state,
                          weather=weather, physics=physics, readings=readings, transformer_rating_kw=rating_kw)
    return energy, processes, state


def build_world(scenario: Scenario, *, seeds: Sequence[int] | None = None, memory_checked: bool = False) -> World:
    """Generate the world a scenario describes, ready to run from time 0.

    ``seeds`` builds one world holding ``len(seeds)`` replicas of the scenario, replica k seeded
    with ``seeds[k]`` and bit for bit equal to ``build_world`` of the scenario with that seed.
    Replica worlds record no telemetry and keep the device graph of replica 0 only.

    Raises ScenarioTooLarge, before allocating anything, when the world would not fit in the memory
    available (see :mod:`twin.scenario.memory`); ``memory_checked`` says the caller has checked this
    scenario and replica count already (an environment building its next episode's world).
    """
    if not memory_checked:
        check_memory(scenario, replicas=1 if seeds is None else len(seeds))
    streams = Streams.from_seeds([scenario.seed] if seeds is None else [int(s) for s in seeds])
    calendar = Calendar(scenario.start)
    hot_water = streams.substream("hot_water").gens
    replicas = [draw_replica(scenario, g, hw) for g, hw in zip(streams.gens, hot_water)]  # every build-time draw
    feeders, transformers = grid_node_ids(scenario)
    bus = TelemetryBus()
    nodes = register_energy_nodes(bus, replicas[0].homes.params, home_ids(scenario.homes.count), feeders,
                                  transformers)
    energy, processes, state = build_energy(scenario, replicas, nodes, bus, calendar, streams)
    citylearn = None
    if scenario.homes.source == "citylearn":
        if streams.replicas > 1:
            raise ValueError("worlds with CityLearn buildings (homes.source: citylearn) have no replica batches; "
                             "use twin/CityLearn-v0 for learning on a dataset")
        citylearn = build_citylearn(scenario.homes, scenario.duration, bus)
        processes.append(citylearn.process)
        state["citylearn"] = citylearn.state
    traffic = streets = None
    if scenario.traffic is not None:
        streets = road_network(scenario.traffic)  # replica 0's; the graph shows that one
        traffic = build_traffic(scenario.traffic, one=streets, bus=bus, calendar=calendar, streams=streams,
                                horizon_s=scenario.duration)
        processes += traffic.processes(record=streams.replicas == 1)
        state.update(traffic.state())
    # Stepping never reads the graph: it is built at first use, and an env's reset skips it.
    graph = functools.partial(world_graph, scenario, replicas[0].homes, streets, citylearn)
    steps = Steps(homes_s=scenario.resolution,
                  traffic_s=None if scenario.traffic is None else scenario.traffic.resolution)
    return World(scenario=scenario, graph=graph, calendar=calendar, steps=steps, streams=streams, state=state,
                 processes=processes, bus=bus, energy=energy, traffic=traffic, node_fields=NODE_FIELDS,
                 on_restore=[bus.rewind], citylearn=citylearn)
