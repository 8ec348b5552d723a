"""Imported SUMO networks: what the reader makes of a .net.xml, signals that follow its programs,
the traffic model on it, and the errors for files or scenarios twin cannot use.

Expected values come from the XML the tests wrote (parsed here with ElementTree, not sumolib), so
the reader is checked against the file, not against itself.
"""

from __future__ import annotations

import hashlib
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from sumo_nets import NetFile, add_junction, corridor_net, cross_net, t_net, two_phase_program
from test_bad_inputs import assert_refused, twin
from traffic_helpers import in_network, trips_of
from twin.build import build_world
from twin.scenario import load_scenario
from twin.scenario.schema import Scenario
from twin.telemetry.recorder import Recorder
from twin.traffic.lanes import lane_storage
from twin.traffic.network import ENTRY, EXIT, INTERNAL, LEFT, RIGHT, THROUGH, road_network
from twin.traffic.signals import GREEN
from twin.traffic.sumo_net import SumoNetError, read_sumo_net

SAT_VPS = 1800 / 3600


def sumo_scenario(net: Path, duration: str = "20min", seed: int = 5, **traffic) -> Scenario:
    """A streets-only world on the SUMO file ``net``, 200 vph per entry unless overridden."""
    body = {"network": {"sumo_net": str(net)}, "demand": {"entry_vph": 200}, **traffic}
    return Scenario.model_validate({"name": "imported", "seed": seed, "start": "2025-01-14 07:00",
                                    "duration": duration, "homes": {"count": 0}, "outputs": {"record": []},
                                    "traffic": body})


def read(path: Path, dt_s: int = 1):
    return read_sumo_net(path, lane_sat_vps=SAT_VPS, jam_spacing_m=7.5, dt_s=dt_s)


def xml_links(path: Path) -> dict[tuple[str, str], list[int]]:
    """(from edge, to edge) -> the traffic light link indices of its connections, U-turns left out."""
    out: dict[tuple[str, str], list[int]] = {}
    for c in ET.parse(path).getroot().iter("connection"):
        if c.get("dir") not in ("t", "T"):
            out.setdefault((c.get("from"), c.get("to")), []).append(int(c.get("linkIndex", -1)))
    return out


def xml_programs(path: Path) -> dict[str, tuple[float, list[tuple[float, str]]]]:
    """Light id -> (offset s, [(duration s, state)])."""
    return {p.get("id"): (float(p.get("offset", 0)), [(float(ph.get("duration")), ph.get("state")) for ph in p])
            for p in ET.parse(path).getroot().iter("tlLogic")}


def sumo_green(program: tuple[float, list[tuple[float, str]]], indices: list[int], t: float) -> bool:
    """Whether SUMO lets a movement with connections ``indices`` go at simulation second ``t``: its
    position in the cycle is (t - offset) mod cycle (a light with offset o starts its first phase at
    o; libsumo agrees), and G, g, O or o at any of its indices lets it go."""
    offset, phases = program
    pos = (t - offset) % sum(d for d, _ in phases)
    for duration, state in phases:
        if pos < duration:
            return any(state[j] in "GgOo" for j in indices)
        pos -= duration
    raise AssertionError("unreachable: pos is below the cycle")


