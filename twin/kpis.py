"""Key performance indicators, computed from the recorded telemetry alone.

Each KPI is a function of a :class:`~twin.telemetry.Telemetry` record and returns a float, or
None when the record lacks what it needs (a group not recorded, no PV in the world). The
aggregate load is the sum of the feeders' mean power per reading interval (kW). Readings
stamped t cover [t - interval, t), so prices and energies with the same stamp belong together.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from twin.citylearn.kpis import BUILDING_KPIS, COMFORT_KPIS, DISTRICT_KPIS
from twin.telemetry.table import Telemetry
from twin.traffic.trips import TRAFFIC_UNITS


def _per_time(tel: Telemetry, quantity: str) -> tuple[np.ndarray, np.ndarray] | None:
    return tel.total_by_time(quantity) if tel.has(quantity) else None


def _total(tel: Telemetry, quantity: str) -> float | None:
    """Sum of every reading of ``quantity``, or None if it was not recorded."""
    return float(tel.series(quantity)[2].sum()) if tel.has(quantity) else None


def _aligned(times: np.ndarray, price_times: np.ndarray, prices: np.ndarray) -> np.ndarray:
    """Price in force for each reading time (readings and prices share stamps)."""
    ix = np.searchsorted(price_times, times)
    if ix.size and (ix.max() >= price_times.size or np.any(price_times[ix] != times)):
        raise ValueError("price readings do not line up with meter readings")
    return prices[ix]


def energy_cost_eur(tel: Telemetry) -> float | None:
    """Energy cost (EUR): sum over homes and readings of import kWh x price - export kWh x feed-in price."""
    imp, exp = _per_time(tel, "import_kwh"), _per_time(tel, "export_kwh")
    price, feed_in = _per_time(tel, "price_eur_per_kwh"), _per_time(tel, "feed_in_eur_per_kwh")
    if None in (imp, exp, price, feed_in):
        return None
    cost = imp[1] * _aligned(imp[0], *price) - exp[1] * _aligned(exp[0], *feed_in)
    return float(cost.sum())


def emissions_kg(tel: Telemetry) -> float | None:
    """Emissions (kgCO2): imported kWh x grid carbon intensity in force; exports earn no credit."""
    imp, carbon = _per_time(tel, "import_kwh"), _per_time(tel, "carbon_g_per_kwh")
    if imp is None or carbon is None:
        return None
    return float((imp[1] * _aligned(imp[0], *carbon)).sum() / 1000.0)


def _aggregate_kw(tel: Telemetry) -> tuple[np.ndarray, np.ndarray] | None:
    """(reading times, aggregate net load in kW over each reading interval), or None."""
    series = _per_time(tel, "feeder_load_kw")
    return None if series is None or series[1].size == 0 else series


def _hourly_kwh(tel: Telemetry) -> np.ndarray | None:
    """Aggregate net energy per clock hour since the start (kWh, so kWh/h = mean kW over the hour).

    A reading stamped t covers the interval since the one before (the first since the start), and
    reading intervals divide the hour, so each lies in one hour; a last partial hour has less.
    """
    series = _aggregate_kw(tel)
    if series is None:
        return None
    times, kw = series
    energy = kw * np.diff(times, prepend=0) / 3600.0
    return np.bincount((times - 1) // 3600, weights=energy)


def peak_demand_kw(tel: Telemetry) -> float | None:
    """Peak demand (kW): the largest aggregate net load over one reading interval (all-time peak)."""
    series = _aggregate_kw(tel)
    return None if series is None else float(series[1].max())


def daily_peak_kw(tel: Telemetry) -> float | None:
    """Average daily peak (kW), as CityLearn: the mean over days of each day's largest hourly load."""
    hourly = _hourly_kwh(tel)
    if hourly is None:
        return None
    days = np.arange(hourly.size) // 24
    return float(np.mean([hourly[days == d].max() for d in np.unique(days)]))


def ramping_kwh(tel: Telemetry) -> float | None:
    """Ramping (kWh), as CityLearn on hourly steps: the sum over hours of |E_h - E_(h-1)|, E_h the
    aggregate net energy of hour h (kWh)."""
    hourly = _hourly_kwh(tel)
    return None if hourly is None else float(np.abs(np.diff(hourly)).sum())


def one_minus_load_factor(tel: Telemetry) -> float | None:
    """1 - load factor (-), as CityLearn: per window of 730 hours (about a month), 1 - mean / peak of
    the hourly aggregate load, averaged over windows; 0 is perfectly flat. None without import."""
    hourly = _hourly_kwh(tel)
    if hourly is None:
        return None
    windows = [w for w in np.array_split(hourly, np.arange(730, hourly.size, 730)) if w.max() > 0]
    return float(np.mean([1.0 - w.mean() / w.max() for w in windows])) if windows else None


def comfort_violation_kh(tel: Telemetry) -> float | None:
    """Comfort violation (K*h): degree-hours outside the comfort band while someone is up at home, summed over homes."""
    return _total(tel, "comfort_violation_kh")


def transformer_overload_min(tel: Telemetry) -> float | None:
    """Transformer overload (min): minutes any transformer carried more than its rating, summed over transformers."""
    return _total(tel, "overload_min")


def pv_self_consumption(tel: Telemetry) -> float | None:
    """PV self-consumption (-): share of PV energy used behind the meters, 1 - PV exported / PV generated.

    PV exported is the export each step up to that step's PV output, so a battery discharging to
    the grid is not counted as PV.
    """
    pv, pv_export = _total(tel, "pv_kwh"), _total(tel, "pv_export_kwh")
    if pv is None or pv_export is None or pv <= 0:
        return None
    return 1.0 - pv_export / pv


