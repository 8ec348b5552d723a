"""Demand from SUMO route files: departures at SUMO's times, vehicles on their routes, random flows
drawn from the seed, and the errors for what twin cannot drive.

Expected departure times are worked out here from SUMO's definitions (a flow of v vehicles/hour
inserts one every 3600 / v s from its begin; ``number`` spreads them evenly over begin..end).
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from sumo_nets import corridor_net
from test_bad_inputs import ENV, TWIN, assert_refused, twin
from test_sumo_net import sumo_scenario
from traffic_helpers import trips_of
from twin.build import build_world
from twin.scenario import load_scenario
from twin.traffic.demand import link_graph
from twin.traffic.network import road_network
from twin.traffic.sumo_routes import RouteFileError, read_sumo_routes

ROUTES = """<routes>
    <vType id="car" vClass="passenger" length="4.5"/>
    <route id="east" edges="aw_A A_B B_be"/>
{body}
</routes>
"""


def route_file(folder: Path, body: str) -> Path:
    path = folder / "demand.rou.xml"
    path.write_text(ROUTES.format(body=body))
    return path


def read(folder: Path, body: str, *, begin_s: float = 0, horizon_s: int = 3600, dt_s: int = 1, skip: bool = False):
    net_path = corridor_net(folder / "c.net.xml")
    net = road_network(sumo_scenario(net_path).traffic)
    return net, read_sumo_routes(route_file(folder, body), net, link_graph(net, dt_s), begin_s=begin_s,
                                 horizon_s=horizon_s, dt_s=dt_s, skip_unroutable=skip)


def edges(net, demand, r: int) -> list[str]:
    return [net.link_ids[k] for k in demand.routes[r]]


def test_vehicles_trips_and_flows_depart_when_sumo_would(tmp_path):
    net, d = read(tmp_path, """
    <vehicle id="v0" depart="5" route="east"/>
    <vehicle id="v1" depart="7.5"><route edges="an_A A_as"/></vehicle>
    <trip id="t0" depart="12" from="bs_B" to="A_aw"/>
    <flow id="f0" route="east" begin="100" end="160" vehsPerHour="360"/>
    <flow id="f1" from="as_A" to="B_bn" begin="200" end="300" number="4"/>
    <flow id="f2" route="east" begin="400" period="25" number="3"/>
    <flow id="f3" route="east" begin="3590" end="3700" period="4"/>""")
    named = {tuple(edges(net, d, r)): r for r in range(d.n_routes)}
    east, south = named[("aw_A", "A_B", "B_be")], named[("an_A", "A_as")]
    trip = named[("bs_B", "B_A", "A_aw")]  # the trip's shortest route
    assert ("as_A", "A_B", "B_bn") in named
    departures = list(zip(d.depart_s.tolist(), d.depart_route.tolist()))
    want = sorted([(5, east), (8, south), (12, trip)]                      # 7.5 s waits for the step at 8
                  + [(t, east) for t in (100, 110, 120, 130, 140, 150)]   # every 3600 / 360 s
                  + [(t, named[("as_A", "A_B", "B_bn")]) for t in (200, 225, 250, 275)]
                  + [(t, east) for t in (400, 425, 450)]
                  + [(t, east) for t in (3590, 3594, 3598)])              # the rest fall after the run
    assert departures == want
    assert d.flow_route.size == 0 and d.left_out == 0


def test_sumo_begin_shifts_times_and_steps_round_departures_up(tmp_path):
    _, d = read(tmp_path, """
    <vehicle id="early" depart="25199" route="east"/>
    <vehicle id="v0" depart="25200" route="east"/>
    <vehicle id="v1" depart="25203.2" route="east"/>
    <vehicle id="late" depart="28800" route="east"/>""", begin_s=25200, dt_s=5)
    assert d.depart_s.tolist() == [0, 5]


def test_vehicles_of_the_file_drive_their_routes_and_nothing_else_comes(tmp_path):
    body = "\n".join(f'    <vehicle id="v{k}" depart="{3 * k}" route="east"/>' for k in range(100))
    body += '\n    <flow id="s" begin="0" end="1200" vehsPerHour="180"><route edges="bn_B B_A A_as"/></flow>'
    net_path = corridor_net(tmp_path / "c.net.xml")
    sc = sumo_scenario(net_path, duration="30min", demand={"sumo_routes": str(route_file(tmp_path, body))})
    world = build_world(sc)
    world.run(30 * 60)
    trips = trips_of(world)
    assert len(trips) == 100 + 60  # no Poisson entries: entry_vph is 0 with a route file unless given
    assert (trips.arrived_s >= 0).all()
    routes = Counter(zip(trips.origin, trips.destination))
    assert routes == {("aw_A", "B_be"): 100, ("bn_B", "A_as"): 60}
    np.testing.assert_array_equal(np.sort(trips.generated_s[np.array(trips.origin) == "aw_A"]), 3 * np.arange(100))
    # Free flow is the sum of the route's links (whole steps), so every vehicle drove all of them.
    link = {e: k for k, e in enumerate(world.traffic.net.link_ids)}
    east_s = sum(np.ceil(world.traffic.net.free_flow_s[link[e]]) for e in ("aw_A", "A_B", "B_be"))
    assert np.all(trips.free_flow_s[np.array(trips.origin) == "aw_A"] == east_s)


def test_entry_vph_given_beside_a_route_file_adds_poisson_arrivals(tmp_path):
    net_path = corridor_net(tmp_path / "c.net.xml")
    file = route_file(tmp_path, '    <vehicle id="v0" depart="1" route="east"/>')
    world = build_world(sumo_scenario(net_path, duration="30min", demand={"sumo_routes": str(file), "entry_vph": 120}))
    world.run(30 * 60)
    assert len(trips_of(world)) > 200  # 6 entries x 120 vph x 0.5 h = 360 expected


def test_random_flows_draw_from_the_seed_at_their_rate(tmp_path):
    net_path = corridor_net(tmp_path / "c.net.xml")
    file = route_file(tmp_path, """
    <flow id="p" route="east" begin="0" end="3600" probability="0.3"/>
    <flow id="x" begin="1800" end="3600" period="exp(0.1)"><route edges="an_A A_as"/></flow>""")

    def trips(seed: int):
        world = build_world(sumo_scenario(net_path, duration="1h", seed=seed, demand={"sumo_routes": str(file)}))
        world.run(3600)
        return trips_of(world)

    first, again, other = trips(3), trips(3), trips(4)
    np.testing.assert_array_equal(first.generated_s, again.generated_s)
    assert not np.array_equal(first.generated_s, other.generated_s)
    east = first.generated_s[np.array(first.origin) == "aw_A"]
    south = first.generated_s[np.array(first.origin) == "an_A"]
    # Bernoulli per second: 1,080 expected, sd 27.5; Poisson 0.1/s over 1,800 s: 180, sd 13.4.
    assert abs(east.size - 1080) < 5 * 27.5 and abs(south.size - 180) < 5 * 13.4
    assert south.min() >= 1800
    # At most one vehicle a second from a probability flow.
    assert np.bincount(east).max() == 1


def test_unroutable_vehicles_are_refused_by_name_or_left_out_and_counted(tmp_path):
    body = """
    <vehicle id="ok" depart="1" route="east"/>
    <vehicle id="uturn" depart="2"><route edges="aw_A A_B B_A A_aw"/></vehicle>
    <vehicle id="inside" depart="3"><route edges="A_B B_be"/></vehicle>
    <vehicle id="short" depart="4"><route edges="aw_A A_B"/></vehicle>
    <vehicle id="leaving" depart="5"><route edges="B_be"/></vehicle>
    <vehicle id="ghost" depart="6"><route edges="aw_A nowhere"/></vehicle>"""
    with pytest.raises(RouteFileError, match=r"<vehicle id='uturn'>: no connection from 'A_B' to 'B_A'.*unroutable: skip"):
        read(tmp_path, body)
    net, d = read(tmp_path, body, skip=True)
    # "inside" departs inside the net, "short" ends inside it and "leaving" departs on an exit: all drive.
    assert d.left_out == 2 and d.depart_s.tolist() == [1, 3, 4, 5]
    assert d.left_out_why == ("uturn: no connection from 'A_B' to 'B_A'",
                              "ghost: edge 'nowhere' is not a road of the net cars may use")


def test_a_route_that_ends_inside_the_net_leaves_it_at_the_end_of_its_last_edge(tmp_path):
    body = "\n".join(f'    <vehicle id="s{k}" depart="{10 * k}"><route edges="aw_A A_B"/></vehicle>' for k in range(30))
    body += "\n" + "\n".join(f'    <vehicle id="e{k}" depart="{10 * k + 5}" route="east"/>' for k in range(30))
    net_path = corridor_net(tmp_path / "c.net.xml")
    world = build_world(sumo_scenario(net_path, duration="10min", demand={"sumo_routes": str(route_file(tmp_path, body))}))
    tr = world.traffic
    link = {e: k for k, e in enumerate(tr.net.link_ids)}
    for t in range(10, 601, 10):
        world.run(t)
        # Vehicles that have left by A_B's end hold no room on it.
        assert tr.queues.occupancy[link["A_B"]] == tr.queues.count[tr.net.queue_of[link["A_B"]][tr.net.queue_of[link["A_B"]] >= 0]].sum()
    trips = trips_of(world)
    ends = Counter(d for d, a in zip(trips.destination, trips.arrived_s) if a >= 0)
    assert ends["A_B"] >= 25 and ends["B_be"] >= 20
    short = np.array(trips.destination) == "A_B"
    link_s = {e: np.ceil(tr.net.free_flow_s[link[e]]) for e in ("aw_A", "A_B")}
    assert np.all(trips.free_flow_s[short] == link_s["aw_A"] + link_s["A_B"])


def test_vehicles_depart_inside_the_net_from_their_first_road_and_no_poisson_flow_starts_there(tmp_path):
    """Route-file vehicles on A_B (between the two lights) wait in that road's outside queue and
    drive from its start, the same time to B's line as one that came from A; the entries' Poisson
    flow arrives only at the border."""
    inside = "\n".join(f'    <vehicle id="i{k}" depart="{20 * k}"><route edges="A_B B_be"/></vehicle>' for k in range(20))
    net_path = corridor_net(tmp_path / "c.net.xml")
    world = build_world(sumo_scenario(net_path, duration="15min",
                                      demand={"entry_vph": 300, "sumo_routes": str(route_file(tmp_path, inside))}))
    tr = world.traffic
    link = {e: k for k, e in enumerate(tr.net.link_ids)}
    assert link["A_B"] in tr.net.entries.tolist() and not tr.net.border_entries[tr.net.entries == link["A_B"]][0]
    world.run(900)
    trips = trips_of(world)
    origin = np.array(trips.origin)
    mine = origin == "A_B"
    assert mine.sum() == 20, "every route-file vehicle, and no Poisson one, starts on A_B"
    assert set(origin[~mine]) <= {tr.net.link_ids[e] for e in tr.net.entries[tr.net.border_entries]}
    arrived = trips.arrived_s[mine]
    assert (arrived >= 0).sum() >= 18
    assert np.all(trips.entered_s[mine] >= trips.generated_s[mine])
    # Free-flow time of one that departs inside: A_B from its start, then B_be.
    ideal = tr.net.free_flow_s[link["A_B"]] + tr.net.free_flow_s[link["B_be"]]
    assert np.all(trips.free_flow_s[mine][arrived >= 0] >= np.floor(ideal))
    assert np.all(trips.free_flow_s[mine][arrived >= 0] <= np.ceil(ideal) + 2)


SCENARIO = """\
name: routes
duration: 20min
homes: {{count: 0}}
outputs: {{record: [], plots: false}}
traffic:
  network: {{sumo_net: c.net.xml}}
  demand: {{sumo_routes: demand.rou.xml{extra}}}
