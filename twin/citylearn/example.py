"""Write a small CityLearn dataset (``schema.json`` and its CSV files) for tests, docs and trials.

:func:`write_example_dataset` makes hourly series starting on a Monday in January: a daily
outdoor temperature swing (heating demand when cold, cooling demand when warm, never both), a
PV profile, household loads and hot-water draws with seeded noise. Every building has a battery,
PV, heat pumps for cooling and heating, an electric water heater and (unless ``tanks=False``, the
form twin's district model runs) a hot-water tank; all buildings share one weather, pricing and
carbon-intensity file. The format is CityLearn 3.0.2's,
so the same folder opens in CityLearn.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Observations of the example schema: name -> (active, shared_in_central_agent). Calendar,
#: weather, pricing and carbon values are the same for every building, hence shared.
_OBSERVATIONS = {
    "month": (True, True), "day_type": (True, True), "hour": (True, True),
    "daylight_savings_status": (False, True), "outdoor_dry_bulb_temperature": (True, True),
    "outdoor_dry_bulb_temperature_predicted_1": (True, True), "diffuse_solar_irradiance": (True, True),
    "direct_solar_irradiance": (True, True), "carbon_intensity": (True, True),
    "electricity_pricing": (True, True), "electricity_pricing_predicted_1": (True, True),
    "indoor_dry_bulb_temperature": (True, False), "non_shiftable_load": (True, False),
    "solar_generation": (True, False), "dhw_storage_soc": (True, False),
    "electrical_storage_soc": (True, False), "net_electricity_consumption": (True, False),
    "cooling_demand": (False, False), "heating_demand": (False, False), "occupant_count": (False, False),
}
_ACTIONS = {"electrical_storage": True, "dhw_storage": True, "cooling_device": False, "heating_device": False}


def write_example_dataset(folder: str | Path, *, buildings: int = 2, hours: int = 48, seed: int = 0,
                          tanks: bool = True) -> Path:
    """Write a CityLearn dataset of ``buildings`` buildings and ``hours`` hourly time steps into
    ``folder`` (created if needed; files there of the same names are replaced) and return the
    path of its ``schema.json``. All randomness comes from ``numpy.random.default_rng(seed)``.
    ``tanks=False`` leaves out the hot-water tanks with their observation and action."""
    if buildings < 1 or hours < 1:
        raise ValueError(f"need at least one building and one hour; got buildings={buildings}, hours={hours}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    t = np.arange(hours)
    hour_of_day = t % 24
    outdoor_c = 16.0 + 9.0 * np.sin(2 * np.pi * (hour_of_day - 9) / 24) + rng.normal(0.0, 1.0, hours)
    sun = np.clip(np.sin(np.pi * (hour_of_day - 6) / 12), 0.0, None)
    direct_w_m2 = 700.0 * sun * rng.uniform(0.6, 1.0, hours)
    diffuse_w_m2 = 150.0 * sun * rng.uniform(0.6, 1.0, hours)
    weather = {
        "outdoor_dry_bulb_temperature": outdoor_c, "outdoor_relative_humidity": rng.uniform(40.0, 90.0, hours),
        "diffuse_solar_irradiance": diffuse_w_m2, "direct_solar_irradiance": direct_w_m2,
    }
    for name in list(weather):
        for k, lead in ((1, 6), (2, 12), (3, 24)):
            weather[f"{name}_predicted_{k}"] = np.roll(weather[name], -lead)  # a perfect forecast, wrapped
    _write_csv(folder / "weather.csv", weather)
    price = np.where((hour_of_day >= 16) & (hour_of_day < 21), 0.40, 0.22)
    forecasts = {f"electricity_pricing_predicted_{k}": np.roll(price, -k) for k in (1, 2, 3)}
    _write_csv(folder / "pricing.csv", {"electricity_pricing": price, **forecasts})
    _write_csv(folder / "carbon_intensity.csv", {"carbon_intensity": 0.15 + 0.1 * rng.uniform(0.0, 1.0, hours)})
    entries = {}
    for i in range(1, buildings + 1):
        name = f"Building_{i}"
        energy = _energy_simulation(t, outdoor_c, sun, rng)
        _write_csv(folder / f"{name}.csv", energy)
        entries[name] = _building(name, energy, outdoor_c, rng)
        if not tanks:
            del entries[name]["dhw_storage"]
    schema = {
        "random_seed": seed, "root_directory": None, "central_agent": False,
        "simulation_start_time_step": 0, "simulation_end_time_step": hours - 1,
        "episode_time_steps": None, "rolling_episode_split": False, "random_episode_split": False,
        "seconds_per_time_step": 3600.0,
        "observations": {k: {"active": active and (tanks or k != "dhw_storage_soc"), "shared_in_central_agent": shared}
                         for k, (active, shared) in _OBSERVATIONS.items()},
        "actions": {k: {"active": v and (tanks or k != "dhw_storage")} for k, v in _ACTIONS.items()},
        "agent": {"type": "citylearn.agents.rbc.BasicRBC", "attributes": None},
        "reward_function": {"type": "citylearn.reward_function.RewardFunction", "attributes": None},
        "buildings": entries,
    }
    path = folder / "schema.json"
    path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    return path


def _energy_simulation(t: np.ndarray, outdoor_c: np.ndarray, sun: np.ndarray,
                       rng: np.random.Generator) -> dict[str, np.ndarray]:
    hours = t.size
    start = np.datetime64("2024-01-01T00")  # a Monday
    stamps = start + t.astype("timedelta64[h]")
    days = (stamps.astype("datetime64[D]") - start.astype("datetime64[D]")).astype(int)
    hour_of_day = t % 24
    occupants = rng.integers(0, 4, hours).astype(float)
    set_point_c = np.where((hour_of_day >= 7) & (hour_of_day < 22), 21.0, 18.0)
    return {
        "month": stamps.astype("datetime64[M]").astype(int) % 12 + 1,
        "hour": hour_of_day + 1,  # CityLearn counts the hours of a day 1 to 24
        "day_type": days % 7 + 1,
        "daylight_savings_status": np.zeros(hours, dtype=int),
        "indoor_dry_bulb_temperature": set_point_c + rng.normal(0.0, 0.5, hours),
        "average_unmet_cooling_setpoint_difference": rng.normal(0.0, 0.2, hours),
        "indoor_relative_humidity": rng.uniform(35.0, 60.0, hours),
        "non_shiftable_load": 0.3 + 0.5 * occupants / 3 + rng.uniform(0.0, 0.4, hours),
        "dhw_demand": np.where(rng.uniform(0.0, 1.0, hours) < 0.25, rng.uniform(0.5, 3.0, hours), 0.0),
        "cooling_demand": np.clip(outdoor_c - 22.0, 0.0, None) * 0.4,
        "heating_demand": np.clip(15.0 - outdoor_c, 0.0, None) * 0.5,
        "solar_generation": 850.0 * sun * rng.uniform(0.5, 1.0, hours),
        "occupant_count": occupants,
        "indoor_dry_bulb_temperature_cooling_set_point": set_point_c + 3.0,
        "indoor_dry_bulb_temperature_heating_set_point": set_point_c,
        "hvac_mode": np.full(hours, 3),
        "power_outage": np.zeros(hours, dtype=int),
        "comfort_band": np.full(hours, 2.0),
    }


def _heat_pump_cop(efficiency: float, target_c: float, outdoor_c: np.ndarray, heating: bool) -> np.ndarray:
    """CityLearn 3.0.2's heat pump COP: Carnot's times ``efficiency``, 20 where out of 0-20."""
    lift_k = (target_c - outdoor_c) if heating else (outdoor_c - target_c)
    with np.errstate(divide="ignore"):
        cop = efficiency * (target_c + 273.15) / lift_k
    return np.where((cop < 0) | (cop > 20), 20.0, cop)


def _sized_kw(demand_kwh: np.ndarray, output_per_kw: np.ndarray | float) -> float:
    """An electric power (kW) that meets every hour's demand with a quarter to spare, as CityLearn
    refuses a device that cannot meet its demand."""
    return round(float(np.max(demand_kwh / output_per_kw, initial=0.0)) * 1.25 + 0.5, 3)


def _building(name: str, energy: dict[str, np.ndarray], outdoor_c: np.ndarray,
              rng: np.random.Generator) -> dict[str, Any]:
    def value(low: float, high: float) -> float:
        return round(float(rng.uniform(low, high)), 3)

    def device(kind: str, attributes: dict[str, Any], sizing: dict[str, Any] | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {"type": f"citylearn.energy_model.{kind}", "autosize": False}
        if sizing is not None:
            entry["autosize_attributes"] = sizing
        entry["attributes"] = attributes
        return entry

    cooling = {"efficiency": value(0.2, 0.3), "target_cooling_temperature": value(7.0, 10.0),
               "target_heating_temperature": value(45.0, 50.0)}
    cooling["nominal_power"] = _sized_kw(energy["cooling_demand"], _heat_pump_cop(
        cooling["efficiency"], cooling["target_cooling_temperature"], outdoor_c, heating=False))
    heating = {"efficiency": value(0.2, 0.3), "target_heating_temperature": value(45.0, 50.0)}
    heating["nominal_power"] = _sized_kw(energy["heating_demand"], _heat_pump_cop(
        heating["efficiency"], heating["target_heating_temperature"], outdoor_c, heating=True))
    dhw = {"efficiency": value(0.9, 0.99)}
    dhw["nominal_power"] = _sized_kw(energy["dhw_demand"], dhw["efficiency"])
    return {
        "type": "citylearn.building.Building", "include": True, "energy_simulation": f"{name}.csv",
        "weather": "weather.csv", "carbon_intensity": "carbon_intensity.csv", "pricing": "pricing.csv",
        "inactive_observations": [], "inactive_actions": [],
        "cooling_device": device("HeatPump", cooling, {"safety_factor": 1.0}),
        "heating_device": device("HeatPump", heating),
        "dhw_device": device("ElectricHeater", dhw),
        "dhw_storage": device("StorageTank", {"capacity": value(1.0, 3.0), "loss_coefficient": value(0.001, 0.009)},
                              {"safety_factor": 0.5}),
        "electrical_storage": device("Battery", {
            "capacity": value(4.0, 10.0), "nominal_power": value(2.5, 5.0), "efficiency": value(0.9, 0.96),
            "capacity_loss_coefficient": 1e-05, "loss_coefficient": 0.0001, "depth_of_discharge": 0.8,
            "power_efficiency_curve": [[0, 0.83], [0.3, 0.83], [0.7, 0.9], [0.8, 0.9], [1, 0.85]],
            "capacity_power_curve": [[0.0, 1.0], [0.8, 1.0], [1.0, 0.2]]}),
        "pv": device("PV", {"nominal_power": value(2.0, 6.0)}),
        "power_outage": {"simulate_power_outage": False, "stochastic_power_outage": False},
    }


def _write_csv(path: Path, columns: dict[str, np.ndarray]) -> None:
    # pandas writes floats by repr, so every value reads back exactly.
    pd.DataFrame(columns).to_csv(path, index=False)
