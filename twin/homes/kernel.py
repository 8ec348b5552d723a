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
from twin.physics.hot_water import tank_step
from twin.physics.scalar import clip_between, clip_to, maximum, minimum
from twin.physics.thermal import OCCUPANT_GAIN_W, cooling_cop, heat_pump_cop, rc_step

ASLEEP_ACTIVE_SHARE = 0.1  # share of the active load left on while everyone sleeps

# Controller codes (the scenario's names, as the kernel switches on them).
HEATING = {"thermostat": 0, "external": 1}
HOT_WATER = {"thermostat": 0, "external": 1}
BATTERY = {"self_consumption": 0, "time_of_use": 1, "idle": 2, "external": 3}
EV = {"immediate": 0, "cheap_hours": 1, "external": 2}

# Fixed per world: parameter arrays per home (shape (n,)), thermal coefficients (n,2,2)/(n,2,3),
# appliances (shape (m,)) and the cycle table (kinds, steps).
Fixed = namedtuple("Fixed", [
    "feeder", "persons", "solar_aperture_m2", "hp_elec_max_kw", "hp_sink_c", "boiler_heat_max_kw",
    "standby_kw", "active_kw", "pv_kwp", "bat_capacity_kwh", "bat_power_kw", "bat_soc_min", "bat_soc_max",
    "bat_eff_charge", "bat_eff_discharge", "ev_charger_kw", "ad", "bd", "replica",
    "appliance_home", "appliance_kind", "profile_kw", "profile_steps",
    "dhw_capacity_j_k", "dhw_heater_kw", "dhw_ua_w_k", "dhw_draw_w_k"])
# Scalars of the world: controller codes, setpoints, prices and limits (units in the names).
Settings = namedtuple("Settings", [
    "dt_s", "dt_h", "heating", "battery", "ev", "setpoint_c", "has_setback", "setback_c", "half_deadband_k",
    "comfort_low_c", "comfort_high_c", "ev_efficiency", "feed_in_eur_per_kwh", "rating_kw",
    "cheap_below_eur_per_kwh", "expensive_above_eur_per_kwh", "weather_step_s",
    "cooling", "cooling_setpoint_c", "hot_water", "dhw_heat_pump", "dhw_setpoint_c", "dhw_half_deadband_k",
    "dhw_max_c", "dhw_use_c", "dhw_cold_c"])
# The live state, by the field names of its dataclasses in twin.homes.state.
Homes = namedtuple("Homes", [
    "temp_air_c", "temp_mass_c", "heating_on", "cooling_on", "occupancy", "activity", "soc", "ev_present",
    "ev_need_kwh", "ev_depart_s", "ev_next_arrive_s", "ev_next_depart_s", "ev_next_need_kwh", "heat_cmd",
    "dhw_temp_c", "dhw_on", "dhw_cmd", "battery_cmd_kw", "ev_cmd_kw", "base_kw", "appliance_kw", "hp_kw", "heat_w",
    "dhw_kw", "pv_kw", "battery_kw", "ev_kw", "net_kw"])
Registers = namedtuple("Registers", [
    "import_kwh", "export_kwh", "load_kwh", "hp_kwh", "pv_kwh", "pv_export_kwh", "charge_kwh", "discharge_kwh",
    "ev_kwh", "ev_unmet_kwh", "discomfort_kh", "occupied_h", "dhw_kwh", "dhw_draw_kwh", "dhw_unmet_kwh"])
Totals = namedtuple("Totals", ["cost_eur", "emissions_kg", "import_kwh", "export_kwh", "discomfort_kh",
                               "ev_unmet_kwh", "dhw_unmet_kwh"])
Feeders = namedtuple("Feeders", ["energy_kwh", "peak_kw", "overload_s", "steps", "total_overload_kwh",
                                 "total_overload_s"])
# Inputs per replica world: weather samples (K, samples), and the price and carbon in force (K,).
Inputs = namedtuple("Inputs", ["temp_c", "ghi_w_m2", "price_eur_per_kwh", "carbon_g_per_kwh"])


