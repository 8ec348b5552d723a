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
        entries = self._entries()
        self.layout = bus.layout([(quantity, unit, node_ix) for quantity, unit, node_ix, _ in entries])
        # The layout leaves out a quantity of no nodes (a world without a transformer, a battery...).
        kept = set(self.layout.quantities)
        self.values = tuple(value for quantity, _, _, value in entries if quantity in kept)

    def _entries(self):
        """(quantity, unit, node indices, values(now_s, span_s)) of each quantity recorded, in
        publishing order; the values are taken before the registers are cleared."""
        nodes, r, g, s, record = self.nodes, self.reg, self.grid, self.s, self.record
        out = []
        if "meters" in record:
            out += [("import_kwh", "kWh", nodes.meters, lambda t, span: r.import_kwh),
                    ("export_kwh", "kWh", nodes.meters, lambda t, span: r.export_kwh)]
        if "grid" in record:
            def mean_kw(t, span):
                return g.energy_kwh / (span / 3600.0)
            out += [("feeder_load_kw", "kW", nodes.feeders, mean_kw),
                    ("feeder_peak_kw", "kW", nodes.feeders, lambda t, span: g.peak_kw),
                    ("transformer_loading_pct", "%", nodes.transformers,
                     lambda t, span: 100.0 * np.abs(mean_kw(t, span)) / self.rating_kw),
                    ("overload_min", "min", nodes.transformers, lambda t, span: g.overload_s / 60.0)]
        if "zones" in record:
            out += [("indoor_temp_c", "degC", nodes.zones, lambda t, span: s.temp_air_c),
                    ("comfort_violation_kh", "K*h", nodes.zones, lambda t, span: r.discomfort_kh),
                    ("occupied_h", "h", nodes.zones, lambda t, span: r.occupied_h)]
        if "devices" in record:
            # A subset of every home (one home with all its devices) is taken as a view, not gathered.
            every = np.arange(self.p.n)
            hp, pv, bat, ev = (slice(None) if np.array_equal(rows, every) else rows
                               for rows in (nodes.hp_homes, nodes.pv_homes, nodes.battery_homes, nodes.ev_homes))
            out += [("load_kwh", "kWh", nodes.homes, lambda t, span: r.load_kwh),
                    ("hp_kwh", "kWh", nodes.hp_nodes, lambda t, span: r.hp_kwh[hp]),
                    ("pv_kwh", "kWh", nodes.pv_nodes, lambda t, span: r.pv_kwh[pv]),
                    ("pv_export_kwh", "kWh", nodes.pv_nodes, lambda t, span: r.pv_export_kwh[pv]),
                    ("soc", "fraction", nodes.battery_nodes, lambda t, span: s.soc[bat]),
                    ("battery_charge_kwh", "kWh", nodes.battery_nodes, lambda t, span: r.charge_kwh[bat]),
                    ("battery_discharge_kwh", "kWh", nodes.battery_nodes, lambda t, span: r.discharge_kwh[bat]),
                    ("ev_kwh", "kWh", nodes.ev_nodes, lambda t, span: r.ev_kwh[ev]),
                    ("ev_unmet_kwh", "kWh", nodes.ev_nodes, lambda t, span: r.ev_unmet_kwh[ev])]
        if "weather" in record:
            w = self.weather
            out += [("outdoor_temp_c", "degC", nodes.weather, lambda t, span: [w.temp_c[w.index_at(t)]]),
                    ("ghi_w_m2", "W/m2", nodes.weather, lambda t, span: [w.ghi_w_m2[w.index_at(t)]])]
        if "prices" in record:
            m = self.market
            out += [("price_eur_per_kwh", "EUR/kWh", nodes.city, lambda t, span: [m.price.mean_over(t - span, t)]),
                    ("feed_in_eur_per_kwh", "EUR/kWh", nodes.city, lambda t, span: [m.feed_in_eur_per_kwh]),
                    ("carbon_g_per_kwh", "g/kWh", nodes.city, lambda t, span: [m.carbon.mean_over(t - span, t)])]
        return out

    def read(self, now_s: int) -> None:
        """Publish the readings for the steps since the last reading as one frame (nothing if there
        were none), then clear the registers."""
        steps = int(self.grid.steps)
        if steps == 0:
            return
        span_s = steps * self.dt_s
        if self.values:
            values = np.concatenate([value(now_s, span_s) for value in self.values], dtype=np.float64)
            self.bus.publish(now_s, self.layout, values)
        self.reg.zero()
        self.grid.zero()

    step = read  # a reading is this process's step
