"""Rule-based baselines: each rule on crafted observations, in episodes of the twin, and the registry."""

from __future__ import annotations

import functools

import gymnasium as gym
import numpy as np
import pytest

import envs  # noqa: F401  (registers the twin/ ids)
from agents.baselines import BASELINES, baselines_for
from agents.baselines.home import (
    PRICE_NOW, SOC, TEMP, HomeLayout, PVSelfConsumption, ThermostatPolicy, TimeOfUseBattery,
)
from agents.baselines.signal_layout import SignalLayout
from agents.baselines.traffic import ActuatedPolicy, FixedTimePolicy, MaxPressurePolicy
from agents.evaluate import evaluate, run_episode, summarize
from agents.policy import Policy
from envs.home_task import DISCRETE_ACTIONS, OBS_FEATURES
from twin.scenario.loader import load_scenario

SINGLE = "scenarios/single_intersection.yaml"


def home_obs(**values: float) -> np.ndarray:
    """A SmartHome-v0 observation: 21 degC inside, mid price, half-full battery, no EV, unless given."""
    obs = np.zeros(len(OBS_FEATURES), dtype=np.float32)
    obs[[TEMP, PRICE_NOW, SOC]] = 21.0, 0.28, 0.5
    index = {name: i for i, (name, _) in enumerate(OBS_FEATURES)}
    for name, v in values.items():
        obs[index[name]] = v
    return obs


