"""Bad inputs to the environments: non-real actions, seeds that are not whole numbers, closed envs."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import envs
from envs import neighborhood_v0, traffic_grid_v0

HOME = {"duration": "1h"}
NEIGHBORHOOD = {"duration": "1h", "overrides": ("homes.count=3",)}
TRAFFIC = {"duration": "5min",
           "overrides": ("traffic.network.rows=1", "traffic.network.cols=2", "traffic.demand.od=[]")}
NOT_REAL = [([True, False, True], "bool values"), ([1j, 0, 0], "complex values"), (["a", "b", "c"], "text values"),
            (np.array([0.0, 0.0, 0.0], dtype=object), "object values"), ([[0.0], [0.0, 1.0]], "not an array")]


def makers():
    """(name, make, kind) of every environment flavour: single, PettingZoo parallel and native vector."""
    return [
        ("home", lambda: gym.make("twin/SmartHome-v0", **HOME), "single"),
        ("neighborhood", lambda: gym.make("twin/Neighborhood-v0", **NEIGHBORHOOD), "single"),
        ("traffic", lambda: gym.make("twin/TrafficGrid-v0", **TRAFFIC), "single"),
        ("neighborhood-parallel", lambda: neighborhood_v0.parallel_env(**NEIGHBORHOOD), "parallel"),
        ("traffic-parallel", lambda: traffic_grid_v0.parallel_env(**TRAFFIC), "parallel"),
        ("home-vector", lambda: gym.make_vec("twin/SmartHome-v0", num_envs=2, vectorization_mode="vector_entry_point",
                                             **HOME), "vector"),
        ("traffic-vector", lambda: gym.make_vec("twin/TrafficGrid-v0", num_envs=2,
                                                vectorization_mode="vector_entry_point", **TRAFFIC), "vector"),
    ]


MAKERS = makers()


def some_action(env, kind):
    if kind == "parallel":
        return {a: env.action_space(a).sample() for a in env.agents}
    return env.action_space.sample()


@pytest.mark.parametrize("action,match", NOT_REAL, ids=[m for _, m in NOT_REAL])
def test_box_actions_must_be_real_numbers(action, match):
    home = gym.make("twin/SmartHome-v0", **HOME)
    home.reset(seed=0)
    with pytest.raises(envs.InvalidAction, match=match):
        home.step(action)
    parallel = neighborhood_v0.parallel_env(**NEIGHBORHOOD)
    parallel.reset(seed=0)
    actions = {a: parallel.action_space(a).sample() for a in parallel.agents}
    actions[parallel.agents[1]] = action
    with pytest.raises(envs.InvalidAction, match=match):
        parallel.step(actions)
    vector = gym.make_vec("twin/SmartHome-v0", num_envs=3, vectorization_mode="vector_entry_point", **HOME)
    vector.reset(seed=0)
    with pytest.raises(envs.InvalidAction, match=match):
        vector.step([action] * 3)


@pytest.mark.parametrize("name,make,kind", MAKERS, ids=[m[0] for m in MAKERS])
def test_seeds_must_be_none_or_whole_numbers(name, make, kind):
    env = make()
    for seed in (1.5, True, -1, "3", [1]):
        with pytest.raises(envs.InvalidSeed, match="seed must be None or a whole number >= 0|seeds for num_envs"):
            env.reset(seed=seed)
    env.reset(seed=np.int64(3))
    if kind == "vector":
        env.reset(seed=[4, None])
        with pytest.raises(envs.InvalidSeed, match=r"got 2.5 \(float\)"):
            env.reset(seed=[4, 2.5])


@pytest.mark.parametrize("name,make,kind", MAKERS, ids=[m[0] for m in MAKERS])
def test_a_closed_env_refuses_to_step_or_reset(name, make, kind):
    env = make()
    env.reset(seed=0)
    action = some_action(env, kind)
    env.close()
    env.close()  # closing twice is allowed
    with pytest.raises(RuntimeError, match="is closed; make a new one"):
        env.step(action)
    with pytest.raises(RuntimeError, match="is closed; make a new one"):
        env.reset(seed=0)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64),
                          st.floats(-1.5, 1.5)), min_size=1, max_size=7),
       st.floats(-2.0, 0.0), st.floats(0.0, 2.0))
def test_the_compiled_box_check_accepts_exactly_what_numpy_bounds_accept(values, low, high):
    from gymnasium import spaces

    from envs.actions import box_actions

    space = spaces.Box(low, high, shape=(len(values),), dtype=np.float32)
    a = np.array(values, dtype=np.float64)
    accepted = bool(np.all(np.isfinite(a)) and np.all(a >= space.low) and np.all(a <= space.high))
    if accepted:
        assert np.array_equal(box_actions(a, space, "t"), a)
    else:
        with pytest.raises(envs.InvalidAction, match="must lie in"):
            box_actions(a, space, "t")
