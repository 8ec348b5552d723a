"""The arithmetic behind the plots: distributions over homes, the worst named, long runs coarsened,
throughput and delay over time; and every plot file written for the shipped scenarios."""

from __future__ import annotations

import numpy as np
import pytest

import matplotlib.image

from conftest import small_scenario
from traffic_helpers import traffic_scenario, trips_of
from twin.build import build_world
from twin.plots import RUN_PLOT_FILES, TRAFFIC_PLOT_FILES
from twin.plots.common import coarsen, spread, worst
from twin.runner import run_scenario
from twin.plots.traffic import delay_and_throughput


def test_spread_gives_the_percentiles_over_nodes_at_each_time():
    values = np.arange(100, dtype=float)[None, :] + np.array([[0.0], [10.0]])   # two times, 100 nodes
    s = spread(values)
    np.testing.assert_allclose(s.median, [49.5, 59.5])
    np.testing.assert_allclose(s.p5, [4.95, 14.95])
    np.testing.assert_allclose(s.p95, [94.05, 104.05])
    np.testing.assert_allclose(s.low, [0, 10])
    np.testing.assert_allclose(s.high, [99, 109])


def test_worst_names_the_largest_first_and_breaks_ties_by_order():
    assert worst(np.array([1.0, 5.0, 3.0, 5.0, np.nan])).tolist() == [1, 3, 2]


def test_coarsen_keeps_totals_and_means():
    stamps = np.arange(1, 1001) * 60
    counts = np.ones((1000, 2))
    ends, sums = coarsen(stamps, counts, max_points=100, how="sum")
    assert len(ends) == 100 and ends[-1] == stamps[-1] and sums.sum() == 2000
    _, means = coarsen(stamps, counts * 3, max_points=100)
    np.testing.assert_allclose(means, 3.0)


def test_throughput_and_delay_per_slice_add_up_to_the_trips():
    world = build_world(traffic_scenario(duration="30min", demand={"entry_vph": 500}))
    world.run(1800)
    trips = trips_of(world)
    ends, vph, loss = delay_and_throughput(trips, bin_s=300)
    assert ends.tolist() == [300, 600, 900, 1200, 1500, 1800]
    arrived = trips.arrived_s >= 0
    assert (vph * 300 / 3600).sum() == pytest.approx(arrived.sum())
    counts = vph * 300 / 3600
    assert np.nansum(loss * counts) == pytest.approx(np.nansum(trips.time_loss_s()))


def test_a_city_run_draws_every_plot_as_a_real_image(tmp_path):
    # Homes with every device and a street grid in one world: each plot has its data, so each is drawn.
    scenario = small_scenario(duration="2h", traffic={"network": {"rows": 2, "cols": 2}, "demand": {"entry_vph": 400}})
    run_scenario(scenario, tmp_path / "run", progress=False)
    for name in RUN_PLOT_FILES + TRAFFIC_PLOT_FILES:
        image = matplotlib.image.imread(tmp_path / "run" / name)
        assert image.shape[0] > 250 and image.shape[1] > 500, name
        assert image[..., :3].std() > 0.05, f"{name} is blank"
