"""The CityLearn district model: CityLearn's device equations, draws and KPIs, checked against
invariants derived here and against values CityLearn 3.0.2 itself produced.

Every dataset is written into tmp_path by the example writer (then edited where a test needs it).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from twin.citylearn.dataset import load_dataset
from twin.citylearn.district import CityLearnDistrict
from twin.citylearn.draws import device_fraction, device_seed
from twin.citylearn.example import write_example_dataset
from twin.citylearn.kpis import citylearn_kpis, comfort_kpis, energy_totals
from twin.citylearn.params import district_devices
from twin.errors import ScenarioError


def _schema(tmp_path: Path, buildings: int = 3, hours: int = 96, seed: int = 4) -> Path:
    return write_example_dataset(tmp_path / "ds", buildings=buildings, hours=hours, seed=seed, tanks=False)


def _edit(path: Path, change) -> Path:
    schema = json.loads(path.read_text())
    change(schema)
    path.write_text(json.dumps(schema))
    return path


def _column(path: Path, name: str) -> np.ndarray:
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return np.array([float(r[name]) for r in rows], dtype=np.float32).astype(np.float64)


def _district(path: Path) -> CityLearnDistrict:
    return CityLearnDistrict(load_dataset(path))


# --- CityLearn's seeded defaults ------------------------------------------------------------------

def test_device_draws_are_citylearns():
    # CityLearn 3.0.2 on its 2022 challenge (random_seed 2022) gives Building_1's battery the
    # power-efficiency curve x = (0, 0.3080348093667671, 0.7080348093667671, 0.8080348093667671, 1):
    # every defaulted range at one fraction u, here (0.3080348... - 0.25) / 0.1.
    seed = device_seed("Building_1", "citylearn.citylearn.Building", "electrical_storage",
                       "citylearn.energy_model.Battery", 2022)
    u = device_fraction(seed)
    assert 0.25 + 0.1 * u == pytest.approx(0.3080348093667671, abs=1e-15)
    assert 0.65 + 0.1 * u == pytest.approx(0.7080348093667671, abs=1e-15)


def test_left_out_battery_attributes_are_drawn_at_one_fraction_of_their_ranges(tmp_path):
    def strip(s):
        a = s["buildings"]["Building_1"]["electrical_storage"]["attributes"]
        for key in ("efficiency", "power_efficiency_curve", "capacity_power_curve", "capacity_loss_coefficient"):
            del a[key]
    d = district_devices(load_dataset(_edit(_schema(tmp_path), strip)))
    u = (d.battery_efficiency_x[0, 1] - 0.25) / 0.1
    assert 0.0 <= u < 1.0
    eff = 0.9 + 0.08 * u
    assert d.battery_efficiency_y[0, 3] == pytest.approx(eff)  # the curve's peak is the efficiency itself
    assert d.battery_capacity_loss_coefficient[0] == pytest.approx(1e-5 + 9e-5 * u)
    assert d.battery_power_y[0, 2] == pytest.approx(0.2 + 0.1 * u)
    # Building_2 kept its schema curve: given values are never drawn.
    assert list(d.battery_efficiency_y[1, :5]) == [0.83, 0.83, 0.9, 0.9, 0.85]


def test_an_autosized_heat_pump_meets_its_peak_demand_exactly(tmp_path):
    def autosize(s):
        s["buildings"]["Building_1"]["cooling_device"].update(autosize=True, autosize_attributes={"safety_factor": 1.0})
    path = _edit(_schema(tmp_path), autosize)
    ds = load_dataset(path)
    d = district_devices(ds)
    b = ds.buildings[0]
    t_out = np.asarray(b.weather.outdoor_dry_bulb_temperature_c, np.float32).astype(np.float64)
    demand = np.asarray(b.energy_simulation.cooling_demand_kwh, np.float32).astype(np.float64)
    supply = d.cooling_supply_c[0]
    cop = d.cooling_efficiency[0] * (supply + 273.15) / (t_out - supply)
    cop = np.where((cop < 0) | (cop > 20), 20.0, cop)
    assert d.cooling_power_kw[0] == pytest.approx(np.max(demand / cop))
    assert d.cooling_power_kw[1] == ds.buildings[1].cooling_device.nominal_power_kw  # given, not sized


# --- the step's equations ------------------------------------------------------------------------

def test_idle_net_consumption_is_load_plus_devices_minus_pv(tmp_path):
    path = _schema(tmp_path)
    district = _district(path)
    district.run(np.zeros((district.steps, district.n_buildings)))
    dev = district.devices
    weather = path.parent / "weather.csv"
    t_out = _column(weather, "outdoor_dry_bulb_temperature")
    for i in range(district.n_buildings):
        f = path.parent / f"Building_{i + 1}.csv"

        def cop(eff, supply, heating):
            lift = supply - t_out if heating else t_out - supply
            c = eff * (supply + 273.15) / lift
            return np.where((c < 0) | (c > 20), 20.0, c)

        expected = (_column(f, "non_shiftable_load")
                    + _column(f, "cooling_demand") / cop(dev.cooling_efficiency[i], dev.cooling_supply_c[i], False)
                    + _column(f, "heating_demand") / cop(dev.heating_efficiency[i], dev.heating_supply_c[i], True)
                    + _column(f, "dhw_demand") / dev.dhw_efficiency[i]
                    - dev.pv_kw[i] * _column(f, "solar_generation") / 1000.0)
        np.testing.assert_allclose(district.records.net_kwh[:district.steps, i], expected[:district.steps],
                                   rtol=1e-9, atol=1e-9)
        assert not district.records.unmet_kwh[:, i].any()
        assert not district.records.battery_kwh[:, i].any()


def _flat_battery(schema):
    for b in schema["buildings"].values():
        a = b["electrical_storage"]["attributes"]
        a.update(efficiency=0.9, loss_coefficient=0.0, capacity_loss_coefficient=0.0,
                 power_efficiency_curve=[[0, 0.9], [1, 0.9]], capacity_power_curve=[[0, 1.0], [1, 1.0]])


def test_battery_stores_what_it_draws_times_the_square_root_of_its_efficiency(tmp_path):
    district = _district(_edit(_schema(tmp_path), _flat_battery))
    rng = np.random.default_rng(0)
    actions = rng.uniform(-1, 1, (district.steps, district.n_buildings))
    start_kwh = district.soc * district.devices.battery_capacity_kwh
    district.run(actions)
    bal = district.records.battery_kwh[:district.steps]
    rte = np.sqrt(0.9)
    stored = np.where(bal >= 0, bal * rte, bal / rte).sum(axis=0)
    end_kwh = district.soc * district.devices.battery_capacity_kwh
    np.testing.assert_allclose(end_kwh - start_kwh, stored, atol=1e-9)
    assert np.abs(bal).max() > 0.5  # it did work


def test_battery_respects_power_and_depth_of_discharge(tmp_path):
    district = _district(_schema(tmp_path))
    rng = np.random.default_rng(1)
    district.run(rng.choice([-1.0, 1.0], (district.steps, district.n_buildings)))
    dev, r = district.devices, district.records
    soc = r.soc[:district.steps]
    floor = 1.0 - dev.battery_depth_of_discharge
    assert (soc >= floor - 1e-12).all() and (soc <= 1.0 + 1e-12).all()
    assert soc.min(axis=0) == pytest.approx(floor, abs=1e-6)  # full-power discharges reach the floor
    assert (np.abs(r.battery_kwh[:district.steps]) <= dev.battery_power_kw * district.dt_h + 1e-12).all()


def test_same_actions_give_bit_identical_records(tmp_path):
    path = _schema(tmp_path)
    actions = np.random.default_rng(2).uniform(-1, 1, (95, 3))
    runs = []
    for _ in range(2):
        d = _district(path)
        d.run(actions[:40])
        for a in actions[40:]:
            d.step(a)  # one step at a time is the same as many in one call
        runs.append(np.stack(d.records))
    assert np.array_equal(runs[0], runs[1])
    d = _district(path)
    d.run(actions)
    assert np.array_equal(np.stack(d.records), runs[0])


def test_an_episode_starts_from_the_initial_state(tmp_path):
    d = _district(_schema(tmp_path))
    d.run(np.ones((d.steps, 3)))
    d.reset(24, 48)
    assert np.array_equal(d.soc, d.devices.battery_initial_soc)
    assert d.steps == 24
    with pytest.raises(ValueError, match="at most 24 steps left"):
        d.run(np.zeros((25, 3)))


# --- what the model refuses -----------------------------------------------------------------------

def test_tanks_lstm_buildings_and_downloaded_sizing_are_refused_by_key(tmp_path):
    path = write_example_dataset(tmp_path / "tanks", buildings=2, hours=24)  # with hot-water tanks
    with pytest.raises(ScenarioError, match=r"buildings\.Building_1\.dhw_storage.*storage tanks"):
        _district(path)
    sized = _edit(_schema(tmp_path), lambda s: s["buildings"]["Building_2"]["electrical_storage"].update(autosize=True))
    with pytest.raises(ScenarioError, match=r"buildings\.Building_2\.electrical_storage\.autosize"):
        _district(sized)


# --- KPIs -----------------------------------------------------------------------------------------

def test_kpis_of_a_hand_made_run():
    names = ("a", "b")
    base = np.array([[1.0, 2.0], [3.0, 2.0], [2.0, 2.0], [4.0, 2.0]])
    ctrl = np.array([[2.0, 2.0], [2.0, 1.0], [2.0, 3.0], [2.0, 2.0]])
    price = np.full((4, 2), 0.5)
    carbon = np.full((4, 2), 0.2)
    k = citylearn_kpis(names, ctrl, base, price, carbon, dt_h=12.0)  # a "day" is 2 steps here
    # district series: control 4, 3, 5, 4; baseline 3, 5, 4, 6
    assert k.district["ramping_average"] == pytest.approx(2.0 / 4.0)  # rises 2 against 2 + 2
    assert k.district["all_time_peak_average"] == pytest.approx(5.0 / 6.0)
    assert k.district["daily_peak_average"] == pytest.approx(((4 + 5) / 2) / ((5 + 6) / 2))
    lf = lambda w: np.mean([1 - np.mean(x) / np.max(x) for x in w])  # noqa: E731
    assert k.district["daily_one_minus_load_factor_average"] == pytest.approx(
        lf([[4, 3], [5, 4]]) / lf([[3, 5], [4, 6]]))
    assert k.buildings["a"]["cost_total"] == pytest.approx(8.0 / 10.0)
    assert k.buildings["b"]["zero_net_energy"] == 1.0
    assert k.district["cost_total"] == pytest.approx((0.8 + 1.0) / 2)
    assert energy_totals(np.array([2.0, -1.0]), np.array([0.5, 0.5]), np.array([1.0, 1.0])).export_kwh == 1.0


def test_comfort_counts_occupied_steps_outside_the_band():
    indoor = np.array([17.0, 20.0, 26.0, 30.0])
    k = comfort_kpis(indoor, np.full(4, 24.0), np.full(4, 20.0), np.full(4, 1.0), np.array([1, 1, 1, 0]))
    assert k == {"discomfort_proportion": 2 / 3, "discomfort_cold_proportion": 1 / 3,
                 "discomfort_hot_proportion": 1 / 3}
    assert comfort_kpis(np.full(4, np.nan), np.ones(4), np.ones(4), None, None)["discomfort_proportion"] is None
