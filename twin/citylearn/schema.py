"""pydantic models of a CityLearn ``schema.json``, following CityLearn 3.0.2's loader.

The key set is what CityLearn 3.0.2 (``citylearn.citylearn.CityLearnEnv`` and
``citylearn.internal.loading``) reads for buildings, their files and devices, the simulation
window, episode splitting, observations and actions. Every model refuses unknown keys.

Three groups of top-level keys are special:

* CityLearn's own run, render and interface settings (:data:`CITYLEARN_RUN_SETTINGS`) are
  accepted and ignored: they change how CityLearn runs and reports, not the dataset.
* Keys of CityLearn features twin does not model (EVs, dynamic topology, community market,
  demand response, robustness events; per building: chargers, deferrable appliances, escalators,
  charging constraints, electrical service) are accepted only empty or switched off, and refused
  otherwise with a message saying so.
* ``agent`` and ``reward_function`` name CityLearn classes; they are recorded, not checked.

Checks that span keys (names, the simulation window, types that need a ``dynamics`` entry) are
in :mod:`twin.citylearn.schema_checks`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from twin.citylearn.device_schema import (
    BatterySchema,
    HeatingDeviceSchema,
    HeatPumpSchema,
    PVSchema,
    StorageTankSchema,
)
from twin.scenario.base import Model

PLAIN_BUILDING = "citylearn.building.Building"
LSTM_BUILDING = "citylearn.building.LSTMDynamicsBuilding"
OCCUPANT_BUILDING = "citylearn.building.LogisticRegressionOccupantInteractionBuilding"
#: Building classes the reader accepts; ``citylearn.citylearn.Building`` is CityLearn's default,
#: the same class imported elsewhere.
BUILDING_TYPES = (PLAIN_BUILDING, "citylearn.citylearn.Building", LSTM_BUILDING, OCCUPANT_BUILDING)
#: Building classes whose indoor temperature an LSTM ``dynamics`` model predicts.
DYNAMICS_BUILDING_TYPES = (LSTM_BUILDING, OCCUPANT_BUILDING)

LSTM_DYNAMICS = "citylearn.dynamics.LSTMDynamics"
OCCUPANT = "citylearn.occupant.LogisticRegressionOccupant"
RELIABILITY_OUTAGE = "citylearn.power_outage.ReliabilityMetricsPowerOutage"
PLAIN_OUTAGE = "citylearn.power_outage.PowerOutage"


def _off(value: Any) -> Any:
    """Refuse a CityLearn feature twin does not model unless it is absent, empty or switched off."""
    if value is None or value is False or value == "static" or (isinstance(value, (str, list, dict)) and not value):
        return value
    if isinstance(value, dict) and value.get("enabled") is False:
        return value
    raise ValueError("this CityLearn feature is not modelled by twin; leave the key out, or make it empty "
                     "(null, false, [], {}) or switched off ({enabled: false})")


Unsupported = Annotated[Any, AfterValidator(_off)]


def _class_type(value: Any) -> Any:
    """A class path, or (for rewards) a mapping of building names to class paths."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict) and value and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return value
    raise ValueError("expected a class path such as 'citylearn.reward_function.RewardFunction', "
                     "or a mapping of building names to class paths")


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, float) and value.is_integer() else None


def _episode_time_steps(value: Any) -> int | tuple[tuple[int, int], ...] | None:
    """None, a number of time steps per episode (>= 1), or a list of [start, end] time-step pairs."""
    if value is None:
        return None
    count = _whole(value)
    if count is not None and count >= 1:
        return count
    if isinstance(value, list) and value:
        pairs = [tuple(_whole(x) for x in p) if isinstance(p, (list, tuple)) else () for p in value]
        if all(len(p) == 2 and None not in p for p in pairs):
            return tuple(pairs)  # type: ignore[arg-type]
    raise ValueError("expected a number of time steps per episode (1 or more), a list of [start, end] "
                     "time-step pairs, or null for one episode over the whole simulation")
NonNegative = Annotated[float, Field(ge=0)]


class ObservationSchema(Model):
    active: bool = False
    shared_in_central_agent: bool = False


class ActionSchema(Model):
    active: bool = False


class ClassSchema(Model):
    """``agent`` or ``reward_function``: a CityLearn class path and its constructor arguments.
    A reward ``type`` may also map building names to classes (CityLearn's per-building rewards)."""

    type: Annotated[Any, AfterValidator(_class_type)]
    attributes: dict[str, Any] | None = None


class LSTMDynamicsAttributes(Model):
    filename: str
    input_observation_names: list[str]
    input_normalization_minimum: list[float]
    input_normalization_maximum: list[float]
    hidden_size: Annotated[int, Field(ge=1)]
    num_layers: Annotated[int, Field(ge=1)]
    lookback: Annotated[int, Field(ge=1)]
    input_size: Annotated[int, Field(ge=1)] | None = None
    dropout: Annotated[float, Field(ge=0, lt=1)] | None = None


