"""The environments pass Gymnasium's, stable-baselines3's and PettingZoo's own checks, and are reproducible."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from pettingzoo import AECEnv
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test, seed_test
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import envs
from envs import neighborhood_v0, traffic_grid_v0
from twin.traffic import ring

HOME = {"duration": "6h"}
NEIGHBORHOOD = {"duration": "2h", "overrides": ("homes.count=6", "grid.transformer_rating_kva=8")}
TRAFFIC = {"duration": "10min", "overrides": ("traffic.network.rows=2", "traffic.network.cols=3", "traffic.demand.od=[]")}

SINGLE = [
    ("twin/SmartHome-v0", HOME),
    ("twin/SmartHome-v0", {**HOME, "discrete": True}),
    ("twin/Neighborhood-v0", NEIGHBORHOOD),
    ("twin/TrafficGrid-v0", TRAFFIC),
]


@pytest.mark.parametrize("env_id,kwargs", SINGLE, ids=lambda x: x if isinstance(x, str) else str(sorted(x)))
def test_gymnasium_and_sb3_checkers_pass(env_id, kwargs):
    env = gym.make(env_id, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a checker warning is a failure here
        gym_check_env(env.unwrapped, skip_render_check=True)
    sb3_check_env(gym.make(env_id, **kwargs).unwrapped, warn=False)


@pytest.mark.parametrize("make", [lambda: neighborhood_v0.parallel_env(**NEIGHBORHOOD),
                                  lambda: traffic_grid_v0.parallel_env(**TRAFFIC)], ids=["neighborhood", "traffic"])
def test_pettingzoo_api_and_seed_tests_pass(make):
    parallel_api_test(make(), num_cycles=200)
    parallel_seed_test(make, num_cycles=50)
    env = make()
    obs, _ = env.reset(seed=3)
    assert env.state().shape == (sum(o.size for o in obs.values()),)


@pytest.mark.parametrize("module,kwargs", [(neighborhood_v0, {**NEIGHBORHOOD, "duration": "1h"}),
                                           (traffic_grid_v0, {**TRAFFIC, "duration": "2min"})],
                         ids=["neighborhood", "traffic"])
def test_pettingzoo_aec_versions_pass_the_aec_api_and_seed_tests(module, kwargs):
    api_test(module.env(**kwargs), num_cycles=30)
    seed_test(lambda: module.env(**kwargs), num_cycles=10)
    assert isinstance(module.raw_env(**kwargs), AECEnv)


@pytest.mark.parametrize("env_id,kwargs,steps", [("twin/SmartHome-v0", {"duration": "2h"}, 8),
                                                 ("twin/TrafficGrid-v0", TRAFFIC, 120)], ids=["home", "traffic"])
def test_the_horizon_is_a_time_limit_truncation_with_its_length_in_the_spec(env_id, kwargs, steps):
    env = gym.make(env_id, **kwargs)
    assert env.spec.max_episode_steps == steps
    env.reset(seed=0)
    flags = [env.step(env.action_space.sample())[2:4] for _ in range(steps)]
    assert flags == [(False, False)] * (steps - 1) + [(False, True)]
    vec = gym.make_vec(env_id, num_envs=2, vectorization_mode="vector_entry_point", **kwargs)
    assert vec.spec.max_episode_steps == steps
    vec.reset(seed=0)
    last = [vec.step(vec.action_space.sample()) for _ in range(steps)][-1]
    assert not last[2].any() and last[3].all()


def _rollout(env, seed: int, steps: int) -> list:
    obs, _ = env.reset(seed=seed)
    env.action_space.seed(seed)
    out = [obs]
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        out += [obs, reward, info["reward_terms"]]
        if terminated or truncated:
            obs, _ = env.reset()
            out.append(obs)
    return out


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return np.array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("env_id,kwargs", [SINGLE[0], SINGLE[3]], ids=["home", "traffic"])
def test_same_seed_same_trajectory_and_reset_reproduces(env_id, kwargs):
    a, b = gym.make(env_id, **kwargs), gym.make(env_id, **kwargs)
    first = _rollout(a, 7, 30)
    assert all(_same(x, y) for x, y in zip(first, _rollout(b, 7, 30)))
    assert all(_same(x, y) for x, y in zip(first, _rollout(a, 7, 30))), "reset(seed=7) must reproduce"
    other = _rollout(b, 8, 30)
    assert not all(_same(x, y) for x, y in zip(first, other)), "another seed must give another trajectory"


@pytest.mark.parametrize("env_id,kwargs,steps", [
    ("twin/SmartHome-v0", {"duration": "2h"}, 20),
    ("twin/TrafficGrid-v0", {**TRAFFIC, "duration": "1min"}, 30),
    ("twin/Neighborhood-v0", {**NEIGHBORHOOD, "duration": "1h"}, 10),
    ("twin/TrafficGrid-v0", {"scenario": "scenarios/sumo_arterial.yaml", "duration": "1min"}, 30),
], ids=["home", "traffic", "neighborhood", "sumo-net"])
def test_vector_world_k_equals_single_env_seeded_s_plus_k(env_id, kwargs, steps):
    n, seed = 4, 100
    vec = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", **kwargs)
    assert vec.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    singles = [gym.make(env_id, **kwargs) for _ in range(n)]
    vec_obs, _ = vec.reset(seed=seed)
    obs = [env.reset(seed=seed + k)[0] for k, env in enumerate(singles)]
    rng = np.random.default_rng(0)
    ended, autoresets = np.zeros(n, dtype=bool), 0
    for _ in range(steps):
        for k in range(n):
            np.testing.assert_array_equal(vec_obs[k], obs[k])
        actions = np.stack([singles[0].action_space.sample() for _ in range(n)])
        vec_obs, vec_reward, vec_term, vec_trunc, _ = vec.step(actions)
        for k, env in enumerate(singles):
            if ended[k]:  # next-step autoreset: the vector env resets this world now
                obs[k], _ = env.reset()
                assert vec_reward[k] == 0.0 and not vec_term[k]
                autoresets += 1
                continue
            obs[k], reward, terminated, truncated, _ = env.step(actions[k])
            assert vec_reward[k] == reward and vec_term[k] == terminated and vec_trunc[k] == truncated
        ended = vec_term | vec_trunc
    assert autoresets >= n, "the run must cross an episode boundary"


@pytest.mark.parametrize("threads", [False, True], ids=["one-thread", "threaded"])
def test_traffic_observations_count_the_vehicles_at_each_line_and_behind_it(threads):
    vec = gym.make_vec("twin/TrafficGrid-v0", num_envs=3, vectorization_mode="vector_entry_point",
                       **{**TRAFFIC, "duration": "5min"})
    vec.reset(seed=7)
    world = vec.unwrapped.world
    tr = world.traffic
    tr.physics.threads = threads
    q, v, task = tr.queues, tr.vehicles, vec.unwrapped.task
    m = 12  # movements per intersection, N, E, S, W and within each L, T, R
    rng, most_halted = np.random.default_rng(1), 0
    for _ in range(40):
        obs, *_ = vec.step(rng.integers(0, 2, size=vec.action_space.shape))
        per_int = obs.reshape(task.n_int, -1)
        occupied = ring.occupied(q.buf, q.head, q.count)
        at_line = (occupied & (v.ready_s[q.buf] <= world.now_s)).sum(axis=1)
        q_of_int = task.agents.queues.reshape(task.n_int, m)  # the grid's movements, agent by agent
        np.testing.assert_array_equal(tr.net.q_int[q_of_int], np.repeat(np.arange(task.n_int)[:, None], m, axis=1))
        np.testing.assert_array_equal(tr.net.q_side[q_of_int] * 3 + tr.net.q_turn[q_of_int],
                                      np.tile(np.arange(m), (task.n_int, 1)))
        np.testing.assert_array_equal(per_int[:, :m], at_line[q_of_int])
        np.testing.assert_array_equal(per_int[:, m:2 * m], (q.count - at_line)[q_of_int])
        most_halted = max(most_halted, int(per_int[:, :m].max()))
    assert most_halted > 1, "the test should see several vehicles waiting at a line"


def test_vector_env_truncates_at_max_episode_steps():
    vec = gym.make_vec("twin/SmartHome-v0", num_envs=2, vectorization_mode="vector_entry_point",
                       max_episode_steps=3, duration="6h")
    vec.reset(seed=0)
    flags = [vec.step(vec.action_space.sample())[3].tolist() for _ in range(3)]
    assert flags == [[False, False], [False, False], [True, True]]


def test_final_info_holds_the_episode_kpis():
    env = gym.make("twin/SmartHome-v0", duration="1h")
    env.reset(seed=1)
    total, truncated = 0.0, False
    while not truncated:
        _, reward, terminated, truncated, info = env.step(np.array([1.0, 0.0, 1.0], dtype=np.float32))
        assert not terminated
        total += info["reward_terms"]["energy_cost"]
    assert info["kpis"]["energy_cost_eur"] == pytest.approx(-total, rel=1e-9)


def test_an_hourly_world_steps_hourly_and_its_reward_is_still_what_the_meters_read():
    # CityLearn's granularity: hourly physics, readings and decisions.
    env = gym.make("twin/SmartHome-v0", overrides=("resolution=1h", "grid.meter_interval=1h"), decision_interval="1h")
    env.reset(seed=1)
    steps, total, truncated = 0, 0.0, False
    while not truncated:
        _, _, _, truncated, info = env.step(np.array([1.0, 0.0, 1.0], dtype=np.float32))
        steps += 1
        total += info["reward_terms"]["energy_cost"]
    assert steps == 24
    times, _, _ = env.unwrapped.recorder.telemetry().series("import_kwh")
    assert np.array_equal(times, 3600 * np.arange(1, 25))
    assert info["kpis"]["energy_cost_eur"] == pytest.approx(-total, rel=1e-9)


def test_an_ev_left_short_at_the_end_of_an_episode_costs_its_need():
    # Never charging: the EV plugged in at midnight still needs energy when the day ends.
    env = gym.make("twin/SmartHome-v0", duration="1d")
    env.reset(seed=4)
    never_charge = np.array([0.0, 0.0, -1.0], dtype=np.float32)
    terms, truncated = [], False
    while not truncated:
        obs, _, _, truncated, info = env.step(never_charge)
        terms.append(info["reward_terms"]["ev_unmet"])
    need_at_end = float(obs[10])                         # ev_need_kwh
    left_unmet = info["kpis"]["ev_unmet_kwh"]            # EVs that left short during the day
    assert need_at_end > 1.0, "the seed should leave an EV plugged in at the end"
    assert terms[-1] <= -need_at_end + 1e-9              # weight 1 per kWh, counted on the last step
    assert sum(terms) == pytest.approx(-(left_unmet + need_at_end))


@pytest.mark.parametrize("action,match", [
    (np.array([2.0, 0.0, 0.0]), r"in \[-1.0, 1.0\]"),
    (np.array([0.0, 0.0]), r"shape \(2,\); expected \(3,\)"),
    (np.array([np.nan, 0.0, 0.0]), "NaN"),
])
def test_invalid_box_actions_say_what_is_allowed(action, match):
    env = gym.make("twin/SmartHome-v0", duration="1h")
    env.reset(seed=0)
    with pytest.raises(envs.InvalidAction, match=match):
        env.step(action)


def test_invalid_discrete_actions_say_what_is_allowed():
    env = gym.make("twin/TrafficGrid-v0", **TRAFFIC)
    env.reset(seed=0)
    with pytest.raises(envs.InvalidAction, match=r"0\.\.1"):
        env.step(np.full(6, 2))
    home = gym.make("twin/SmartHome-v0", duration="1h", discrete=True)
    home.reset(seed=0)
    with pytest.raises(envs.InvalidAction, match=r"0\.\.17"):
        home.step(18)


@pytest.mark.parametrize("kwargs,match", [
    ({"decision_intervall": "15min"}, "decision_intervall: unknown keyword; twin/SmartHome-v0 takes scenario"),
    ({"decision_interval": "90s"}, "multiple of the physics step 1min"),
    ({"decision_interval": "7min"}, "must divide the episode duration 1d"),
    ({"reward_weights": {"cost": 1.0}}, "reward_weights.cost"),
    ({"scenario": "scenarios/neighborhood.yaml"}, "has 200 homes; twin/SmartHome-v0 needs exactly 1"),
    ({"overrides": ("homes.count=zero",)}, "homes.count"),
])
def test_bad_keywords_say_what_is_allowed(kwargs, match):
    with pytest.raises((envs.EnvConfigError, Exception), match=match):
        gym.make("twin/SmartHome-v0", **kwargs)


def test_a_traffic_reward_weight_that_could_overflow_is_refused():
    # The central env adds the weighted terms itself (no per-step finiteness check): weights are bounded.
    with pytest.raises(envs.EnvConfigError, match=r"reward_weights.queue=1e\+300: .*less than or equal to 1000000000"):
        gym.make("twin/TrafficGrid-v0", reward_weights={"queue": 1e300})


def test_traffic_env_refuses_a_scenario_without_streets():
    with pytest.raises(envs.EnvConfigError, match="no traffic: section"):
        traffic_grid_v0.parallel_env(scenario="scenarios/smart_home.yaml")


def test_make_with_module_prefix_registers_the_ids():
    env = gym.make("envs:twin/SmartHome-v0", duration="1h")
    assert env.observation_space.shape == (14,)


@pytest.mark.parametrize("env_id", ["twin/SmartHome-v0", "twin/TrafficGrid-v0"])
def test_native_vector_envs_refuse_a_render_mode(env_id):
    with pytest.raises(envs.EnvConfigError, match="does not render"):
        gym.make_vec(env_id, num_envs=2, vectorization_mode="vector_entry_point", render_mode="rgb_array")
