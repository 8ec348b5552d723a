"""Read a CityLearn dataset: :func:`load_dataset` checks a ``schema.json`` and every file it names.

The schema follows **CityLearn 3.0.2** (``citylearn.citylearn.CityLearnEnv`` and
``citylearn.internal.loading``); the datasets of the 2022 and 2023 challenges and the
EULP neighbourhoods are in that format. File names are relative to ``root_directory`` (when null,
the folder of ``schema.json``; when relative, relative to that folder). The simulation reads the
file rows ``simulation_start_time_step`` … ``simulation_end_time_step`` (one row per
``seconds_per_time_step``), and so does this reader: row ``i`` of every array is file row
``simulation_start_time_step + i``. Arrays are read-only float64.

What is refused, as one :class:`~twin.errors.ScenarioError` naming the schema file, the key path
(``buildings.Building_3.pv.attributes.nominal_pwer``) and what is allowed: unknown keys anywhere,
device and building classes other than those below, negative powers and capacities, missing
files, CSV files with unknown or missing columns, cells that are not numbers (naming file, column
and line), files shorter than ``simulation_end_time_step + 1`` rows, and the CityLearn features
twin does not model (EVs, deferrable appliances, escalators, dynamic topology, markets). Devices:
cooling device ``HeatPump``; heating and hot-water devices ``HeatPump`` or ``ElectricHeater``;
storage ``StorageTank``; electrical storage ``Battery``; ``PV`` (all in
``citylearn.energy_model``). Buildings: ``citylearn.building.Building``,
``LSTMDynamicsBuilding`` (needs ``dynamics``), ``LogisticRegressionOccupantInteractionBuilding``.

CSV columns, CityLearn's name -> twin's field. A column marked "absent=X" is optional: when the
file lacks it the field is None and CityLearn uses X. "empty=NaN" columns may have empty cells
(the 2022 challenge leaves its indoor columns empty); every other cell of the simulated rows must
be a finite number within the column's range.

``energy_simulation`` -> :class:`~twin.citylearn.series.EnergySimulationSeries`

=============================================  ===============================================  =================  ===================
CSV column                                     field                                            unit               notes
=============================================  ===============================================  =================  ===================
month                                          month                                            1-12               required
hour                                           hour                                             0-24               required
minutes                                        minutes                                          0-59               absent=unused
seconds                                        seconds                                          0-59               absent=unused
day_type                                       day_type                                         1-8                required
daylight_savings_status                        daylight_savings_status                          0/1                absent=0
indoor_dry_bulb_temperature                    indoor_dry_bulb_temperature_c                    °C                 required; empty=NaN
average_unmet_cooling_setpoint_difference      average_unmet_cooling_setpoint_difference_c      °C                 absent=0; empty=NaN
indoor_relative_humidity                       indoor_relative_humidity_pct                     %                  absent=0; empty=NaN
non_shiftable_load                             non_shiftable_load_kwh                           kWh per time step  required; >= 0
dhw_demand                                     dhw_demand_kwh                                   kWh per time step  required; >= 0
cooling_demand                                 cooling_demand_kwh                               kWh per time step  required; >= 0
heating_demand                                 heating_demand_kwh                               kWh per time step  required; >= 0
solar_generation                               solar_generation_w_per_kw                        W per kW of PV     required
occupant_count                                 occupant_count                                   people             absent=0; >= 0
indoor_dry_bulb_temperature_cooling_set_point  indoor_dry_bulb_temperature_cooling_set_point_c  °C                 absent=0
indoor_dry_bulb_temperature_heating_set_point  indoor_dry_bulb_temperature_heating_set_point_c  °C                 absent=0
hvac_mode                                      hvac_mode                                        0-3                absent=1
power_outage                                   power_outage                                     0/1                absent=0
comfort_band                                   comfort_band_c                                   °C                 absent=2; >= 0
=============================================  ===============================================  =================  ===================

``weather`` -> :class:`~twin.citylearn.series.WeatherSeries` (forecasts typically 6, 12, 24 h ahead)

========================================  =============================================  ====  ========
CSV column                                field                                          unit  notes
========================================  =============================================  ====  ========
outdoor_dry_bulb_temperature              outdoor_dry_bulb_temperature_c                 °C    required
outdoor_relative_humidity                 outdoor_relative_humidity_pct                  %     required
diffuse_solar_irradiance                  diffuse_solar_irradiance_w_per_m2              W/m²  required
direct_solar_irradiance                   direct_solar_irradiance_w_per_m2               W/m²  required
outdoor_dry_bulb_temperature_predicted_1  outdoor_dry_bulb_temperature_predicted_1_c     °C    required
outdoor_dry_bulb_temperature_predicted_2  outdoor_dry_bulb_temperature_predicted_2_c     °C    required
outdoor_dry_bulb_temperature_predicted_3  outdoor_dry_bulb_temperature_predicted_3_c     °C    required
outdoor_relative_humidity_predicted_1     outdoor_relative_humidity_predicted_1_pct      %     required
outdoor_relative_humidity_predicted_2     outdoor_relative_humidity_predicted_2_pct      %     required
outdoor_relative_humidity_predicted_3     outdoor_relative_humidity_predicted_3_pct      %     required
diffuse_solar_irradiance_predicted_1      diffuse_solar_irradiance_predicted_1_w_per_m2  W/m²  required
diffuse_solar_irradiance_predicted_2      diffuse_solar_irradiance_predicted_2_w_per_m2  W/m²  required
diffuse_solar_irradiance_predicted_3      diffuse_solar_irradiance_predicted_3_w_per_m2  W/m²  required
direct_solar_irradiance_predicted_1       direct_solar_irradiance_predicted_1_w_per_m2   W/m²  required
direct_solar_irradiance_predicted_2       direct_solar_irradiance_predicted_2_w_per_m2   W/m²  required
direct_solar_irradiance_predicted_3       direct_solar_irradiance_predicted_3_w_per_m2   W/m²  required
========================================  =============================================  ====  ========

``pricing`` -> :class:`~twin.citylearn.series.PricingSeries` (CityLearn's docs say $/kWh)

===============================  =======================================  ============  ========
CSV column                       field                                    unit          notes
===============================  =======================================  ============  ========
electricity_pricing              electricity_pricing_per_kwh              currency/kWh  required
electricity_pricing_predicted_1  electricity_pricing_predicted_1_per_kwh  currency/kWh  required
electricity_pricing_predicted_2  electricity_pricing_predicted_2_per_kwh  currency/kWh  required
electricity_pricing_predicted_3  electricity_pricing_predicted_3_per_kwh  currency/kWh  required
===============================  =======================================  ============  ========

``carbon_intensity`` -> :class:`~twin.citylearn.series.CarbonIntensitySeries`

================  ===========================  ==========  ========
CSV column        field                        unit        notes
================  ===========================  ==========  ========
carbon_intensity  carbon_intensity_kg_per_kwh  kg CO2/kWh  required
================  ===========================  ==========  ========

``occupant.parameters_filename`` -> :class:`~twin.citylearn.series.OccupantParametersSeries`

==========  ==========  ====  ========
CSV column  field       unit  notes
==========  ==========  ====  ========
a_increase  a_increase  1     required
b_increase  b_increase  1     required
a_decrease  a_decrease  1     required
b_decrease  b_decrease  1     required
==========  ==========  ====  ========
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from twin.citylearn.building import CityLearnBuilding, read_building
from twin.citylearn.files import DatasetFiles
from twin.citylearn.pydantic_problems import raise_for
from twin.citylearn.schema import ClassSchema, SchemaFile
from twin.citylearn.schema_checks import schema_problems, selected_buildings
from twin.citylearn.series import CarbonIntensitySeries, PricingSeries, WeatherSeries
from twin.errors import ScenarioError


@dataclass(frozen=True)
class ObservationSetting:
    """One entry of the schema's ``observations``."""

    name: str
    active: bool
    shared_in_central_agent: bool


