"""The rule-based controllers a scenario can name, checked against the agents' versions and their rules."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from agents.baselines.signal_layout import SignalLayout
from agents.baselines.traffic import MaxPressurePolicy
from conftest import small_scenario
from envs.traffic_task import TrafficTask
from traffic_helpers import traffic_scenario, trips_of
from twin.build import build_world
from twin.tariffs import price_thresholds


def test_built_in_max_pressure_does_what_the_agent_baseline_does():
    # The same rule, read from the state every 5 s by the world, or from the env's observation by the agent.
    scenario = traffic_scenario(duration="15min", network={"rows": 2, "cols": 3}, demand={"entry_vph": 500},
                                signals={"controller": "max_pressure", "decision_s": 5})
    built_in = build_world(scenario)
    built_in.run(900)
    by_agent = build_world(scenario.model_copy(update={"traffic": scenario.traffic.model_copy(update={
        "signals": scenario.traffic.signals.model_copy(update={"controller": "external"})})}))
    task = TrafficTask(by_agent, {"queue": 1.0}, 5)
    t = scenario.traffic.demand.turning
    policy = MaxPressurePolicy(SignalLayout.from_scenario(scenario, 5), (t.left, t.through, t.right))
    for now in range(0, 900, 5):
        if now:
            by_agent.run(now)
        task.act(policy.act(task.observe().ravel()))
    by_agent.run(900)
    a, b = trips_of(built_in), trips_of(by_agent)
    assert (a.arrived_s >= 0).sum() > 200
    np.testing.assert_array_equal(a.arrived_s, b.arrived_s)
    np.testing.assert_array_equal(a.waiting_s, b.waiting_s)


def test_time_of_use_battery_and_cheap_hours_ev_follow_the_tariff():
    scenario = small_scenario(duration="2d", controllers={"battery": "time_of_use", "ev": "cheap_hours"})
    cheap, expensive = price_thresholds(scenario.tariff)
    world = build_world(scenario)
    s, energy = world.state["homes"], world.energy
    seen = {"charge": 0, "discharge": 0, "ev": 0}
    for now in range(60, scenario.duration, 60):
        world.run(now)  # the step that just ran used the price in force over the last minute
        price = energy.market.price.at(now - 60)
        battery, ev = s.battery_kw, s.ev_kw
        if price <= cheap:
            assert np.all(battery >= -1e-12)
            seen["charge"] += int((battery > 0).sum())
        elif price >= expensive:
            assert np.all(battery <= 1e-12)
            seen["discharge"] += int((battery < 0).sum())
        else:
            assert np.all(battery == 0)
        if price > cheap:
            assert np.all(ev == 0)
        else:
            seen["ev"] += int((ev > 0).sum())
    assert min(seen.values()) > 0, seen


def test_decision_period_is_checked_only_where_a_controller_reads_it():
    """decision_s must fall on traffic steps for max_pressure, and is ignored by fixed_time."""
    signals = {"green_s": [28, 28], "yellow_s": 4, "all_red_s": 2, "min_green_s": 8, "max_green_s": 46}
    traffic_scenario(resolution=2, signals=signals)  # decision_s keeps its default of 5 s, unread
    with pytest.raises(ValidationError, match=r"got 5s; must be a multiple of the traffic step \(2s\)"):
        traffic_scenario(resolution=2, signals={**signals, "controller": "max_pressure"})
    traffic_scenario(resolution=2, signals={**signals, "controller": "max_pressure", "decision_s": 6})