# Numba note, as in twin/traffic/kernel.py: the named tuples are unpacked once per call and the
# loops read plain arrays; helpers take and return numbers. Handing the tuples to inlined helpers
# made a home-step cost about 850 ns instead of about 55 (benchmarks/bench_homes.py, 10,000 homes).

@njit(cache=True, nogil=True, error_model="numpy")
def run_home_steps(t0_s, n_steps, fixed, cfg, homes, reg, tot, feeders, inputs, appliance_start_s):
    """Advance every home and feeder by ``n_steps`` steps of ``cfg.dt_s``, the first starting at
    ``t0_s`` (s); inputs other than the weather (prices, occupancy, commands) hold throughout.
    ``appliance_start_s`` is each appliance's cycle start (s; -1 idle), set back to -1 as cycles end."""
    # Parameters and inputs.
    feeder, persons, aperture = fixed.feeder, fixed.persons, fixed.solar_aperture_m2
    hp_max_kw, hp_sink_c, boiler_kw = fixed.hp_elec_max_kw, fixed.hp_sink_c, fixed.boiler_heat_max_kw
    standby_kw, active_kw, pv_kwp = fixed.standby_kw, fixed.active_kw, fixed.pv_kwp
    bat_cap, bat_kw, soc_min, soc_max = fixed.bat_capacity_kwh, fixed.bat_power_kw, fixed.bat_soc_min, fixed.bat_soc_max
    eff_c, eff_d, charger_kw = fixed.bat_eff_charge, fixed.bat_eff_discharge, fixed.ev_charger_kw
    ad, bd, replica_of = fixed.ad, fixed.bd, fixed.replica
    app_home, app_kind = fixed.appliance_home, fixed.appliance_kind
    table, lengths = fixed.profile_kw, fixed.profile_steps
    dhw_cap, dhw_heater_kw, dhw_ua, dhw_draw = fixed.dhw_capacity_j_k, fixed.dhw_heater_kw, fixed.dhw_ua_w_k, \
        fixed.dhw_draw_w_k
    temp_c, ghi_w_m2 = inputs.temp_c, inputs.ghi_w_m2
    price_now, carbon_now = inputs.price_eur_per_kwh, inputs.carbon_g_per_kwh
    # State and registers.
    temp_air_c, temp_mass_c, heating_on = homes.temp_air_c, homes.temp_mass_c, homes.heating_on
    cooling_on, dhw_temp_c, dhw_on, dhw_cmd = homes.cooling_on, homes.dhw_temp_c, homes.dhw_on, homes.dhw_cmd
    occupancy, activity, soc = homes.occupancy, homes.activity, homes.soc
    ev_present, ev_need, ev_depart = homes.ev_present, homes.ev_need_kwh, homes.ev_depart_s
    ev_next_arrive, ev_next_depart = homes.ev_next_arrive_s, homes.ev_next_depart_s
    ev_next_need = homes.ev_next_need_kwh
    heat_cmd, battery_cmd, ev_cmd = homes.heat_cmd, homes.battery_cmd_kw, homes.ev_cmd_kw
    # Outputs.
    r_charge_kwh, r_discharge_kwh, r_discomfort_kh = reg.charge_kwh, reg.discharge_kwh, reg.discomfort_kh
    r_ev_kwh, r_ev_unmet_kwh, r_export_kwh, r_hp_kwh = reg.ev_kwh, reg.ev_unmet_kwh, reg.export_kwh, reg.hp_kwh
    r_import_kwh, r_load_kwh, r_occupied_h = reg.import_kwh, reg.load_kwh, reg.occupied_h
    r_pv_export_kwh, r_pv_kwh, t_cost_eur = reg.pv_export_kwh, reg.pv_kwh, tot.cost_eur
    t_discomfort_kh, t_emissions_kg, t_ev_unmet_kwh = tot.discomfort_kh, tot.emissions_kg, tot.ev_unmet_kwh
    t_export_kwh, t_import_kwh, h_appliance_kw = tot.export_kwh, tot.import_kwh, homes.appliance_kw
    r_dhw_kwh, r_dhw_draw_kwh, r_dhw_unmet_kwh = reg.dhw_kwh, reg.dhw_draw_kwh, reg.dhw_unmet_kwh
    t_dhw_unmet_kwh, h_dhw_kw = tot.dhw_unmet_kwh, homes.dhw_kw
    h_base_kw, h_battery_kw, h_ev_kw, h_heat_w = homes.base_kw, homes.battery_kw, homes.ev_kw, homes.heat_w
    h_hp_kw, h_net_kw, h_pv_kw, f_energy_kwh = homes.hp_kw, homes.net_kw, homes.pv_kw, feeders.energy_kwh
    f_overload_s, f_peak_kw, f_steps = feeders.overload_s, feeders.peak_kw, feeders.steps
    f_total_overload_kwh, f_total_overload_s = feeders.total_overload_kwh, feeders.total_overload_s
    # Settings.
    dt_s, dt_h, rating_kw = cfg.dt_s, cfg.dt_h, cfg.rating_kw
    external_heat, has_setback = cfg.heating == 1, cfg.has_setback
    setpoint_c, setback_c, half_k = cfg.setpoint_c, cfg.setback_c, cfg.half_deadband_k
    low_c, high_c, ev_eff, feed_in = cfg.comfort_low_c, cfg.comfort_high_c, cfg.ev_efficiency, cfg.feed_in_eur_per_kwh
    cheap, expensive = cfg.cheap_below_eur_per_kwh, cfg.expensive_above_eur_per_kwh
    cooling, cool_c, external_dhw = cfg.cooling, cfg.cooling_setpoint_c, cfg.hot_water == 1
    dhw_hp, dhw_set_c, dhw_half_k, dhw_max_c = cfg.dhw_heat_pump, cfg.dhw_setpoint_c, cfg.dhw_half_deadband_k, \
        cfg.dhw_max_c
    use_c, cold_c = cfg.dhw_use_c, cfg.dhw_cold_c

    n, m, n_feeders = temp_air_c.size, app_home.size, feeders.energy_kwh.size
    n_samples = temp_c.shape[1]
    appliance_kw = np.zeros(n)
    feeder_kw = np.zeros(n_feeders)
    for i in range(n_steps):
        t = t0_s + i * dt_s
        k = min(max(t // cfg.weather_step_s, 0), n_samples - 1)
        # Appliances: cycle power by step since start; finished cycles end.
        appliance_kw[:] = 0.0
        for a in range(m):
            if appliance_start_s[a] < 0:
                continue
            step = (t - appliance_start_s[a]) // dt_s
            if step < 0:
                continue
            if step >= lengths[app_kind[a]]:
                appliance_start_s[a] = -1
                continue
            appliance_kw[app_home[a]] += table[app_kind[a], step]
        feeder_kw[:] = 0.0
        for h in range(n):
            replica = replica_of[h]
            t_out, ghi, price = temp_c[replica, k], ghi_w_m2[replica, k], price_now[replica]
            up = 1.0 if occupancy[h] == AWAKE else 0.0
            home = 1.0 if occupancy[h] != AWAY else 0.0
            asleep = 1.0 if occupancy[h] == ASLEEP else 0.0
            base = standby_kw[h] + active_kw[h] * activity[h] * (up + ASLEEP_ACTIVE_SHARE * asleep)
            appliance = appliance_kw[h]
            temp_air = temp_air_c[h]

            heat_frac, heating_on[h] = heating_fraction(external_heat, heat_cmd[h], has_setback, up, setpoint_c,
                                                        setback_c, half_k, temp_air, heating_on[h])
            if cooling:
                heat_frac, cooling_on[h] = with_cooling(external_heat, heat_cmd[h], heat_frac, cool_c, half_k,
                                                        temp_air, cooling_on[h])
            if heat_frac < 0.0:  # a reversed heat pump (homes heated by a boiler have none)
                hp_kw = -heat_frac * hp_max_kw[h]
                heat_w = -1000.0 * hp_kw * cooling_cop(t_out)
            else:
                hp_kw = heat_frac * hp_max_kw[h]
                heat_w = 1000.0 * (hp_kw * heat_pump_cop(t_out, hp_sink_c[h]) + heat_frac * boiler_kw[h])
            pv = pv_power_kw(pv_kwp[h], ghi, t_out)

            # Hot water: the heater by its thermostat or command, then the tank over the step (homes
            # without a tank skip it all: most worlds have none, and the bulk step is memory-bound).
            dhw_kw = dhw_loss_j = 0.0
            if dhw_cap[h] > 0.0:
                dhw_frac, dhw_on[h] = heater_fraction(external_dhw, dhw_cmd[h], dhw_set_c, dhw_half_k, dhw_max_c,
                                                      dhw_temp_c[h], dhw_on[h])
                dhw_kw = dhw_frac * dhw_heater_kw[h]
                dhw_cop = heat_pump_cop(t_out, dhw_set_c) if dhw_hp else 1.0
                dhw_temp_c[h], dhw_loss_j, dhw_drawn_j, dhw_unmet_j = tank_step(
                    dhw_temp_c[h], dhw_cap[h], dhw_ua[h], 1000.0 * dhw_kw * dhw_cop, temp_air, up * dhw_draw[h],
                    use_c, cold_c, dt_s)
                h_dhw_kw[h] = dhw_kw
                r_dhw_kwh[h] += dhw_kw * dt_h
                r_dhw_draw_kwh[h] += dhw_drawn_j / 3.6e6
                r_dhw_unmet_kwh[h] += dhw_unmet_j / 3.6e6
                t_dhw_unmet_kwh[h] += dhw_unmet_j / 3.6e6

            # EVs plug out and in at their session times, then charge.
            unmet = 0.0
            if ev_present[h] and t >= ev_depart[h]:
                unmet = ev_need[h]
                ev_present[h] = False
                ev_need[h] = 0.0
            if not ev_present[h] and ev_next_arrive[h] >= 0 and t >= ev_next_arrive[h]:
                ev_present[h] = True
                ev_need[h] = ev_next_need[h]
                ev_depart[h] = ev_next_depart[h]
                ev_next_arrive[h] = -1
            limit = minimum(charger_kw[h], ev_need[h] / (ev_eff * dt_h)) if ev_present[h] else 0.0
            ev = ev_power(cfg.ev, limit, price, cheap, ev_cmd[h])
            ev_need[h] -= ev * ev_eff * dt_h

            net_before = base + appliance + hp_kw + dhw_kw + ev - pv
            charge_max, discharge_max = battery_limits_kw(soc[h], bat_cap[h], bat_kw[h], soc_min[h], soc_max[h],
                                                          eff_c[h], eff_d[h], dt_h)
            battery = battery_power(cfg.battery, net_before, charge_max, discharge_max, price, cheap, expensive,
                                    battery_cmd[h])
            soc[h] = battery_apply(soc[h], battery, bat_cap[h], eff_c[h], eff_d[h], dt_h)
            net = net_before + battery

            q_air = heat_w + 1000.0 * (base + appliance) + OCCUPANT_GAIN_W * persons[h] * home
            if dhw_loss_j != 0.0:  # the tank's loss warms the air it stands in
                q_air += dhw_loss_j / dt_s
            q_mass = ghi * aperture[h]
            violation = maximum(low_c - temp_air, 0.0) + maximum(temp_air - high_c, 0.0)
            temp_air_c[h], temp_mass_c[h] = rc_step(ad, bd, h, temp_air, temp_mass_c[h], t_out, q_air, q_mass)

            export = maximum(-net, 0.0)
            imported = maximum(net, 0.0) * dt_h
            exported = export * dt_h
            discomfort = up * violation * dt_h
            r_import_kwh[h] += imported
            r_export_kwh[h] += exported
            r_load_kwh[h] += (base + appliance) * dt_h
            r_hp_kwh[h] += hp_kw * dt_h
            r_pv_kwh[h] += pv * dt_h
            r_pv_export_kwh[h] += minimum(export, pv) * dt_h  # a battery sending energy out is not PV
            r_charge_kwh[h] += maximum(battery, 0.0) * dt_h
            r_discharge_kwh[h] += maximum(-battery, 0.0) * dt_h
            r_ev_kwh[h] += ev * dt_h
            r_ev_unmet_kwh[h] += unmet
            r_discomfort_kh[h] += discomfort
            r_occupied_h[h] += up * dt_h
            t_cost_eur[h] += imported * price - exported * feed_in
            t_emissions_kg[h] += imported * carbon_now[replica] / 1000.0
            t_import_kwh[h] += imported
            t_export_kwh[h] += exported
            t_discomfort_kh[h] += discomfort
            t_ev_unmet_kwh[h] += unmet

            h_base_kw[h], h_appliance_kw[h], h_hp_kw[h], h_heat_w[h] = base, appliance, hp_kw, heat_w
            h_pv_kw[h], h_battery_kw[h], h_ev_kw[h], h_net_kw[h] = pv, battery, ev, net
            feeder_kw[feeder[h]] += net
        for f in range(n_feeders):
            fk = feeder_kw[f]
            f_energy_kwh[f] += fk * dt_h
            f_peak_kw[f] = maximum(f_peak_kw[f], abs(fk))
            over_s = dt_s if abs(fk) > rating_kw else 0
            f_overload_s[f] += over_s
            f_total_overload_kwh[f] += maximum(abs(fk) - rating_kw, 0.0) * dt_h
            f_total_overload_s[f] += over_s
        f_steps[0] += 1


@njit(inline="always")
def heating_fraction(external, cmd, has_setback, up, setpoint_c, setback_c, half_deadband_k, temp_air_c, on):
    """Heating command (fraction of full power) and the thermostat relay after this step: the
    external command clipped to [0, 1], or the relay with deadband around the setpoint (the
    setback while nobody is up)."""
    if external:
        return clip_between(cmd, 0.0, 1.0), on
    setpoint = setback_c if has_setback and up == 0.0 else setpoint_c
    on = temp_air_c < setpoint - half_deadband_k or (on and temp_air_c < setpoint + half_deadband_k)
    return (1.0 if on else 0.0), on


@njit(inline="always")
def with_cooling(external, cmd, heat_frac, cooling_setpoint_c, half_deadband_k, temp_air_c, on):
    """The heat-pump command of a world whose heat pumps also cool (negative: cooling) and the
    cooling relay after this step: the external command clipped to [-1, 1], or the heating
    thermostat's ``heat_frac`` unless the cooling relay (deadband around ``cooling_setpoint_c``,
    which lies a deadband above the heating setpoint) is on."""
    if external:
        return clip_between(cmd, -1.0, 1.0), on
    on = temp_air_c > cooling_setpoint_c + half_deadband_k or (on and temp_air_c > cooling_setpoint_c - half_deadband_k)
    return (-1.0 if on else heat_frac), on


@njit(inline="always")
def heater_fraction(external, cmd, setpoint_c, half_deadband_k, max_c, temp_c, on):
    """Hot-water heater command (fraction of its power) and the tank thermostat's relay after this
    step: the external command clipped to [0, 1], or the relay with deadband around the setpoint;
    either way nothing above ``max_c``."""
    if temp_c >= max_c:
        return 0.0, False
    if external:
        return clip_between(cmd, 0.0, 1.0), on
    on = temp_c < setpoint_c - half_deadband_k or (on and temp_c < setpoint_c + half_deadband_k)
    return (1.0 if on else 0.0), on


@njit(inline="always")
def ev_power(mode, limit_kw, price, cheap_below, cmd_kw):
    """EV charging power (kW) within ``limit_kw``: at once, in cheap hours, or as commanded."""
    if mode == 0:
        return limit_kw
    if mode == 1:
        return limit_kw * (1.0 if price <= cheap_below else 0.0)
    return clip_to(cmd_kw, 0.0, limit_kw)


@njit(inline="always")
def battery_power(mode, net_before_kw, charge_max_kw, discharge_max_kw, price, cheap_below, expensive_above,
                  cmd_kw):
    """Battery power (kW, + charging) from its controller, within the step's limits."""
    if mode == 0:
        return self_consumption_kw(net_before_kw, charge_max_kw, discharge_max_kw)
    if mode == 1:
        if price <= cheap_below:
            return charge_max_kw
        if price >= expensive_above:
            return -discharge_max_kw
        return 0.0
    if mode == 2:
        return 0.0
    return clip_to(cmd_kw, -discharge_max_kw, charge_max_kw)
