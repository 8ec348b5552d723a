"""The homes physics step: every home, every device, one numpy expression each, per ``dt_s``.

Order within a step starting at ``t`` (inputs held over [t, t + dt)):
1. loads: base load by occupancy and activity, running appliance cycles;
2. heating: thermostat with deadband (or an external command) -> heat-pump electricity and heat;
3. PV from irradiance and temperature; EVs plug in/out and charge;
4. battery: self-consumption rule (or idle, or an external command) within power and SoC limits;
5. net import at the meter = loads + heat pump + EV + battery charging - PV - battery discharging;
6. thermal: exact 2R2C step with heat, occupant and appliance gains (to air) and sun (to mass);
7. registers: meter import/export, device energies, discomfort, and per-feeder energy, peak and
   transformer overload time (feeders sum their homes with one ``bincount``); totals since the
   start (cost at the price in force, emissions, overload energy) that environments reward on.

Replica worlds: weather, price and carbon are per replica and reach each home through its
replica index; a plain world uses plain floats, as before.
"""

from __future__ import annotations

import numpy as np

from twin.engine import Periodic
from twin.homes.appliances import appliance_power_kw, profile_table_kw
from twin.grid.market import MarketState
from twin.homes.state import (
    ASLEEP, AWAKE, AWAY, ApplianceParams, ApplianceState, FeederTotals, GridRegisters, HomeParams, HomeRegisters,
    HomeState, HomeTotals,
)
from twin.physics.electric import battery_apply, battery_limits_kw, pv_power_kw, self_consumption_kw
from twin.physics.thermal import OCCUPANT_GAIN_W, heat_pump_cop
from twin.scenario.schema import Controllers
from twin.weather import WeatherSeries

ASLEEP_ACTIVE_SHARE = 0.1  # share of the active load left on while everyone sleeps


