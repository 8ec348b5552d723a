"""Smart-meter readings: every ``interval_s`` the registers are read out to the telemetry bus.

A reading stamped ``t`` covers the interval [t - interval, t): energies are what the registers
accumulated over it, prices are those in force over it (they are constant over a reading by
scenario validation), and instantaneous quantities (indoor temperature, state of charge) are
sampled at ``t``. Registers are cleared after each reading. What is published is chosen by
record groups: meters, grid, zones, devices, weather, prices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit

from twin.compiled import bind
from twin.engine import ArrayState, Periodic
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
    hot_water_homes: np.ndarray    # home indices with a hot-water tank
    hot_water_nodes: np.ndarray


# How a reading turns a register's value v into what it publishes, with numpy's order of operations.
AS_IS, PER_SPAN_H, LOADING_PCT, PER_MINUTE = 0, 1, 2, 3  # v; v / span_h; 100 |v / span_h| / rating; v / 60


@dataclass(frozen=True)
class Register:
    """A quantity read off a live array: ``owner.<field>``, at ``rows`` (None: every row), through ``op``."""

    owner: ArrayState
    field: str
    rows: np.ndarray | None = None
    op: int = AS_IS


# A quantity of one node (the weather, the city) computed per reading: (now_s, span_s) -> its value.
Computed = Callable[[int, int], float]


@njit(cache=True, nogil=True, error_model="numpy")
def fill_registers(out, arrays, source, row_start, row_count, rows, ops, starts, span_h, rating_kw, n_cleared):
    """Write each register entry j to ``out[starts[j]:]``: ``arrays[source[j]]`` at
    ``rows[row_start[j]:][:row_count[j]]`` (every row where ``row_count[j] < 0``), through ``ops[j]``;
    then zero the first ``n_cleared`` arrays. One pass, where twenty-odd small numpy calls and a
    concatenate were most of a reading. ``arrays`` is every float array a reading may read, the same
    number in every world, so this compiles once."""
    for j in range(source.size):
        src, op, at, r0 = arrays[source[j]], ops[j], starts[j], row_start[j]
        every = row_count[j] < 0
        n = src.size if every else row_count[j]
        for i in range(n):
            v = src[i] if every else src[rows[r0 + i]]
            if op == PER_SPAN_H:
                v = v / span_h
            elif op == LOADING_PCT:
                v = 100.0 * abs(v / span_h) / rating_kw
            elif op == PER_MINUTE:
                v = v / 60.0
            out[at + i] = v
    for j in range(n_cleared):
        arrays[j][:] = 0.0


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
        # Where each kept quantity starts in a frame: registers are read in the compiled pass,
        # computed values (one node each) written one by one.
        offsets = self.layout.offsets
        self.registers: list[tuple[int, Register]] = []
        self.computed: list[tuple[int, Computed]] = []
        for i, source in enumerate(source for quantity, _, _, source in entries if quantity in kept):
            if isinstance(source, Register):
                self.registers.append((int(offsets[i]), source))
            elif offsets[i + 1] - offsets[i] != 1:
                raise ValueError("computed readings are of one node each (the weather, the city)")
            else:
                self.computed.append((int(offsets[i]), source))
        self._bound_at: int | None = None

    def _entries(self) -> list[tuple[str, str, np.ndarray, Register | Computed]]:
        """(quantity, unit, node indices, source) of each quantity recorded, in publishing order;
        registers are read before they are cleared."""
        nodes, r, g, s, record = self.nodes, self.reg, self.grid, self.s, self.record
        out: list[tuple[str, str, np.ndarray, Register | Computed]] = []
        if "meters" in record:
            out += [("import_kwh", "kWh", nodes.meters, Register(r, "import_kwh")),
                    ("export_kwh", "kWh", nodes.meters, Register(r, "export_kwh"))]
        if "grid" in record:
            out += [("feeder_load_kw", "kW", nodes.feeders, Register(g, "energy_kwh", op=PER_SPAN_H)),
                    ("feeder_peak_kw", "kW", nodes.feeders, Register(g, "peak_kw")),
                    ("transformer_loading_pct", "%", nodes.transformers, Register(g, "energy_kwh", op=LOADING_PCT)),
                    ("overload_min", "min", nodes.transformers, Register(g, "overload_s", op=PER_MINUTE))]
        if "zones" in record:
            out += [("indoor_temp_c", "degC", nodes.zones, Register(s, "temp_air_c")),
                    ("comfort_violation_kh", "K*h", nodes.zones, Register(r, "discomfort_kh")),
                    ("occupied_h", "h", nodes.zones, Register(r, "occupied_h"))]
        if "devices" in record:
            # A subset of every home (one home with all its devices) is read whole, not gathered.
            every = np.arange(self.p.n)
            hp, pv, bat, ev, dhw = (None if np.array_equal(rows, every) else np.asarray(rows, dtype=np.int64)
                                    for rows in (nodes.hp_homes, nodes.pv_homes, nodes.battery_homes, nodes.ev_homes,
                                                 nodes.hot_water_homes))
            out += [("load_kwh", "kWh", nodes.homes, Register(r, "load_kwh")),
                    ("hp_kwh", "kWh", nodes.hp_nodes, Register(r, "hp_kwh", hp)),
                    ("pv_kwh", "kWh", nodes.pv_nodes, Register(r, "pv_kwh", pv)),
                    ("pv_export_kwh", "kWh", nodes.pv_nodes, Register(r, "pv_export_kwh", pv)),
                    ("soc", "fraction", nodes.battery_nodes, Register(s, "soc", bat)),
                    ("battery_charge_kwh", "kWh", nodes.battery_nodes, Register(r, "charge_kwh", bat)),
                    ("battery_discharge_kwh", "kWh", nodes.battery_nodes, Register(r, "discharge_kwh", bat)),
                    ("ev_kwh", "kWh", nodes.ev_nodes, Register(r, "ev_kwh", ev)),
                    ("ev_unmet_kwh", "kWh", nodes.ev_nodes, Register(r, "ev_unmet_kwh", ev)),
                    ("dhw_kwh", "kWh", nodes.hot_water_nodes, Register(r, "dhw_kwh", dhw)),
                    ("dhw_temp_c", "degC", nodes.hot_water_nodes, Register(s, "dhw_temp_c", dhw)),
                    ("dhw_draw_kwh", "kWh", nodes.hot_water_nodes, Register(r, "dhw_draw_kwh", dhw)),
                    ("dhw_unmet_kwh", "kWh", nodes.hot_water_nodes, Register(r, "dhw_unmet_kwh", dhw))]
        if "weather" in record:
            w = self.weather
            out += [("outdoor_temp_c", "degC", nodes.weather, lambda t, span: w.temp_c[w.index_at(t)]),
                    ("ghi_w_m2", "W/m2", nodes.weather, lambda t, span: w.ghi_w_m2[w.index_at(t)])]
        if "prices" in record:
            m = self.market
            out += [("price_eur_per_kwh", "EUR/kWh", nodes.city, lambda t, span: m.price.mean_over(t - span, t)),
                    ("feed_in_eur_per_kwh", "EUR/kWh", nodes.city, lambda t, span: m.feed_in_eur_per_kwh),
                    ("carbon_g_per_kwh", "g/kWh", nodes.city, lambda t, span: m.carbon.mean_over(t - span, t))]
        return out

    def _bind(self) -> None:
        """The compiled reading's arguments, read off the registers' owners (again whenever a state
        array may have been replaced), and its entry point (:mod:`twin.compiled`)."""
        # Every 1-D float array of the registers (cleared after a reading), then of the home state.
        pool = [(part, name, a) for part in (self.reg, self.grid, self.s) for name, a in part.arrays().items()
                if a.dtype == np.float64 and a.ndim == 1]
        cleared = sum(part is not self.s for part, _, _ in pool)
        position = {(id(part), name): i for i, (part, name, _) in enumerate(pool)}
        registers = [reg for _, reg in self.registers]
        source = [position.get((id(reg.owner), reg.field)) for reg in registers]
        if None in source:
            raise TypeError("meter readings read 1-D float64 arrays of the registers and the home state")
        self._others = [a for part in (self.reg, self.grid) for a in part.arrays().values()
                        if not (a.dtype == np.float64 and a.ndim == 1)]  # the step counter
        counts = [-1 if reg.rows is None else reg.rows.size for reg in registers]
        self._fill_args = (
            tuple(a for _, _, a in pool), np.array(source, dtype=np.int64),
            np.cumsum([0] + [max(c, 0) for c in counts[:-1]], dtype=np.int64), np.array(counts, dtype=np.int64),
            np.concatenate([np.zeros(0, np.int64)] + [reg.rows for reg in registers if reg.rows is not None]),
            np.array([reg.op for reg in registers], dtype=np.int64),
            np.array([at for at, _ in self.registers], dtype=np.int64))
        self._n_cleared = cleared
        self._fill = bind(fill_registers, (np.zeros(0), *self._fill_args, 1.0, 1.0, cleared))
        self._bound_at = ArrayState.replacements

    def read(self, now_s: int) -> None:
        """Publish the readings for the steps since the last reading as one frame (nothing if there
        were none), then clear the registers."""
        steps = int(self.grid.steps)
        if steps == 0:
            return
        span_s = steps * self.dt_s
        if self._bound_at != ArrayState.replacements:
            self._bind()
        values = np.empty(self.layout.size)
        for at, value in self.computed:
            values[at] = value(now_s, span_s)
        self._fill(values, *self._fill_args, span_s / 3600.0, float(self.rating_kw), self._n_cleared)
        for other in self._others:
            other.fill(0)
        if values.size:
            self.bus.publish(now_s, self.layout, values)

    step = read  # a reading is this process's step
