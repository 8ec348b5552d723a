"""Draw synthetic homes: parameters per archetype, initial state, and their device-graph nodes.

All draws come from the world's one Generator, in a fixed order, so the same scenario and seed
give the same homes. Device presence follows ``homes.penetration``; absent devices get zero size
(see :mod:`twin.homes.state`) and no graph node.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from twin.generators import archetypes as A
from twin.graph import DeviceGraph
from twin.homes.appliances import APPLIANCE_KINDS, OWNERSHIP
from twin.homes.occupancy import initial_occupancy
from twin.homes.state import ApplianceParams, ApplianceState, HomeParams, HomeState, zeros_like_fields
from twin.physics.hot_water import AWAKE_AT_HOME_H, WATER_J_PER_L_K
from twin.physics.thermal import RCParams, ThermalStep, heat_pump_cop
from twin.scenario.schema import Homes


@dataclass(frozen=True)
class HomeDraw:
    """Everything drawn for the homes of one world."""

    params: HomeParams
    state: HomeState
    appliances: ApplianceParams
    appliance_state: ApplianceState


def _within(ranges: np.ndarray, codes: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Uniforms ``u`` in [0, 1) scaled into each home's archetype (low, high) range."""
    lo, hi = ranges[codes, 0], ranges[codes, 1]
    return lo + (hi - lo) * u


@functools.cache
def _ranges(field: str) -> np.ndarray:
    """(archetypes, 2) table of one archetype field's (low, high), read-only (asked for every build)."""
    table = np.array([getattr(A.ARCHETYPES[name], field) for name in A.ARCHETYPE_NAMES], dtype=float)
    table.setflags(write=False)
    return table