class HomePhysics(Periodic):
    """The physics process of all homes and feeders; fires every ``dt_s``."""

    name = "home_physics"
    priority = 1

    def __init__(self, *, params: HomeParams, state: HomeState, appliances: ApplianceParams,
                 appliance_state: ApplianceState, registers: HomeRegisters, grid: GridRegisters,
                 totals: HomeTotals, feeder_totals: FeederTotals, market_state: MarketState,
                 weathers: list[WeatherSeries], feed_in_eur_per_kwh: float, controllers: Controllers,
                 transformer_rating_kw: float, dt_s: int, price_thresholds_eur_per_kwh: tuple[float, float]):
        self.p, self.s = params, state
        self.appliances, self.appliance_state = appliances, appliance_state
        self.reg, self.grid, self.totals, self.feeder_totals = registers, grid, totals, feeder_totals
        self.market, self.feed_in = market_state, feed_in_eur_per_kwh
        self.controllers = controllers
        # Time-of-use controllers: prices at or below the first are cheap, at or above the second expensive.
        self.cheap_below, self.expensive_above = price_thresholds_eur_per_kwh
        self.set_weather(weathers)
        self.replicas = len(weathers)
        self.replica = np.repeat(np.arange(self.replicas), params.n // self.replicas)
        self.rating_kw, self.dt_s, self.dt_h = transformer_rating_kw, dt_s, dt_s / 3600.0
        self.period_s = dt_s
        self.n_feeders = grid.energy_kwh.shape[0]
        self.profile_kw, self.profile_steps = profile_table_kw(dt_s)

    def set_weather(self, weathers: list[WeatherSeries]) -> None:
        """Use these outdoor conditions from now on, one series per replica world."""
        self.weather = weathers[0]
        # (K, samples); homes and feeders are laid out replica by replica.
        self.temp_c = np.stack([w.temp_c for w in weathers])
        self.ghi_w_m2 = np.stack([w.ghi_w_m2 for w in weathers])

    def _per_home(self, per_replica: np.ndarray) -> float | np.ndarray:
        """A value per replica world as seen by each home (a plain float for a plain world)."""
        return float(per_replica[0]) if self.replicas == 1 else per_replica[self.replica]

    def step(self, now_s: int) -> None:
        """Advance every home by one step starting at ``now_s`` (see the module docstring)."""
        p, s, dt_h = self.p, self.s, self.dt_h
        k = self.weather.index_at(now_s)
        t_out, ghi = self._per_home(self.temp_c[:, k]), self._per_home(self.ghi_w_m2[:, k])
        up = s.occupancy == AWAKE
        home = s.occupancy != AWAY

        base = p.standby_kw + p.active_kw * s.activity * (up + ASLEEP_ACTIVE_SHARE * (s.occupancy == ASLEEP))
        appliance = appliance_power_kw(self.appliances, self.appliance_state, self.profile_kw,
                                       self.profile_steps, now_s, self.dt_s, p.n)

        heat_frac = self._heating(up)
        hp_kw = heat_frac * p.hp_elec_max_kw
        heat_w = 1000.0 * (hp_kw * heat_pump_cop(t_out, p.hp_sink_c) + heat_frac * p.boiler_heat_max_kw)

        pv = pv_power_kw(p.pv_kwp, ghi, t_out)
        ev = self._ev(now_s)

        net_before = base + appliance + hp_kw + ev - pv
        battery = self._battery(net_before)
        net = net_before + battery

        q_air = heat_w + 1000.0 * (base + appliance) + OCCUPANT_GAIN_W * p.persons * home
        q_mass = ghi * p.solar_aperture_m2
        violation = np.maximum(p.comfort_low_c - s.temp_air_c, 0.0) + np.maximum(s.temp_air_c - p.comfort_high_c, 0.0)
        new_air, new_mass = p.thermal.step(s.temp_air_c, s.temp_mass_c, t_out, q_air, q_mass)
        s.temp_air_c[...] = new_air
        s.temp_mass_c[...] = new_mass

        r = self.reg
        export = np.maximum(-net, 0.0)
        r.import_kwh += np.maximum(net, 0.0) * dt_h
        r.export_kwh += export * dt_h
        r.load_kwh += (base + appliance) * dt_h
        r.hp_kwh += hp_kw * dt_h
        r.pv_kwh += pv * dt_h
        r.pv_export_kwh += np.minimum(export, pv) * dt_h  # a battery sending energy out is not PV
        r.charge_kwh += np.maximum(battery, 0.0) * dt_h
        r.discharge_kwh += np.maximum(-battery, 0.0) * dt_h
        r.ev_kwh += ev * dt_h
        r.discomfort_kh += up * violation * dt_h
        r.occupied_h += up * dt_h

        tot, imported, exported = self.totals, np.maximum(net, 0.0) * dt_h, export * dt_h
        tot.cost_eur += imported * self._per_home(self.market.price_now_eur_per_kwh) - exported * self.feed_in
        tot.emissions_kg += imported * self._per_home(self.market.carbon_now_g_per_kwh) / 1000.0
        tot.import_kwh += imported
        tot.export_kwh += exported
        tot.discomfort_kh += up * violation * dt_h

        feeder_kw = np.bincount(p.feeder, weights=net, minlength=self.n_feeders)
        g = self.grid
        g.energy_kwh += feeder_kw * dt_h
        np.maximum(g.peak_kw, np.abs(feeder_kw), out=g.peak_kw)
        over_s = (np.abs(feeder_kw) > self.rating_kw) * self.dt_s
        g.overload_s += over_s
        g.steps += 1
        self.feeder_totals.overload_kwh += np.maximum(np.abs(feeder_kw) - self.rating_kw, 0.0) * dt_h
        self.feeder_totals.overload_s += over_s

        s.base_kw[...], s.appliance_kw[...], s.hp_kw[...], s.heat_w[...] = base, appliance, hp_kw, heat_w
        s.pv_kw[...], s.battery_kw[...], s.ev_kw[...], s.net_kw[...] = pv, battery, ev, net

    def _heating(self, up: np.ndarray) -> np.ndarray:
        """Heating command per home, fraction of full power (thermostat: on/off with deadband)."""
        p, s = self.p, self.s
        if self.controllers.heating == "external":
            return np.clip(s.heat_cmd, 0.0, 1.0)
        setpoint = p.setpoint_c if p.setback_c is None else np.where(up, p.setpoint_c, p.setback_c)
        half = 0.5 * p.deadband_k
        s.heating_on[...] = (s.temp_air_c < setpoint - half) | (s.heating_on & (s.temp_air_c < setpoint + half))
        return s.heating_on.astype(float)

    def _ev(self, now_s: int) -> np.ndarray:
        """Plug EVs in and out at their session times; return charging power per home (kW)."""
        p, s, r = self.p, self.s, self.reg
        leaving = s.ev_present & (now_s >= s.ev_depart_s)
        unmet = np.where(leaving, s.ev_need_kwh, 0.0)
        r.ev_unmet_kwh += unmet
        self.totals.ev_unmet_kwh += unmet
        s.ev_present &= ~leaving
        s.ev_need_kwh[leaving] = 0.0
        arriving = ~s.ev_present & (s.ev_next_arrive_s >= 0) & (now_s >= s.ev_next_arrive_s)
        if arriving.any():
            s.ev_present |= arriving
            s.ev_need_kwh[arriving] = s.ev_next_need_kwh[arriving]
            s.ev_depart_s[arriving] = s.ev_next_depart_s[arriving]
            s.ev_next_arrive_s[arriving] = -1
        limit = np.where(s.ev_present, np.minimum(p.ev_charger_kw, s.ev_need_kwh / (p.ev_efficiency * self.dt_h)), 0.0)
        mode = self.controllers.ev
        if mode == "immediate":
            power = limit
        elif mode == "cheap_hours":
            power = limit * (self._per_home(self.market.price_now_eur_per_kwh) <= self.cheap_below)
        else:
            power = np.clip(s.ev_cmd_kw, 0.0, limit)
        s.ev_need_kwh -= power * p.ev_efficiency * self.dt_h
        return power

    def _battery(self, net_before_kw: np.ndarray) -> np.ndarray:
        """Battery power per home (kW, + charging) from its controller, within limits; updates SoC."""
        p, s = self.p, self.s
        charge_max, discharge_max = battery_limits_kw(
            s.soc, p.bat_capacity_kwh, p.bat_power_kw, p.bat_soc_min, p.bat_soc_max,
            p.bat_eff_charge, p.bat_eff_discharge, self.dt_h)
        mode = self.controllers.battery
        if mode == "self_consumption":
            power = self_consumption_kw(net_before_kw, charge_max, discharge_max)
        elif mode == "time_of_use":
            price = self._per_home(self.market.price_now_eur_per_kwh)
            power = np.where(price <= self.cheap_below, charge_max, np.where(price >= self.expensive_above,
                                                                             -discharge_max, 0.0))
        elif mode == "idle":
            power = np.zeros_like(net_before_kw)
        else:
            power = np.clip(s.battery_cmd_kw, -discharge_max, charge_max)
        s.soc[...] = battery_apply(s.soc, power, p.bat_capacity_kwh, p.bat_eff_charge, p.bat_eff_discharge, self.dt_h)
        return power
