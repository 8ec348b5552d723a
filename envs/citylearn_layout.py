"""Where each observation of a CityLearn dataset comes from, in CityLearn 3.0.2's order.

CityLearn names its observations (``month``, ``outdoor_dry_bulb_temperature``,
``electrical_storage_soc``, ...) in the schema, each ``active`` or not and ``shared_in_central_agent``
or not. A building observes the schema's active observations less its own ``inactive_observations``,
in schema order. The **decentralised** layout is one such vector per building; the **central** layout
is the first building's vector followed, for each other building, by its observations that are not
shared (CityLearn's ``central_agent=True``). The value of each, at the observation of row ``t``:

=====================================================  =========================================================
observation                                            value
=====================================================  =========================================================
a column of the building's energy_simulation,          that column at row ``t`` (``month``, ``hour``, ``day_type``,
weather, pricing or carbon_intensity file              ``non_shiftable_load``, ``cooling_demand``, the weather and
                                                       its forecasts, ``electricity_pricing``, ``carbon_intensity``,
                                                       ...); a column the file lacks reads as CityLearn's default
``solar_generation``                                   PV output at row ``t``, kWh (nominal kW x W/kW / 1000 x h)
``electrical_storage_soc``                             battery state of charge after the last step (0-1)
``net_electricity_consumption``                        the building's net kWh of the last step; at reset, of row
                                                       ``t`` with the battery idle
=====================================================  =========================================================

Any other active observation (storage-tank states, device consumptions, EV and outage features)
is refused naming it. Values are float32, as CityLearn gives them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.citylearn.columns import TABLES
from twin.citylearn.district import CityLearnDistrict
from twin.errors import ScenarioError

SOC, NET = "electrical_storage_soc", "net_electricity_consumption"
#: Where a column missing from a file reads from (CityLearn's defaults of its optional columns).
_ABSENT = {"daylight_savings_status": 0.0, "average_unmet_cooling_setpoint_difference": 0.0,
           "indoor_relative_humidity": 0.0, "occupant_count": 0.0, "hvac_mode": 1.0, "power_outage": 0.0,
           "comfort_band": 2.0, "indoor_dry_bulb_temperature_cooling_set_point": 0.0,
           "indoor_dry_bulb_temperature_heating_set_point": 0.0, "minutes": 0.0, "seconds": 0.0}
_SOURCES = {"energy_simulation": "energy_simulation", "weather": "weather", "pricing": "pricing",
            "carbon_intensity": "carbon_intensity"}


@dataclass(frozen=True, eq=False)
class ObservationLayout:
    """One observation vector's columns: ``names`` and the building each belongs to, a table of
    the static ones per row (rows, n) float32, and which columns are filled live."""

    names: tuple[str, ...]
    building: np.ndarray  # (n,) building index of each column
    table: np.ndarray  # (rows, n) float32; live columns hold 0
    soc_columns: np.ndarray  # column indexes of electrical_storage_soc
    soc_buildings: np.ndarray  # their buildings
    net_columns: np.ndarray
    net_buildings: np.ndarray
    low: np.ndarray  # (n,) float32 bounds over the simulation window
    high: np.ndarray

    def at(self, row: int, soc: np.ndarray, net_kwh: np.ndarray) -> np.ndarray:
        """The observation of ``row`` given each building's state of charge and last net kWh (B,)."""
        obs = self.table[row].copy()
        obs[self.soc_columns] = soc[self.soc_buildings]
        obs[self.net_columns] = net_kwh[self.net_buildings]
        return obs


def building_observations(district: CityLearnDistrict) -> list[tuple[str, ...]]:
    """Each building's observation names, in schema order (its decentralised vector)."""
    return [b.active_observations for b in district.dataset.buildings]


def central_observations(district: CityLearnDistrict) -> list[tuple[int, str]]:
    """(building, name) of the central vector: the first building's all, the others' unshared."""
    shared = {o.name for o in district.dataset.observations if o.shared_in_central_agent}
    out = []
    for i, names in enumerate(building_observations(district)):
        out += [(i, n) for n in names if i == 0 or n not in shared]
    return out


def observation_layout(district: CityLearnDistrict, columns: list[tuple[int, str]],
                       idle_net_kwh: np.ndarray) -> ObservationLayout:
    """The layout of ``columns`` ((building, name) pairs); ``idle_net_kwh`` (rows, B) is every row's
    net consumption with the batteries idle (for the bounds). ScenarioError for an unsupported name."""
    problems = [(f"observations.{n}", f"twin's CityLearn env cannot observe {n} (building "
                 f"{district.names[b]}); allowed: the dataset's columns, solar_generation, {SOC}, {NET}")
                for b, n in columns if n not in (SOC, NET, "solar_generation") and _column(district, b, n) is None]
    if problems:
        raise ScenarioError(str(district.dataset.schema_path), list(dict.fromkeys(problems)))
    rows = district.rows
    table = np.zeros((rows, len(columns)), dtype=np.float32)
    low, high = np.zeros(len(columns), np.float32), np.ones(len(columns), np.float32)
    power = district.devices.battery_power_kw * district.dt_h
    for j, (b, name) in enumerate(columns):
        if name == SOC:
            continue
        if name == NET:
            low[j] = np.float32(idle_net_kwh[:, b].min() - power[b]) - 1e-3
            high[j] = np.float32(idle_net_kwh[:, b].max() + power[b]) + 1e-3
            continue
        values = _column(district, b, name)
        table[:, j] = values
        finite = values[np.isfinite(values)]
        low[j], high[j] = (finite.min(), finite.max()) if finite.size else (-np.inf, np.inf)
        if not finite.size or np.isnan(values).any():
            low[j], high[j] = -np.inf, np.inf
    pick = lambda name: np.array([j for j, (_, n) in enumerate(columns) if n == name], dtype=np.int64)  # noqa: E731
    soc_c, net_c = pick(SOC), pick(NET)
    b_of = np.array([b for b, _ in columns], dtype=np.int64)
    return ObservationLayout(tuple(n for _, n in columns), b_of, table, soc_c, b_of[soc_c], net_c, b_of[net_c],
                             low, high)


def _column(district: CityLearnDistrict, b: int, name: str) -> np.ndarray | None:
    """The static series of observation ``name`` for building ``b`` (rows,) float32, or None."""
    building = district.dataset.buildings[b]
    if name == "solar_generation":
        return (district.devices.pv_kw[b] * district.series.solar_w_per_kw[:, b] / 1000.0
                * district.dt_h).astype(np.float32)
    for key, attr in _SOURCES.items():
        for column in TABLES[key]:
            if column.csv == name:
                series = getattr(building, attr)
                values = None if series is None else getattr(series, column.field)
                if values is None:
                    return np.full(district.rows, _ABSENT.get(name, 0.0), dtype=np.float32)
                return np.asarray(values, dtype=np.float32)
    return None
