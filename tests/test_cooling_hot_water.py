"""Cooling by reversed heat pumps and hot-water tanks: their equations, balances and thermostats."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import small_scenario
from twin.build import build_world
from twin.errors import ScenarioError
from twin.physics.hot_water import WATER_J_PER_L_K, tank_step
from twin.physics.thermal import cooling_cop
from twin.runner import simulate
from twin.scenario import load_scenario
from twin.scenario.schema import Scenario
from twin.telemetry.recorder import Recorder

HOT_WEEK = dict(start="2025-07-14 00:00", duration="3d",
                weather={"source": "synthetic", "mean_temp_c": 14.0, "seasonal_amplitude_k": 14.0,
                         "daily_amplitude_k": 7.0, "noise_k": 1.0, "cloudiness": 0.1})
EVERY_HOME_HEAT_PUMP = {"heat_pump": 1.0, "pv": 0.6, "battery": 0.5, "ev": 0.5, "appliances": 1.0}


def _euler_tank(temp_c, capacity_j_k, ua_w_k, heat_w, indoor_c, draw_w_k, use_c, cold_c, dt_s, n=20000):
    """The tank's equation integrated by small explicit steps, the regime fixed at the start (as
    tank_step's), with its loss and draw energies (J)."""
    mixing = temp_c >= use_c
    h = dt_s / n
    loss = drawn = 0.0
    t = temp_c
    for _ in range(n):
        sink = draw_w_k * (use_c - cold_c) if mixing else draw_w_k * (t - cold_c)
        q_loss = ua_w_k * (t - indoor_c)
        loss += q_loss * h
        drawn += sink * h
        t += (heat_w - q_loss - sink) * h / capacity_j_k
    return t, loss, drawn


@settings(max_examples=200, deadline=None)
@given(temp_c=st.floats(5, 90), volume_l=st.floats(20, 1000), ua_w_k=st.floats(0, 20),
       heat_kw=st.floats(0, 20), indoor_c=st.floats(0, 40), draw_l_h=st.floats(0, 200),
       use_c=st.floats(25, 60), cold_c=st.floats(0, 24), dt_s=st.sampled_from([1, 60, 300, 900, 3600]))
def test_a_tank_step_conserves_energy_exactly(temp_c, volume_l, ua_w_k, heat_kw, indoor_c, draw_l_h, use_c,
                                             cold_c, dt_s):
    capacity = volume_l * WATER_J_PER_L_K
    draw_w_k = draw_l_h / 3600 * WATER_J_PER_L_K
    new_c, loss_j, drawn_j, unmet_j = tank_step(temp_c, capacity, ua_w_k, 1000 * heat_kw, indoor_c, draw_w_k,
                                                use_c, cold_c, dt_s)
    heat_j = 1000 * heat_kw * dt_s
    assert capacity * (new_c - temp_c) == pytest.approx(heat_j - loss_j - drawn_j, rel=1e-9,
                                                        abs=1e-9 * (heat_j + capacity * 100))
    assert unmet_j >= 0
    if temp_c >= use_c:  # a mixing valve: exactly the demand at use temperature, none unmet
        assert drawn_j == pytest.approx(draw_w_k * (use_c - cold_c) * dt_s, rel=1e-12, abs=1e-9)
        assert unmet_j == 0


@pytest.mark.parametrize("temp_c, heat_kw, draw_l_h", [(55.0, 0.0, 30.0), (30.0, 3.0, 60.0), (62.0, 2.0, 0.0)])
def test_a_tank_step_is_the_exact_solution_of_its_equation(temp_c, heat_kw, draw_l_h):
    args = (temp_c, 200 * WATER_J_PER_L_K, 1.8, 1000 * heat_kw, 21.0, draw_l_h / 3600 * WATER_J_PER_L_K, 40.0, 10.0,
            3600.0)
    new_c, loss_j, drawn_j, _ = tank_step(*args)
    fine_c, fine_loss_j, fine_drawn_j = _euler_tank(*args)
    assert new_c == pytest.approx(fine_c, abs=1e-3)
    assert loss_j == pytest.approx(fine_loss_j, rel=1e-3)
    assert drawn_j == pytest.approx(fine_drawn_j, rel=1e-3, abs=1.0)


