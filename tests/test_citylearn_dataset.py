"""twin.citylearn: reading CityLearn datasets (schema.json + CSVs), and refusing bad ones clearly.

Every dataset here is written into tmp_path: the example writer's, or small schemas in the shape of
the CityLearn 2022 (battery + PV) and 2023 (LSTM dynamics, heat pumps, tanks) challenges.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from twin.citylearn import dataset as dataset_module
from twin.citylearn.columns import TABLES, rst_table
from twin.citylearn.dataset import load_dataset
from twin.citylearn.devices import ElectricHeater, HeatPump
from twin.citylearn.example import write_example_dataset
from twin.citylearn.series import SERIES_COLUMNS, series_fields
from twin.errors import ScenarioError

CSV_TO_FIELD = {c.csv: c.field for table in TABLES.values() for c in table}


# --- helpers -------------------------------------------------------------------------------

@pytest.fixture
def example(tmp_path: Path) -> Path:
    return write_example_dataset(tmp_path / "example", buildings=2, hours=48, seed=3)


def read_csv_columns(path: Path) -> dict[str, list[str]]:
    """The file's columns as text, read with the csv module (independently of the reader)."""
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    return {name: [r[i] for r in rows[1:]] for i, name in enumerate(rows[0])}


def as_floats(cells: list[str]) -> np.ndarray:
    return np.array([float(c) if c.strip() else math.nan for c in cells])


def write_csv(path: Path, columns: dict[str, list]) -> None:
    names = list(columns)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        for row in zip(*(columns[n] for n in names)):
            w.writerow(["" if v is None else repr(v) if isinstance(v, float) else v for v in row])


def edit_schema(path: Path, change) -> None:
    raw = json.loads(path.read_text())
    change(raw)
    path.write_text(json.dumps(raw))


