"""Compiled kernels called through their bound entry points follow the arrays they are given."""

from __future__ import annotations

import numpy as np
from numba import njit

from conftest import small_scenario
from twin.build import build_world
from twin.compiled import bind
from twin.weather import WeatherSeries


@njit(cache=False)
def _scaled_sum(x, scale):
    return x.sum() * scale


def test_bound_entry_point_computes_what_the_dispatcher_does_for_each_type():
    ints, floats = np.arange(5, dtype=np.int64), np.linspace(0.0, 1.0, 5)
    assert bind(_scaled_sum, (ints, 2))(ints, 2) == _scaled_sum(ints, 2) == 20
    assert bind(_scaled_sum, (floats, 0.5))(floats, 0.5) == _scaled_sum(floats, 0.5) == 1.25
    # Each type got its own machine code, as the dispatcher's own calls would.
    assert len(_scaled_sum.overloads) == 2


def test_arguments_that_numba_types_apart_get_entry_points_of_their_own():
    from collections import namedtuple

    from twin.compiled import type_key

    pair = namedtuple("pair", ["a", "b"])
    base = np.zeros((4, 3))
    frozen = np.zeros(3)
    frozen.setflags(write=False)
    apart = [np.zeros(3), np.zeros(3, dtype=np.int64), np.zeros((1, 3)), base[:, 0], base.T, frozen,
             pair(np.zeros(3), np.zeros(3)), pair(np.zeros(3), np.zeros(3, dtype=np.float32)), (np.zeros(3),),
             1, 2**63, 1.0, True]
    keys = [type_key(value) for value in apart]
    assert len(set(keys)) == len(keys)
    assert type_key(np.ones(3)) == type_key(np.zeros(3))  # values do not matter, only types
    assert type_key(pair(np.ones(3), np.ones(3))) == keys[6]


def test_physics_steps_the_array_that_replaced_a_state_field():
    world = build_world(small_scenario())
    state = world.energy.homes.state
    world.run(3600)  # the physics has bound its arguments
    old = state.temp_air_c
    state.temp_air_c = old.copy()
    frozen = old.copy()
    world.run(7200)
    np.testing.assert_array_equal(old, frozen)  # the replaced array is no longer stepped
    assert not np.array_equal(state.temp_air_c, frozen)  # its replacement is


def _indoor_after_a_cold_snap(snap: bool, rebind_each_run: bool) -> np.ndarray:
    world = build_world(small_scenario(controllers={"heating": "external"}))  # heat_cmd 0: unheated
    physics = world.energy.physics
    world.run(3600)
    if snap:
        n = 2 * 86400 // 60 + 1
        physics.set_weather([WeatherSeries(step_s=60, temp_c=np.full(n, -25.0), ghi_w_m2=np.zeros(n))])
    if rebind_each_run:
        physics._bound_at = None
    world.run(4 * 3600)
    return world.energy.homes.state.temp_air_c.copy()


def test_new_weather_reaches_a_physics_that_has_already_run():
    cold = _indoor_after_a_cold_snap(snap=True, rebind_each_run=False)
    np.testing.assert_array_equal(cold, _indoor_after_a_cold_snap(snap=True, rebind_each_run=True))
    assert np.all(cold < _indoor_after_a_cold_snap(snap=False, rebind_each_run=False))


def test_array_state_counts_replaced_fields_not_arrays_changed_in_place():
    from twin.engine import ArrayState
    from twin.homes.state import GridRegisters

    grid = GridRegisters(energy_kwh=np.zeros(2), peak_kw=np.zeros(2), overload_s=np.zeros(2),
                         steps=np.zeros((), dtype=np.int64))
    before = ArrayState.replacements
    grid.steps += 3  # in place: the field is set to the array it already holds
    grid.energy_kwh[...] = 1.0
    assert ArrayState.replacements == before
    grid.peak_kw = np.ones(2)
    assert ArrayState.replacements == before + 1
