"""``twin import osm``: an OpenStreetMap extract through SUMO's netconvert to a network twin runs,
and its refusals, which leave every file as it was."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from twin.build import build_world
from twin.cli import main
from twin.scenario import load_scenario
from twin.traffic.osm_import import find_netconvert

# Two signalized crossings on a two-lane primary road (OSM's traffic_signals nodes), side streets,
# and a footway netconvert must drop.
TOWN_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="twin tests">
  <bounds minlat="50.0000" minlon="7.0000" maxlat="50.0060" maxlon="7.0090"/>
  <node id="1" lat="50.0030" lon="7.0000"/>
  <node id="2" lat="50.0030" lon="7.0030"><tag k="highway" v="traffic_signals"/></node>
  <node id="3" lat="50.0030" lon="7.0060"><tag k="highway" v="traffic_signals"/></node>
  <node id="4" lat="50.0030" lon="7.0090"/>
  <node id="5" lat="50.0060" lon="7.0030"/>
  <node id="6" lat="50.0000" lon="7.0030"/>
  <node id="7" lat="50.0060" lon="7.0060"/>
  <node id="8" lat="50.0000" lon="7.0060"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><tag k="highway" v="primary"/>
    <tag k="lanes" v="2"/><tag k="maxspeed" v="50"/></way>
  <way id="11"><nd ref="5"/><nd ref="2"/><nd ref="6"/><tag k="highway" v="secondary"/><tag k="maxspeed" v="50"/></way>
  <way id="12"><nd ref="7"/><nd ref="3"/><nd ref="8"/><tag k="highway" v="secondary"/><tag k="maxspeed" v="50"/></way>
  <way id="13"><nd ref="5"/><nd ref="7"/><tag k="highway" v="footway"/></way>
</osm>
"""


def write_osm(folder: Path) -> Path:
    path = folder / "town.osm"
    path.write_text(TOWN_OSM)
    return path


def fake_netconvert(folder: Path, body: str) -> Path:
    """An executable standing in for netconvert: ``body`` runs with ``out`` the --output-file path."""
    script = folder / "netconvert"
    script.write_text(f"#!{sys.executable}\nimport sys\nout = sys.argv[sys.argv.index('--output-file') + 1]\n{body}\n")
    script.chmod(0o755)
    return script


def test_an_osm_extract_becomes_a_network_and_a_scenario_that_runs(tmp_path, capsys):
    osm = write_osm(tmp_path)
    net, scenario = tmp_path / "nets" / "town.net.xml", tmp_path / "town.yaml"
    assert main(["import", "osm", str(osm), "--out", str(net), "--scenario", str(scenario)]) == 0
    said = capsys.readouterr().out
    assert "2 junctions (2 with traffic lights)" in said and f"twin run {scenario}" in said
    sc = load_scenario(scenario)
    assert Path(sc.traffic.network.sumo_net) == net.resolve()
    assert "sumo_net: nets/town.net.xml" in scenario.read_text()  # relative, so the folder can move
    world = build_world(sc.model_copy(update={"duration": 900}))
    world.run(900)
    tr = world.traffic
    assert tr.net.imported and int(tr.net.programs.signalized.sum()) == 2
    assert tr.vehicles.arrive_s[:tr.vehicles.n].max() > 0, "vehicles must cross the imported town"
    assert not any(p.name.startswith(".") for p in tmp_path.rglob("*")), "no temporary file is left"


def test_the_default_output_sits_beside_the_osm_file(tmp_path, capsys):
    osm = write_osm(tmp_path)
    assert main(["import", "osm", str(osm)]) == 0
    assert (tmp_path / "town.net.xml").is_file()
    assert "sumo_net:" in capsys.readouterr().out


def test_netconvert_is_found_in_this_pythons_eclipse_sumo():
    path = find_netconvert()
    done = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "netconvert" in done.stdout.lower()


def refusal(argv: list[str], capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("twin: error: ") and "Traceback" not in err
    return err


def test_what_cannot_be_imported_is_refused_and_no_file_is_touched(tmp_path, capsys):
    osm = write_osm(tmp_path)
    not_osm = tmp_path / "notes.osm"
    not_osm.write_text("<html>a web page saved by mistake</html>")
    assert "not an OpenStreetMap XML file" in refusal(["import", "osm", str(not_osm)], capsys)
    assert "no such file" in refusal(["import", "osm", str(tmp_path / "missing.osm")], capsys)
    assert "NAME.net.xml" in refusal(["import", "osm", str(osm), "--out", str(tmp_path / "town.xml")], capsys)
    mine = tmp_path / "mine.net.xml"
    mine.write_text("my own network")
    assert "already exists" in refusal(["import", "osm", str(osm), "--out", str(mine)], capsys)
    assert mine.read_text() == "my own network"
    assert "not an executable file" in refusal(["import", "osm", str(osm), "--netconvert", str(tmp_path / "nope")],
                                               capsys)
    failing = fake_netconvert(tmp_path, "print('Error: the OSM file has no usable roads', file=sys.stderr)\n"
                                        "sys.exit(1)")
    err = refusal(["import", "osm", str(osm), "--out", str(mine), "--force", "--netconvert", str(failing)], capsys)
    assert "exit 1" in err and "the OSM file has no usable roads" in err
    unusable = fake_netconvert(tmp_path, "open(out, 'w').write('<net version=\"1.20\"></net>')")
    err = refusal(["import", "osm", str(osm), "--out", str(mine), "--force", "--netconvert", str(unusable)], capsys)
    assert "twin cannot run the network" in err and str(mine) in err and "holds no edges" in err
    assert mine.read_text() == "my own network", "a failed import leaves the output as it was"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.net.xml", "netconvert", "notes.osm", "town.osm"]


def test_an_existing_scenario_is_not_overwritten(tmp_path, capsys):
    osm = write_osm(tmp_path)
    scenario = tmp_path / "town.yaml"
    scenario.write_text("name: mine\n")
    assert "already exists" in refusal(["import", "osm", str(osm), "--scenario", str(scenario)], capsys)
    assert scenario.read_text() == "name: mine\n" and not (tmp_path / "town.net.xml").exists()


def test_help_says_what_it_needs(capsys):
    with pytest.raises(SystemExit) as done:
        main(["import", "osm", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "--netconvert" in out and "--scenario" in out and "OpenStreetMap" in out
