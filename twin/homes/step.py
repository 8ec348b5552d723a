"""The homes physics process: every home, every device, per ``dt_s``, compiled (:mod:`twin.homes.kernel`).

Order within a step starting at ``t`` (inputs held over [t, t + dt)):
1. loads: base load by occupancy and activity, running appliance cycles;
2. heating and cooling: thermostat with deadband, heating below its setpoint and, where heat pumps
   cool, cooling above the cooling setpoint (or an external command, negative to cool) -> heat-pump
   electricity and heat (or heat removed);
3. PV from irradiance and temperature; hot water: the tank heater by its thermostat (or a
   command), the tank over the step with the draws of those awake at home
   (:mod:`twin.physics.hot_water`); EVs plug in/out and charge;
4. battery: self-consumption rule (or idle, or an external command) within power and SoC limits;
5. net import at the meter = loads + heat pump + hot-water heater + EV + battery charging - PV -
   battery discharging;
6. thermal: exact 2R2C step with heat, occupant, appliance and tank-loss gains (to air) and sun
   (to mass);
7. registers: meter import/export, device energies, discomfort, and per-feeder energy, peak and
   transformer overload time (feeders sum their homes with one ``bincount``); totals since the
   start (cost at the price in force, emissions, overload energy) that environments reward on.

Replica worlds: weather, price and carbon are per replica and reach each home through its
replica index.

The process runs ahead: given the time of the next event of any other process (a reading, an
occupancy or appliance draw, a tariff change, the end of ``run``, which is an env's decision), it
runs every step before it in one compiled call. Between events nothing else reads or writes the
homes and the inputs hold (only the weather sample moves, and the kernel looks it up per step), so
the world is the one firing once per step would give.
"""

from __future__ import annotations

from operator import attrgetter

import numpy as np

from twin.compiled import bind
from twin.engine import ArrayState, Periodic
from twin.grid.market import MarketState
from twin.homes import kernel
from twin.homes.appliances import profile_table_kw
from twin.homes.state import (ApplianceParams, ApplianceState, FeederTotals, GridRegisters, HomeParams, HomeRegisters,
                              HomeState, HomeTotals)
from twin.physics.hot_water import WATER_J_PER_L_K
from twin.scenario.schema import Controllers
from twin.weather import WeatherSeries


# The kernel's tuples read off the state dataclasses by field name.
_HOMES_FIELDS = attrgetter(*kernel.Homes._fields)
_REGISTERS_FIELDS = attrgetter(*kernel.Registers._fields)
_TOTALS_FIELDS = attrgetter(*kernel.Totals._fields)


