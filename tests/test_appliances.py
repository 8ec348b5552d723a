"""Appliance cycles deliver their energy at any resolution and end; requests follow occupancy."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import small_scenario
from twin.build import build_world
from twin.homes.appliances import APPLIANCE_KINDS, appliance_power_kw, cycle_energy_kwh, profile_table_kw
from twin.homes.state import ApplianceParams, ApplianceState


@pytest.mark.parametrize("dt_s", [60, 300, 900])
def test_each_cycle_delivers_its_energy_then_ends(dt_s):
    kinds = np.arange(len(APPLIANCE_KINDS), dtype=np.int8)
    params = ApplianceParams(home=np.arange(kinds.size, dtype=np.int32), kind=kinds, names=APPLIANCE_KINDS)
    state = ApplianceState(start_s=np.zeros(kinds.size, dtype=np.int64), requested_s=np.zeros(kinds.size, dtype=np.int64))
    table, lengths = profile_table_kw(dt_s)
    energy = np.zeros(kinds.size)
    for k in range(3 * 3600 // dt_s):
        energy += appliance_power_kw(params, state, table, lengths, k * dt_s, dt_s, kinds.size) * dt_s / 3600
    np.testing.assert_allclose(energy, cycle_energy_kwh(), rtol=1e-12)
    assert np.all(state.start_s == -1)


def test_nobody_asks_for_a_cycle_while_everyone_is_away():
    world = build_world(small_scenario(duration="6h"))
    energy = world.energy
    energy.homes.state.occupancy[...] = 0
    world.processes["occupancy"].fire = lambda now_s: None  # keep everyone away
    world.run(6 * 3600)
    assert np.all(energy.homes.appliance_state.requested_s == -1)


def test_awake_homes_run_cycles_over_a_day():
    world = build_world(small_scenario())
    world.run(86400)
    requested = world.energy.homes.appliance_state.requested_s
    assert (requested >= 0).sum() >= 5


def test_the_profile_table_is_each_callers_own():
    table, lengths = profile_table_kw(300)
    expected = table.copy()
    table[...] = -1.0
    lengths[...] = 0
    again, again_lengths = profile_table_kw(300)
    assert np.array_equal(again, expected) and again_lengths.min() > 0