def edit_cell(path: Path, column: str, row: int, text: str) -> None:
    """Set the cell of data row ``row`` (0-based) in ``column`` to ``text``."""
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[row + 1].split(",")
    cells[header.index(column)] = text
    lines[row + 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")


def drop_column(path: Path, column: str) -> None:
    cols = read_csv_columns(path)
    del cols[column]
    write_csv(path, cols)


def refusal(schema: Path, **kwargs) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_dataset(schema, **kwargs)
    assert info.value.path == str(schema)
    return info.value


def calendar(hours: int) -> dict[str, list]:
    return {"month": [1] * hours, "hour": [h % 24 + 1 for h in range(hours)],
            "day_type": [h // 24 % 7 + 1 for h in range(hours)], "daylight_savings_status": [0] * hours}


def common_files(folder: Path, hours: int) -> None:
    names = ["outdoor_dry_bulb_temperature", "outdoor_relative_humidity", "diffuse_solar_irradiance",
             "direct_solar_irradiance"]
    weather = {n: [10.0 + h * 0.1 for h in range(hours)] for n in names}
    for n in names:
        for k in (1, 2, 3):
            weather[f"{n}_predicted_{k}"] = [20.0 + k] * hours
    write_csv(folder / "weather.csv", weather)
    write_csv(folder / "pricing.csv", {"electricity_pricing": [0.22] * hours,
                                       **{f"electricity_pricing_predicted_{k}": [0.3] * hours for k in (1, 2, 3)}})
    write_csv(folder / "carbon_intensity.csv", {"carbon_intensity": [0.17] * hours})


# --- the example round-trips ---------------------------------------------------------------

def test_example_round_trips_every_column_of_every_file(example: Path):
    d = load_dataset(example)
    assert [b.name for b in d.buildings] == ["Building_1", "Building_2"]
    assert d.time_steps == 48 and d.seconds_per_time_step == 3600.0
    for b in d.buildings:
        files = [(b.energy_simulation, f"{b.name}.csv"), (b.weather, "weather.csv"),
                 (b.pricing, "pricing.csv"), (b.carbon_intensity, "carbon_intensity.csv")]
        for series, name in files:
            written = read_csv_columns(example.parent / name)
            assert series.path == (example.parent / name).resolve()
            for column, cells in written.items():
                got = getattr(series, CSV_TO_FIELD[column])
                assert got.dtype == np.float64
                np.testing.assert_array_equal(got, as_floats(cells), err_msg=f"{name}:{column}")


def test_example_devices_read_as_the_schema_gives_them(example: Path):
    raw = json.loads(example.read_text())
    d = load_dataset(example)
    for b in d.buildings:
        entry = raw["buildings"][b.name]
        battery = entry["electrical_storage"]["attributes"]
        assert b.electrical_storage.capacity_kwh == battery["capacity"]
        assert b.electrical_storage.nominal_power_kw == battery["nominal_power"]
        assert b.electrical_storage.power_efficiency_curve == tuple(tuple(map(float, p)) for p in
                                                                    battery["power_efficiency_curve"])
        assert b.pv.nominal_power_kw == entry["pv"]["attributes"]["nominal_power"]
        assert isinstance(b.cooling_device, HeatPump) and isinstance(b.dhw_device, ElectricHeater)
        assert b.cooling_device.target_cooling_temperature_c == entry["cooling_device"]["attributes"][
            "target_cooling_temperature"]
        assert b.dhw_storage.capacity_kwh == entry["dhw_storage"]["attributes"]["capacity"]
        assert b.dhw_storage.autosize_attributes.safety_factor == 0.5
        assert b.cooling_storage is None and b.heating_storage is None and b.dynamics is None


def test_a_file_named_by_several_buildings_is_read_once_and_shared(example: Path):
    d = load_dataset(example)
    first, second = d.buildings
    assert first.weather is second.weather and first.pricing is second.pricing
    assert list(d.weather) == [(example.parent / "weather.csv").resolve()]
    assert d.weather[first.weather.path] is first.weather
    assert first.energy_simulation is not second.energy_simulation


def test_arrays_are_read_only(example: Path):
    b = load_dataset(example).buildings[0]
    with pytest.raises(ValueError):
        b.energy_simulation.non_shiftable_load_kwh[0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.name = "x"  # type: ignore[misc]


def test_example_is_deterministic_per_seed(tmp_path: Path):
    a = write_example_dataset(tmp_path / "a", seed=5).parent
    b = write_example_dataset(tmp_path / "b", seed=5).parent
    c = write_example_dataset(tmp_path / "c", seed=6).parent
    assert (a / "Building_1.csv").read_bytes() == (b / "Building_1.csv").read_bytes()
    assert (a / "Building_1.csv").read_bytes() != (c / "Building_1.csv").read_bytes()


def test_example_never_asks_for_cooling_and_heating_together(tmp_path: Path):
    d = load_dataset(write_example_dataset(tmp_path, buildings=3, hours=24 * 14, seed=2))
    for b in d.buildings:
        e = b.energy_simulation
        assert not np.any((e.cooling_demand_kwh > 0) & (e.heating_demand_kwh > 0))
        assert e.heating_demand_kwh.sum() > 0 and e.cooling_demand_kwh.sum() > 0  # both kinds occur


def test_simulation_window_keeps_the_rows_from_start_to_end(example: Path):
    edit_schema(example, lambda r: r.update(simulation_start_time_step=10, simulation_end_time_step=20))
    d = load_dataset(example)
    written = as_floats(read_csv_columns(example.parent / "Building_1.csv")["non_shiftable_load"])
    np.testing.assert_array_equal(d.buildings[0].energy_simulation.non_shiftable_load_kwh, written[10:21])
    assert d.time_steps == 11


# --- 2022- and 2023-style schemas ----------------------------------------------------------

def _observations(names_active: dict[str, bool], shared: set[str]) -> dict:
    return {n: {"active": a, "shared_in_central_agent": n in shared} for n, a in names_active.items()}


def test_a_2022_style_schema_with_battery_and_pv_loads(tmp_path: Path):
    hours = 24
    common_files(tmp_path, hours)
    for i in (1, 2):
        write_csv(tmp_path / f"Building_{i}.csv", {
            **calendar(hours), "indoor_dry_bulb_temperature": [None] * hours,
            "average_unmet_cooling_setpoint_difference": [None] * hours, "indoor_relative_humidity": [None] * hours,
            "non_shiftable_load": [0.5 * i] * hours, "dhw_demand": [0.0] * hours, "cooling_demand": [0.0] * hours,
            "heating_demand": [0.0] * hours, "solar_generation": [float(h * 10) for h in range(hours)]})
    building = lambda i: {  # noqa: E731
        "include": True, "energy_simulation": f"Building_{i}.csv", "weather": "weather.csv",
        "carbon_intensity": "carbon_intensity.csv", "pricing": "pricing.csv",
        "inactive_observations": [], "inactive_actions": [],
        "electrical_storage": {"type": "citylearn.energy_model.Battery", "autosize": False,
                               "attributes": {"capacity": 6.4, "efficiency": 0.9, "capacity_loss_coefficient": 1e-05,
                                              "loss_coefficient": 0.0, "nominal_power": 5.0}},
        "pv": {"type": "citylearn.energy_model.PV", "autosize": False, "attributes": {"nominal_power": 4.0 * i}}}
    schema = {
        "random_seed": 2022, "root_directory": None, "central_agent": False,
        "simulation_start_time_step": 0, "simulation_end_time_step": hours - 1, "episode_time_steps": None,
        "rolling_episode_split": False, "random_episode_split": False, "seconds_per_time_step": 3600,
        "observations": _observations({"month": True, "day_type": True, "hour": True, "daylight_savings_status": False,
                                       "outdoor_dry_bulb_temperature": True, "carbon_intensity": True,
                                       "indoor_dry_bulb_temperature": False, "non_shiftable_load": True,
                                       "solar_generation": True, "electrical_storage_soc": True,
                                       "net_electricity_consumption": True, "electricity_pricing": True,
                                       "power_outage": False, "hvac_mode": False, "comfort_band": False},
                                      {"month", "day_type", "hour", "outdoor_dry_bulb_temperature", "carbon_intensity",
                                       "electricity_pricing"}),
        "actions": {"cooling_storage": {"active": False}, "heating_storage": {"active": False},
                    "dhw_storage": {"active": False}, "electrical_storage": {"active": True}},
        "agent": {"type": "citylearn.agents.rbc.BasicRBC", "attributes": {"hidden_dimension": [256, 256]}},
        "reward_function": {"type": "citylearn.reward_function.RewardFunction", "attributes": None},
        "buildings": {"Building_1": building(1), "Building_2": building(2)},
    }
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema))
    d = load_dataset(path)
    assert [b.name for b in d.buildings] == ["Building_1", "Building_2"]
    b2 = d.building("Building_2")
    assert b2.pv.nominal_power_kw == 8.0 and b2.electrical_storage.capacity_kwh == 6.4
    assert b2.electrical_storage.loss_coefficient_per_h == 0.0 and b2.electrical_storage.initial_soc is None
    assert np.isnan(b2.energy_simulation.indoor_dry_bulb_temperature_c).all()  # empty cells, as in 2022
    assert b2.energy_simulation.occupant_count is None  # column absent
    assert d.active_actions == ("electrical_storage",) and b2.active_actions == ("electrical_storage",)
    assert d.observations[0].name == "month" and d.observations[0].shared_in_central_agent
    assert d.agent.type == "citylearn.agents.rbc.BasicRBC" and d.central_agent is False


def _write_2023_style(folder: Path, hours: int = 24) -> Path:
    common_files(folder, hours)
    names = ["direct_solar_irradiance", "diffuse_solar_irradiance", "outdoor_dry_bulb_temperature",
             "indoor_dry_bulb_temperature_cooling_set_point", "occupant_count", "cooling_demand", "month_sin",
             "month_cos", "hour_sin", "hour_cos", "day_type_sin", "day_type_cos", "indoor_dry_bulb_temperature"]
    buildings = {}
    for i in (1, 2):
        write_csv(folder / f"Building_{i}.csv", {
            **calendar(hours), "indoor_dry_bulb_temperature": [23.0] * hours,
            "average_unmet_cooling_setpoint_difference": [0.1] * hours, "indoor_relative_humidity": [60.0] * hours,
            "non_shiftable_load": [0.35] * hours, "dhw_demand": [0.05] * hours, "cooling_demand": [1.1] * hours,
            "heating_demand": [0.0] * hours, "solar_generation": [0.0] * hours, "occupant_count": [3.0] * hours,
            "indoor_dry_bulb_temperature_cooling_set_point": [23.2] * hours,
            "indoor_dry_bulb_temperature_heating_set_point": [23.2] * hours, "hvac_mode": [1] * hours})
        (folder / f"Building_{i}.pth").write_bytes(b"a stand-in for a torch state dict")
        buildings[f"Building_{i}"] = {
            "type": "citylearn.building.LSTMDynamicsBuilding", "include": True,
            "energy_simulation": f"Building_{i}.csv", "weather": "weather.csv",
            "carbon_intensity": "carbon_intensity.csv", "pricing": "pricing.csv",
            "inactive_observations": [], "inactive_actions": [],
            "cooling_device": {"type": "citylearn.energy_model.HeatPump", "autosize": False,
                               "autosize_attributes": {"safety_factor": 1.0},
                               "attributes": {"nominal_power": 4.1, "efficiency": 0.25,
                                              "target_cooling_temperature": 8.0, "target_heating_temperature": 45}},
            "dhw_device": {"type": "citylearn.energy_model.ElectricHeater", "autosize": False,
                           "autosize_attributes": {"safety_factor": 1.0},
                           "attributes": {"nominal_power": 4.9, "efficiency": 0.94}},
            "dhw_storage": {"type": "citylearn.energy_model.StorageTank", "autosize": False,
                            "autosize_attributes": {"safety_factor": 0.5},
                            "attributes": {"capacity": 2.3, "loss_coefficient": 0.003}},
            "electrical_storage": {"type": "citylearn.energy_model.Battery", "autosize": False,
                                   "attributes": {"capacity": 4.0, "efficiency": 0.95,
                                                  "capacity_loss_coefficient": 1e-05, "loss_coefficient": 0.0001,
                                                  "nominal_power": 3.32,
                                                  "power_efficiency_curve": [[0, 0.88], [0.3, 0.88], [0.7, 0.95],
                                                                             [0.8, 0.95], [1, 0.9]],
                                                  "depth_of_discharge": 0.8}},
            "pv": {"type": "citylearn.energy_model.PV", "autosize": False, "attributes": {"nominal_power": 2.4}},
            "power_outage": {"simulate_power_outage": False, "stochastic_power_outage": True,
                             "stochastic_power_outage_model": {
                                 "type": "citylearn.power_outage.ReliabilityMetricsPowerOutage",
                                 "attributes": {"random_seed": 73055, "saifi": 1.436, "caidi": 331.2}}},
            "dynamics": {"type": "citylearn.dynamics.LSTMDynamics", "attributes": {
                "input_size": 13, "hidden_size": 16, "num_layers": 2, "lookback": 12, "filename": f"Building_{i}.pth",
                "input_normalization_minimum": [0.0] * 13, "input_normalization_maximum": [1.0] * 13,
                "input_observation_names": names}},
        }
    schema = {
        "random_seed": 2023, "root_directory": None, "central_agent": True, "simulation_start_time_step": 0,
        "simulation_end_time_step": hours - 1, "episode_time_steps": None, "rolling_episode_split": False,
        "random_episode_split": False, "seconds_per_time_step": 3600.0,
        "observations": _observations({"hour": True, "outdoor_dry_bulb_temperature": True,
                                       "indoor_dry_bulb_temperature": True, "occupant_count": True,
                                       "indoor_dry_bulb_temperature_cooling_set_point": True, "comfort_band": False,
                                       "dhw_storage_soc": True, "electrical_storage_soc": True,
                                       "cooling_device_efficiency": False}, {"hour", "outdoor_dry_bulb_temperature"}),
        "actions": {"dhw_storage": {"active": True}, "electrical_storage": {"active": True},
                    "cooling_device": {"active": True}, "cooling_or_heating_device": {"active": False}},
        "agent": {"type": "citylearn.agents.sac.SACBasicRBC", "attributes": {"discount": 0.9}},
        "reward_function": {"type": "citylearn.reward_function.ComfortReward",
                            "attributes": {"band": 1.0, "lower_exponent": 2.0, "higher_exponent": 3.0}},
        "buildings": buildings,
    }
    path = folder / "schema.json"
    path.write_text(json.dumps(schema))
    return path


def test_a_2023_style_schema_with_dynamics_heat_pumps_and_tanks_loads(tmp_path: Path):
    path = _write_2023_style(tmp_path)
    d = load_dataset(path)
    b = d.building("Building_2")
    assert b.type == "citylearn.building.LSTMDynamicsBuilding"
    assert b.dynamics.model_path == (tmp_path / "Building_2.pth").resolve() and b.dynamics.lookback == 12
    assert len(b.dynamics.input_observation_names) == 13
    assert isinstance(b.cooling_device, HeatPump) and b.cooling_device.nominal_power_kw == 4.1
    assert isinstance(b.dhw_device, ElectricHeater) and b.dhw_device.efficiency == 0.94
    assert b.dhw_storage.capacity_kwh == 2.3 and b.dhw_storage.loss_coefficient_per_h == 0.003
    assert b.electrical_storage.depth_of_discharge == 0.8
    assert b.power_outage.stochastic_power_outage and b.power_outage.caidi_min == 331.2
    np.testing.assert_array_equal(b.energy_simulation.hvac_mode, np.ones(24))
    assert d.reward_function.attributes["band"] == 1.0 and d.central_agent


def test_a_missing_lstm_model_file_is_refused(tmp_path: Path):
    path = _write_2023_style(tmp_path)
    (tmp_path / "Building_2.pth").unlink()
    e = refusal(path)
    assert [f for f, _ in e.problems] == ["buildings.Building_2.dynamics.attributes.filename"]
    assert "Building_2.pth" in str(e) and "no such file" in str(e)


def test_an_lstm_building_without_dynamics_is_refused(tmp_path: Path):
    path = _write_2023_style(tmp_path)
    edit_schema(path, lambda r: r["buildings"]["Building_1"].pop("dynamics"))
    e = refusal(path)
    assert "buildings.Building_1.dynamics: required key is missing" in str(e)


def test_dynamics_on_a_plain_building_is_refused(tmp_path: Path):
    path = _write_2023_style(tmp_path)
    edit_schema(path, lambda r: r["buildings"]["Building_1"].update(type="citylearn.building.Building"))
    assert "buildings.Building_1.dynamics: building type citylearn.building.Building" in str(refusal(path))


def test_an_occupant_building_reads_its_parameters_and_resolves_its_model_files(tmp_path: Path):
    path = _write_2023_style(tmp_path, hours=24)
    a_increase = [0.1 * h for h in range(30)]  # longer than the simulation: read whole, from row 0
    write_csv(tmp_path / "occupant.csv", {"a_increase": a_increase, "b_increase": [1.0] * 30,
                                          "a_decrease": [-1.0] * 30, "b_decrease": [0.5] * 30})
    for name in ("up.pkl", "down.pkl"):
        (tmp_path / name).write_bytes(b"a stand-in for a pickled decision tree")
    edit_schema(path, lambda r: r["buildings"]["Building_1"].update(
        type="citylearn.building.LogisticRegressionOccupantInteractionBuilding",
        occupant={"type": "citylearn.occupant.LogisticRegressionOccupant", "parameters_filename": "occupant.csv",
                  "attributes": {"setpoint_increase_model_filename": "up.pkl",
                                 "setpoint_decrease_model_filename": "down.pkl",
                                 "delta_output_map": {"0": -1.0, "1": 0.0, "2": 1.0}}}))
    occupant = load_dataset(path).building("Building_1").occupant
    np.testing.assert_array_equal(occupant.parameters.a_increase, a_increase)
    assert occupant.setpoint_decrease_model_path == (tmp_path / "down.pkl").resolve()
    assert occupant.delta_output_map_c == ((0, -1.0), (1, 0.0), (2, 1.0))
    (tmp_path / "up.pkl").unlink()
    field, message = refusal(path).problems[0]
    assert field == "buildings.Building_1.occupant.attributes.setpoint_increase_model_filename" and "up.pkl" in message


def test_an_occupant_on_a_building_type_without_one_is_refused(tmp_path: Path):
    path = _write_2023_style(tmp_path)
    edit_schema(path, lambda r: r["buildings"]["Building_1"].update(occupant={
        "type": "citylearn.occupant.LogisticRegressionOccupant", "parameters_filename": "x.csv",
        "attributes": {"setpoint_increase_model_filename": "a", "setpoint_decrease_model_filename": "b",
                       "delta_output_map": {}}}))
    assert refusal(path).problems[0][0] == "buildings.Building_1.occupant"


def test_the_plain_power_outage_model_takes_no_reliability_indices(tmp_path: Path):
    path = _write_2023_style(tmp_path)
    edit_schema(path, lambda r: r["buildings"]["Building_2"]["power_outage"]["stochastic_power_outage_model"].update(
        type="citylearn.power_outage.PowerOutage"))
    field, message = refusal(path).problems[0]
    assert field == "buildings.Building_2.power_outage.stochastic_power_outage_model.attributes.saifi"
    assert "ReliabilityMetricsPowerOutage" in message


# --- refusals: the schema ------------------------------------------------------------------

def test_an_unknown_key_is_named_with_its_path_and_the_allowed_keys(example: Path):
    edit_schema(example, lambda r: r["buildings"]["Building_2"]["pv"]["attributes"].update(nominal_pwer=3.0))
    e = refusal(example)
    field, message = e.problems[0]
    assert field == "buildings.Building_2.pv.attributes.nominal_pwer"
    assert "unknown key" in message and "nominal_power" in message
    assert str(example) in str(e)


def test_an_unknown_top_level_key_is_refused(example: Path):
    edit_schema(example, lambda r: r.update(simulation_ends=3))
    e = refusal(example)
    assert e.problems[0][0] == "simulation_ends" and "simulation_end_time_step" in e.problems[0][1]


@pytest.mark.parametrize("slot,kind,allowed", [
    ("dhw_device", "citylearn.energy_model.GasBoiler", "citylearn.energy_model.ElectricHeater"),
    ("cooling_device", "citylearn.energy_model.ElectricHeater", "citylearn.energy_model.HeatPump"),
    ("electrical_storage", "citylearn.energy_model.StorageTank", "citylearn.energy_model.Battery"),
])
def test_an_unsupported_device_type_is_refused(example: Path, slot: str, kind: str, allowed: str):
    edit_schema(example, lambda r: r["buildings"]["Building_1"][slot].update(type=kind))
    field, message = refusal(example).problems[0]
    assert field == f"buildings.Building_1.{slot}.type"
    assert kind in message and allowed in message


@pytest.mark.parametrize("slot,key", [("electrical_storage", "capacity"), ("electrical_storage", "nominal_power"),
                                      ("pv", "nominal_power"), ("dhw_storage", "capacity"),
                                      ("cooling_device", "nominal_power")])
def test_a_negative_capacity_or_power_is_refused(example: Path, slot: str, key: str):
    edit_schema(example, lambda r: r["buildings"]["Building_2"][slot]["attributes"].update({key: -1.5}))
    field, message = refusal(example).problems[0]
    assert field == f"buildings.Building_2.{slot}.attributes.{key}"
    assert "-1.5" in message and ">= 0" in message


def test_an_unknown_observation_name_is_refused(example: Path):
    edit_schema(example, lambda r: r["observations"].update(outdoor_temp={"active": True}))
    assert refusal(example).problems[0][0] == "observations.outdoor_temp"


def test_an_inactive_name_the_schema_lacks_is_refused(example: Path):
    edit_schema(example, lambda r: r["buildings"]["Building_1"].update(inactive_actions=["pv"]))
    field, message = refusal(example).problems[0]
    assert field == "buildings.Building_1.inactive_actions[0]" and "electrical_storage" in message


def test_an_active_battery_action_without_a_battery_is_refused(example: Path):
    edit_schema(example, lambda r: r["buildings"]["Building_2"].pop("electrical_storage"))
    field, message = refusal(example).problems[0]
    assert field == "buildings.Building_2.electrical_storage" and "inactive_actions" in message
    edit_schema(example, lambda r: r["buildings"]["Building_2"].update(inactive_actions=["electrical_storage"]))
    assert load_dataset(example).building("Building_2").electrical_storage is None


def test_a_citylearn_feature_twin_does_not_model_is_refused_unless_empty(example: Path):
    edit_schema(example, lambda r: r["buildings"]["Building_1"].update(chargers={}))
    load_dataset(example)
    edit_schema(example, lambda r: r["buildings"]["Building_1"].update(chargers={"c1": {"type": "x"}}))
    field, message = refusal(example).problems[0]
    assert field == "buildings.Building_1.chargers" and "not modelled by twin" in message


def test_pv_absolute_generation_mode_is_refused(example: Path):
    edit_schema(example, lambda r: r["buildings"]["Building_1"]["pv"]["attributes"].update(generation_mode="kwh"))
    assert refusal(example).problems[0][0] == "buildings.Building_1.pv.attributes.generation_mode"


def test_pv_autosizing_needs_an_existing_epw_file(example: Path):
    edit_schema(example, lambda r: r["buildings"]["Building_1"]["pv"].update(autosize=True))
    assert refusal(example).problems[0][0] == "buildings.Building_1.pv.autosize_attributes.epw_filepath"
    edit_schema(example, lambda r: r["buildings"]["Building_1"]["pv"].update(
        autosize_attributes={"epw_filepath": "site.epw", "roof_area": 40}))
    field, message = refusal(example).problems[0]
    assert field == "buildings.Building_1.pv.autosize_attributes.epw_filepath" and "site.epw" in message
    (example.parent / "site.epw").write_text("LOCATION,stand-in\n")
    sizing = load_dataset(example).building("Building_1").pv.autosize_attributes
    assert sizing.epw_path == (example.parent / "site.epw").resolve() and sizing.roof_area_m2 == 40


def test_the_dataset_folder_may_be_given_instead_of_its_schema(example: Path):
    assert load_dataset(example.parent).schema_path == example.resolve()


def test_bad_json_names_line_and_column(example: Path):
    example.write_text('{"buildings": {,}}')
    assert "line 1, column 16" in str(refusal(example))  # the comma


def test_problems_of_several_buildings_come_in_one_error(example: Path):
    def change(r):
        r["buildings"]["Building_1"]["pv"]["attributes"]["nominal_power"] = -1
        r["buildings"]["Building_2"]["dhw_storage"]["attributes"]["capacity"] = -2
    edit_schema(example, change)
    fields = [f for f, _ in refusal(example).problems]
    assert fields == ["buildings.Building_1.pv.attributes.nominal_power",
                      "buildings.Building_2.dhw_storage.attributes.capacity"]


# --- refusals: the CSV files ---------------------------------------------------------------

def test_a_missing_csv_file_is_refused(example: Path):
    (example.parent / "Building_2.csv").unlink()
    field, message = refusal(example).problems[0]
    assert field == "buildings.Building_2.energy_simulation"
    assert "Building_2.csv" in message and "no such file" in message


def test_a_csv_missing_a_required_column_is_refused(example: Path):
    drop_column(example.parent / "Building_1.csv", "cooling_demand")
    field, message = refusal(example).problems[0]
    assert field == "buildings.Building_1.energy_simulation"
    assert "Building_1.csv" in message and "'cooling_demand'" in message and "missing" in message


def test_a_csv_with_an_unknown_column_is_refused(example: Path):
    cols = read_csv_columns(example.parent / "weather.csv")
    cols["wind_speed"] = ["1.0"] * 48
    write_csv(example.parent / "weather.csv", cols)
    message = refusal(example).problems[0][1]
    assert "weather.csv" in message and "'wind_speed'" in message and "outdoor_dry_bulb_temperature" in message


def test_a_non_numeric_cell_is_named_by_file_column_and_line(example: Path):
    edit_cell(example.parent / "Building_2.csv", "dhw_demand", 5, "abc")
    field, message = refusal(example).problems[0]
    assert field == "buildings.Building_2.energy_simulation"
    assert "Building_2.csv" in message and "'dhw_demand'" in message
    assert "line 7 (time step 5)" in message and "'abc'" in message


def test_an_empty_cell_where_a_number_is_needed_is_refused(example: Path):
    edit_cell(example.parent / "pricing.csv", "electricity_pricing", 0, "")
    field, message = refusal(example).problems[0]
    assert field == "buildings.Building_1.pricing" and "line 2 (time step 0)" in message and "empty cell" in message


@pytest.mark.parametrize("column,text,expected", [
    ("month", "13", "whole number from 1 to 12"), ("hour", "2.5", "whole number from 0 to 24"),
    ("day_type", "0", "whole number from 1 to 8"), ("hvac_mode", "4", "whole number from 0 to 3"),
    ("solar_generation", "inf", "finite number"), ("occupant_count", "-1", ">= 0"),
])
def test_a_cell_out_of_its_column_range_is_refused(example: Path, column: str, text: str, expected: str):
    edit_cell(example.parent / "Building_2.csv", column, 9, text)
    message = refusal(example).problems[0][1]
    assert f"'{column}'" in message and "line 11 (time step 9)" in message and expected in message


def test_a_negative_demand_is_refused(example: Path):
    edit_cell(example.parent / "Building_1.csv", "heating_demand", 3, "-0.5")
    message = refusal(example).problems[0][1]
    assert "'heating_demand'" in message and "time step 3" in message and ">= 0" in message


def test_cooling_and_heating_in_the_same_time_step_are_refused(example: Path):
    path = example.parent / "Building_1.csv"
    edit_cell(path, "cooling_demand", 4, "1.0")
    edit_cell(path, "heating_demand", 4, "1.0")
    assert "time step 4" in str(refusal(example))


def test_a_series_shorter_than_the_simulation_is_refused(example: Path):
    path = example.parent / "weather.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:31]) + "\n")  # header and 30 rows; the simulation needs 48
    field, message = refusal(example).problems[0]
    assert field == "buildings.Building_1.weather"
    assert "30 data rows" in message and "simulation_end_time_step=47" in message and "48" in message


def test_a_file_named_twice_is_reported_once(example: Path):
    edit_cell(example.parent / "weather.csv", "direct_solar_irradiance", 2, "x")
    problems = refusal(example).problems
    assert len(problems) == 1 and problems[0][0] == "buildings.Building_1.weather"


def test_root_directory_relative_to_the_schema_folder(example: Path):
    data = example.parent / "data"
    data.mkdir()
    for f in example.parent.glob("*.csv"):
        f.rename(data / f.name)
    with pytest.raises(ScenarioError):
        load_dataset(example)
    edit_schema(example, lambda r: r.update(root_directory="data"))
    assert load_dataset(example).building("Building_1").weather.path == (data / "weather.csv").resolve()


# --- which buildings -----------------------------------------------------------------------

def test_buildings_with_include_false_are_left_out_and_their_files_not_read(example: Path):
    edit_schema(example, lambda r: r["buildings"]["Building_1"].update(include=False))
    (example.parent / "Building_1.csv").unlink()
    assert [b.name for b in load_dataset(example).buildings] == ["Building_2"]


def test_every_building_excluded_is_refused(example: Path):
    edit_schema(example, lambda r: [b.update(include=False) for b in r["buildings"].values()])
    assert "include: false" in str(refusal(example))


def test_buildings_selects_by_name_in_schema_order(tmp_path: Path):
    path = write_example_dataset(tmp_path, buildings=4)
    d = load_dataset(path, buildings=["Building_4", "Building_2"])
    assert [b.name for b in d.buildings] == ["Building_2", "Building_4"]


def test_selecting_an_unknown_building_lists_the_available_ones(example: Path):
    field, message = refusal(example, buildings=["Building_9"]).problems[0]
    assert field == "buildings" and "'Building_9'" in message and "Building_1, Building_2" in message


def test_a_building_chosen_by_name_is_read_even_with_include_false(example: Path):
    edit_schema(example, lambda r: r["buildings"]["Building_1"].update(include=False))
    assert [b.name for b in load_dataset(example, buildings=["Building_1"]).buildings] == ["Building_1"]


# --- the docs and the tables agree ---------------------------------------------------------

def test_series_classes_have_one_field_per_column():
    for cls, table in SERIES_COLUMNS.items():
        assert set(series_fields(cls)) == {c.field for c in table}, cls.__name__


def test_the_module_docstring_shows_every_column_table():
    for table in TABLES.values():
        assert rst_table(table) in dataset_module.__doc__
