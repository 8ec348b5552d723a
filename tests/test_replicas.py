"""A batch of replica worlds: replica k is bit for bit the single world seeded the same way."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import small_scenario
from tests.traffic_helpers import traffic_scenario
from twin.build import build_world

SEEDS = [5, 6, 7]


def _single(scenario, seed):
    return build_world(scenario.model_copy(update={"seed": seed}))


def test_replica_homes_equal_single_worlds():
    sc = small_scenario(duration="2d", homes={"count": 4})
    batch = build_world(sc, seeds=SEEDS)
    batch.run(sc.duration)
    per_replica = batch.processes["appliance_requests"].per_replica
    for k, seed in enumerate(SEEDS):
        world = _single(sc, seed)
        world.run(sc.duration)
        for part in ("homes", "home_totals"):
            for name, arr in world.state[part].arrays().items():
                n = arr.shape[0]
                np.testing.assert_array_equal(batch.state[part].arrays()[name][k * n:(k + 1) * n], arr, err_msg=name)
        first = per_replica[:k].sum()
        for name, arr in world.state["appliances"].arrays().items():
            np.testing.assert_array_equal(batch.state["appliances"].arrays()[name][first:first + arr.size], arr)
    assert not np.array_equal(batch.state["homes"].temp_air_c[:4], batch.state["homes"].temp_air_c[4:8])


@pytest.mark.parametrize("threads", [False, True], ids=["one thread", "numba threads"])
@pytest.mark.parametrize("controller", ["fixed_time", "actuated", "external"])
def test_replica_traffic_equals_single_worlds(controller, threads):
    sc = traffic_scenario(duration="15min", signals={"controller": controller},
                          demand={"entry_vph": 500, "od": [{"origin": "entry/int-0-0/W",
                                                            "destination": "exit/int-1-1/E", "vph": 200}]})
    batch = build_world(sc, seeds=SEEDS)
    tb = batch.traffic
    tb.physics.threads = threads  # the parallel kernel (used from 64 replicas on) must agree too
    _small_turn_pool(tb)
    n_int = tb.net.n_int // len(SEEDS)
    tb.signals.request[...] = np.tile(np.arange(n_int) % 2, len(SEEDS))
    batch.run(sc.duration)
    k_all = len(SEEDS)
    for k, seed in enumerate(SEEDS):
        world = _single(sc, seed)
        tw = world.traffic
        _small_turn_pool(tw)
        tw.signals.request[...] = np.arange(n_int) % 2
        world.run(sc.duration)
        n_q, n_e, n_l = tw.net.n_queues, tw.net.entries.size, tw.net.n_links
        rows = np.r_[np.arange(k * n_q, (k + 1) * n_q), k_all * n_q + np.arange(k * n_e, (k + 1) * n_e)]
        for name in ("count", "delay_s", "tokens"):
            np.testing.assert_array_equal(getattr(tb.queues, name)[rows], getattr(tw.queues, name), err_msg=name)
        np.testing.assert_array_equal(tb.queues.occupancy[k * n_l:(k + 1) * n_l], tw.queues.occupancy[:n_l])
        for name in ("phase", "interval", "t_in_s"):
            np.testing.assert_array_equal(getattr(tb.signals, name)[k * n_int:(k + 1) * n_int],
                                          getattr(tw.signals, name), err_msg=name)
        np.testing.assert_array_equal(tb.turns.u[k], tw.turns.u[0])
        assert tb.turns.used[k] == tw.turns.used[0]
    assert int(tb.vehicles.n) > 0
    # Each replica drew many blocks of turns, so refills happened at different steps per replica.
    assert int(tb.vehicles.n) > 10 * tb.turns.u.shape[1]


def _small_turn_pool(traffic) -> None:
    """Shrink the turn pool to the smallest safe block, so a short run refills it many times."""
    k = traffic.turns.used.size
    block = traffic.physics.turns_per_step + 3
    traffic.turns.u, traffic.turns.used = np.zeros((k, block)), np.full(k, block)


def test_uniform_rows_draw_each_replicas_rows_from_its_own_stream():
    """Replica k's block is what a single world seeded the same way draws, empty replicas draw nothing."""
    from twin.streams import Streams, generator

    batch = Streams.from_seeds([5, 6, 7])
    got = batch.uniform_rows(2, np.array([3, 0, 2]))
    expected = np.concatenate([generator(5).random((2, 3)), generator(7).random((2, 2))], axis=1)
    assert got.shape == (2, 5) and np.array_equal(got, expected)
    assert np.array_equal(batch.gens[1].random(4), generator(6).random(4))  # replica 1 did not move
    assert np.array_equal(Streams.from_seeds([5]).uniform_rows(2, np.array([3])), generator(5).random((2, 3)))