class HomePhysics(Periodic):
    """The physics process of all homes and feeders; fires every ``dt_s`` (or runs ahead)."""

    name = "home_physics"
    priority = 1
    max_steps_per_fire: int | None = None  # tests set 1 to compare running ahead with stepping

    def __init__(self, *, params: HomeParams, state: HomeState, appliances: ApplianceParams,
                 appliance_state: ApplianceState, registers: HomeRegisters, grid: GridRegisters,
                 totals: HomeTotals, feeder_totals: FeederTotals, market_state: MarketState,
                 weathers: list[WeatherSeries], feed_in_eur_per_kwh: float, controllers: Controllers,
                 transformer_rating_kw: float, dt_s: int, price_thresholds_eur_per_kwh: tuple[float, float]):
        self.p, self.s = params, state
        self.appliances, self.appliance_state = appliances, appliance_state
        self.reg, self.grid, self.totals, self.feeder_totals = registers, grid, totals, feeder_totals
        self.market = market_state
        self.controllers = controllers
        self.set_weather(weathers)
        self.replicas = len(weathers)
        self.dt_s = self.period_s = dt_s
        profile_kw, profile_steps = profile_table_kw(dt_s)
        thermal = params.thermal
        self.fixed = kernel.Fixed(
            feeder=params.feeder, persons=params.persons, solar_aperture_m2=params.solar_aperture_m2,
            hp_elec_max_kw=params.hp_elec_max_kw, hp_sink_c=params.hp_sink_c,
            boiler_heat_max_kw=params.boiler_heat_max_kw, standby_kw=params.standby_kw,
            active_kw=params.active_kw, pv_kwp=params.pv_kwp, bat_capacity_kwh=params.bat_capacity_kwh,
            bat_power_kw=params.bat_power_kw, bat_soc_min=params.bat_soc_min, bat_soc_max=params.bat_soc_max,
            bat_eff_charge=params.bat_eff_charge, bat_eff_discharge=params.bat_eff_discharge,
            ev_charger_kw=params.ev_charger_kw, ad=np.ascontiguousarray(thermal.ad),
            bd=np.ascontiguousarray(thermal.bd),
            replica=np.repeat(np.arange(self.replicas, dtype=np.int64), params.n // self.replicas),
            appliance_home=appliances.home, appliance_kind=appliances.kind, profile_kw=profile_kw,
            profile_steps=profile_steps.astype(np.int64),
            dhw_capacity_j_k=params.dhw_volume_l * WATER_J_PER_L_K, dhw_heater_kw=params.dhw_heater_kw,
            dhw_ua_w_k=params.dhw_ua_w_k, dhw_draw_w_k=params.dhw_draw_w_k)
        # Time-of-use controllers: prices at or below the first are cheap, at or above the second expensive.
        cheap_below, expensive_above = price_thresholds_eur_per_kwh
        self.settings = kernel.Settings(
            dt_s=dt_s, dt_h=dt_s / 3600.0, heating=kernel.HEATING[controllers.heating],
            battery=kernel.BATTERY[controllers.battery], ev=kernel.EV[controllers.ev],
            setpoint_c=float(params.setpoint_c), has_setback=params.setback_c is not None,
            setback_c=float("nan") if params.setback_c is None else float(params.setback_c),
            half_deadband_k=0.5 * params.deadband_k, comfort_low_c=float(params.comfort_low_c),
            comfort_high_c=float(params.comfort_high_c), ev_efficiency=float(params.ev_efficiency),
            feed_in_eur_per_kwh=float(feed_in_eur_per_kwh), rating_kw=float(transformer_rating_kw),
            cheap_below_eur_per_kwh=float(cheap_below), expensive_above_eur_per_kwh=float(expensive_above),
            weather_step_s=int(self.weather.step_s), cooling=params.cooling_setpoint_c is not None,
            cooling_setpoint_c=float("nan") if params.cooling_setpoint_c is None else float(params.cooling_setpoint_c),
            hot_water=kernel.HOT_WATER[controllers.hot_water], dhw_heat_pump=bool(params.dhw_heat_pump),
            dhw_setpoint_c=float(params.dhw_setpoint_c), dhw_half_deadband_k=0.5 * params.dhw_deadband_k,
            dhw_max_c=float(params.dhw_max_c), dhw_use_c=float(params.dhw_use_c),
            dhw_cold_c=float(params.dhw_cold_c))

    def set_weather(self, weathers: list[WeatherSeries]) -> None:
        """Use these outdoor conditions from now on, one series per replica world."""
        self.weather = weathers[0]
        # (K, samples); homes and feeders are laid out replica by replica.
        self.temp_c = np.ascontiguousarray(np.stack([w.temp_c for w in weathers]), dtype=np.float64)
        self.ghi_w_m2 = np.ascontiguousarray(np.stack([w.ghi_w_m2 for w in weathers]), dtype=np.float64)
        if hasattr(self, "settings"):
            self.settings = self.settings._replace(weather_step_s=int(self.weather.step_s))
        self._bound_at: int | None = None  # the kernel's arguments are built again at the next step

    def fire_ahead(self, now_s: int, next_event_s: int | None) -> int:
        """Run the steps starting at ``now_s`` and before ``next_event_s`` (at least one); return
        the time of the next step."""
        n = 1 if next_event_s is None else max(1, -(-(next_event_s - now_s) // self.dt_s))
        if self.max_steps_per_fire is not None:
            n = min(n, self.max_steps_per_fire)
        self.run_steps(now_s, n)
        return now_s + n * self.dt_s

    def step(self, now_s: int) -> None:
        """Advance every home by one step starting at ``now_s`` (see the module docstring)."""
        self.run_steps(now_s, 1)

    def run_steps(self, t0_s: int, n_steps: int) -> None:
        """Advance every home and feeder by ``n_steps`` steps, the first starting at ``t0_s`` (s)."""
        if self.p.n == 0:  # streets only: a step of no homes and no feeders just counts itself
            self.grid.steps[...] += n_steps
            return
        if self._bound_at != ArrayState.replacements:
            self._bind()
        self._kernel(t0_s, n_steps, *self._kernel_args)

    def _bind(self) -> None:
        """Build the kernel's argument tuples from the arrays' owners and bind the compiled kernel to
        their types (:mod:`twin.compiled`); again whenever a state array may have been replaced."""
        s, r, t, g, f, m = self.s, self.reg, self.totals, self.grid, self.feeder_totals, self.market
        # By field name, as the kernel reads them.
        homes = kernel.Homes._make(_HOMES_FIELDS(s))
        registers = kernel.Registers._make(_REGISTERS_FIELDS(r))
        totals = kernel.Totals._make(_TOTALS_FIELDS(t))
        feeders = kernel.Feeders(energy_kwh=g.energy_kwh, peak_kw=g.peak_kw, overload_s=g.overload_s,
                                 steps=g.steps.reshape(1), total_overload_kwh=f.overload_kwh,
                                 total_overload_s=f.overload_s)
        inputs = kernel.Inputs(temp_c=self.temp_c, ghi_w_m2=self.ghi_w_m2, price_eur_per_kwh=m.price_now_eur_per_kwh,
                               carbon_g_per_kwh=m.carbon_now_g_per_kwh)
        self._kernel_args = (self.fixed, self.settings, homes, registers, totals, feeders, inputs,
                             self.appliance_state.start_s)
        self._kernel = bind(kernel.run_home_steps, (0, 1, *self._kernel_args))
        self._bound_at = ArrayState.replacements