def test_a_tank_below_use_temperature_delivers_what_it_has_and_counts_the_rest_unmet():
    draw_w_k = 60 / 3600 * WATER_J_PER_L_K  # 60 L/h at the tap
    new_c, _, drawn_j, unmet_j = tank_step(25.0, 150 * WATER_J_PER_L_K, 0.0, 0.0, 21.0, draw_w_k, 40.0, 10.0, 60.0)
    mean_c = 0.5 * (25.0 + new_c)  # nearly linear over a minute
    assert drawn_j == pytest.approx(draw_w_k * (mean_c - 10.0) * 60, rel=1e-4)
    assert drawn_j + unmet_j == pytest.approx(draw_w_k * (40.0 - 10.0) * 60, rel=1e-4)


def test_cooling_cop_falls_as_the_outdoor_air_gets_hotter_and_stays_in_range():
    temps = np.linspace(10, 50, 41)
    cops = np.array([cooling_cop(t) for t in temps])
    assert np.all(np.diff(cops) <= 0) and cops[0] > cops[-1]
    assert np.all((cops >= 1) & (cops <= 7))
    # eta x Carnot, evaporator 7 C, condenser 10 K above the air: 35 C outside -> 0.45 x 280.15 / 38
    assert cooling_cop(35.0) == pytest.approx(0.45 * 280.15 / 38.0)


def _hot(cooling_setpoint_c, **homes):
    thermostat = {"setpoint_c": 21.0, "deadband_k": 1.0, "cooling_setpoint_c": cooling_setpoint_c}
    return small_scenario(**HOT_WEEK, homes={"penetration": EVERY_HOME_HEAT_PUMP, "thermostat": thermostat,
                                             "comfort": {"low_c": 20.0, "high_c": 26.0}, **homes})


def test_in_a_heat_wave_reversed_heat_pumps_hold_the_cooling_band_where_heating_only_homes_overheat():
    warm, _ = simulate(_hot(None), progress=False)
    cooled, _ = simulate(_hot(24.0), progress=False)
    warm_c = warm.energy.homes.state  # the last step's state; the whole run is in the registers below
    assert warm.energy.totals.discomfort_kh.sum() > 20 * 5, "without cooling the heat wave should overheat homes"
    assert cooled.energy.totals.discomfort_kh.sum() == 0.0
    assert cooled.energy.homes.state.temp_air_c.max() <= 24.5 + 0.3  # the relay's top, and a step's overshoot
    assert warm_c.temp_air_c.mean() > cooled.energy.homes.state.temp_air_c.mean() + 2


def test_a_cooling_step_removes_cop_times_its_electricity_from_the_air():
    sc = _hot(24.0, count=6)
    world = build_world(sc)
    p, s = world.energy.homes.params, world.energy.homes.state
    dt_s, cooled_steps = world.steps.homes_s, 0
    for _ in range(36 * 60):
        world.advance(dt_s)
        t_out = float(world.energy.physics.temp_c[0, world.energy.physics.weather.index_at(world.now_s - dt_s)])
        cooling = s.heat_w < 0
        cooled_steps += int(cooling.sum())
        np.testing.assert_allclose(s.hp_kw[cooling], p.hp_elec_max_kw[cooling])  # on/off at full power
        np.testing.assert_allclose(-s.heat_w[cooling], 1000 * s.hp_kw[cooling] * cooling_cop(t_out), rtol=1e-12)
    assert cooled_steps > 100


def test_a_cooling_setpoint_too_near_the_heating_one_is_refused_naming_it():
    with pytest.raises(ScenarioError) as raised:
        load_scenario_text("homes:\n  thermostat: {setpoint_c: 21, deadband_k: 2, cooling_setpoint_c: 22}\n")
    assert "homes.thermostat.cooling_setpoint_c" in str(raised.value) and "23" in str(raised.value)


def load_scenario_text(text: str) -> Scenario:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.yaml"
        path.write_text(text)
        return load_scenario(path)


def _with_tanks(share=1.0, **overrides):
    return small_scenario(homes={"penetration": {**EVERY_HOME_HEAT_PUMP, "hot_water": share}}, **overrides)