def draw_homes(cfg: Homes, n_feeders: int, dt_s: int, start_hour: int, rng: np.random.Generator,
               hot_water_rng: np.random.Generator) -> HomeDraw:
    """Draw ``cfg.count`` homes spread over ``n_feeders`` feeders in contiguous blocks (streets);
    which have a hot-water tank comes from ``hot_water_rng`` (a stream of its own)."""
    n = cfg.count
    # Canonical order, so the same mix written in another key order draws the same homes.
    names = [k for k in A.ARCHETYPE_NAMES if k in cfg.archetypes]
    weights = np.array([cfg.archetypes[k] for k in names], dtype=float)
    picked = rng.choice(len(names), size=n, p=weights / weights.sum())
    codes = np.array([A.ARCHETYPE_NAMES.index(k) for k in names], dtype=np.int8)[picked]
    arch = [A.ARCHETYPES[k] for k in A.ARCHETYPE_NAMES]

    # Runs of uniforms in one call each: a Generator fills a (k, n) array row by row, the very
    # numbers k calls of n would draw.
    u = rng.random((7, n))
    ua = _within(_ranges("ua_w_k"), codes, u[0])
    h_air_out = A.AIR_PATH_SHARE * ua
    h_air_mass = A.AIR_MASS_COUPLING_PER_UA * ua
    mass_path = (1 - A.AIR_PATH_SHARE) * ua  # series conductance of air-mass-outdoor path
    rc = RCParams(
        c_air_j_k=1e6 * _within(_ranges("c_air_mj_k"), codes, u[1]),
        c_mass_j_k=1e6 * _within(_ranges("c_mass_mj_k"), codes, u[2]),
        h_air_mass_w_k=h_air_mass,
        h_air_out_w_k=h_air_out,
        h_mass_out_w_k=1.0 / (1.0 / mass_path - 1.0 / h_air_mass),
    )
    pen = cfg.penetration
    has_hp, has_pv, has_bat, has_ev = (u[3] < pen.heat_pump, u[4] < pen.pv, u[5] < pen.battery, u[6] < pen.ev)
    persons_lo, persons_hi = _ranges("persons")[codes, 0], _ranges("persons")[codes, 1]
    persons = rng.integers(persons_lo.astype(int), persons_hi.astype(int) + 1).astype(np.int8)
    v = rng.random((10, n))
    worker = v[0] < np.array([a.worker_share for a in arch])[codes]
    sink_c = np.array([a.heat_sink_c for a in arch])[codes]
    design_heat_kw = A.HEAT_PUMP_OVERSIZE * ua * (cfg.thermostat.setpoint_c - A.DESIGN_OUTDOOR_C) / 1000.0
    design_cop = np.array([heat_pump_cop(A.DESIGN_OUTDOOR_C, float(a.heat_sink_c)) for a in arch])[codes]
    hp_elec_kw = design_heat_kw / design_cop
    dhw = cfg.hot_water
    # Drawn only when some homes have tanks, so the stream stays where it was for worlds without.
    has_dhw = hot_water_rng.random(n) < pen.hot_water if pen.hot_water > 0 else np.zeros(n, dtype=bool)
    round_trip = A.BATTERY_ROUND_TRIP[0] + (A.BATTERY_ROUND_TRIP[1] - A.BATTERY_ROUND_TRIP[0]) * v[1]
    ev_km = A.EV_KWH_PER_KM[0] + (A.EV_KWH_PER_KM[1] - A.EV_KWH_PER_KM[0]) * v[2]
    params = HomeParams(
        archetype=codes,
        feeder=(np.arange(n, dtype=np.int64) * n_feeders // max(n, 1)).astype(np.int32),
        persons=persons,
        worker=worker,
        rc=rc,
        thermal=ThermalStep.from_params(rc, dt_s),
        solar_aperture_m2=_within(_ranges("solar_aperture_m2"), codes, v[3]),
        has_heat_pump=has_hp,
        hp_elec_max_kw=np.where(has_hp, hp_elec_kw, 0.0),
        hp_sink_c=sink_c,
        boiler_heat_max_kw=np.where(has_hp, 0.0, 1.5 * design_heat_kw),
        standby_kw=_within(_ranges("standby_kw"), codes, v[4]),
        active_kw=_within(_ranges("active_kw"), codes, v[5]),
        pv_kwp=np.where(has_pv, _within(_ranges("pv_kwp"), codes, v[6]), 0.0),
        bat_capacity_kwh=np.where(has_bat, _within(_ranges("battery_kwh"), codes, v[7]), 0.0),
        bat_power_kw=np.where(has_bat, _within(_ranges("battery_kw"), codes, v[8]), 0.0),
        bat_soc_min=np.full(n, A.BATTERY_SOC_BOUNDS[0]),
        bat_soc_max=np.full(n, A.BATTERY_SOC_BOUNDS[1]),
        bat_eff_charge=np.sqrt(round_trip),
        bat_eff_discharge=np.sqrt(round_trip),
        ev_charger_kw=np.where(has_ev, np.array([a.ev_charger_kw for a in arch])[codes], 0.0),
        ev_capacity_kwh=np.where(has_ev, _within(_ranges("ev_capacity_kwh"), codes, v[9]), 0.0),
        ev_kwh_per_km=ev_km,
        ev_efficiency=A.EV_CHARGER_EFFICIENCY,
        setpoint_c=cfg.thermostat.setpoint_c,
        setback_c=cfg.thermostat.setback_c,
        deadband_k=cfg.thermostat.deadband_k,
        comfort_low_c=cfg.comfort.low_c,
        comfort_high_c=cfg.comfort.high_c,
        cooling_setpoint_c=cfg.thermostat.cooling_setpoint_c,
        dhw_volume_l=np.where(has_dhw, dhw.base_l + dhw.per_person_l * persons, 0.0),
        dhw_heater_kw=np.where(has_dhw, dhw.heater_kw, 0.0),
        dhw_ua_w_k=np.where(has_dhw, dhw.loss_w_k, 0.0),
        dhw_draw_w_k=np.where(has_dhw, persons * dhw.draw_l_per_person_day / (AWAKE_AT_HOME_H * 3600.0)
                              * WATER_J_PER_L_K, 0.0),
        dhw_heat_pump=dhw.heater == "heat_pump",
        dhw_setpoint_c=dhw.setpoint_c,
        dhw_deadband_k=dhw.deadband_k,
        dhw_max_c=dhw.max_c,
        dhw_use_c=dhw.use_c,
        dhw_cold_c=dhw.cold_c,
    )
    state = zeros_like_fields(
        HomeState, n, bool_fields=("heating_on", "cooling_on", "dhw_on", "ev_present"),
        minus_one=("ev_depart_s", "ev_next_arrive_s", "ev_next_depart_s"))
    state.occupancy = initial_occupancy(start_hour, n, rng)
    state.activity[...] = 1.0
    state.temp_air_c[...] = cfg.thermostat.setpoint_c + rng.uniform(-0.5, 0.5, n)
    state.temp_mass_c[...] = state.temp_air_c - 1.0
    state.dhw_temp_c[...] = np.where(has_dhw, dhw.setpoint_c, dhw.cold_c)
    state.soc[...] = np.where(has_bat, rng.uniform(A.BATTERY_SOC_BOUNDS[0], 0.5, n), A.BATTERY_SOC_BOUNDS[0])

    owns = (rng.random((n, len(APPLIANCE_KINDS))) < OWNERSHIP) & (rng.random(n) < pen.appliances)[:, None]
    home_ix, kind_ix = np.nonzero(owns)
    appliances = ApplianceParams(home=home_ix.astype(np.int32), kind=kind_ix.astype(np.int8),
                                 names=tuple(APPLIANCE_KINDS[k] for k in kind_ix))
    appliance_state = zeros_like_fields(ApplianceState, home_ix.size, minus_one=("start_s", "requested_s"))
    return HomeDraw(params, state, appliances, appliance_state)


def home_ids(n: int) -> list[str]:
    """Readable, zero-padded home ids: home-000 ... home-199."""
    width = max(3, len(str(max(n - 1, 0))))
    return [f"home-{i:0{width}d}" for i in range(n)]


def add_home_nodes(graph: DeviceGraph, draw: HomeDraw, feeder_ids: list[str]) -> list[str]:
    """Add every home and its devices to ``graph``; returns the home ids."""
    p = draw.params
    ids = home_ids(p.n)
    arch_names = [A.ARCHETYPE_NAMES[c] for c in p.archetype]
    graph.add_nodes("home", ids, index=list(range(p.n)), archetype=arch_names,
                    persons=p.persons.tolist(), feeder=[feeder_ids[f] for f in p.feeder])
    graph.add_edges("supplies", [(feeder_ids[f], h) for f, h in zip(p.feeder, ids)])

    def devices(kind: str, suffix: str, mask: np.ndarray, **columns: np.ndarray) -> None:
        rows = np.flatnonzero(mask)
        dev_ids = [f"{ids[i]}/{suffix}" for i in rows]
        cols = {name: np.round(col[rows], 3).tolist() for name, col in columns.items()}
        graph.add_nodes(kind, dev_ids, index=rows.tolist(), **cols)
        graph.add_edges("contains", [(ids[i], d) for i, d in zip(rows, dev_ids)])

    everyone = np.ones(p.n, dtype=bool)
    devices("zone", "zone", everyone, ua_w_k=p.rc.ua_w_k())
    devices("smart_meter", "meter", everyone)
    graph.add_edges("measures", [(f"{h}/meter", h) for h in ids])
    devices("heat_pump", "heat_pump", p.has_heat_pump, elec_max_kw=p.hp_elec_max_kw)
    devices("pv", "pv", p.pv_kwp > 0, kwp=p.pv_kwp)
    devices("battery", "battery", p.bat_capacity_kwh > 0, capacity_kwh=p.bat_capacity_kwh,
            power_kw=p.bat_power_kw)
    devices("ev_charger", "ev_charger", p.ev_charger_kw > 0, power_kw=p.ev_charger_kw)
    devices("hot_water_tank", "hot_water", p.has_hot_water, volume_l=p.dhw_volume_l, heater_kw=p.dhw_heater_kw)
    app = draw.appliances
    app_ids = [f"{ids[h]}/{name}" for h, name in zip(app.home, app.names)]
    graph.add_nodes("appliance", app_ids, index=list(range(len(app_ids))), appliance=list(app.names))
    graph.add_edges("contains", [(ids[h], a) for h, a in zip(app.home, app_ids)])
    return ids