def energy_import_kwh(tel: Telemetry) -> float | None:
    """Energy imported (kWh) by all homes."""
    return _total(tel, "import_kwh")


def energy_export_kwh(tel: Telemetry) -> float | None:
    """Energy exported (kWh) by all homes."""
    return _total(tel, "export_kwh")


def ev_unmet_kwh(tel: Telemetry) -> float | None:
    """EV energy unmet (kWh): what EVs still needed when they left, summed."""
    return _total(tel, "ev_unmet_kwh")


def hot_water_unmet_kwh(tel: Telemetry) -> float | None:
    """Hot water unmet (kWh): heat the draws lacked while tanks were below use temperature, summed;
    None in a world without hot-water tanks."""
    return _total(tel, "dhw_unmet_kwh")


# name -> (function, unit); the order is the order of the KPI table.
ENERGY_KPIS: dict[str, tuple[Callable[[Telemetry], float | None], str]] = {
    "energy_cost_eur": (energy_cost_eur, "EUR"),
    "emissions_kg": (emissions_kg, "kgCO2"),
    "peak_demand_kw": (peak_demand_kw, "kW"),
    "daily_peak_kw": (daily_peak_kw, "kW"),
    "ramping_kwh": (ramping_kwh, "kWh"),
    "one_minus_load_factor": (one_minus_load_factor, "-"),
    "comfort_violation_kh": (comfort_violation_kh, "K*h"),
    "transformer_overload_min": (transformer_overload_min, "min"),
    "pv_self_consumption": (pv_self_consumption, "-"),
    "energy_import_kwh": (energy_import_kwh, "kWh"),
    "energy_export_kwh": (energy_export_kwh, "kWh"),
    "ev_unmet_kwh": (ev_unmet_kwh, "kWh"),
    "hot_water_unmet_kwh": (hot_water_unmet_kwh, "kWh"),
}


# CityLearn's reference: the same buildings without control of their storage and loads.
NO_CONTROL = {"heating": "thermostat", "battery": "idle", "ev": "immediate", "hot_water": "thermostat"}
# The KPIs reported relative to a no-control run, as CityLearn normalises its evaluation.
NORMALISED = ("energy_cost_eur", "emissions_kg", "energy_import_kwh", "peak_demand_kw", "daily_peak_kw",
              "ramping_kwh", "one_minus_load_factor")


def relative_to(kpis: dict[str, float | None], baseline: dict[str, float | None]) -> dict[str, float | None]:
    """``<kpi>_vs_baseline`` = the KPI / the no-control run's, for NORMALISED (None where that is 0 or missing)."""
    out = {}
    for name in NORMALISED:
        value, ref = kpis.get(name), baseline.get(name)
        out[f"{name}_vs_baseline"] = value / ref if value is not None and ref is not None and ref > 0 else None
    return out


def compute_kpis(tel: Telemetry) -> dict[str, float | None]:
    """Every KPI of the record, by name (see ENERGY_KPIS for units)."""
    return {name: fn(tel) for name, (fn, _) in ENERGY_KPIS.items()}


# Which way is better per KPI; a KPI absent here is neither (reported, never ranked or scored).
LOWER, HIGHER, NEITHER = "lower", "higher", "neither"
KPI_DIRECTION = {
    **{name: LOWER for name in ("energy_cost_eur", "emissions_kg", "peak_demand_kw", "daily_peak_kw", "ramping_kwh",
                                "one_minus_load_factor", "comfort_violation_kh", "transformer_overload_min",
                                "energy_import_kwh", "ev_unmet_kwh", "hot_water_unmet_kwh")},
    **{f"{name}_vs_baseline": LOWER for name in NORMALISED},
    **{name: LOWER for name in ("mean_travel_time_s", "mean_duration_s", "mean_time_loss_s", "mean_waiting_time_s",
                                "mean_waiting_count", "mean_depart_delay_s", "mean_delay_all_s", "mean_queue_veh",
                                "max_queue_veh", "vehicles_waiting_to_enter", "vehicles_on_network_at_end")},
    **{name: HIGHER for name in ("pv_self_consumption", "throughput_vph", "vehicles_arrived")},
}


def kpi_direction(kpi: str) -> str:
    """``lower``, ``higher`` or ``neither``: which way ``kpi`` is better."""
    return KPI_DIRECTION.get(kpi, NEITHER)


# A world with CityLearn buildings (twin.citylearn.world.district_kpis): totals, and CityLearn's
# ratios to the same buildings with idle batteries.
CITYLEARN_UNITS = ({"citylearn_net_kwh": "kWh", "citylearn_import_kwh": "kWh", "citylearn_export_kwh": "kWh",
                    "citylearn_cost": "currency", "citylearn_co2_kg": "kgCO2"}
                   | {f"citylearn_{n}": "-" for n in BUILDING_KPIS + DISTRICT_KPIS + COMFORT_KPIS})
KPI_UNITS = ({name: unit for name, (_, unit) in ENERGY_KPIS.items()} | {f"{n}_vs_baseline": "-" for n in NORMALISED}
             | TRAFFIC_UNITS | CITYLEARN_UNITS)


def kpi_table(kpis: dict[str, float | None]) -> str:
    """A plain-text table of the KPIs that have values, with units, for the terminal."""
    shown = {k: v for k, v in kpis.items() if v is not None}
    if not shown:
        return "  (no KPIs: nothing they need was recorded)"
    width = max(len(k) for k in shown)
    lines = []
    for name, value in shown.items():
        unit = KPI_UNITS.get(name, "")
        shown = "n/a" if value is None else f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
        lines.append(f"  {name:<{width}}  {shown:>14}  {unit}")
    return "\n".join(lines)