"""


def test_twin_run_reads_the_route_file_beside_the_scenario_and_notes_what_it_left_out(tmp_path):
    corridor_net(tmp_path / "c.net.xml")
    route_file(tmp_path, """
    <flow id="f" route="east" begin="0" end="1200" vehsPerHour="600"/>
    <vehicle id="uturn" depart="3"><route edges="aw_A A_B B_A A_aw"/></vehicle>""")
    path = tmp_path / "routes.yaml"
    path.write_text(SCENARIO.format(extra=", unroutable: skip"))
    scenario = load_scenario(path)
    assert Path(scenario.traffic.demand.sumo_routes) == (tmp_path / "demand.rou.xml").resolve()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = twin("run", str(path), "--out", str(elsewhere / "run"), "--quiet", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert re.search(r"vehicles_generated +200\.0 ", result.stdout)
    assert ("note: 1 vehicle(s) of the route file left out (unroutable: skip), e.g. uturn: no connection from "
            "'A_B' to 'B_A'") in result.stdout


BAD_FILES = {
    "uturn": ('<vehicle id="u" depart="2"><route edges="aw_A A_B B_A A_aw"/></vehicle>',
              ["<vehicle id='u'>", "no connection from 'A_B' to 'B_A'", "unroutable: skip"]),
    "person": ('<person id="p" depart="0"><walk edges="aw_A A_B"/></person>', ["holds persons (<person>)"]),
    "stop": ('<vehicle id="s" depart="0" route="east"><stop lane="A_B_0" duration="20"/></vehicle>',
             ["<vehicle id='s'>", "has <stop>s"]),
    "missing_route": ('<vehicle id="m" depart="0" route="west"/>', ["route 'west' is not a <route> defined"]),
    "triggered": ('<vehicle id="t" depart="triggered" route="east"/>', ["depart='triggered' is not a number"]),
    "two_rates": ('<flow id="f" route="east" begin="0" end="60" vehsPerHour="60" probability="0.1"/>',
                  ["<flow id='f'>", "give one of vehsPerHour, period, probability or number"]),
    "taz": ('<trip id="z" depart="0" fromTaz="a" toTaz="b"/>', ["needs a route", "fromTaz, toTaz are not read"]),
    "not_xml": (None, ["not a SUMO route file sumolib can read"]),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_route_file_twin_cannot_use_is_refused_naming_the_element(case, tmp_path):
    body, needles = BAD_FILES[case]
    corridor_net(tmp_path / "c.net.xml")
    if body is None:
        (tmp_path / "demand.rou.xml").write_text("<routes><vehicle")
    else:
        route_file(tmp_path, "    " + body)
    path = tmp_path / "routes.yaml"
    path.write_text(SCENARIO.format(extra=""))
    assert_refused(twin("validate", str(path), cwd=tmp_path), path, ["traffic.demand.sumo_routes", *needles])


def test_a_route_file_needs_a_sumo_network_and_must_exist(tmp_path):
    path = tmp_path / "grid.yaml"
    path.write_text("name: g\nhomes: {count: 0}\ntraffic:\n  demand: {sumo_routes: x.rou.xml}\n")
    assert_refused(twin("validate", str(path), cwd=tmp_path), path,
                   ["traffic.demand.sumo_routes", "set network.sumo_net"])
    corridor_net(tmp_path / "c.net.xml")
    path.write_text(SCENARIO.format(extra=""))
    assert_refused(twin("validate", str(path), cwd=tmp_path), path,
                   ["traffic.demand.sumo_routes", "'demand.rou.xml'", "no such file"])


def fake_sumo_rl(site: Path) -> None:
    """A folder laid out as an installed sumo-rl: ``sumo_rl/nets/RESCO/grid4x4/`` with a small net
    and route file under RESCO's names (the real ones are not the tests' to copy)."""
    folder = site / "sumo_rl" / "nets" / "RESCO" / "grid4x4"
    folder.mkdir(parents=True)
    (site / "sumo_rl" / "__init__.py").write_text("raise ImportError('twin must not import sumo-rl')\n")
    corridor_net(folder / "grid4x4.net.xml")
    (folder / "grid4x4_1.rou.xml").write_text(ROUTES.format(body='    <flow id="f" route="east" begin="0" end="600" period="10"/>'))


def test_sumo_rl_networks_are_read_from_the_installed_package_by_name(tmp_path):
    site = tmp_path / "site"
    fake_sumo_rl(site)
    path = tmp_path / "resco.yaml"
    path.write_text("name: resco\nduration: 10min\nhomes: {count: 0}\noutputs: {record: [], plots: false}\n"
                    'traffic:\n  network: {sumo_net: "sumo-rl:grid4x4"}\n  demand: {sumo_routes: "sumo-rl:grid4x4"}\n')
    env = {**ENV, "PYTHONPATH": str(site)}
    result = subprocess.run([str(TWIN), "run", str(path), "--out", str(tmp_path / "run"), "--quiet"],
                            capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "the SUMO network grid4x4.net.xml" in result.stdout, result.stdout
    assert re.search(r"vehicles_generated +60\.000 +veh", result.stdout), result.stdout
    # Without sumo-rl, and for a name sumo-rl does not have, the field says what to do.
    assert_refused(twin("validate", str(path), cwd=tmp_path), path,
                   ["traffic.network.sumo_net", "sumo-rl is not installed", "pip install sumo-rl"])
    path.write_text(path.read_text().replace("sumo-rl:grid4x4", "sumo-rl:grid5x5", 1))
    refused = subprocess.run([str(TWIN), "validate", str(path)], capture_output=True, text=True, timeout=120,
                             env=env, cwd=tmp_path)
    assert_refused(refused, path, ["'sumo-rl:grid5x5'", "sumo-rl:grid4x4, sumo-rl:arterial4x4"])


def test_a_sumo_rl_route_file_starts_at_the_time_sumo_rl_starts_it(monkeypatch, tmp_path):
    site = tmp_path / "site"
    fake_sumo_rl(site)
    cologne = site / "sumo_rl" / "nets" / "RESCO" / "cologne3"
    cologne.mkdir()
    corridor_net(cologne / "cologne3.net.xml")
    (cologne / "cologne3.rou.xml").write_text(ROUTES.format(body='    <vehicle id="v" depart="25230" route="east"/>'))
    monkeypatch.syspath_prepend(str(site))
    path = tmp_path / "c.yaml"
    path.write_text('name: c\nhomes: {count: 0}\ntraffic:\n  network: {sumo_net: "sumo-rl:cologne3"}\n'
                    '  demand: {sumo_routes: "sumo-rl:cologne3"}\n')
    assert load_scenario(path).traffic.demand.sumo_begin == 25_200  # RESCO's cologne runs from 07:00
    assert load_scenario(path, ["traffic.demand.sumo_begin=0s"]).traffic.demand.sumo_begin == 0