@dataclass(frozen=True)
class ActionSetting:
    """One entry of the schema's ``actions``."""

    name: str
    active: bool


@dataclass(frozen=True)
class ClassSetting:
    """``agent`` or ``reward_function``: a CityLearn class path (for rewards possibly one per
    building name) and its constructor arguments, recorded as the schema has them."""

    type: str | Mapping[str, str]
    attributes: Mapping[str, Any]


@dataclass(frozen=True, eq=False)
class CityLearnDataset:
    """A checked CityLearn dataset. ``weather``, ``pricing`` and ``carbon_intensity`` map each file
    (absolute path) to its series; buildings naming the same file share that series object."""

    schema_path: Path
    root_directory: Path
    seconds_per_time_step: float
    simulation_start_time_step: int
    simulation_end_time_step: int
    episode_time_steps: int | tuple[tuple[int, int], ...] | None  # None: one episode, the whole window
    rolling_episode_split: bool
    random_episode_split: bool
    central_agent: bool
    random_seed: int | None
    observations: tuple[ObservationSetting, ...]
    actions: tuple[ActionSetting, ...]
    agent: ClassSetting | None
    reward_function: ClassSetting
    buildings: tuple[CityLearnBuilding, ...]
    weather: Mapping[Path, WeatherSeries]
    pricing: Mapping[Path, PricingSeries]
    carbon_intensity: Mapping[Path, CarbonIntensitySeries]

    @property
    def time_steps(self) -> int:
        """Number of simulated time steps (rows of every array)."""
        return self.simulation_end_time_step - self.simulation_start_time_step + 1

    @property
    def dt_s(self) -> float:
        """Length of one time step in seconds."""
        return self.seconds_per_time_step

    @property
    def active_observations(self) -> tuple[str, ...]:
        """Names of the active observations, in schema order."""
        return tuple(o.name for o in self.observations if o.active)

    @property
    def active_actions(self) -> tuple[str, ...]:
        """Names of the active actions, in schema order."""
        return tuple(a.name for a in self.actions if a.active)

    def building(self, name: str) -> CityLearnBuilding:
        """The building called ``name``; KeyError listing the names if there is none."""
        for b in self.buildings:
            if b.name == name:
                return b
        raise KeyError(f"no building {name!r}; the dataset has {', '.join(b.name for b in self.buildings)}")


