"""One building of a CityLearn dataset: its series, devices and models, and how it is read."""

from __future__ import annotations

from dataclasses import dataclass

from twin.citylearn import devices
from twin.citylearn.building_models import NO_POWER_OUTAGE, LSTMDynamics, Occupant, PowerOutage
from twin.citylearn.devices import PV, Battery, HeatingDevice, HeatPump, StorageTank
from twin.citylearn.files import DatasetFiles
from twin.citylearn.schema import PLAIN_BUILDING, BuildingSchema, SchemaFile
from twin.citylearn.series import (
    CarbonIntensitySeries,
    EnergySimulationSeries,
    OccupantParametersSeries,
    PricingSeries,
    WeatherSeries,
)


@dataclass(frozen=True, eq=False)
class CityLearnBuilding:
    """A building as CityLearn 3.0.2 would build it from the schema, before any autosizing.

    Series rows are the simulated time steps (see :mod:`twin.citylearn.series`). ``pricing`` and
    ``carbon_intensity`` are None when the schema names no file (CityLearn then uses zeros). A
    device the building lacks is None. ``active_observations`` / ``active_actions`` are the
    schema's active ones less this building's ``inactive_*`` lists, in schema order.
    """

    name: str
    type: str  # CityLearn building class
    type_as_written: str | None  # the schema's own ``type`` (None: left out); CityLearn seeds devices with it
    energy_simulation: EnergySimulationSeries
    weather: WeatherSeries
    pricing: PricingSeries | None
    carbon_intensity: CarbonIntensitySeries | None
    cooling_device: HeatPump | None
    heating_device: HeatingDevice | None
    dhw_device: HeatingDevice | None
    cooling_storage: StorageTank | None
    heating_storage: StorageTank | None
    dhw_storage: StorageTank | None
    electrical_storage: Battery | None
    pv: PV | None
    dynamics: LSTMDynamics | None
    occupant: Occupant | None
    power_outage: PowerOutage
    noise_std: float  # std of the Gaussian noise CityLearn adds to the series (0: none), in each series' unit
    equity_group: str | None
    inactive_observations: tuple[str, ...]
    inactive_actions: tuple[str, ...]
    active_observations: tuple[str, ...]
    active_actions: tuple[str, ...]


def read_building(s: SchemaFile, name: str, b: BuildingSchema, files: DatasetFiles) -> CityLearnBuilding | None:
    """The building ``name`` of ``s``, its files read through ``files``; None if any of them has a
    problem (then recorded in ``files.problems``)."""
    where = f"buildings.{name}"
    before = len(files.problems)
    energy = files.series(EnergySimulationSeries, f"{where}.energy_simulation", b.energy_simulation)
    weather = files.series(WeatherSeries, f"{where}.weather", b.weather)
    pricing = None if b.pricing is None else files.series(PricingSeries, f"{where}.pricing", b.pricing)
    carbon = None if b.carbon_intensity is None else files.series(
        CarbonIntensitySeries, f"{where}.carbon_intensity", b.carbon_intensity)
    dynamics = _dynamics(where, b, files)
    occupant = _occupant(where, b, files)
    pv = None if b.pv is None else devices.pv(b.pv, files.root)
    if pv is not None and pv.autosize and pv.autosize_attributes and pv.autosize_attributes.epw_path:
        files.existing(f"{where}.pv.autosize_attributes.epw_filepath", str(pv.autosize_attributes.epw_path))
    if len(files.problems) > before or energy is None or weather is None:
        return None
    inactive_obs = tuple(b.inactive_observations or ())
    inactive_act = tuple(b.inactive_actions or ())
    return CityLearnBuilding(
        name=name,
        type=b.type or PLAIN_BUILDING,
        type_as_written=b.type,
        energy_simulation=energy,
        weather=weather,
        pricing=pricing,
        carbon_intensity=carbon,
        cooling_device=None if b.cooling_device is None else devices.heat_pump(b.cooling_device),
        heating_device=None if b.heating_device is None else devices.heating_device(b.heating_device),
        dhw_device=None if b.dhw_device is None else devices.heating_device(b.dhw_device),
        cooling_storage=None if b.cooling_storage is None else devices.storage_tank(b.cooling_storage),
        heating_storage=None if b.heating_storage is None else devices.storage_tank(b.heating_storage),
        dhw_storage=None if b.dhw_storage is None else devices.storage_tank(b.dhw_storage),
        electrical_storage=None if b.electrical_storage is None else devices.battery(b.electrical_storage),
        pv=pv,
        dynamics=dynamics,
        occupant=occupant,
        power_outage=_power_outage(b),
        noise_std=b.noise_std,
        equity_group=b.equity_group,
        inactive_observations=inactive_obs,
        inactive_actions=inactive_act,
        active_observations=tuple(k for k, v in s.observations.items() if v.active and k not in inactive_obs),
        active_actions=tuple(k for k, v in s.actions.items() if v.active and k not in inactive_act),
    )


def _dynamics(where: str, b: BuildingSchema, files: DatasetFiles) -> LSTMDynamics | None:
    if b.dynamics is None:
        return None
    a = b.dynamics.attributes
    path = files.existing(f"{where}.dynamics.attributes.filename", a.filename)
    if path is None:
        return None
    return LSTMDynamics(
        type=b.dynamics.type, model_path=path,
        input_observation_names=tuple(a.input_observation_names),
        input_normalization_minimum=tuple(a.input_normalization_minimum),
        input_normalization_maximum=tuple(a.input_normalization_maximum),
        hidden_size=a.hidden_size, num_layers=a.num_layers, lookback=a.lookback,
        input_size=a.input_size, dropout=a.dropout)


def _occupant(where: str, b: BuildingSchema, files: DatasetFiles) -> Occupant | None:
    if b.occupant is None:
        return None
    o = b.occupant
    parameters = files.series(OccupantParametersSeries, f"{where}.occupant.parameters_filename",
                              o.parameters_filename)
    up = files.existing(f"{where}.occupant.attributes.setpoint_increase_model_filename",
                        o.attributes.setpoint_increase_model_filename)
    down = files.existing(f"{where}.occupant.attributes.setpoint_decrease_model_filename",
                          o.attributes.setpoint_decrease_model_filename)
    if parameters is None or up is None or down is None:
        return None
    return Occupant(o.type, parameters, up, down, tuple(sorted(o.attributes.delta_output_map.items())))


def _power_outage(b: BuildingSchema) -> PowerOutage:
    p = b.power_outage
    if p is None:
        return NO_POWER_OUTAGE
    model = p.stochastic_power_outage_model
    a = model.attributes if model is not None else None
    return PowerOutage(
        simulate_power_outage=p.simulate_power_outage,
        stochastic_power_outage=p.stochastic_power_outage,
        model_type=None if model is None else model.type,
        saifi_per_year=None if a is None else a.saifi,
        caidi_min=None if a is None else a.caidi,
        start_time_steps=None if a is None or a.start_time_steps is None else tuple(a.start_time_steps),
        random_seed=None if a is None else a.random_seed,
    )
