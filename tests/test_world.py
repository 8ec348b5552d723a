"""The simulated world as a whole: balances, bounds, thermostat, relaxation, determinism, snapshots."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from conftest import small_scenario
from twin.build import build_world
from twin.runner import simulate
from twin.weather import WeatherSeries


def test_battery_and_ev_energy_is_conserved_including_unmet_need():
    from twin.telemetry.recorder import Recorder

    # A 5-minute step, so no sum below may take the step for a minute.
    sc = small_scenario(duration="2d", resolution="5min", controllers={"battery": "external", "ev": "external"},
                        homes={"penetration": {"battery": 1.0, "ev": 1.0}})
    world = build_world(sc)
    energy = world.energy
    recorder = Recorder(world.bus, sc.start)
    p, s = energy.homes.params, energy.homes.state
    rng = np.random.default_rng(1)
    stored0 = s.soc * p.bat_capacity_kwh
    charged, discharged, delivered, unmet = (np.zeros(p.n) for _ in range(4))
    arrived = s.ev_need_kwh.copy()
    starved = np.arange(p.n) % 2 == 0  # these chargers never charge, so their need goes unmet
    dt_s = world.steps.homes_s
    for _ in range(sc.duration // dt_s):
        s.battery_cmd_kw[...] = rng.uniform(-10, 10, p.n)
        s.ev_cmd_kw[...] = np.where(starved, 0.0, rng.uniform(0, 11, p.n))
        pending, need_before, was_present = s.ev_next_need_kwh.copy(), s.ev_need_kwh.copy(), s.ev_present.copy()
        world.advance(dt_s)
        arrived += np.where(s.ev_present & ~was_present, pending, 0.0)
        unmet += np.where(was_present & ~s.ev_present, need_before, 0.0)
        charged += np.maximum(s.battery_kw, 0) * dt_s / 3600
        discharged += np.maximum(-s.battery_kw, 0) * dt_s / 3600
        delivered += s.ev_kw * dt_s / 3600

    stored1 = s.soc * p.bat_capacity_kwh
    np.testing.assert_allclose(stored1 - stored0, p.bat_eff_charge * charged - discharged / p.bat_eff_discharge,
                               atol=1e-9)
    assert discharged.sum() > 1 and charged.sum() > 1
    np.testing.assert_allclose(arrived, delivered * p.ev_efficiency + unmet + s.ev_need_kwh, atol=1e-9)
    assert delivered[starved].sum() == 0 and unmet[starved].sum() > 10
    published = recorder.telemetry().total_by_time("ev_unmet_kwh")[1].sum()
    assert published == pytest.approx(unmet.sum(), rel=1e-12)


def test_meter_registers_balance_device_registers_each_reading(scenario):
    _, tel = simulate(scenario, progress=False)
    def by_time(q):
        return tel.total_by_time(q)[1]
    net = by_time("import_kwh") - by_time("export_kwh")
    devices = (by_time("load_kwh") + by_time("hp_kwh") + by_time("ev_kwh") + by_time("battery_charge_kwh")
               - by_time("pv_kwh") - by_time("battery_discharge_kwh"))
    assert net.size == 96
    np.testing.assert_allclose(net, devices, rtol=1e-9, atol=1e-9)
    feeders = tel.total_by_time("feeder_load_kw")[1] * 0.25
    np.testing.assert_allclose(feeders, net, rtol=1e-9, atol=1e-9)


def test_soc_stays_within_bounds_under_wild_commands():
    sc = small_scenario(controllers={"battery": "external"}, homes={"count": 30, "penetration": {"battery": 1.0}})
    world = build_world(sc)
    p, s = world.energy.homes.params, world.energy.homes.state
    rng = np.random.default_rng(0)
    hit_low = hit_high = False
    # Four hours of full charge, four of full discharge, then two of random commands.
    plan = [np.full(p.n, 50.0)] * 240 + [np.full(p.n, -50.0)] * 240
    plan += [rng.choice([-50.0, 50.0], size=p.n) for _ in range(120)]
    for command in plan:
        s.battery_cmd_kw[...] = command
        world.advance(world.steps.homes_s)
        assert np.all(s.soc >= p.bat_soc_min - 1e-12) and np.all(s.soc <= p.bat_soc_max + 1e-12)
        assert np.all(np.abs(s.battery_kw) <= p.bat_power_kw + 1e-12)
        hit_low |= np.any(np.isclose(s.soc, p.bat_soc_min))
        hit_high |= np.any(np.isclose(s.soc, p.bat_soc_max))
    assert hit_low and hit_high, "the commands should drive batteries to both bounds"


def test_unheated_home_relaxes_at_the_rate_its_rc_constants_predict():
    sc = small_scenario(controllers={"heating": "external"},
                        homes={"penetration": {"heat_pump": 1.0, "pv": 0, "battery": 0, "ev": 0, "appliances": 0}})
    world = build_world(sc)
    energy = world.energy
    p, s = energy.homes.params, energy.homes.state
    s.heat_cmd[...] = 0.0
    s.occupancy[...] = 0  # everyone away: the only gain left is the standby load
    n_steps = 24 * 60 + 1
    energy.physics.set_weather([WeatherSeries(step_s=60, temp_c=np.full(n_steps, -2.0), ghi_w_m2=np.zeros(n_steps))])
    # Stop the stochastic sources by clearing their wake times (the wake table is world state).
    snap = world.snapshot()
    quiet = {name: (None if name in ("occupancy", "appliance_requests", "ev_sessions") else t)
             for name, t in snap.next_wake_s.items()}
    world.restore(dataclasses.replace(snap, next_wake_s=quiet))
    x0 = np.stack([s.temp_air_c.copy(), s.temp_mass_c.copy()], axis=1)
    world.run(86400)

    a, b = p.rc.system_matrices()
    for i in range(p.n):
        u = np.array([-2.0, 1000.0 * p.standby_kw[i], 0.0])
        x_ss = -np.linalg.solve(a[i], b[i] @ u)
        vals, vecs = np.linalg.eig(a[i] * 86400.0)
        expected = x_ss + np.real(vecs @ np.diag(np.exp(vals)) @ np.linalg.inv(vecs)) @ (x0[i] - x_ss)
        np.testing.assert_allclose([s.temp_air_c[i], s.temp_mass_c[i]], expected, rtol=1e-8)
    assert np.all(s.temp_air_c < x0[:, 0] - 2.0), "a day without heating at -2 C must cool every home"


def test_thermostat_holds_the_band_in_a_cold_week():
    sc = small_scenario(duration="7d", weather={"mean_temp_c": 3.0, "noise_k": 2.0},
                        homes={"penetration": {"heat_pump": 1.0}})
    world = build_world(sc)
    s = world.energy.homes.state
    temps = []
    for _ in range(7 * 24):
        world.advance(3600)
        temps.append(s.temp_air_c.copy())
    temps = np.array(temps)
    weather = world.energy.weather.temp_c
    assert weather.min() < -3.0, "the week should be cold"
    half = sc.homes.thermostat.deadband_k / 2
    assert temps.min() > sc.homes.thermostat.setpoint_c - half - 0.3
    assert temps.max() < sc.homes.thermostat.setpoint_c + half + 1.5  # sun and people can push it up a little


def test_same_seed_gives_identical_telemetry_and_other_seeds_differ(scenario):
    short = small_scenario(duration="6h")
    digest = simulate(short, progress=False)[1].digest()
    assert simulate(short, progress=False)[1].digest() == digest
    other = simulate(small_scenario(duration="6h", seed=8), progress=False)[1].digest()
    assert other != digest


def test_snapshot_restore_continues_identically(scenario):
    from twin.telemetry.recorder import Recorder

    world = build_world(scenario)
    recorder = Recorder(world.bus, scenario.start)
    world.run(6 * 3600 + 7 * 60)  # mid-interval, mid-occupancy step
    snap = world.snapshot()
    world.run(18 * 3600)
    first = recorder.telemetry()
    tail_first = first.value[first.time_s > snap.time_s]

    fresh = build_world(scenario)
    recorder2 = Recorder(fresh.bus, scenario.start)
    fresh.restore(snap)
    fresh.run(18 * 3600)
    second = recorder2.telemetry()
    assert second.value.size == tail_first.size > 0
    np.testing.assert_array_equal(second.value, tail_first)
    np.testing.assert_array_equal(fresh.energy.homes.state.temp_air_c, world.energy.homes.state.temp_air_c)


def test_restore_rewinds_the_same_world(scenario):
    world = build_world(scenario)
    world.run(3600)
    snap = world.snapshot()
    world.run(5 * 3600)
    later = world.snapshot()
    world.restore(snap)
    assert world.now_s == 3600
    world.run(5 * 3600)
    again = world.snapshot()
    for part, arrays in later.arrays.items():
        for name, arr in arrays.items():
            np.testing.assert_array_equal(again.arrays[part][name], arr, err_msg=f"{part}.{name}")


def test_node_state_reads_live_arrays(scenario):
    world = build_world(scenario)
    battery = world.graph.nodes("battery")[0]
    index = world.graph.node(battery)["index"]
    world.energy.homes.state.soc[index] = 0.5
    assert world.node_state(battery)["soc"] == 0.5


def test_ev_sessions_plug_in_charge_and_leave():
    sc = small_scenario(duration="2d", homes={"penetration": {"ev": 1.0}})
    world = build_world(sc)
    s = world.energy.homes.state
    present = []
    for _ in range(48):
        world.advance(3600)
        present.append(s.ev_present.mean())
    present = np.array(present)
    assert present[19:23].mean() > 0.7   # evening: most EVs home
    assert present[35:40].mean() < 0.3   # next late morning and afternoon: most gone
    assert s.ev_need_kwh.min() >= -1e-9


@pytest.mark.parametrize("count", [0, 1])
def test_tiny_worlds_run(count):
    _, tel = simulate(small_scenario(duration="2h", homes={"count": count}), progress=False)
    assert tel.has("price_eur_per_kwh")
    assert tel.has("import_kwh") == (count > 0)


def test_cost_kpi_equals_a_per_step_calculation():
    from twin.kpis import energy_cost_eur
    from twin.telemetry.recorder import Recorder

    sc = small_scenario(tariff={"kind": "real_time"})
    world = build_world(sc)
    energy = world.energy
    recorder = Recorder(world.bus, sc.start)
    s, market = energy.homes.state, energy.market_state
    direct = 0.0
    dt_h = world.steps.homes_s / 3600
    for _ in range(sc.duration // world.steps.homes_s):
        price = float(market.price_now_eur_per_kwh[0])  # in force over the step about to run
        world.advance(world.steps.homes_s)
        direct += (np.maximum(s.net_kw, 0).sum() * price
                   - np.maximum(-s.net_kw, 0).sum() * energy.market.feed_in_eur_per_kwh) * dt_h
    assert energy_cost_eur(recorder.telemetry()) == pytest.approx(direct, rel=1e-9)


def test_restore_rewinds_the_telemetry_record():
    from twin.telemetry.recorder import Recorder

    straight = simulate(small_scenario(duration="6h"), progress=False)[1]
    world = build_world(small_scenario(duration="6h"))
    recorder = Recorder(world.bus, world.start)
    world.run(2 * 3600)
    snap = world.snapshot()
    world.run(5 * 3600)
    world.restore(snap)
    world.run(6 * 3600)
    assert recorder.telemetry().digest() == straight.digest()


def test_pv_self_consumption_stays_a_share_when_batteries_export():
    from twin.kpis import pv_self_consumption
    from twin.telemetry.recorder import Recorder

    sc = small_scenario(start="2025-06-16 00:00", controllers={"battery": "external"},
                        homes={"penetration": {"battery": 1.0, "pv": 1.0}})
    world = build_world(sc)
    energy = world.energy
    recorder = Recorder(world.bus, sc.start)
    s = energy.homes.state
    for hour in range(24):
        s.battery_cmd_kw[...] = 5.0 if hour < 6 else -5.0  # charge at night, push it out all day
        world.advance(3600)
    tel = recorder.telemetry()
    export = tel.total_by_time("export_kwh")[1].sum()
    pv = tel.total_by_time("pv_kwh")[1].sum()
    share = pv_self_consumption(tel)
    assert export > 0.3 * pv  # batteries exported a lot on top of PV surplus
    assert 0.0 <= share <= 1.0


@pytest.mark.parametrize("controllers", [
    {},
    {"battery": "time_of_use", "ev": "cheap_hours"},
    {"heating": "external", "battery": "external", "ev": "external"},
])
def test_running_ahead_to_the_next_event_equals_stepping_one_step_at_a_time(controllers):
    # The homes physics runs every step before the next event in one compiled call; a world made
    # to fire once per step must end in the very same state and records, setback and idle included.
    sc = small_scenario(duration="10h", controllers=controllers,
                        homes={"thermostat": {"setback_c": 17.0}} if not controllers else {})
    ahead, stepped = build_world(sc), build_world(sc)
    stepped.energy.physics.max_steps_per_fire = 1
    calls = []
    physics = ahead.energy.physics
    run_steps = physics.run_steps
    physics.run_steps = lambda t0, n: (calls.append(n), run_steps(t0, n))
    commands = np.random.default_rng(3)
    for t in range(1800, 10 * 3600 + 1, 1800):
        draw = commands.random((3, sc.homes.count))
        for world in (ahead, stepped):  # the commands the external controllers read, used by those only
            s = world.energy.homes.state
            s.heat_cmd[...], s.battery_cmd_kw[...], s.ev_cmd_kw[...] = draw[0], 6 * draw[1] - 3, 11 * draw[2]
            world.run(t)
    assert max(calls) > 1, "the physics should have run several steps per call"
    for part, arrays in ahead.snapshot().arrays.items():
        for name, arr in arrays.items():
            np.testing.assert_array_equal(arr, stepped.snapshot().arrays[part][name], err_msg=f"{part}.{name}")
    assert ahead.energy.totals.cost_eur.sum() > 0
