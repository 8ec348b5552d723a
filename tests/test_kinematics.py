"""Speed changes at junctions (twin.traffic.kinematics): the closed-form losses against a vehicle
integrated step by step, a lone vehicle's trip timed by hand, and short links that still carry
their saturation flow.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sumo_nets import NetFile, add_junction, cross_net, two_phase_program
from test_sumo_net import sumo_scenario
from traffic_helpers import traffic_scenario, trips_of
from twin.build import build_world
from twin.traffic.kinematics import junction_times, storage_for_moving_vehicles
from twin.traffic.network import LEFT, RIGHT, THROUGH, road_network

A, B = 2.6, 4.5  # m/s², the defaults


def integrated_loss_s(v_in: float, u: float, v_out: float, *, from_rest: bool, zone_m: float = 60.0,
                      dt: float = 2e-4) -> float:
    """What a vehicle loses against the speed limits of its way, found by driving it: 300 m at
    ``v_in``, a junction ``zone_m`` long at ``u``, 300 m at ``v_out``. It keeps to the limits,
    accelerating at A and braking at B no later than it must to meet a lower one; ``from_rest``
    it starts standing at the junction's start. Euler steps of ``dt`` (s), not closed forms."""
    z0, z1, end = 300.0, 300.0 + zone_m, 600.0 + zone_m

    def limit(x: float) -> float:
        return v_in if x < z0 else (u if x < z1 else v_out)

    x, v, t = (z0, 0.0, 0.0) if from_rest else (0.0, v_in, 0.0)
    while x < end:
        allowed = limit(x)
        if x < z0:  # the lower limit ahead: no faster than braking at B can still meet it
            allowed = min(allowed, np.sqrt(u * u + 2 * B * (z0 - x)))
        v = min(v + A * dt, allowed)
        x += v * dt
        t += dt
    ideal = (0.0 if from_rest else z0 / v_in) + zone_m / u + 300.0 / v_out
    return t - ideal


def test_the_closed_form_losses_are_what_braking_and_accelerating_take(tmp_path):
    net = road_network(sumo_scenario(cross_net(tmp_path / "c.net.xml")).traffic)
    # Turns slower than the roads (the writer's junction has no internal lanes of its own).
    turn_speed = np.where(net.q_turn == LEFT, 9.0, np.where(net.q_turn == RIGHT, 6.0, 20.0))
    net = dataclasses.replace(net, q_turn_speed_mps=turn_speed)
    times = junction_times(net, accel_mps2=A, decel_mps2=B, shortfall_mps=0.0, dt_s=1)  # drivers at the limit
    for turn in (LEFT, THROUGH, RIGHT):
        q = int(np.flatnonzero(net.q_turn == turn)[0])
        v_in, v_out = net.speed_mps[net.q_link[q]], net.speed_mps[net.q_out[q]]
        u = min(turn_speed[q], v_in, v_out)
        assert times.pass_loss_s[q] == pytest.approx(integrated_loss_s(v_in, u, v_out, from_rest=False), abs=5e-3)
        assert times.stop_loss_s[q] == pytest.approx(integrated_loss_s(v_in, u, v_out, from_rest=True), abs=5e-3)
        assert times.stop_wait_s[q] == pytest.approx(v_in / (2 * B))  # braking to a standstill costs this
    assert times.pass_loss_s[np.flatnonzero(net.q_turn == THROUGH)].max() == 0  # a through movement loses nothing


def lone_trip_net(path: Path, *, cross_m: float, cross_mps: float) -> Path:
    """The cross junction with its west -> east way through ``cross_m`` long at ``cross_mps``."""
    net = NetFile()
    add_junction(net, "C", 0.0, 0.0, arms={"N": "n", "E": "e", "S": "s", "W": "w"})
    net.internal[("w_C", "C_e")] = (cross_m, cross_mps)
    two_phase_program(net, "C")  # north-south green first: 27 s, yellow 3, all-red 2, then east-west
    return net.write(path)


