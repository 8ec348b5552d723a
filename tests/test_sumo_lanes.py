"""Shared lanes on imported nets: how a lane's saturation flow is split between the movements
using it, and lane storage (twin.traffic.lanes), on nets and demand whose answers are worked out here."""

from __future__ import annotations

import numpy as np
import pytest

from sumo_nets import NetFile, add_junction, cross_net, two_phase_program
from test_sumo_net import SAT_VPS, read, sumo_scenario
from test_sumo_routes import route_file
from traffic_helpers import make
from twin.build import build_world
from twin.traffic.lanes import expected_queue_flow_vph, lane_storage, movement_lanes
from twin.traffic.network import LEFT, RIGHT, THROUGH


def test_a_busy_movement_takes_most_of_a_shared_lane_and_a_quiet_one_keeps_enough(tmp_path):
    net = read(cross_net(tmp_path / "cross.net.xml", lanes=2))
    flow = np.where(net.q_turn == THROUGH, 900.0, 100.0)
    lanes = movement_lanes(net, flow)
    # Lane 0: right and through; lane 1: through and left. The through traffic levels the two lanes
    # (450 on each, beside 100 turning): each lane is a fifth equally, the rest by flow.
    through_part = 0.2 / 2 + 0.8 * 450 / 550
    np.testing.assert_allclose(lanes[net.q_turn == THROUGH], 2 * through_part, rtol=1e-3)
    np.testing.assert_allclose(lanes[net.q_turn == LEFT], 1 - through_part, rtol=1e-3)
    np.testing.assert_allclose(lanes[net.q_turn == RIGHT], 1 - through_part, rtol=1e-3)
    for link in net.entries[net.border_entries]:  # a link's shares add up to its lanes
        assert lanes[net.queue_of[link][net.queue_of[link] >= 0]].sum() == pytest.approx(2.0)
    # No flow expected: an equal split.
    np.testing.assert_allclose(movement_lanes(net, np.zeros(net.n_queues))[net.q_turn == THROUGH], 1.0)
    # A movement with no flow still keeps a tenth of its lane (and 5% of the part by flow).
    silent = movement_lanes(net, np.where(net.q_turn == THROUGH, 900.0, 0.0))
    np.testing.assert_allclose(silent[net.q_turn == LEFT], 0.1 + 0.8 * 0.05 / 1.05, rtol=1e-3)


def test_through_traffic_keeps_to_the_lane_a_busy_turn_does_not_need(tmp_path):
    """A right turn of 276 veh/h shares the kerb lane with a through movement of 208 that may also
    use the other lane, where 74 turn left: levelled, 205 through go left of the kerb and 3 beside
    the turn (276 + 3 = 74 + 205), so the right turn gets nearly all of the kerb lane's part by flow.
    (cologne1's busiest approach; splitting by each movement's whole flow gave it 0.53 lanes.)"""
    net = read(cross_net(tmp_path / "cross.net.xml", lanes=2))
    flow = np.select([net.q_turn == RIGHT, net.q_turn == THROUGH], [276.0, 208.0], 74.0)
    lanes = movement_lanes(net, flow)
    kerb, through_there = 276 / 279, max(3 / 279, 0.05)  # the through traffic's sliver is floored at 5%
    np.testing.assert_allclose(lanes[net.q_turn == RIGHT], 0.1 + 0.8 * kerb / (kerb + through_there), rtol=1e-3)
    left, through_left = 74 / 279, 205 / 279
    np.testing.assert_allclose(lanes[net.q_turn == LEFT], 0.1 + 0.8 * left / (left + through_left), rtol=1e-3)


def test_expected_flows_follow_the_turn_shares_and_the_routes(tmp_path):
    net = read(cross_net(tmp_path / "cross.net.xml"))
    turn_cdf = np.tile([0.2, 0.9, 1.0], (net.n_links, 1))  # left 0.2, through 0.7, right 0.1
    entry_vph = np.full(net.entries.size, 100.0)
    link = {e: k for k, e in enumerate(net.link_ids)}
    through_w = next(q for q in net.queue_of[link["w_C"]] if q >= 0 and net.q_turn[q] == THROUGH)
    route_q = np.array([[through_w]], dtype=np.int32)
    flow = expected_queue_flow_vph(net, entry_vph, turn_cdf, route_q, np.array([50.0]))
    np.testing.assert_allclose(flow[net.q_turn == LEFT], 20.0)
    np.testing.assert_allclose(flow[net.q_turn == RIGHT], 10.0)
    assert flow[through_w] == 70.0 + 50.0
    assert np.allclose(np.delete(flow, through_w)[np.delete(net.q_turn, through_w) == THROUGH], 70.0)


