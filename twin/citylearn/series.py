"""The time series of a CityLearn dataset as frozen dataclasses of read-only float64 arrays.

Each class holds one CSV file: its ``path`` and one array per column, named as in
:mod:`twin.citylearn.columns` (unit last). Row ``i`` of every array is the file's row
``simulation_start_time_step + i``, so all arrays of one dataset have ``time_steps`` rows.
Optional columns the file lacks are None (CityLearn's stand-in values are in the columns table).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from twin.citylearn.columns import CARBON_INTENSITY, ENERGY_SIMULATION, OCCUPANT_PARAMETERS, PRICING, WEATHER, Column

Array = np.ndarray


@dataclass(frozen=True, eq=False)
class EnergySimulationSeries:
    """A building's ``energy_simulation`` file: calendar, loads and demands (kWh per time step),
    PV output per kW (W/kW), indoor conditions (°C, %), set points (°C) and occupancy."""

    path: Path
    month: Array
    hour: Array
    day_type: Array
    indoor_dry_bulb_temperature_c: Array
    non_shiftable_load_kwh: Array
    dhw_demand_kwh: Array
    cooling_demand_kwh: Array
    heating_demand_kwh: Array
    solar_generation_w_per_kw: Array
    minutes: Array | None = None
    seconds: Array | None = None
    daylight_savings_status: Array | None = None
    average_unmet_cooling_setpoint_difference_c: Array | None = None
    indoor_relative_humidity_pct: Array | None = None
    occupant_count: Array | None = None
    indoor_dry_bulb_temperature_cooling_set_point_c: Array | None = None
    indoor_dry_bulb_temperature_heating_set_point_c: Array | None = None
    hvac_mode: Array | None = None
    power_outage: Array | None = None
    comfort_band_c: Array | None = None


@dataclass(frozen=True, eq=False)
class WeatherSeries:
    """A ``weather`` file: outdoor temperature (°C), humidity (%), diffuse and direct irradiance
    (W/m²), each with three forecasts (``_predicted_1`` … ``_3``, typically 6, 12 and 24 h ahead)."""

    path: Path
    outdoor_dry_bulb_temperature_c: Array
    outdoor_relative_humidity_pct: Array
    diffuse_solar_irradiance_w_per_m2: Array
    direct_solar_irradiance_w_per_m2: Array
    outdoor_dry_bulb_temperature_predicted_1_c: Array
    outdoor_dry_bulb_temperature_predicted_2_c: Array
    outdoor_dry_bulb_temperature_predicted_3_c: Array
    outdoor_relative_humidity_predicted_1_pct: Array
    outdoor_relative_humidity_predicted_2_pct: Array
    outdoor_relative_humidity_predicted_3_pct: Array
    diffuse_solar_irradiance_predicted_1_w_per_m2: Array
    diffuse_solar_irradiance_predicted_2_w_per_m2: Array
    diffuse_solar_irradiance_predicted_3_w_per_m2: Array
    direct_solar_irradiance_predicted_1_w_per_m2: Array
    direct_solar_irradiance_predicted_2_w_per_m2: Array
    direct_solar_irradiance_predicted_3_w_per_m2: Array


@dataclass(frozen=True, eq=False)
class PricingSeries:
    """A ``pricing`` file: electricity price and three forecasts, in currency units per kWh
    (CityLearn's docs say $/kWh)."""

    path: Path
    electricity_pricing_per_kwh: Array
    electricity_pricing_predicted_1_per_kwh: Array
    electricity_pricing_predicted_2_per_kwh: Array
    electricity_pricing_predicted_3_per_kwh: Array


@dataclass(frozen=True, eq=False)
class CarbonIntensitySeries:
    """A ``carbon_intensity`` file: the grid's emission rate in kg CO2 per kWh."""

    path: Path
    carbon_intensity_kg_per_kwh: Array


@dataclass(frozen=True, eq=False)
class OccupantParametersSeries:
    """An occupant's ``parameters_filename`` file: logistic-regression coefficients of the chance
    that occupants raise or lower the set point, one row per time step from the file's first row
    (CityLearn 3.0.2 reads this file whole, not from ``simulation_start_time_step``)."""

    path: Path
    a_increase: Array
    b_increase: Array
    a_decrease: Array
    b_decrease: Array


#: Each series class with the columns table it is read by.
SERIES_COLUMNS: dict[type, tuple[Column, ...]] = {
    EnergySimulationSeries: ENERGY_SIMULATION,
    WeatherSeries: WEATHER,
    PricingSeries: PRICING,
    CarbonIntensitySeries: CARBON_INTENSITY,
    OccupantParametersSeries: OCCUPANT_PARAMETERS,
}


def series_fields(cls: type) -> tuple[str, ...]:
    """Names of the array fields of a series class (all but ``path``), in declaration order."""
    return tuple(f.name for f in fields(cls) if f.name != "path")