def test_a_lone_vehicle_stopped_by_red_loses_its_starts_and_crosses_at_the_junctions_speed(tmp_path):
    net_path = lone_trip_net(tmp_path / "c.net.xml", cross_m=20.0, cross_mps=10.0)
    routes = tmp_path / "one.rou.xml"
    routes.write_text('<routes><vehicle id="v" depart="0"><route edges="w_C C_e"/></vehicle></routes>\n')
    world = build_world(sumo_scenario(net_path, duration="3min", demand={"sumo_routes": str(routes)}))
    net = world.traffic.net
    q = int(np.flatnonzero((net.q_link == net.link_index("w_C")) & (net.q_out == net.link_index("C_e")))[0])
    assert (net.q_cross_s[q], net.q_turn_speed_mps[q]) == pytest.approx((2.0, 10.0))
    world.run(180)
    trips = trips_of(world)
    v, u, d, step = 13.89, 10.0, 1.0, np.ceil
    # By hand, in whole seconds: inserted from rest at 0 (SUMO's departSpeed 0), 200 m at v, v / 2A
    # lost and the drivers' 1 m/s below v where they cruise (the 200 m less v^2/2A speeding up and
    # v^2/2B slowing): at the line at 18 s, in the north-south green. East-west green at 32 s; from
    # the stop, 20 m at u plus 200 m at v, losing u / 2A + (v - u)^2 / 2vA speeding up, and cruising
    # again: 20 s more.
    cruising_m = 200 - v * v / (2 * A) - v * v / (2 * B)
    cruise = cruising_m / (v - d) - cruising_m / v
    at_line = step(200 / v + v / (2 * A) + cruise)
    green = 27 + 3 + 2
    arrive = green + step(2.0 + 200 / v + u / (2 * A) + (v - u) ** 2 / (2 * v * A) + cruise)
    assert (at_line, arrive) == (18, 52)
    assert trips.arrived_s[0] == arrive
    assert trips.waiting_s[0] == green - at_line
    free_flow = step(200 / v) + step(2.0 + 200 / v)  # the junction's 2 s is driving, not lost time
    assert trips.free_flow_s[0] == free_flow
    assert trips.time_loss_s()[0] == arrive - free_flow


def test_slower_acceleration_lengthens_a_trip_and_a_vehicle_never_stopped_loses_only_its_cruising():
    # One intersection: every trip is an entry link and an exit link, 250 m each at 12.5 m/s.
    def arrivals(accel: float, shortfall: float) -> np.ndarray:
        world = build_world(traffic_scenario(duration="10min", network={"rows": 1, "cols": 1},
                                             demand={"entry_vph": 300}, accel_mps2=accel,
                                             speed_shortfall_mps=shortfall))
        world.run(600)
        return trips_of(world)

    quick, slow = arrivals(5.0, 0.0), arrivals(1.0, 0.0)
    arrived = (quick.arrived_s >= 0) & (slow.arrived_s >= 0)
    assert np.mean(slow.time_loss_s()[arrived]) > np.mean(quick.time_loss_s()[arrived]) + 3
    v = 45 / 3.6
    cruising_m = 250 - v * v / (2 * A) - v * v / (2 * B)
    per_link = np.ceil(250 / v + cruising_m / (v - 1.0) - cruising_m / v) - 250 / v
    for trips, per_link in ((quick, 0), (slow, 0), (arrivals(A, 1.0), per_link)):
        never = (trips.arrived_s >= 0) & (trips.stops == 0)
        assert never.sum() > 10
        np.testing.assert_array_equal(trips.time_loss_s()[never], 2 * per_link)


def short_link_chain(path: Path, link_m: float) -> Path:
    """West border -> J1 -> (``link_m`` m) -> J2 -> east border, one lane, priority junctions; J1 is
    crossed slowly, so a vehicle is on the short link for several seconds."""
    net = NetFile()
    net.junctions.update({"w": (-200.0, 0.0, "dead_end"), "J1": (0.0, 0.0, "priority"),
                          "J2": (link_m, 0.0, "priority"), "e": (link_m + 200.0, 0.0, "dead_end")})
    net.edges += [("w_J1", "w", "J1", 1, 13.89), ("J1_J2", "J1", "J2", 1, 13.89), ("J2_e", "J2", "e", 1, 13.89)]
    net.connections += [("w_J1", "J1_J2", 0, 0, "s", "", 0), ("J1_J2", "J2_e", 0, 0, "s", "", 0)]
    net.internal[("w_J1", "J1_J2")] = (20.0, 5.0)  # a slow way through J1: 7 s from J1 to J2's line
    return net.write(path)


def test_a_link_a_few_metres_long_still_carries_its_lanes_saturation_flow(tmp_path):
    path = short_link_chain(tmp_path / "chain.net.xml", link_m=6.0)
    sc = sumo_scenario(path, duration="30min", demand={"entry_vph": 3000})  # beyond one lane's 1800
    net = road_network(sc.traffic)
    short = net.link_index("J1_J2")
    assert net.storage[short] > int(6.0 / sc.traffic.jam_spacing_m) + 1
    assert np.array_equal(storage_for_moving_vehicles(net, accel_mps2=A, decel_mps2=B, shortfall_mps=1.0, dt_s=1),
                          net.storage)
    world = build_world(sc)
    world.run(1800)
    trips = trips_of(world)
    arrived = (trips.arrived_s > 600).sum()  # after the first 10 minutes: a steady saturated flow
    assert arrived == pytest.approx(1800 * (1800 - 600) / 3600, rel=0.03)  # one lane's 1,800 veh/h