def test_a_cross_junction_becomes_one_intersection_with_a_queue_per_movement(tmp_path):
    path = cross_net(tmp_path / "cross.net.xml", lanes=2)
    net = read(path)
    assert net.imported and net.int_rc is None and net.int_ids == ("C",)
    np.testing.assert_allclose(net.int_xy_m, [[0.0, 0.0]])
    kinds = dict(zip(net.link_ids, net.link_kind.tolist()))
    assert {k for k, v in kinds.items() if v == ENTRY} == {"n_C", "e_C", "s_C", "w_C"}
    assert {k for k, v in kinds.items() if v == EXIT} == {"C_n", "C_e", "C_s", "C_w"}
    assert INTERNAL not in kinds.values()
    # Right, through and left from each arm.
    assert net.n_queues == 12 and not net.q_u_turn.any()
    moves = {(net.link_ids[net.q_link[q]], net.link_ids[net.q_out[q]]) for q in range(net.n_queues)}
    assert moves == set(xml_links(path))
    # Each link's row is left-most first, as on a grid.
    for link in net.entries[net.border_entries]:
        turns = net.q_turn[net.queue_of[link][net.queue_of[link] >= 0]]
        assert turns.tolist() == [LEFT, THROUGH, RIGHT]
    # Lane 0 is shared by right and through, lane 1 by through and left: 1/2 + 1/2 lanes for
    # through before a world splits them by its demand (test_sumo_lanes.py).
    sat = {int(t): net.q_sat_vps[net.q_turn == t] for t in (LEFT, THROUGH, RIGHT)}
    np.testing.assert_allclose(sat[THROUGH], SAT_VPS)
    np.testing.assert_allclose(sat[LEFT], SAT_VPS / 2)
    np.testing.assert_allclose(sat[RIGHT], SAT_VPS / 2)
    np.testing.assert_array_equal(lane_storage(net), np.where(net.q_turn == THROUGH, 2, 1) * net.storage[net.q_link] // 2)
    # Headings are the direction of travel: the edge from the north arm heads south.
    heading = dict(zip(net.link_ids, net.link_heading.tolist()))
    assert (heading["n_C"], heading["e_C"], heading["s_C"], heading["w_C"]) == (2, 3, 0, 1)
    assert (heading["C_n"], heading["C_e"]) == (0, 1)
    # Storage and free flow from the file's lanes, lengths and speeds.
    lengths = {lane.get("id").rsplit("_", 1)[0]: float(lane.get("length"))
               for lane in ET.parse(path).getroot().iter("lane")}
    for k, link in enumerate(net.link_ids):
        assert net.storage[k] == int(2 * lengths[link] // 7.5)
        assert net.free_flow_s[k] == pytest.approx(lengths[link] / 13.89)


def test_the_program_is_read_phase_by_phase_and_rounded_to_the_traffic_step(tmp_path):
    path = cross_net(tmp_path / "cross.net.xml", green_s=(31, 22), yellow_s=3, all_red_s=2)
    progs = read(path).programs
    assert progs.n_phases.tolist() == [2] and progs.signalized.tolist() == [True]
    assert progs.green_s.tolist() == [[31, 22]] and progs.yellow_s.tolist() == [[3, 3]]
    assert progs.all_red_s.tolist() == [[2, 2]] and progs.offset_s.tolist() == [0]
    net = read(path)
    side = [net.link_ids[net.q_link[q]][0] for q in range(net.n_queues)]
    assert [int(b) for b in net.programs.q_bits] == [1 if s in "ns" else 2 for s in side]
    # At 5 s steps each duration goes to the nearest multiple of 5, greens to at least one step.
    coarse = read(path, dt_s=5).programs
    assert coarse.green_s.tolist() == [[30, 20]] and coarse.yellow_s.tolist() == [[5, 5]]
    assert coarse.all_red_s.tolist() == [[0, 0]]


def corridor_with_b_starting_in_yellow(path: Path) -> Path:
    """The corridor, but B's program listed from its first yellow (same cycle, other start)."""
    return corridor_net(path, b_listed_from=1)


@pytest.mark.parametrize("make_net", [corridor_net, corridor_with_b_starting_in_yellow], ids=["green_first", "yellow_first"])
def test_fixed_time_signals_follow_each_junctions_own_sumo_program(make_net, tmp_path):
    path = make_net(tmp_path / "corridor.net.xml")
    world = build_world(sumo_scenario(path, duration="6min"))
    tr = world.traffic
    net, programs, links = tr.net, xml_programs(path), xml_links(path)
    assert tr.plan.cycle_s == 180  # A's 60 s and B's 90 s cycles share one table
    indices = [links[(net.link_ids[net.q_link[q]], net.link_ids[net.q_out[q]])] for q in range(net.n_queues)]
    lights = [net.int_ids[i] for i in net.q_int]
    greens = 0
    for t in range(0, 360):
        world.run(t + 1)  # the step at second t has run: its signals are those vehicles saw
        got = tr.plan.green(net, tr.signals)
        want = [sumo_green(programs[lights[q]], indices[q], t) for q in range(net.n_queues)]
        assert got.tolist() == want, f"t={t}"
        greens += int(got.sum())
    assert 0 < greens < 360 * net.n_queues


def test_an_unsignalized_junction_serves_every_movement_and_never_changes_phase(tmp_path):
    path = t_net(tmp_path / "t.net.xml")
    sc = sumo_scenario(path, duration="30min", signals={"controller": "actuated"})
    world = build_world(sc)
    recorder = Recorder(world.bus, sc.start)
    tr = world.traffic
    assert tr.net.programs.signalized.tolist() == [False]
    for t in range(60, 1801, 60):
        world.run(t)
        assert tr.plan.green(tr.net, tr.signals).all()
        assert tr.signals.interval.tolist() == [GREEN]
    assert recorder.telemetry().total_by_time("phase_changes")[1].sum() == 0
    assert (trips_of(world).arrived_s >= 0).sum() > 200


def test_vehicles_take_only_movements_the_network_has_in_shares_renormalised_over_them(tmp_path):
    # The west arm of the T has through (east) and right (south) but no left: 0.15 left of the
    # default turning goes to the others in proportion, through 0.70 / 0.85 of vehicles.
    path = t_net(tmp_path / "t.net.xml")
    world = build_world(sumo_scenario(path, duration="3h", demand={"entry_vph": 600}))
    world.run(3 * 3600)
    trips = trips_of(world)
    routes = [(o, d) for o, d, a in zip(trips.origin, trips.destination, trips.arrived_s) if a >= 0]
    from_w = [d for o, d in routes if o == "w_T"]
    assert len(from_w) > 1200 and set(from_w) <= {"T_e", "T_s"}
    through = from_w.count("T_e") / len(from_w)
    assert abs(through - 0.70 / 0.85) < 0.04, through
    from_s = {d for o, d in routes if o == "s_T"}
    assert from_s == {"T_w", "T_e"}


def test_vehicles_are_conserved_on_an_imported_corridor(tmp_path):
    world = build_world(sumo_scenario(corridor_net(tmp_path / "c.net.xml"), duration="15min",
                                      demand={"entry_vph": 500}))
    tr = world.traffic
    q, v, n_q = tr.queues, tr.vehicles, tr.net.n_queues
    for t in range(30, 15 * 60 + 1, 30):
        world.run(t)
        n = int(v.n)
        entered = (v.enter_s[:n] >= 0) & (v.enter_s[:n] <= t)
        arrived = (v.arrive_s[:n] >= 0) & (v.arrive_s[:n] <= t)
        on_exit_links = (v.arrive_s[:n] > t).sum()
        assert entered.sum() == arrived.sum() + q.count[:n_q].sum() + on_exit_links
        assert in_network(tr, t).sum() == q.count[:n_q].sum() + on_exit_links
        assert np.all(q.occupancy <= tr.net.storage)
    assert arrived.sum() > 400


def test_same_seed_same_trips_on_an_imported_net_other_seed_differs(tmp_path):
    path = corridor_net(tmp_path / "c.net.xml")

    def trips(seed: int):
        world = build_world(sumo_scenario(path, duration="20min", seed=seed,
                                          signals={"controller": "actuated"}))
        world.run(20 * 60)
        t = trips_of(world)
        return np.stack([t.generated_s, t.entered_s, t.arrived_s, t.origin_link, t.destination_link])

    first, again, other = trips(4), trips(4), trips(5)
    np.testing.assert_array_equal(first, again)
    assert first.shape != other.shape or not np.array_equal(first, other)


def test_the_network_is_read_once_and_shared_read_only(tmp_path):
    sc = sumo_scenario(corridor_net(tmp_path / "c.net.xml"))
    a, b = road_network(sc.traffic), road_network(sc.traffic)
    assert a is b
    with pytest.raises(ValueError, match="read-only"):
        a.storage[0] = 1
    # A changed file is read again.
    path = tmp_path / "c.net.xml"
    path.write_text(path.read_text().replace('offset="10"', 'offset="20"'))
    os.utime(path, ns=(1, 1))
    assert road_network(sc.traffic) is not a
    assert road_network(sc.traffic).programs.offset_s.tolist() == [0, 20]


SCENARIO = """\
name: corridor
seed: 3
duration: 30min
homes: {{count: 0}}
outputs: {{record: [], plots: false}}
traffic:
  network: {{sumo_net: {net}}}
{extra}"""


def write_scenario(folder: Path, net: str = "nets/c.net.xml", extra: str = "  demand: {entry_vph: 200}\n") -> Path:
    (folder / "nets").mkdir(exist_ok=True)
    corridor_net(folder / "nets" / "c.net.xml")
    path = folder / "corridor.yaml"
    path.write_text(SCENARIO.format(net=net, extra=extra))
    return path


def test_twin_run_finds_the_net_beside_the_scenario_from_any_folder(tmp_path):
    (tmp_path / "project").mkdir()
    scenario = write_scenario(tmp_path / "project")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = twin("run", str(scenario), "--out", str(elsewhere / "run"), "--quiet", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert "the SUMO network c.net.xml" in result.stdout
    assert (elsewhere / "run" / "trips.parquet").is_file()


BAD_SCENARIOS = {
    "missing_file": ("nets/nope.net.xml", "  demand: {entry_vph: 200}\n",
                     ["traffic.network.sumo_net", "nope.net.xml", "no such file"]),
    "program_fields": ("nets/c.net.xml", "  signals: {green_s: [30, 30]}\n",
                       ["traffic.signals", "green_s", "SUMO network"]),
    "external": ("nets/c.net.xml", "  signals: {controller: external}\n",
                 ["traffic.signals.controller", "'external'", "fixed_time, actuated, max_pressure"]),
    "side_vph": ("nets/c.net.xml", "  demand: {side_vph: {N: 300}}\n", ["side_vph"]),
    "bad_od_edge": ("nets/c.net.xml", "  demand:\n    od: [{origin: nowhere, destination: B_be, vph: 50}]\n",
                    ["traffic.demand.od[0].origin", "'nowhere'", "an entry edge", "aw_A"]),
    "entry_overload": ("nets/c.net.xml", "  demand: {entry_vph: 5000}\n",
                       ["traffic.demand", "5,000 vehicles/h", "carry at most 3,600"]),
}


@pytest.mark.parametrize("case", sorted(BAD_SCENARIOS))
def test_a_scenario_twin_cannot_run_on_the_net_is_refused_by_name(case, tmp_path):
    net, extra, needles = BAD_SCENARIOS[case]
    path = write_scenario(tmp_path, net=net, extra=extra)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.rglob("*") if p.is_file()}
    assert_refused(twin("run", str(path), "--out", str(tmp_path / "run"), "--quiet", cwd=tmp_path), path, needles)
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before


def broken_nets() -> dict[str, tuple[str, list[str]]]:
    """name -> (net file text, what the error says)."""
    cross = NetFile()
    add_junction(cross, "C", 0.0, 0.0, arms={"N": "n", "E": "e", "S": "s", "W": "w"})
    two_phase_program(cross, "C")
    all_yellow = NetFile(cross.junctions, cross.edges, cross.connections,
                         {"C": (0.0, [(30.0, "y" * 16), (30.0, "r" * 16)])})
    short_state = NetFile(cross.junctions, cross.edges, cross.connections,
                          {"C": (0.0, [(30.0, "G" * 4), (30.0, "r" * 4)])})
    no_program = NetFile(cross.junctions, cross.edges, cross.connections, {})
    odd_dir = NetFile(cross.junctions, cross.edges, [c[:4] + ("x",) + c[5:] for c in cross.connections],
                      cross.programs)
    # A junction named like an edge ("C_n" is the edge out to the north arm).
    clash = NetFile({("C_n" if j == "C" else j): v for j, v in cross.junctions.items()},
                    [(e, "C_n" if a == "C" else a, "C_n" if b == "C" else b, n, v) for e, a, b, n, v in cross.edges],
                    [c[:5] + ("C_n" if c[5] == "C" else c[5],) + c[6:] for c in cross.connections],
                    {"C_n": cross.programs["C"]})
    return {
        "id_clash": (_text(clash), ["'C_n' names both a junction and an edge", "--prefix.junction"]),
        "not_xml": ("this is not <xml", ["not a SUMO network file sumolib can read"]),
        "no_edges": ('<net version="1.20"></net>\n', ["holds no edges"]),
        "no_green": (_text(all_yellow), ["traffic light C", "no green phase"]),
        "short_state": (_text(short_state), ["traffic light C", "link index", "needs more"]),
        "no_program": (_text(no_program), ["traffic light C", "no <tlLogic> program"]),
        "odd_direction": (_text(odd_dir), ["direction 'x'", "allowed: s, l, L, r, R"]),
    }


def _text(net: NetFile) -> str:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return net.write(Path(folder) / "n.net.xml").read_text()


@pytest.mark.parametrize("case", sorted(broken_nets()))
def test_a_net_file_twin_cannot_use_is_refused_with_what_is_wrong(case, tmp_path):
    text, needles = broken_nets()[case]
    (tmp_path / "nets").mkdir()
    (tmp_path / "nets" / "c.net.xml").write_text(text)
    path = tmp_path / "corridor.yaml"
    path.write_text(SCENARIO.format(net="nets/c.net.xml", extra="  demand: {entry_vph: 200}\n"))
    result = twin("validate", str(path), cwd=tmp_path)
    assert_refused(result, path, ["traffic.network.sumo_net", *needles])
    with pytest.raises(SumoNetError):
        read(tmp_path / "nets" / "c.net.xml")


def test_loading_resolves_the_net_against_the_scenario_file(tmp_path):
    path = write_scenario(tmp_path)
    scenario = load_scenario(path)
    assert Path(scenario.traffic.network.sumo_net) == (tmp_path / "nets" / "c.net.xml").resolve()


def rights_on_red(net: NetFile) -> None:
    """The two-phase program at ``C`` with SUMO's 's' (go after stopping) on the right turns' link
    indices wherever they would be red, so they may go in every phase."""
    two_phase_program(net, "C")
    rights = {c[6] for c in net.connections if c[4] == "r"}
    offset, phases = net.programs["C"]
    net.programs["C"] = (offset, [(d, "".join("s" if j in rights and ch == "r" else ch for j, ch in enumerate(state)))
                                  for d, state in phases])


def test_a_right_turn_on_red_arrow_lets_vehicles_go_in_every_phase(tmp_path):
    net = NetFile()
    add_junction(net, "C", 0.0, 0.0, arms={"N": "n", "E": "e", "S": "s", "W": "w"})
    rights_on_red(net)
    read_net = read(net.write(tmp_path / "rights.net.xml"))
    bits = read_net.programs.q_bits
    assert all(int(bits[q]) == 0b11 for q in range(read_net.n_queues) if read_net.q_turn[q] == RIGHT)
    assert all(int(bits[q]) in (0b01, 0b10) for q in range(read_net.n_queues) if read_net.q_turn[q] != RIGHT)
    # Actuated control counts a movement as SUMO's actuated lights do: its own green (G, and the
    # permissive lefts' g, never major) extends a phase; the rights' 's' in the other phase does not,
    # even from a lane of their own (here lane 0 carries the right turn only).
    net.connections = [c for c in net.connections if not (c[4] == "s" and c[2] == 0)]
    net.connections = [c[:6] + (j,) for j, c in enumerate(sorted(net.connections, key=lambda c: c[6]))]
    rights_on_red(net)
    read_net = read(net.write(tmp_path / "own_right_lane.net.xml"))
    assert all(int(read_net.programs.q_bits[q]) == 0b11 for q in range(read_net.n_queues) if read_net.q_turn[q] == RIGHT)
    acting = read_net.programs.q_actuating_bits
    for q in range(read_net.n_queues):
        side = "NS" if read_net.link_ids[read_net.q_link[q]] in ("n_C", "s_C") else "EW"
        assert int(acting[q]) == (0b01 if side == "NS" else 0b10), read_net.link_ids[read_net.q_link[q]]


@pytest.mark.parametrize("controller", ["actuated", "max_pressure"])
def test_adaptive_control_beats_the_nets_even_split_when_demand_is_unbalanced(controller, tmp_path):
    # A busy east-west arterial through a quiet north-south street; the program splits green 27/27.
    path = cross_net(tmp_path / "cross.net.xml")
    demand = {"entry_vph": 40, "od": [{"origin": "w_C", "destination": "C_e", "vph": 700},
                                      {"origin": "e_C", "destination": "C_w", "vph": 600}]}

    def delay(signals: dict) -> float:
        world = build_world(sumo_scenario(path, duration="1h", demand=demand, signals=signals))
        world.run(3600)
        return float(np.nanmean(trips_of(world).delay_s()))

    fixed, adaptive = delay({"controller": "fixed_time"}), delay({"controller": controller})
    assert adaptive < 0.8 * fixed, (adaptive, fixed)


def test_max_pressure_asks_each_junction_only_for_phases_its_program_has(tmp_path):
    path = corridor_with_b_starting_in_yellow(tmp_path / "c.net.xml")
    world = build_world(sumo_scenario(path, duration="20min", demand={"entry_vph": 400},
                                      signals={"controller": "max_pressure"}))
    tr = world.traffic
    asked = set()
    for t in range(5, 1201, 5):
        world.run(t)
        assert np.all(tr.signals.request < tr.plan.phases_at)
        asked |= {(i, int(p)) for i, p in enumerate(tr.signals.request)}
        assert np.all(tr.signals.phase < tr.plan.phases_at)
    assert asked == {(0, 0), (0, 1), (1, 0), (1, 1)}  # both phases of both junctions are chosen


def turnaround_cross(path: Path) -> Path:
    """cross_net with the file's U-turns at C, and one more at the dead end ``n`` from the road
    leaving the net there back onto the road in (as netconvert writes at a cut border)."""
    net = NetFile()
    add_junction(net, "C", 0.0, 0.0, arms={"N": "n", "E": "e", "S": "s", "W": "w"}, u_turns=True)
    two_phase_program(net, "C")
    net.connections.append(("C_n", "n_C", 1, 1, "t", "", -1))
    return net.write(path)


def test_u_turns_are_movements_routes_take_that_no_random_turn_picks_and_that_take_no_lane_share(tmp_path):
    plain = read(cross_net(tmp_path / "plain.net.xml"))
    net = read(turnaround_cross(tmp_path / "u.net.xml"))
    link = {e: k for k, e in enumerate(net.link_ids)}
    u = np.flatnonzero(net.q_u_turn)
    pairs = {(net.link_ids[net.q_link[q]], net.link_ids[net.q_out[q]]) for q in u}
    assert pairs == {("n_C", "C_n"), ("e_C", "C_e"), ("s_C", "C_s"), ("w_C", "C_w")}
    # The dead end's turnaround is not a movement: C_n still leaves the net, n_C still enters it.
    assert net.link_kind[link["C_n"]] == EXIT and net.link_kind[link["n_C"]] == ENTRY
    for q in u:  # left-most of its link's row, a left
        assert net.queue_of[net.q_link[q]][0] == q and net.q_turn[q] == LEFT
    # The other movements keep the lanes they had without the U-turns; a U-turn discharges at its lane's flow.
    others = ~net.q_u_turn
    np.testing.assert_array_equal(net.q_sat_vps[others], plain.q_sat_vps)
    np.testing.assert_allclose(net.q_sat_vps[u], SAT_VPS)
    from twin.traffic.demand import slot_shares, turn_cdf
    from twin.traffic.lanes import movement_lanes

    flow = np.where(net.q_turn == THROUGH, 900.0, 100.0)
    np.testing.assert_array_equal(movement_lanes(net, flow)[others], movement_lanes(plain, flow[others]))
    shares = slot_shares(turn_cdf(net, (0.2, 0.7, 0.1)))
    for q in u:
        row = net.queue_of[net.q_link[q]]
        assert shares[net.q_link[q], 0] == 0.0
        assert shares[net.q_link[q], 1:][row[1:] >= 0] == pytest.approx([0.2, 0.7, 0.1])


def test_a_route_that_turns_around_where_the_net_allows_it_drives(tmp_path):
    path = turnaround_cross(tmp_path / "u.net.xml")
    (tmp_path / "back.rou.xml").write_text(
        "<routes>\n" + "\n".join(f'  <vehicle id="b{k}" depart="{30 * k}"><route edges="w_C C_w"/></vehicle>'
                                 for k in range(10)) + "\n</routes>\n")
    world = build_world(sumo_scenario(path, duration="10min",
                                      demand={"entry_vph": 0, "sumo_routes": str(tmp_path / "back.rou.xml")}))
    world.run(600)
    trips = trips_of(world)
    assert trips.origin == ("w_C",) * 10 and trips.destination == ("C_w",) * 10
    assert (trips.arrived_s > 0).all()
