"""Smart-meter readings: every ``interval_s`` the registers are read out to the telemetry bus.

A reading stamped ``t`` covers the interval [t - interval, t): energies are what the registers
accumulated over it, prices are those in force over it (they are constant over a reading by
scenario validation), and instantaneous quantities (indoor temperature, state of charge) are
sampled at ``t``. Registers are cleared after each reading. What is published is chosen by
record groups: meters, grid, zones, devices, weather, prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.engine import Periodic
from twin.grid.market import Market
from twin.homes.state import GridRegisters, HomeParams, HomeRegisters, HomeState
from twin.telemetry.bus import TelemetryBus
from twin.weather import WeatherSeries


@dataclass(frozen=True)
class NodeIndex:
    """Bus indices of the nodes readings are published for, and which homes they belong to."""

    meters: np.ndarray
    homes: np.ndarray
    zones: np.ndarray
    feeders: np.ndarray
    transformers: np.ndarray
    city: np.ndarray
    weather: np.ndarray
    hp_homes: np.ndarray           # home indices with a heat pump
    hp_nodes: np.ndarray
    pv_homes: np.ndarray
    pv_nodes: np.ndarray
    battery_homes: np.ndarray
    battery_nodes: np.ndarray
    ev_homes: np.ndarray
    ev_nodes: np.ndarray


class MeterReadings(Periodic):
    """Scheduled event: read every register out to the bus, then clear them."""

    name = "meter_readings"
    priority = -6

    def __init__(self, *, bus: TelemetryBus, nodes: NodeIndex, interval_s: int, dt_s: int,
                 params: HomeParams, state: HomeState, registers: HomeRegisters, grid: GridRegisters,
                 market: Market, weather: WeatherSeries, transformer_rating_kw: float, record: tuple[str, ...]):
        self.bus, self.nodes, self.dt_s = bus, nodes, dt_s
        self.period_s = self.first_s = interval_s  # the first reading closes the first interval
        self.p, self.s, self.reg, self.grid = params, state, registers, grid
        self.market, self.weather, self.rating_kw = market, weather, transformer_rating_kw
        self.record = frozenset(record)



    def read(self, now_s: int) -> None:
        """Publish readings for the steps since the last reading (nothing if there were none)."""
        steps = int(self.grid.steps)
        if steps == 0:
            return
        span_s = steps * self.dt_s
        pub, nodes, r, g, s = self._publish(now_s), self.nodes, self.reg, self.grid, self.s
        if "meters" in self.record:
            pub("import_kwh", "kWh", nodes.meters, r.import_kwh)
            pub("export_kwh", "kWh", nodes.meters, r.export_kwh)
        if "grid" in self.record:
            mean_kw = g.energy_kwh / (span_s / 3600.0)
            pub("feeder_load_kw", "kW", nodes.feeders, mean_kw)
            pub("feeder_peak_kw", "kW", nodes.feeders, g.peak_kw)
            pub("transformer_loading_pct", "%", nodes.transformers, 100.0 * np.abs(mean_kw) / self.rating_kw)
            pub("overload_min", "min", nodes.transformers, g.overload_s / 60.0)
        if "zones" in self.record:
            pub("indoor_temp_c", "degC", nodes.zones, s.temp_air_c)
            pub("comfort_violation_kh", "K*h", nodes.zones, r.discomfort_kh)
            pub("occupied_h", "h", nodes.zones, r.occupied_h)
        if "devices" in self.record:
            pub("load_kwh", "kWh", nodes.homes, r.load_kwh)
            pub("hp_kwh", "kWh", nodes.hp_nodes, r.hp_kwh[nodes.hp_homes])
            pub("pv_kwh", "kWh", nodes.pv_nodes, r.pv_kwh[nodes.pv_homes])
            pub("pv_export_kwh", "kWh", nodes.pv_nodes, r.pv_export_kwh[nodes.pv_homes])
            pub("soc", "fraction", nodes.battery_nodes, s.soc[nodes.battery_homes])
            pub("battery_charge_kwh", "kWh", nodes.battery_nodes, r.charge_kwh[nodes.battery_homes])
            pub("battery_discharge_kwh", "kWh", nodes.battery_nodes, r.discharge_kwh[nodes.battery_homes])
            pub("ev_kwh", "kWh", nodes.ev_nodes, r.ev_kwh[nodes.ev_homes])
            pub("ev_unmet_kwh", "kWh", nodes.ev_nodes, r.ev_unmet_kwh[nodes.ev_homes])
        if "weather" in self.record:
            k = self.weather.index_at(now_s)
            pub("outdoor_temp_c", "degC", nodes.weather, [self.weather.temp_c[k]])
            pub("ghi_w_m2", "W/m2", nodes.weather, [self.weather.ghi_w_m2[k]])
        if "prices" in self.record:
            begin = now_s - span_s
            pub("price_eur_per_kwh", "EUR/kWh", nodes.city, [self.market.price.mean_over(begin, now_s)])
            pub("feed_in_eur_per_kwh", "EUR/kWh", nodes.city, [self.market.feed_in_eur_per_kwh])
            pub("carbon_g_per_kwh", "g/kWh", nodes.city, [self.market.carbon.mean_over(begin, now_s)])
        for part in (r, g):
            for arr in part.arrays().values():
                arr[...] = 0

    step = read  # a reading is this process's step

    def _publish(self, now_s: int):
        bus = self.bus

        def pub(quantity: str, unit: str, node_ix: np.ndarray, values) -> None:
            bus.publish(now_s, quantity, unit, node_ix, np.asarray(values, dtype=np.float64))

        return pub