def test_hot_water_tanks_change_no_other_draw_of_the_world():
    plain, tanks = build_world(small_scenario()), build_world(_with_tanks(0.5))
    a, b = plain.energy.homes.params, tanks.energy.homes.params
    for name in ("persons", "hp_elec_max_kw", "pv_kwp", "bat_capacity_kwh", "ev_charger_kw", "standby_kw"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert 0 < b.has_hot_water.sum() < b.n
    np.testing.assert_array_equal(plain.energy.homes.state.temp_air_c, tanks.energy.homes.state.temp_air_c)


@pytest.mark.parametrize("heater", ["electric", "heat_pump"])
def test_the_meter_balances_the_devices_with_hot_water_and_cooling(heater):
    sc = _with_tanks(**HOT_WEEK | {"duration": "1d"})
    sc = sc.model_copy(update={"homes": sc.homes.model_copy(update={
        "hot_water": sc.homes.hot_water.model_copy(update={"heater": heater}),
        "thermostat": sc.homes.thermostat.model_copy(update={"cooling_setpoint_c": 24.0})})})
    _, tel = simulate(Scenario.model_validate(sc.model_dump()), progress=False)

    def by_time(q):
        return tel.total_by_time(q)[1]
    net = by_time("import_kwh") - by_time("export_kwh")
    devices = (by_time("load_kwh") + by_time("hp_kwh") + by_time("dhw_kwh") + by_time("ev_kwh")
               + by_time("battery_charge_kwh") - by_time("pv_kwh") - by_time("battery_discharge_kwh"))
    np.testing.assert_allclose(net, devices, rtol=1e-9, atol=1e-9)
    assert by_time("dhw_kwh").sum() > 1 and by_time("dhw_draw_kwh").sum() > 1


@pytest.mark.parametrize("loss_w_k, draw_l", [(0.0, 45.0), (3.0, 0.0)])
def test_a_tank_over_a_day_stores_its_heaters_energy_less_what_was_drawn_or_lost(loss_w_k, draw_l):
    # Electric heaters (COP 1): the heater's heat is its metered electricity. With no loss the day
    # closes on the draws the world registered; with no draws, on the loss the tank's temperatures
    # above the indoor air's give.
    sc = _with_tanks(duration="1d")
    sc = sc.model_copy(update={"homes": sc.homes.model_copy(update={"hot_water": sc.homes.hot_water.model_copy(
        update={"loss_w_k": loss_w_k, "draw_l_per_person_day": draw_l})})})
    world = build_world(Scenario.model_validate(sc.model_dump()))
    recorder = Recorder(world.bus, sc.start)
    p, s = world.energy.homes.params, world.energy.homes.state
    capacity = p.dhw_volume_l * WATER_J_PER_L_K
    t0 = s.dhw_temp_c.copy()
    heated_j, lost_j = np.zeros(p.n), np.zeros(p.n)
    dt_s = world.steps.homes_s
    for _ in range(24 * 60):
        before_c, air_c = s.dhw_temp_c.copy(), s.temp_air_c.copy()
        world.advance(dt_s)
        heated_j += 1000 * s.dhw_kw * dt_s
        # Loss over a step: UA x (the step's mean tank temperature - the air's), nearly linear in a minute.
        lost_j += p.dhw_ua_w_k * (0.5 * (before_c + s.dhw_temp_c) - air_c) * dt_s
    tel = recorder.telemetry()
    _, nodes, drawn_kwh = tel.wide("dhw_draw_kwh")
    assert nodes == [f"home-{i:03d}/hot_water" for i in range(p.n)]  # every home has a tank, in order
    drawn_j = 3.6e6 * drawn_kwh.sum(axis=0)
    np.testing.assert_allclose(3.6e6 * tel.wide("dhw_kwh")[2].sum(axis=0), heated_j, rtol=1e-9)
    tanks = p.has_hot_water
    assert np.all(heated_j[tanks] > 0) and np.all(capacity[~tanks] == 0)
    stored_j = capacity * (s.dhw_temp_c - t0)
    if loss_w_k == 0:
        assert drawn_j[tanks].min() > 0
        np.testing.assert_allclose(stored_j, heated_j - drawn_j, rtol=1e-9, atol=1e-6 * heated_j.max())
    else:
        assert np.all(drawn_j == 0) and lost_j[tanks].min() > 0
        np.testing.assert_allclose(stored_j, heated_j - lost_j, rtol=1e-3, atol=1e-3 * heated_j.max())


def test_a_tank_left_unheated_runs_cold_and_its_draws_go_unmet():
    world = build_world(_with_tanks(duration="2d", controllers={"hot_water": "external"}))
    p, s, t = world.energy.homes.params, world.energy.homes.state, world.energy.totals
    s.dhw_cmd[...] = 0.0
    world.run(2 * 86400)
    tanks = p.has_hot_water & (p.persons > 0)
    assert np.all(s.dhw_kw == 0)
    assert t.dhw_unmet_kwh[tanks].min() > 0 and np.all(s.dhw_temp_c[tanks] < 40.0)
    heated = build_world(_with_tanks(duration="1d"))
    heated.run(86400)
    assert heated.energy.totals.dhw_unmet_kwh.sum() == 0.0


HOT_HOME = ["start=2025-07-14 00:00", "weather.mean_temp_c=17", "weather.seasonal_amplitude_k=14",
            "weather.daily_amplitude_k=7", "homes.penetration.heat_pump=1", "homes.comfort.high_c=26",
            "homes.thermostat.cooling_setpoint_c=24", "homes.penetration.hot_water=1"]


def _hot_home_env(**kwargs):
    import gymnasium as gym

    import envs  # noqa: F401  (registers the ids)
    return gym.make("twin/SmartHome-v0", overrides=tuple(HOT_HOME), duration="2d", **kwargs)


def test_with_cooling_the_heat_action_is_signed_and_the_envs_pass_the_checkers():
    from gymnasium.utils.env_checker import check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = _hot_home_env()
    check_env(env.unwrapped, skip_render_check=True)
    sb3_check_env(env.unwrapped, warn=False)
    env.reset(seed=3)
    s = env.unwrapped.task.s
    for heat, sign in ((-1.0, -1), (0.0, 0), (1.0, 1)):
        env.step(np.array([heat, 0.0, -1.0, 1.0], dtype=np.float32))
        assert s.heat_cmd[0] == heat and np.sign(s.heat_w[0]) == sign
    env.close()


def _thermostat_episode(env) -> tuple[int, float]:
    """Decisions the home spent cooling, and its discomfort (K*h), over one episode of the thermostat rules."""
    from agents.baselines.home import ThermostatPolicy

    policy = ThermostatPolicy.from_env(env)
    obs, _ = env.reset(seed=5)
    done, cooled = False, 0
    while not done:
        obs, _, terminated, truncated, _ = env.step(policy.act(obs))
        done = terminated or truncated
        cooled += int(env.unwrapped.task.s.heat_w[0] < 0)
    return cooled, float(env.unwrapped.task.totals.discomfort_kh.sum())


def test_the_thermostat_baseline_cools_through_the_env_and_keeps_the_comfort_band():
    import gymnasium as gym

    from agents.baselines.home import HomeLayout

    heating_only = gym.make("twin/SmartHome-v0", overrides=tuple(o for o in HOT_HOME if "cooling" not in o),
                            duration="2d")
    cooled, discomfort_kh = _thermostat_episode(heating_only)
    assert cooled == 0 and discomfort_kh > 1.0  # the heat overheats a home that cannot cool
    for discrete in (False, True):
        env = _hot_home_env(discrete=discrete)
        assert HomeLayout.of(env).cooling_setpoint_c == 25.0  # the comfort band's top less the deadband
        cooled, discomfort_kh = _thermostat_episode(env)
        assert cooled > 10 and discomfort_kh == 0.0, discrete
        env.close()


def test_with_hot_water_every_home_env_gains_the_tank_feature_the_heater_action_and_passes_its_checks():
    import gymnasium as gym
    from gymnasium.utils.env_checker import check_env
    from pettingzoo.test import parallel_api_test

    from envs import neighborhood_v0
    from envs.home_task import OBS_FEATURES

    tanks = ("homes.penetration.hot_water=1",)
    single = gym.make("twin/SmartHome-v0", overrides=tanks, duration="6h")
    assert single.observation_space.shape == (len(OBS_FEATURES) + 1,) and single.action_space.shape == (4,)
    check_env(single.unwrapped, skip_render_check=True)
    discrete = gym.make("twin/SmartHome-v0", overrides=tanks, duration="6h", discrete=True)
    assert discrete.action_space.n == 36
    check_env(discrete.unwrapped, skip_render_check=True)
    central = gym.make("twin/Neighborhood-v0", overrides=tanks + ("homes.count=4",), duration="6h")
    assert central.observation_space.shape == (4 * 16,) and central.action_space.shape == (4, 4)
    check_env(central.unwrapped, skip_render_check=True)
    parallel_api_test(neighborhood_v0.parallel_env(overrides=tanks + ("homes.count=3",), duration="6h"),
                      num_cycles=30)
    plain = gym.make("twin/SmartHome-v0", duration="6h")  # no tanks: the spaces of before
    assert plain.observation_space.shape == (len(OBS_FEATURES),) and plain.action_space.shape == (3,)


def test_an_agent_that_never_heats_the_tank_pays_the_hot_water_term_and_the_rules_do_not():
    import gymnasium as gym

    from agents.baselines.home import ThermostatPolicy

    kwargs = dict(overrides=("homes.penetration.hot_water=1", "homes.hot_water.setpoint_c=45",
                             "homes.hot_water.deadband_k=6"), duration="2d")
    cold = gym.make("twin/SmartHome-v0", **kwargs)
    obs, _ = cold.reset(seed=2)
    first_c, term, done = obs[14], 0.0, False
    while not done:
        obs, _, terminated, truncated, info = cold.step(np.array([1.0, 0.0, 1.0, -1.0], dtype=np.float32))
        term += info["reward_terms"]["hot_water_unmet"]
        done = terminated or truncated
    assert obs[14] < 40.0 < first_c and term < -0.1
    assert cold.unwrapped.task.s.dhw_kw[0] == 0.0
    warm = gym.make("twin/SmartHome-v0", **kwargs)
    policy = ThermostatPolicy.from_env(warm)
    obs, _ = warm.reset(seed=2)
    term, done, lowest_c = 0.0, False, 100.0
    while not done:
        obs, _, terminated, truncated, info = warm.step(policy.act(obs))
        term += info["reward_terms"]["hot_water_unmet"]
        lowest_c = min(lowest_c, obs[14])
        done = terminated or truncated
    assert term == 0.0 and lowest_c > 40.0


def test_the_native_vector_envs_with_hot_water_step_each_world_as_its_single_env():
    import gymnasium as gym

    import envs  # noqa: F401  (registers the ids)

    tanks = ("homes.penetration.hot_water=1",)
    vec = gym.make_vec("twin/SmartHome-v0", num_envs=3, vectorization_mode="vector_entry_point", overrides=tanks,
                       duration="6h")
    assert vec.single_action_space.shape == (4,) and vec.observation_space.shape == (3, 15)
    obs, _ = vec.reset(seed=[4, 5, 6])
    single = gym.make("twin/SmartHome-v0", overrides=tanks, duration="6h")
    one, _ = single.reset(seed=5)
    np.testing.assert_array_equal(obs[1], one)
    action = np.tile(np.array([1.0, 0.0, -1.0, -1.0], dtype=np.float32), (3, 1))
    for _ in range(8):
        obs, rewards, _, _, _ = vec.step(action)
        one, reward, _, _, _ = single.step(action[1])
    np.testing.assert_array_equal(obs[1], one)
    assert rewards[1] == reward
    central = gym.make_vec("twin/Neighborhood-v0", num_envs=2, vectorization_mode="vector_entry_point",
                           overrides=tanks + ("homes.count=3",), duration="6h")
    assert central.single_action_space.shape == (3, 4) and central.observation_space.shape == (2, 3 * 16)
    central.reset(seed=[1, 2])
    central.step(np.zeros((2, 3, 4), dtype=np.float32))
