"""Yielding movements (twin.traffic.yielding, twin.traffic.sumo_yields): the gap-acceptance share
against Harders' formula written out here, and the saturation flows of movements that give way on
nets whose right of way the tests write, with the conflicting flows worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sumo_nets import NetFile, add_junction, two_phase_program, yield_to
from test_sumo_net import SAT_VPS, read, sumo_scenario
from traffic_helpers import make
from twin.replicate import tile_network
from twin.traffic.network import LEFT, RIGHT, THROUGH
from twin.traffic.yielding import CRITICAL_GAP_S, FOLLOW_UP_S, keep_share


def harders_vph(v: float) -> float:
    """Capacity of a stream crossing ``v`` veh/h (HCM's two-way-stop potential capacity)."""
    if v == 0:
        return 3600.0 / FOLLOW_UP_S
    return v * math.exp(-v * CRITICAL_GAP_S / 3600) / (1 - math.exp(-v * FOLLOW_UP_S / 3600))


def test_the_share_kept_is_harders_capacity_over_its_value_without_conflicting_traffic():
    flows = np.array([0.0, 1.0, 50.0, 300.0, 600.0, 1200.0, 2400.0])
    kept = keep_share(flows)
    np.testing.assert_allclose(kept, [harders_vph(v) / harders_vph(0) for v in flows], rtol=1e-9)
    assert kept[0] == 1.0 and np.all(np.diff(kept) < 0)  # more conflicting traffic, fewer gaps
    assert keep_share(20000.0) < 1e-6


def cross_with_permissive_lefts(path, *, lefts_yield: bool):
    """cross_net's junction, two lanes, lefts permissive in a 64 s cycle; with ``lefts_yield`` each
    left gives way to the opposing through and right traffic, as SUMO writes a permissive left."""
    net = NetFile()
    add_junction(net, "C", 0.0, 0.0, arms={"N": "n", "E": "e", "S": "s", "W": "w"})
    two_phase_program(net, "C")
    if lefts_yield:
        for side, opposite in (("N", "S"), ("S", "N"), ("E", "W"), ("W", "E")):
            yield_to(net, "C", (side, "l"), [(opposite, "s"), (opposite, "r")])
    return net.write(path)


def refills(path, entry_vph: float):
    world, _ = make(sumo_scenario(path, duration="1min", demand={"entry_vph": entry_vph}))
    tr = world.traffic
    return tr.net, tr.physics.refill[:tr.net.n_queues] / SAT_VPS


def test_a_permissive_left_keeps_the_share_of_its_flow_the_opposing_traffic_leaves_it(tmp_path):
    plain_net, plain = refills(cross_with_permissive_lefts(tmp_path / "plain.net.xml", lefts_yield=False), 600)
    net, yielding = refills(cross_with_permissive_lefts(tmp_path / "yield.net.xml", lefts_yield=True), 600)
    assert net.yield_group_q.size == 4 and plain_net.yield_group_q.size == 0
    left, others = net.q_turn == LEFT, net.q_turn != LEFT
    # The opposing approach carries 600 x (0.70 through + 0.15 right) veh/h, all of it in its 27 s
    # of green of the 64 s cycle: while the left has green it faces 510 x 64 / 27 veh/h.
    conflicting = 600 * (0.70 + 0.15) * 64 / 27
    np.testing.assert_allclose(yielding[left] / plain[left], harders_vph(conflicting) / harders_vph(0), rtol=1e-9)
    np.testing.assert_array_equal(yielding[others], plain[others])
    # No opposing traffic, nothing lost.
    _, empty_plain = refills(tmp_path / "plain.net.xml", 0)
    _, empty_yield = refills(tmp_path / "yield.net.xml", 0)
    np.testing.assert_array_equal(empty_yield, empty_plain)


def t_junction(path, *, minor_yields: bool):
    """An unsignalized T (west-east main road, a side road from the south, one lane each): the side
    road's right turn merges into the eastbound traffic and its left crosses both directions."""
    net = NetFile()
    add_junction(net, "T", 0.0, 0.0, arms={"W": "w", "E": "e", "S": "s"}, lanes=1, signalized=False)
    if minor_yields:
        yield_to(net, "T", ("S", "r"), [("W", "s")])
        yield_to(net, "T", ("S", "l"), [("W", "s"), ("E", "s"), ("E", "l")])
    return net.write(path)


def test_a_side_road_at_a_junction_without_lights_gives_way_to_the_main_road(tmp_path):
    plain_net, plain = refills(t_junction(tmp_path / "plain.net.xml", minor_yields=False), 400)
    net, yielding = refills(t_junction(tmp_path / "yield.net.xml", minor_yields=True), 400)
    link = {e: k for k, e in enumerate(net.link_ids)}
    side = net.q_link == link["s_T"]
    # Each approach has two movements: the main road's turn ratios renormalised over them.
    through_share = 0.70 / (0.70 + 0.15)
    east_through = west_through = 400 * through_share
    east_left = 400 * (1 - through_share)
    right = side & (net.q_turn == RIGHT)
    left = side & (net.q_turn == LEFT)
    np.testing.assert_allclose(yielding[right] / plain[right], harders_vph(west_through) / harders_vph(0), rtol=1e-9)
    np.testing.assert_allclose(yielding[left] / plain[left],
                               harders_vph(west_through + east_through + east_left) / harders_vph(0), rtol=1e-9)
    np.testing.assert_array_equal(yielding[~side], plain[~side])
    assert not (net.q_turn[side] == THROUGH).any()


def test_replica_worlds_carry_their_own_yield_groups(tmp_path):
    net = read(cross_with_permissive_lefts(tmp_path / "yield.net.xml", lefts_yield=True))
    tiled = tile_network(net, 3)
    g, p = net.yield_group_q.size, net.yield_pair_foe.size
    for r in range(3):
        np.testing.assert_array_equal(tiled.yield_group_q[r * g:(r + 1) * g], net.yield_group_q + r * net.n_queues)
        np.testing.assert_array_equal(tiled.yield_pair_foe[r * p:(r + 1) * p], net.yield_pair_foe + r * net.n_queues)
        np.testing.assert_array_equal(tiled.yield_pair_group[r * p:(r + 1) * p], net.yield_pair_group + r * g)
    # Each group's foes face it across the junction.
    for group, foe in zip(net.yield_pair_group, net.yield_pair_foe):
        q = net.yield_group_q[group]
        assert net.q_turn[q] == LEFT and net.q_turn[foe] in (THROUGH, RIGHT)
        assert (net.q_side[q] + 2) % 4 == net.q_side[foe]


def test_left_turners_wait_longer_when_they_give_way(tmp_path):
    """500 veh/h on every approach for 20 minutes, the same arrivals and turns either way (same
    seed): the left turners' stopped time at the line grows when they must find gaps in the
    opposing stream, and the other movements' barely changes."""
    delays = {}
    for yields in (False, True):
        path = cross_with_permissive_lefts(tmp_path / f"{yields}.net.xml", lefts_yield=yields)
        world, _ = make(sumo_scenario(path, duration="20min", demand={"entry_vph": 500}))
        world.run(1200)
        tr = world.traffic
        stopped_s = tr.queues.delay_s[:tr.net.n_queues]  # of the vehicles that left each row
        left = tr.net.q_turn == LEFT
        delays[yields] = stopped_s[left].sum(), stopped_s[~left].sum()
    assert delays[True][0] > 1.5 * delays[False][0], delays
    assert delays[True][1] == pytest.approx(delays[False][1], rel=0.25), delays