def test_movements_sharing_lanes_discharge_together_at_most_what_their_lanes_carry(tmp_path):
    # 30 through, 10 left and 10 right queue on the west approach in its 65 s of red. By the file's
    # flows (3:1:1) the through traffic puts 1.5 on each of its two lanes beside a turn's 1, so it
    # gets 0.1 + 0.8 x 0.6 of each lane, the turns 0.1 + 0.8 x 0.4 of theirs: at green they leave
    # together at the two lanes' 1.0 vehicle/s, as one SUMO queue per lane would.
    path = cross_net(tmp_path / "cross.net.xml", lanes=2, green_s=(60, 27))
    routes = {"t": "w_C C_e", "l": "w_C C_n", "r": "w_C C_s"}
    body = "\n".join(f'    <vehicle id="v{k}" depart="{k}"><route edges="{routes["tlr"[k % 5 // 3 + (k % 5 == 4)]]}"/></vehicle>'
                     for k in range(50))
    world, log = make(sumo_scenario(path, duration="2min", demand={"sumo_routes": str(route_file(tmp_path, body))}))
    tr = world.traffic
    link = {e: k for k, e in enumerate(tr.net.link_ids)}
    rows = tr.net.queue_of[link["w_C"]][tr.net.queue_of[link["w_C"]] >= 0]
    np.testing.assert_allclose(tr.physics.refill[rows] / SAT_VPS, [0.42, 1.16, 0.42], rtol=1e-6)  # left, through, right
    world.run(120)
    green_at = 60 + 3 + 2  # NS green, yellow, all-red
    left = sum(int(np.isin(e["cross"], rows).sum()) for e in log.events if green_at <= e["t"] < green_at + 27)
    assert 25 <= left <= 27 + 3, left  # each of the 3 buckets may hold one vehicle from the red


def test_a_full_turn_lane_holds_back_its_vehicles_not_the_link(tmp_path):
    # The west approach's left turn never gets green: its lane fills to its share of the link
    # and no further, while the link's other lanes keep room.
    net = NetFile()
    add_junction(net, "C", 0.0, 0.0, arms={"N": "n", "E": "e", "S": "s", "W": "w"})
    two_phase_program(net, "C")
    lefts_w = {c[6] for c in net.connections if c[0] == "w_C" and c[4] == "l"}
    offset, phases = net.programs["C"]
    net.programs["C"] = (offset, [(d, "".join("r" if j in lefts_w else ch for j, ch in enumerate(st)))
                                  for d, st in phases])
    path = net.write(tmp_path / "nolefts.net.xml")
    file = route_file(tmp_path, '    <flow id="l" begin="0" end="1200" period="4"><route edges="w_C C_n"/></flow>\n'
                                '    <flow id="t" begin="0" end="1200" period="20"><route edges="n_C C_s"/></flow>')
    world = build_world(sumo_scenario(path, duration="20min", demand={"sumo_routes": str(file)}))
    tr = world.traffic
    link = {e: k for k, e in enumerate(tr.net.link_ids)}
    left = next(q for q in tr.net.queue_of[link["w_C"]] if q >= 0 and tr.net.q_turn[q] == LEFT)
    cap = int(lane_storage(tr.net)[left])
    assert cap == tr.net.storage[link["w_C"]] // 2
    most = 0
    for t in range(10, 1201, 10):
        world.run(t)
        most = max(most, int(tr.queues.count[left]))
        assert tr.queues.count[left] <= cap + tr.physics.passes
    assert most >= cap  # it filled: the limit, not the demand, stopped it
    assert tr.queues.occupancy[link["w_C"]] < tr.net.storage[link["w_C"]]
