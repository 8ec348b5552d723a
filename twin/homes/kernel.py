"""The homes physics step, compiled: every home and feeder through several steps in one call.

The order of a step is :mod:`twin.homes.step`'s module docstring; the device equations are
:mod:`twin.physics` (compiled per home and inlined here). Loops over homes mean a world of one
home pays no numpy per-call cost, and the physics can run every step up to the next event of any
other process in one call (nothing else can see the world in between). Each expression keeps the
order of the numpy version it replaced, and :mod:`twin.physics.scalar` keeps numpy's choices on
ties (the sign of a zero), so the results are bit-identical to it (``benchmarks/world_digests.py``).

Arguments come in named tuples built by field name from the state dataclasses (a swapped pair of
same-dtype arrays would otherwise compile and run silently wrong), unpacked once per call.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit

from twin.homes.state import ASLEEP, AWAKE, AWAY
from twin.physics.electric import battery_apply, battery_limits_kw, pv_power_kw, self_consumption_kw
from twin.physics.scalar import clip_between, clip_to, maximum, minimum
from twin.physics.thermal import OCCUPANT_GAIN_W, heat_pump_cop, rc_step

ASLEEP_ACTIVE_SHARE = 0.1  # share of the active load left on while everyone sleeps

# Controller codes (the scenario's names, as the kernel switches on them).
HEATING = {"thermostat": 0, "external": 1}
BATTERY = {"self_consumption": 0, "time_of_use": 1, "idle": 2, "external": 3}
EV = {"immediate": 0, "cheap_hours": 1, "external": 2}

# Fixed per world: parameter arrays per home (shape (n,)), thermal coefficients (n,2,2)/(n,2,3),
# appliances (shape (m,)) and the cycle table (kinds, steps).
Fixed = namedtuple("Fixed", [
    "feeder", "persons", "solar_aperture_m2", "hp_elec_max_kw", "hp_sink_c", "boiler_heat_max_kw",
    "standby_kw", "active_kw", "pv_kwp", "bat_capacity_kwh", "bat_power_kw", "bat_soc_min", "bat_soc_max",
    "bat_eff_charge", "bat_eff_discharge", "ev_charger_kw", "ad", "bd", "replica",
    "appliance_home", "appliance_kind", "profile_kw", "profile_steps"])
# Scalars of the world: controller codes, setpoints, prices and limits (units in the names).
Settings = namedtuple("Settings", [
    "dt_s", "dt_h", "heating", "battery", "ev", "setpoint_c", "has_setback", "setback_c", "half_deadband_k",
    "comfort_low_c", "comfort_high_c", "ev_efficiency", "feed_in_eur_per_kwh", "rating_kw",
    "cheap_below_eur_per_kwh", "expensive_above_eur_per_kwh", "weather_step_s"])
# The live state, by the field names of its dataclasses in twin.homes.state.
Homes = namedtuple("Homes", [
    "temp_air_c", "temp_mass_c", "heating_on", "occupancy", "activity", "soc", "ev_present", "ev_need_kwh",
    "ev_depart_s", "ev_next_arrive_s", "ev_next_depart_s", "ev_next_need_kwh", "heat_cmd", "battery_cmd_kw",
    "ev_cmd_kw", "base_kw", "appliance_kw", "hp_kw", "heat_w", "pv_kw", "battery_kw", "ev_kw", "net_kw"])
Registers = namedtuple("Registers", [
    "import_kwh", "export_kwh", "load_kwh", "hp_kwh", "pv_kwh", "pv_export_kwh", "charge_kwh", "discharge_kwh",
    "ev_kwh", "ev_unmet_kwh", "discomfort_kh", "occupied_h"])
Totals = namedtuple("Totals", ["cost_eur", "emissions_kg", "import_kwh", "export_kwh", "discomfort_kh",
                               "ev_unmet_kwh"])
Feeders = namedtuple("Feeders", ["energy_kwh", "peak_kw", "overload_s", "steps", "total_overload_kwh",
                                 "total_overload_s"])
# Inputs per replica world: weather samples (K, samples), and the price and carbon in force (K,).
Inputs = namedtuple("Inputs", ["temp_c", "ghi_w_m2", "price_eur_per_kwh", "carbon_g_per_kwh"])


@njit(cache=True, nogil=True, error_model="numpy")
def run_home_steps(t0_s, n_steps, fixed, cfg, homes, reg, tot, feeders, inputs, appliance_start_s):
    """Advance every home and feeder by ``n_steps`` steps of ``cfg.dt_s``, the first starting at
    ``t0_s`` (s); inputs other than the weather (prices, occupancy, commands) hold throughout.
    ``appliance_start_s`` is each appliance's cycle start (s; -1 idle), set back to -1 as cycles end."""
    n, m, n_feeders = homes.temp_air_c.size, fixed.appliance_home.size, feeders.energy_kwh.size
    dt_s, dt_h = cfg.dt_s, cfg.dt_h
    appliance_kw = np.zeros(n)
    feeder_kw = np.zeros(n_feeders)
    start_s, kind, lengths, table = appliance_start_s, fixed.appliance_kind, fixed.profile_steps, fixed.profile_kw
    n_samples = inputs.temp_c.shape[1]
    for i in range(n_steps):
        t = t0_s + i * dt_s
        k = min(max(t // cfg.weather_step_s, 0), n_samples - 1)
        # Appliances: cycle power by step since start; finished cycles end.
        appliance_kw[:] = 0.0
        for a in range(m):
            if start_s[a] < 0:
                continue
            step = (t - start_s[a]) // dt_s
            if step < 0:
                continue
            if step >= lengths[kind[a]]:
                start_s[a] = -1
                continue
            appliance_kw[fixed.appliance_home[a]] += table[kind[a], step]
        feeder_kw[:] = 0.0
        for h in range(n):
            _home_step(h, t, k, fixed, cfg, homes, reg, tot, inputs, appliance_kw[h], dt_h)
            feeder_kw[fixed.feeder[h]] += homes.net_kw[h]
        for f in range(n_feeders):
            fk = feeder_kw[f]
            feeders.energy_kwh[f] += fk * dt_h
            feeders.peak_kw[f] = maximum(feeders.peak_kw[f], abs(fk))
            over_s = dt_s if abs(fk) > cfg.rating_kw else 0
            feeders.overload_s[f] += over_s
            feeders.total_overload_kwh[f] += maximum(abs(fk) - cfg.rating_kw, 0.0) * dt_h
            feeders.total_overload_s[f] += over_s
        feeders.steps[0] += 1


@njit(inline="always")
def _home_step(h, t, k, fixed, cfg, homes, reg, tot, inputs, appliance, dt_h):
    """One step of home ``h`` starting at ``t`` (s), weather sample ``k``; writes its state and
    registers, and ``homes.net_kw[h]``."""
    replica = fixed.replica[h]
    t_out = inputs.temp_c[replica, k]
    ghi = inputs.ghi_w_m2[replica, k]
    price = inputs.price_eur_per_kwh[replica]
    occupancy = homes.occupancy[h]
    up = 1.0 if occupancy == AWAKE else 0.0
    home = 1.0 if occupancy != AWAY else 0.0
    asleep = 1.0 if occupancy == ASLEEP else 0.0
    base = fixed.standby_kw[h] + fixed.active_kw[h] * homes.activity[h] * (up + ASLEEP_ACTIVE_SHARE * asleep)
    temp_air = homes.temp_air_c[h]

    # Heating: the thermostat's relay with deadband, or the external command.
    if cfg.heating == 1:
        heat_frac = clip_between(homes.heat_cmd[h], 0.0, 1.0)
    else:
        setpoint = cfg.setpoint_c
        if cfg.has_setback and up == 0.0:
            setpoint = cfg.setback_c
        on = (temp_air < setpoint - cfg.half_deadband_k) or (homes.heating_on[h] and
                                                              temp_air < setpoint + cfg.half_deadband_k)
        homes.heating_on[h] = on
        heat_frac = 1.0 if on else 0.0
    hp_kw = heat_frac * fixed.hp_elec_max_kw[h]
    heat_w = 1000.0 * (hp_kw * heat_pump_cop(t_out, fixed.hp_sink_c[h]) + heat_frac * fixed.boiler_heat_max_kw[h])
    pv = pv_power_kw(fixed.pv_kwp[h], ghi, t_out)

    ev = _ev_step(h, t, fixed, cfg, homes, reg, tot, price, dt_h)

    net_before = base + appliance + hp_kw + ev - pv
    battery = _battery_step(h, net_before, fixed, cfg, homes, price, dt_h)
    net = net_before + battery

    q_air = heat_w + 1000.0 * (base + appliance) + OCCUPANT_GAIN_W * fixed.persons[h] * home
    q_mass = ghi * fixed.solar_aperture_m2[h]
    violation = maximum(cfg.comfort_low_c - temp_air, 0.0) + maximum(temp_air - cfg.comfort_high_c, 0.0)
    homes.temp_air_c[h], homes.temp_mass_c[h] = rc_step(fixed.ad, fixed.bd, h, temp_air, homes.temp_mass_c[h],
                                                         t_out, q_air, q_mass)

    export = maximum(-net, 0.0)
    imported = maximum(net, 0.0) * dt_h
    exported = export * dt_h
    reg.import_kwh[h] += imported
    reg.export_kwh[h] += exported
    reg.load_kwh[h] += (base + appliance) * dt_h
    reg.hp_kwh[h] += hp_kw * dt_h
    reg.pv_kwh[h] += pv * dt_h
    reg.pv_export_kwh[h] += minimum(export, pv) * dt_h  # a battery sending energy out is not PV
    reg.charge_kwh[h] += maximum(battery, 0.0) * dt_h
    reg.discharge_kwh[h] += maximum(-battery, 0.0) * dt_h
    reg.ev_kwh[h] += ev * dt_h
    discomfort = up * violation * dt_h
    reg.discomfort_kh[h] += discomfort
    reg.occupied_h[h] += up * dt_h

    tot.cost_eur[h] += imported * price - exported * cfg.feed_in_eur_per_kwh
    tot.emissions_kg[h] += imported * inputs.carbon_g_per_kwh[replica] / 1000.0
    tot.import_kwh[h] += imported
    tot.export_kwh[h] += exported
    tot.discomfort_kh[h] += discomfort

    homes.base_kw[h], homes.appliance_kw[h], homes.hp_kw[h], homes.heat_w[h] = base, appliance, hp_kw, heat_w
    homes.pv_kw[h], homes.battery_kw[h], homes.ev_kw[h], homes.net_kw[h] = pv, battery, ev, net


@njit(inline="always")
def _ev_step(h, t, fixed, cfg, homes, reg, tot, price, dt_h):
    """Plug home ``h``'s EV in or out at its session times; its charging power (kW)."""
    if homes.ev_present[h] and t >= homes.ev_depart_s[h]:
        unmet = homes.ev_need_kwh[h]
        reg.ev_unmet_kwh[h] += unmet
        tot.ev_unmet_kwh[h] += unmet
        homes.ev_present[h] = False
        homes.ev_need_kwh[h] = 0.0
    if not homes.ev_present[h] and homes.ev_next_arrive_s[h] >= 0 and t >= homes.ev_next_arrive_s[h]:
        homes.ev_present[h] = True
        homes.ev_need_kwh[h] = homes.ev_next_need_kwh[h]
        homes.ev_depart_s[h] = homes.ev_next_depart_s[h]
        homes.ev_next_arrive_s[h] = -1
    limit = 0.0
    if homes.ev_present[h]:
        limit = minimum(fixed.ev_charger_kw[h], homes.ev_need_kwh[h] / (cfg.ev_efficiency * dt_h))
    if cfg.ev == 0:
        power = limit
    elif cfg.ev == 1:
        power = limit * (1.0 if price <= cfg.cheap_below_eur_per_kwh else 0.0)
    else:
        power = clip_to(homes.ev_cmd_kw[h], 0.0, limit)
    homes.ev_need_kwh[h] -= power * cfg.ev_efficiency * dt_h
    return power


@njit(inline="always")
def _battery_step(h, net_before_kw, fixed, cfg, homes, price, dt_h):
    """Home ``h``'s battery power (kW, + charging) from its controller within its limits; updates SoC."""
    soc, capacity = homes.soc[h], fixed.bat_capacity_kwh[h]
    eff_charge, eff_discharge = fixed.bat_eff_charge[h], fixed.bat_eff_discharge[h]
    charge_max, discharge_max = battery_limits_kw(soc, capacity, fixed.bat_power_kw[h], fixed.bat_soc_min[h],
                                                  fixed.bat_soc_max[h], eff_charge, eff_discharge, dt_h)
    if cfg.battery == 0:
        power = self_consumption_kw(net_before_kw, charge_max, discharge_max)
    elif cfg.battery == 1:
        if price <= cfg.cheap_below_eur_per_kwh:
            power = charge_max
        elif price >= cfg.expensive_above_eur_per_kwh:
            power = -discharge_max
        else:
            power = 0.0
    elif cfg.battery == 2:
        power = 0.0
    else:
        power = clip_to(homes.battery_cmd_kw[h], -discharge_max, charge_max)
    homes.soc[h] = battery_apply(soc, power, capacity, eff_charge, eff_discharge, dt_h)
    return power