def load_dataset(schema_path: str | Path, *, buildings: Sequence[str] | None = None) -> CityLearnDataset:
    """Read and check the CityLearn dataset whose ``schema.json`` is at ``schema_path`` (or in that folder).

    ``buildings``: names of the buildings to read, kept in schema order (CityLearn's
    ``buildings=``); by default every building whose ``include`` is not false. Only the chosen
    buildings' files are read. Raises :class:`~twin.errors.ScenarioError` for anything wrong.
    """
    path = Path(schema_path)
    if path.is_dir():
        path = path / "schema.json"
    raw = _read_json(path)
    try:
        schema = SchemaFile.model_validate(raw)
    except ValidationError as exc:
        raise_for(exc, SchemaFile, str(path))
    problems = schema_problems(schema)
    names, selection_problems = selected_buildings(schema, buildings)
    if problems or selection_problems:
        raise ScenarioError(str(path), problems + selection_problems)
    root = _root_directory(schema, path)
    files = DatasetFiles(root, schema.simulation_start_time_step, schema.simulation_end_time_step)
    read = [read_building(schema, name, schema.buildings[name], files) for name in names]
    if files.problems:
        raise ScenarioError(str(path), files.problems)
    chosen = tuple(b for b in read if b is not None)
    return CityLearnDataset(
        schema_path=path.resolve(),
        root_directory=root,
        seconds_per_time_step=schema.seconds_per_time_step,
        simulation_start_time_step=schema.simulation_start_time_step,
        simulation_end_time_step=schema.simulation_end_time_step,
        episode_time_steps=schema.episode_time_steps,
        rolling_episode_split=bool(schema.rolling_episode_split),
        random_episode_split=bool(schema.random_episode_split),
        central_agent=schema.central_agent,
        random_seed=schema.random_seed,
        observations=tuple(ObservationSetting(k, v.active, v.shared_in_central_agent)
                           for k, v in schema.observations.items()),
        actions=tuple(ActionSetting(k, v.active) for k, v in schema.actions.items()),
        agent=None if schema.agent is None else _class_setting(schema.agent),
        reward_function=_class_setting(schema.reward_function),
        buildings=chosen,
        weather=_by_file(b.weather for b in chosen),
        pricing=_by_file(b.pricing for b in chosen),
        carbon_intensity=_by_file(b.carbon_intensity for b in chosen),
    )


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(str(path), [("", "no such CityLearn schema file")]) from None
    except (OSError, UnicodeError) as exc:
        raise ScenarioError(str(path), [("", f"cannot be read ({exc})")]) from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(str(path), [("", f"not valid JSON at line {exc.lineno}, column {exc.colno}: "
                                             f"{exc.msg}")]) from None
    if not isinstance(raw, dict):
        raise ScenarioError(str(path), [("", f"is a JSON {type(raw).__name__}; expected an object with "
                                             "buildings, observations, actions, …")])
    return raw


def _root_directory(schema: SchemaFile, path: Path) -> Path:
    """Where the schema's file names are relative to, as CityLearn 3.0.2 decides it."""
    folder = path.resolve().parent
    if schema.root_directory is None:
        return folder
    root = Path(schema.root_directory).expanduser()
    return (root if root.is_absolute() else folder / root).resolve()


def _class_setting(c: ClassSchema) -> ClassSetting:
    kind = c.type if isinstance(c.type, str) else MappingProxyType(dict(c.type))
    return ClassSetting(kind, MappingProxyType(dict(c.attributes or {})))


def _by_file(series: Any) -> Mapping[Path, Any]:
    out: dict[Path, Any] = {}
    for s in series:
        if s is not None:
            out.setdefault(s.path, s)
    return MappingProxyType(out)