def signal_obs(layout: SignalLayout, halted: dict[tuple[int, str], float], phase: int = 0, t_in: float = 30.0):
    """A TrafficGrid-v0 observation with ``halted[(intersection, movement)]`` vehicles, all greens at ``phase``."""
    rows = np.zeros((layout.n_int, layout.n_features // layout.n_int), dtype=np.float32)  # a grid's signals alike
    movements = [f"{s}{t}" for s in "NESW" for t in "LTR"]
    for (i, m), n in halted.items():
        rows[i, movements.index(m)] = n
    rows[:, 24 + phase] = 1.0
    rows[:, -1] = t_in
    return rows.ravel()


# -- home rules ---------------------------------------------------------------------------------------------

def test_thermostat_heats_when_cold_and_stops_when_warm_with_hysteresis():
    p = ThermostatPolicy(setpoint_c=21.0, deadband_k=1.0)
    p.reset()
    heat = lambda t: float(p.act(home_obs(indoor_temp_c=t))[0])
    assert heat(19.0) == 1.0          # below 20.5: on
    assert heat(21.0) == 1.0          # inside the deadband: stays on
    assert heat(21.6) == -1.0         # above 21.5: off
    assert heat(21.0) == -1.0         # inside the deadband: stays off
    assert heat(20.4) == 1.0


def test_thermostat_discrete_maps_to_the_matching_row_and_defaults_from_the_comfort_band():
    env = gym.make("twin/SmartHome-v0", discrete=True)
    p = ThermostatPolicy.from_env(env)
    assert (p.setpoint_c, p.deadband_k) == (21.0, 1.0)       # comfort 20-24, deadband 1 K
    a = p.act(home_obs(indoor_temp_c=15.0, ev_present=1.0, ev_need_kwh=10.0))
    assert isinstance(a, int) and DISCRETE_ACTIONS[a].tolist() == [1.0, 0.0, 1.0]   # heat, battery idle, EV
    a = p.act(home_obs(indoor_temp_c=25.0))
    assert DISCRETE_ACTIONS[a].tolist() == [-1.0, 0.0, -1.0]


def test_thermostat_keeps_the_home_in_its_band_over_an_episode():
    env = gym.make("twin/SmartHome-v0")
    result = run_episode(env, ThermostatPolicy.from_env(env), seed=0)
    assert result.kpis["comfort_violation_kh"] < 0.1


def test_time_of_use_battery_charges_cheap_and_discharges_expensive():
    p = TimeOfUseBattery(cheap_below_eur_per_kwh=0.26, expensive_above_eur_per_kwh=0.34)
    battery = lambda price: float(p.act(home_obs(price_now_eur_per_kwh=price))[1])
    assert (battery(0.18), battery(0.28), battery(0.42)) == (1.0, 0.0, -1.0)
    ev = lambda price: float(p.act(home_obs(price_now_eur_per_kwh=price, ev_present=1.0, ev_need_kwh=5.0))[2])
    assert (ev(0.18), ev(0.42)) == (1.0, -1.0)


def test_time_of_use_thresholds_come_from_the_tariff():
    env = gym.make("twin/SmartHome-v0")
    p = TimeOfUseBattery.from_env(env)
    assert (p.cheap_below, p.expensive_above) == pytest.approx((0.26, 0.34))   # prices 0.18 .. 0.42


def test_time_of_use_fills_the_battery_at_night_and_empties_it_at_the_peak():
    env = gym.make("twin/SmartHome-v0", discrete=True)
    p = TimeOfUseBattery.from_env(env)
    obs, _ = env.reset(seed=0)
    p.reset(0)
    cheap_gain = peak_gain = 0.0      # SoC change (fraction of capacity) over steps at each price
    for _ in range(96):
        price, soc = float(obs[PRICE_NOW]), float(obs[SOC])
        obs, *_ = env.step(p.act(obs))
        cheap_gain += (float(obs[SOC]) - soc) * np.isclose(price, 0.18)
        peak_gain += (float(obs[SOC]) - soc) * np.isclose(price, 0.42)
    assert cheap_gain > 0.3           # the battery charges through the cheap night
    assert peak_gain < -0.3           # and discharges through the evening peak


def test_pv_self_consumption_charges_on_export_and_discharges_on_import():
    p = PVSelfConsumption(battery_power_kw=4.0)
    p.reset()
    assert float(p.act(home_obs(net_kw=-2.0))[1]) == pytest.approx(0.5)    # 2 kW surplus -> charge 2 of 4 kW
    assert float(p.act(home_obs(net_kw=0.0))[1]) == pytest.approx(0.5)     # net zero: hold the command
    assert float(p.act(home_obs(net_kw=3.0))[1]) == pytest.approx(-0.25)   # 3 kW import -> 1 kW discharge
    assert float(p.act(home_obs(net_kw=20.0))[1]) == -1.0                  # clipped to the power limit


def test_home_rules_drive_every_home_of_a_neighborhood():
    env = gym.make("twin/Neighborhood-v0")
    layout = HomeLayout.of(env)
    assert layout.n_homes == env.action_space.shape[0] and layout.obs_width == 15
    rows = np.tile(np.r_[home_obs(), 0.0], (layout.n_homes, 1))
    rows[0, TEMP], rows[1, TEMP] = 15.0, 25.0
    action = ThermostatPolicy.from_env(env).act(rows.ravel())
    assert action.shape == env.action_space.shape
    assert action[0, 0] == 1.0 and action[1, 0] == -1.0


# -- traffic rules ------------------------------------------------------------------------------------------

def test_fixed_time_cycles_with_the_given_greens():
    env = gym.make("twin/TrafficGrid-v0", scenario=SINGLE)
    p = FixedTimePolicy(SignalLayout.of(env), green_s=(15, 30), yellow_s=3, all_red_s=2)
    obs, _ = env.reset(seed=0)
    p.reset(0)
    greens = []                                  # [phase, longest t_in seen (s), start (s)] per green
    for step in range(60):
        phase, changing, t_in = int(np.argmax(obs[24:26])), obs[26] > 0.5, float(obs[27])
        if not changing:
            if not greens or greens[-1][0] != phase:
                greens.append([phase, t_in, step * 5 - t_in])
            greens[-1][1] = max(greens[-1][1], t_in)
        obs, *_ = env.step(p.act(obs))
    assert [g[0] for g in greens] == [k % 2 for k in range(len(greens))]
    assert {(g[0], g[1]) for g in greens[1:-1]} == {(0, 15.0), (1, 30.0)}   # the complete greens
    assert set(np.diff([g[2] for g in greens if g[0] == 0])) == {55.0}      # 15 + 5 + 30 + 5 s cycle


def test_max_pressure_picks_the_phase_with_the_larger_queue():
    env = gym.make("twin/TrafficGrid-v0", scenario=SINGLE)
    p = MaxPressurePolicy.from_env(env)                                     # phases NS, EW
    ns_queue = signal_obs(p.layout, {(0, "NT"): 6, (0, "SL"): 2, (0, "ET"): 3}, phase=1)
    ew_queue = signal_obs(p.layout, {(0, "NT"): 2, (0, "ET"): 4, (0, "WR"): 3}, phase=0)
    assert p.act(ns_queue).tolist() == [0] and p.act(ew_queue).tolist() == [1]
    tie = signal_obs(p.layout, {(0, "NT"): 3, (0, "ET"): 3}, phase=1)
    assert p.act(tie).tolist() == [1]                                       # ties keep the green


def test_max_pressure_subtracts_the_queue_downstream():
    env = gym.make("twin/TrafficGrid-v0", scenario=SINGLE, overrides=("traffic.network.cols=2",))
    p = MaxPressurePolicy.from_env(env)                                     # turning 0.1 / 0.8 / 0.1
    # Eastbound through at int-0-0 (from W), and the left from N and right from S, lead into
    # int-0-1's west approach; a queue there lowers their pressure by its turning-weighted size.
    free = signal_obs(p.layout, {(0, "WT"): 5, (0, "NT"): 4})
    blocked = signal_obs(p.layout, {(0, "WT"): 5, (0, "NT"): 4, (1, "WL"): 3, (1, "WT"): 10, (1, "WR"): 3})
    downstream = 0.1 * 3 + 0.8 * 10 + 0.1 * 3
    drop = p.pressure(free) - p.pressure(blocked)
    assert drop[0] == pytest.approx([2 * downstream, downstream])          # NS: NL and SR; EW: WT
    assert drop[1] == pytest.approx([0.0, -16.0])                           # upstream at int-0-1: its EW gains
    assert p.pressure(free)[0].tolist() == [4.0, 5.0] and p.act(free).tolist() == [1, 0]


def test_actuated_holds_min_green_extends_on_queue_and_switches_at_a_gap():
    env = gym.make("twin/TrafficGrid-v0", scenario=SINGLE)
    p = ActuatedPolicy.from_env(env)                                        # min 7 s, max 50 s
    waiting_ew = {(0, "ET"): 4}
    assert p.act(signal_obs(p.layout, {**waiting_ew, (0, "NT"): 0}, phase=0, t_in=5)).tolist() == [0]   # min green
    p.reset()
    assert p.act(signal_obs(p.layout, {**waiting_ew, (0, "NT"): 2}, phase=0, t_in=20)).tolist() == [0]  # queue
    p.reset()
    assert p.act(signal_obs(p.layout, waiting_ew, phase=0, t_in=20)).tolist() == [1]                    # gap
    p.reset()
    assert p.act(signal_obs(p.layout, {**waiting_ew, (0, "NT"): 2}, phase=0, t_in=50)).tolist() == [1]  # max green
    p.reset()
    assert p.act(signal_obs(p.layout, {(0, "NT"): 0}, phase=0, t_in=60)).tolist() == [0]  # nobody waits: hold


def test_adaptive_controllers_beat_fixed_time_on_the_single_intersection():
    make = functools.partial(gym.make, "twin/TrafficGrid-v0", scenario=SINGLE)
    env = make()
    table = summarize(evaluate(make, [FixedTimePolicy.from_env(env), ActuatedPolicy.from_env(env),
                                      MaxPressurePolicy.from_env(env)], episodes=2, seed=0))
    fixed = table["fixed_time"]["mean_delay_all_s"]
    assert table["actuated"]["mean_delay_all_s"] < 0.8 * fixed, table
    assert table["max_pressure"]["mean_delay_all_s"] < 0.8 * fixed, table


def test_single_intersection_scenario_is_one_unbalanced_crossing():
    sc = load_scenario(SINGLE)
    assert (sc.traffic.network.rows, sc.traffic.network.cols) == (1, 1)
    demand = sc.traffic.demand
    assert min(demand.side_vph.values()) > 3 * demand.entry_vph           # arterial vs side street
    assert len(set(sc.traffic.signals.green_s)) == 1                      # an even fixed-time split


# -- registry and full episodes -----------------------------------------------------------------------------

ENVS = {
    "twin/SmartHome-v0": {}, "twin/SmartHome-v0 discrete": {"discrete": True},
    "twin/Neighborhood-v0": {"duration": "6h"}, "twin/TrafficGrid-v0": {"duration": "10min"},
}


@pytest.mark.parametrize("label", list(ENVS))
def test_every_baseline_runs_a_full_episode(label):
    env_id = label.split()[0]
    make = functools.partial(gym.make, env_id, **ENVS[label])
    env = make()
    policies = baselines_for(env)
    assert [p.name for p in policies] == list(BASELINES[env_id])
    assert all(isinstance(p, Policy) for p in policies)
    results = evaluate(make, policies, episodes=1, seed=0)
    unwrapped = env.unwrapped
    episodes = unwrapped.episodes if hasattr(unwrapped, "episodes") else unwrapped.core.episodes
    assert [r.steps for r in results] == [episodes.steps_per_episode] * len(policies)
    assert all(r.kpis for r in results)


def test_baselines_for_refuses_other_envs():
    with pytest.raises(ValueError, match="no baselines for CartPoleEnv"):
        baselines_for(gym.make("CartPole-v1"))
