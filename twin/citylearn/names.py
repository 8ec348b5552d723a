"""The observation and action names CityLearn 3.0.2 knows, for checking a schema's ``observations``,
``actions`` and each building's ``inactive_observations`` / ``inactive_actions``."""

from __future__ import annotations

from twin.citylearn.columns import CARBON_INTENSITY, ENERGY_SIMULATION, PRICING, WEATHER

#: Observations CityLearn computes from the building's state rather than reads from a file
#: (``citylearn.internal.building_ops.get_observations_data``).
DERIVED_OBSERVATIONS = (
    "cooling_storage_soc", "heating_storage_soc", "dhw_storage_soc", "electrical_storage_soc",
    "net_electricity_consumption",
    "cooling_electricity_consumption", "heating_electricity_consumption", "dhw_electricity_consumption",
    "cooling_storage_electricity_consumption", "heating_storage_electricity_consumption",
    "dhw_storage_electricity_consumption", "electrical_storage_electricity_consumption",
    "cooling_device_efficiency", "heating_device_efficiency", "dhw_device_efficiency",
    "indoor_dry_bulb_temperature_cooling_delta", "indoor_dry_bulb_temperature_heating_delta",
)

#: Every observation a building's files and devices provide.
BUILDING_OBSERVATIONS = frozenset(
    [c.csv for table in (ENERGY_SIMULATION, WEATHER, PRICING, CARBON_INTENSITY) for c in table]
    + list(DERIVED_OBSERVATIONS)
)

#: Prefixes of the observations of CityLearn features twin does not model (EV chargers, deferrable
#: appliances, escalators, charging constraints). A schema may list them (they do nothing without
#: those devices, and buildings with those devices are refused).
FEATURE_OBSERVATION_PREFIXES = (
    "electric_vehicle_", "connected_electric_vehicle_", "incoming_electric_vehicle_",
    "deferrable_appliance_", "washing_machine_", "escalator_", "charging_",
)

#: Actions of a building's storage and HVAC devices (``Building.estimate_action_space``).
BUILDING_ACTIONS = frozenset({
    "cooling_or_heating_device", "cooling_device", "heating_device",
    "cooling_storage", "heating_storage", "dhw_storage", "electrical_storage",
})

FEATURE_ACTION_PREFIXES = ("electric_vehicle_storage", "deferrable_appliance", "escalator")


def is_known_observation(name: str) -> bool:
    """Whether CityLearn 3.0.2 knows an observation called ``name``."""
    return name in BUILDING_OBSERVATIONS or name.startswith(FEATURE_OBSERVATION_PREFIXES)


def is_known_action(name: str) -> bool:
    """Whether CityLearn 3.0.2 knows an action called ``name``."""
    return name in BUILDING_ACTIONS or name.startswith(FEATURE_ACTION_PREFIXES)
