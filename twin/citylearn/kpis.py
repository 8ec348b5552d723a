"""CityLearn's key performance indicators, as CityLearn 3.0.2's ``evaluate()`` computes them.

Each KPI is the controlled run's value over the baseline's: the same run without the batteries
(CityLearn's "without storage, with PV" condition; the thermal devices meet the measured demand
in both). Per building: ``cost_total`` (sum of max(net, 0) x price), ``carbon_emissions_total``
(sum of max(net x intensity, 0)), ``electricity_consumption_total`` (sum of max(net, 0)) and
``zero_net_energy`` (sum of net); the district's value of these is the mean of its buildings'.
On the district's summed net consumption: ``ramping_average`` (sum of the rises between
consecutive steps), ``daily_peak_average`` and ``all_time_peak_average`` (mean of the peaks of
each day / the peak of the whole run), ``daily_`` and ``monthly_one_minus_load_factor_average``
(mean over days / 730-hour months of 1 - mean / peak). Windows are counted from the first step.
Comfort (``discomfort_proportion`` and its ``_cold`` / ``_hot`` parts) is the share of occupied
steps whose indoor temperature is below the heating set point - band or above the cooling set
point + band, from the dataset's measured indoor temperature; None where the dataset has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

BUILDING_KPIS = ("cost_total", "carbon_emissions_total", "electricity_consumption_total", "zero_net_energy")
DISTRICT_KPIS = ("ramping_average", "daily_peak_average", "all_time_peak_average",
                 "daily_one_minus_load_factor_average", "monthly_one_minus_load_factor_average")
COMFORT_KPIS = ("discomfort_proportion", "discomfort_cold_proportion", "discomfort_hot_proportion")
HOURS_PER_MONTH = 730.0  # CityLearn's month


@dataclass(frozen=True)
class EnergyTotals:
    """One building's (or the district's) totals over a run: kWh, currency, kg CO2."""

    net_kwh: float
    import_kwh: float
    export_kwh: float
    cost: float
    co2_kg: float


@dataclass(frozen=True)
class CityLearnKpis:
    """KPIs (control / baseline; None where undefined) per building name and for the district."""

    buildings: Mapping[str, Mapping[str, float | None]]
    district: Mapping[str, float | None]


def energy_totals(net_kwh: np.ndarray, price_per_kwh: np.ndarray, carbon_kg_per_kwh: np.ndarray) -> EnergyTotals:
    """Totals of one net consumption series (T,) with its price and carbon series (T,)."""
    net = np.asarray(net_kwh, dtype=np.float64)
    return EnergyTotals(net_kwh=float(net.sum()), import_kwh=float(net.clip(min=0).sum()),
                        export_kwh=float(-net.clip(max=0).sum()), cost=float((net.clip(min=0) * price_per_kwh).sum()),
                        co2_kg=float((net * carbon_kg_per_kwh).clip(min=0).sum()))


def _ratio(control: float, baseline: float) -> float | None:
    return None if baseline == 0 or not np.isfinite(baseline) else control / baseline


def _ramping(x: np.ndarray) -> float:
    return float(np.clip(np.diff(x), 0.0, None).sum())


def _windows(x: np.ndarray, window: int) -> list[np.ndarray]:
    return [x[i:i + window] for i in range(0, len(x), window)]


def _one_minus_load_factor(x: np.ndarray, window: int) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.nanmean([1.0 - w.mean() / w.max() for w in _windows(x, window)]))


def _peak(x: np.ndarray, window: int) -> float:
    return float(np.mean([w.max() for w in _windows(x, window)]))


def citylearn_kpis(names: tuple[str, ...], net_kwh: np.ndarray, baseline_net_kwh: np.ndarray,
                   price_per_kwh: np.ndarray, carbon_kg_per_kwh: np.ndarray, dt_h: float,
                   comfort: Mapping[str, Mapping[str, float | None]] | None = None) -> CityLearnKpis:
    """CityLearn's KPIs of a run: ``net_kwh`` and ``baseline_net_kwh`` (T, B) per step and building,
    price and carbon (T, B); ``comfort``: per building the comfort KPIs (see :func:`comfort_kpis`)."""
    buildings: dict[str, Mapping[str, float | None]] = {}
    per_kpi: dict[str, list[float]] = {k: [] for k in BUILDING_KPIS}
    for i, name in enumerate(names):
        c = energy_totals(net_kwh[:, i], price_per_kwh[:, i], carbon_kg_per_kwh[:, i])
        b = energy_totals(baseline_net_kwh[:, i], price_per_kwh[:, i], carbon_kg_per_kwh[:, i])
        row = {"cost_total": _ratio(c.cost, b.cost), "carbon_emissions_total": _ratio(c.co2_kg, b.co2_kg),
               "electricity_consumption_total": _ratio(c.import_kwh, b.import_kwh),
               "zero_net_energy": _ratio(c.net_kwh, b.net_kwh)}
        for k, v in row.items():
            if v is not None:
                per_kpi[k].append(v)
        row.update((comfort or {}).get(name, dict.fromkeys(COMFORT_KPIS)))
        buildings[name] = MappingProxyType(row)
    dc, db = net_kwh.sum(axis=1), baseline_net_kwh.sum(axis=1)
    day, month = max(1, round(24.0 / dt_h)), max(1, round(HOURS_PER_MONTH / dt_h))
    district: dict[str, float | None] = {k: float(np.mean(v)) if v else None for k, v in per_kpi.items()}
    district.update({
        "ramping_average": _ratio(_ramping(dc), _ramping(db)),
        "daily_peak_average": _ratio(_peak(dc, day), _peak(db, day)),
        "all_time_peak_average": _ratio(float(dc.max()), float(db.max())),
        "daily_one_minus_load_factor_average": _ratio(_one_minus_load_factor(dc, day), _one_minus_load_factor(db, day)),
        "monthly_one_minus_load_factor_average": _ratio(_one_minus_load_factor(dc, month),
                                                        _one_minus_load_factor(db, month)),
    })
    rows = [r for r in buildings.values() if r["discomfort_proportion"] is not None]
    for k in COMFORT_KPIS:
        district[k] = float(np.mean([r[k] for r in rows])) if rows else None
    return CityLearnKpis(MappingProxyType(buildings), MappingProxyType(district))


def building_comfort_kpis(building: Any, rows: slice) -> dict[str, float | None]:
    """:func:`comfort_kpis` of a dataset building (a :class:`twin.citylearn.building.CityLearnBuilding`) over
    ``rows`` of its measured series."""
    e = building.energy_simulation

    def pick(a: Any) -> np.ndarray | None:
        return None if a is None else np.asarray(a[rows], dtype=np.float64)
    return comfort_kpis(pick(e.indoor_dry_bulb_temperature_c), pick(e.indoor_dry_bulb_temperature_cooling_set_point_c),
                        pick(e.indoor_dry_bulb_temperature_heating_set_point_c), pick(e.comfort_band_c),
                        pick(e.occupant_count))


def comfort_kpis(indoor_c: np.ndarray | None, cooling_set_point_c: np.ndarray | None,
                 heating_set_point_c: np.ndarray | None, band_k: np.ndarray | None,
                 occupant_count: np.ndarray | None) -> dict[str, float | None]:
    """One building's comfort KPIs over its steps (T,): shares of occupied steps too cold / too hot
    (band 2 K where the dataset gives none; every step occupied where it gives no counts). All None
    where the indoor temperature or a set point is missing or has no finite value."""
    if indoor_c is None or cooling_set_point_c is None or heating_set_point_c is None \
            or not np.isfinite(indoor_c).any():
        return dict.fromkeys(COMFORT_KPIS)
    band = 2.0 if band_k is None else band_k
    occupied = np.ones(len(indoor_c), bool) if occupant_count is None else occupant_count > 0
    occupied &= np.isfinite(indoor_c)
    n = int(occupied.sum())
    if n == 0:
        return dict.fromkeys(COMFORT_KPIS)
    cold = occupied & (indoor_c < heating_set_point_c - band)
    hot = occupied & (indoor_c > cooling_set_point_c + band)
    return {"discomfort_proportion": float((cold | hot).sum() / n), "discomfort_cold_proportion": float(cold.sum() / n),
            "discomfort_hot_proportion": float(hot.sum() / n)}
