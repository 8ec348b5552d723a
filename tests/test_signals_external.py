"""External signal control: an agent picks phases, the twin keeps min green, yellow and all-red."""

from __future__ import annotations

import numpy as np

from tests.traffic_helpers import traffic_scenario
from twin.build import build_world
from twin.traffic.signals import ALL_RED, GREEN, YELLOW

TIMING = {"controller": "external", "phases": ["NS", "EW"], "green_s": [20, 20], "yellow_s": 3, "all_red_s": 2,
          "min_green_s": 10}


def _intervals(history: np.ndarray) -> list[tuple[int, int]]:
    """Runs of (interval, length in steps) in one intersection's per-second interval history."""
    change = np.flatnonzero(np.diff(history)) + 1
    bounds = np.r_[0, change, history.size]
    return [(int(history[a]), int(b - a)) for a, b in zip(bounds[:-1], bounds[1:])]


def test_an_agent_asking_for_a_change_every_second_still_gets_min_green_yellow_and_all_red():
    world = build_world(traffic_scenario(duration="10min", signals=TIMING))
    sig = world.traffic.signals
    phases, intervals = [], []
    for t in range(1, 600):
        sig.request[...] = (sig.phase + 1) % 2  # always ask for the other phase
        world.run(t)
        phases.append(sig.phase.copy())
        intervals.append(sig.interval.copy())
    intervals = np.array(intervals)
    for i in range(intervals.shape[1]):
        runs = _intervals(intervals[:, i])[1:-1]  # whole runs only
        greens = [n for kind, n in runs if kind == GREEN]
        assert greens and min(greens) == TIMING["min_green_s"]
        assert {n for kind, n in runs if kind == YELLOW} == {TIMING["yellow_s"]}
        assert {n for kind, n in runs if kind == ALL_RED} == {TIMING["all_red_s"]}
    assert len(np.unique(np.array(phases))) == 2


def test_asking_for_the_phase_that_is_green_keeps_it_and_a_later_request_switches():
    world = build_world(traffic_scenario(duration="10min", signals=TIMING))
    sig = world.traffic.signals
    sig.request[...] = 0
    world.run(300)
    assert np.all(sig.phase == 0) and np.all(sig.interval == GREEN)
    sig.request[...] = 1
    world.run(300 + TIMING["yellow_s"] + TIMING["all_red_s"] + 1)
    assert np.all(sig.phase == 1) and np.all(sig.interval == GREEN)