class DynamicsSchema(Model):
    type: Literal["citylearn.dynamics.LSTMDynamics"]
    attributes: LSTMDynamicsAttributes


class OccupantAttributes(Model):
    setpoint_increase_model_filename: str
    setpoint_decrease_model_filename: str
    delta_output_map: dict[int, float]


class OccupantSchema(Model):
    type: Literal["citylearn.occupant.LogisticRegressionOccupant"]
    parameters_filename: str
    attributes: OccupantAttributes


class PowerOutageModelAttributes(Model):
    random_seed: int | None = None
    saifi: Annotated[float, Field(ge=0, description="interruptions per year")] | None = None
    caidi: Annotated[float, Field(ge=0, description="minutes")] | None = None
    start_time_steps: list[Annotated[int, Field(ge=0)]] | None = None


class PowerOutageModelSchema(Model):
    type: Literal["citylearn.power_outage.ReliabilityMetricsPowerOutage", "citylearn.power_outage.PowerOutage"]
    attributes: PowerOutageModelAttributes | None = None


class PowerOutageSchema(Model):
    simulate_power_outage: bool = False
    stochastic_power_outage: bool = False
    stochastic_power_outage_model: PowerOutageModelSchema | None = None


class BuildingSchema(Model):
    """``buildings.<name>``: its files (relative to the root directory) and devices."""

    type: Literal[BUILDING_TYPES] | None = None  # type: ignore[valid-type]
    include: bool = True
    energy_simulation: str
    weather: str
    carbon_intensity: str | None = None
    pricing: str | None = None
    inactive_observations: list[str] | None = None
    inactive_actions: list[str] | None = None
    noise_std: NonNegative = 0.0
    equity_group: str | None = None
    cooling_device: HeatPumpSchema | None = None
    heating_device: HeatingDeviceSchema | None = None
    dhw_device: HeatingDeviceSchema | None = None
    cooling_storage: StorageTankSchema | None = None
    heating_storage: StorageTankSchema | None = None
    dhw_storage: StorageTankSchema | None = None
    electrical_storage: BatterySchema | None = None
    pv: PVSchema | None = None
    dynamics: DynamicsSchema | None = None
    occupant: OccupantSchema | None = None
    power_outage: PowerOutageSchema | None = None
    chargers: Unsupported = None
    deferrable_appliances: Unsupported = None
    washing_machines: Unsupported = None
    escalators: Unsupported = None
    charging_constraints: Unsupported = None
    electrical_service: Unsupported = None


#: Top-level keys of CityLearn's own run, render and observation-interface settings.
CITYLEARN_RUN_SETTINGS = (
    "interface", "observation_bundles", "derived_forecasts", "start_date", "render", "render_mode",
    "render_file_format", "render_chunk_size", "render_session_name", "export_kpis_on_episode_end",
    "export_only_final_episode", "debug_timing", "check_observation_limits", "physics_invariant_checks",
    "metrics_log_interval", "ev_departure_within_tolerance", "ev_departure_service_tolerance",
)


class SchemaFile(Model):
    """A whole ``schema.json``. Time steps index the rows of the data files, from 0."""

    random_seed: int | None = None
    root_directory: str | None = None
    central_agent: bool
    simulation_start_time_step: Annotated[int, Field(ge=0)]
    simulation_end_time_step: Annotated[int, Field(ge=0)]
    episode_time_steps: Annotated[Any, AfterValidator(_episode_time_steps)] = None
    rolling_episode_split: bool | None = None
    random_episode_split: bool | None = None
    seconds_per_time_step: Annotated[float, Field(ge=1, description="seconds")]
    observations: dict[str, ObservationSchema]
    actions: dict[str, ActionSchema]
    agent: ClassSchema | None = None
    reward_function: ClassSchema
    buildings: dict[str, BuildingSchema]
    electric_vehicles_def: Unsupported = None
    topology_mode: Unsupported = None
    topology_events: Unsupported = None
    community_market: Unsupported = None
    demand_response: Unsupported = None
    robustness: Unsupported = None
    terminal_observation_padding: Unsupported = None
    # CITYLEARN_RUN_SETTINGS: accepted with any value, not used.
    interface: Any = None
    observation_bundles: Any = None
    derived_forecasts: Any = None
    start_date: Any = None
    render: Any = None
    render_mode: Any = None
    render_file_format: Any = None
    render_chunk_size: Any = None
    render_session_name: Any = None
    export_kpis_on_episode_end: Any = None
    export_only_final_episode: Any = None
    debug_timing: Any = None
    check_observation_limits: Any = None
    physics_invariant_checks: Any = None
    metrics_log_interval: Any = None
    ev_departure_within_tolerance: Any = None
    ev_departure_service_tolerance: Any = None
