"""The command line as users drive it: the installed ``twin`` script in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pyarrow.parquet as pq
import pytest

from conftest import SCENARIOS
from twin.scenario import load_scenario

TWIN = Path(sys.executable).with_name("twin")


def twin(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    cmd = [str(TWIN)] if TWIN.exists() else [sys.executable, "-m", "twin.cli"]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_scenario_validates_and_runs_a_short_horizon(path, tmp_path):
    scenario = load_scenario(path)
    out = tmp_path / "run"
    result = twin("run", str(path), "--days", "0.0125", "--out", str(out), "--quiet")  # 18 minutes
    assert result.returncode == 0, result.stderr
    files = {p.name for p in out.iterdir()}
    assert {"telemetry.parquet", "kpis.json", "graph.json", "run.json"} <= files
    kpis = json.loads((out / "kpis.json").read_text())
    if scenario.homes.count:
        assert {"feeder_load.png", "indoor_temperature.png", "prices.png"} <= files
        # A home may run on its battery for the first minutes: computed, not necessarily positive.
        assert kpis["energy_import_kwh"] >= 0 and kpis["peak_demand_kw"] is not None
    if scenario.traffic:
        assert {"trips.parquet", "intersection_queues.png", "travel_times.png", "delay_throughput.png",
                "worst_approaches.png"} <= files
        assert kpis["vehicles_arrived"] > 0 and kpis["mean_travel_time_s"] > 0
        assert "mean_delay_all_s" in result.stdout
    assert f"results: {out}" in result.stdout
    assert pq.read_table(out / "telemetry.parquet").num_rows == json.loads((out / "run.json").read_text())["telemetry_rows"]


def test_traffic_controller_can_be_switched_from_the_command_line(tmp_path):
    grid = str(SCENARIOS / "traffic_grid.yaml")
    delays = {}
    for controller in ("fixed_time", "actuated", "max_pressure"):
        out = tmp_path / controller
        result = twin("run", grid, "--quiet", "--no-plots", "--days", "0.0125", "--out", str(out),
                      "--set", f"traffic.signals.controller={controller}")
        assert result.returncode == 0, result.stderr
        manifest = json.loads((out / "run.json").read_text())
        assert manifest["scenario"]["traffic"]["signals"]["controller"] == controller
        delays[controller] = json.loads((out / "kpis.json").read_text())["mean_delay_all_s"]
    assert len(set(delays.values())) == 3
    assert delays["max_pressure"] < delays["fixed_time"]


def test_run_with_seed_and_days_overrides_is_reproducible(tmp_path):
    args = ("run", str(SCENARIOS / "smart_home.yaml"), "--days", "0.5", "--seed", "3", "--quiet", "--no-plots")
    assert twin(*args, "--out", str(tmp_path / "a")).returncode == 0
    assert twin(*args, "--out", str(tmp_path / "b")).returncode == 0
    sha = [json.loads((tmp_path / d / "run.json").read_text())["telemetry_sha256"] for d in "ab"]
    assert sha[0] == sha[1]
    assert not (tmp_path / "a" / "feeder_load.png").exists()


def test_validate_and_graph_commands(tmp_path):
    ok = twin("validate", str(SCENARIOS / "neighborhood.yaml"))
    assert ok.returncode == 0 and "200 homes on 4 feeders" in ok.stdout
    out = tmp_path / "city.graphml"
    made = twin("graph", str(SCENARIOS / "neighborhood.yaml"), "--format", "graphml", "--out", str(out))
    assert made.returncode == 0, made.stderr
    graph = nx.read_graphml(out)
    assert sum(1 for _, k in graph.nodes(data="kind") if k == "home") == 200


def test_help_explains_commands():
    result = twin("--help")
    assert result.returncode == 0
    for word in ("run", "validate", "graph", "examples:"):
        assert word in result.stdout


BAD_CASES = {
    "unknown_key": ("name: x\nhomes:\n  count: 3\n  colour: blue\n", ["homes.colour", "'colour'", "allowed keys here: archetypes"]),
    "wrong_type": ("name: x\nhomes:\n  count: many\n", ["homes.count", "'many'", "valid integer"]),
    "negative_capacity": ("name: x\ngrid:\n  transformer_rating_kva: -50\n", ["grid.transformer_rating_kva", "-50", "greater than 0"]),
    "bad_duration": ("name: x\nduration: 3 weeks\n", ["duration", "'3 weeks'", "15min"]),
    "bad_choice": ("name: x\ntariff:\n  kind: cheap\n", ["tariff.kind", "'cheap'", "'flat', 'time_of_use' or 'real_time'"]),
    "not_yaml": ("name: x\nhomes: [1, 2\n", ["not valid YAML", "line"]),
    "not_a_mapping": ("- just\n- a list\n", ["expected a mapping"]),
    # Inputs that once validated and then crashed mid-run.
    "zero_real_time_mean": ("name: x\ntariff: {kind: real_time, price_eur_per_kwh: 0}\n",
                            ["tariff.price_eur_per_kwh", "got 0.0", "above 0"]),
    "infinite_weight": ("name: x\nhomes:\n  archetypes: {detached: .inf}\n", ["homes.archetypes.detached", "finite"]),
    "time_zone": ("name: x\nstart: 2025-01-13T00:00:00+02:00\n", ["start", "without a time zone"]),
    "far_future": ("name: x\nstart: 9999-12-31 20:00\n", ["start", "between the years 1900 and 2200"]),
    "start_between_readings": ("name: x\nstart: 2025-01-13 07:07\n", ["start", "meter reading boundary"]),
    "huge_horizon": ("name: x\nduration: 1000000d\n", ["duration", "must be from 1s to 1830d"]),
    "empty_grid": ("name: x\ntraffic:\n  network: {rows: 0, cols: 3}\n", ["traffic.network.rows", "got 0", "greater than or equal to 1"]),
    "negative_demand": ("name: x\ntraffic:\n  demand: {entry_vph: -100}\n", ["traffic.demand.entry_vph", "-100"]),
    "turning_over_one": ("name: x\ntraffic:\n  demand:\n    turning: {left: 0.5, through: 0.7, right: 0.1}\n",
                         ["traffic.demand.turning", "= 1.3", "must sum to 1"]),
    "phase_without_movement": ("name: x\ntraffic:\n  signals: {phases: ['NS:', EW]}\n",
                               ["traffic.signals.phases", "'NS:' has no movement", "'NS:TR'"]),
    "unserved_movement": ("name: x\ntraffic:\n  signals: {phases: [NS], green_s: [30]}\n",
                          ["traffic.signals.phases", "E:L", "green in no phase"]),
    "u_turn_od": ("name: x\ntraffic:\n  network: {rows: 1, cols: 2}\n  demand:\n"
                  "    od: [{origin: entry/int-0-0/W, destination: exit/int-0-0/W, vph: 9}]\n",
                  ["traffic.demand.od[0]", "no route connects them", "U-turns"]),
    "zero_detector_interval": ("name: x\ntraffic: {detector_interval: 0s}\n",
                               ["traffic.detector_interval", "got '0s'", "must be from 1s to 1d"]),
    "zero_batch": ("name: x\ntraffic:\n  demand: {batch: 0s}\n", ["traffic.demand.batch", "got '0s'", "1s to 1h"]),
    "links_hold_nothing": ("name: x\ntraffic:\n  network: {block_length_m: 20, lanes: 1}\n  jam_spacing_m: 25\n",
                           ["traffic.jam_spacing_m", "would hold no vehicle"]),
    "queues_too_big": ("name: x\ntraffic:\n  network: {rows: 50, cols: 50, lanes: 6, block_length_m: 5000}\n"
                       "  jam_spacing_m: 2.01\n", ["traffic.network", "GB of queue buffers"]),
    "signal_between_steps": ("name: x\ntraffic:\n  resolution: 5s\n", ["traffic.signals.yellow_s", "got 3s",
                                                                          "multiple of the traffic step (5s)"]),
    "unknown_od_link": ("name: x\ntraffic:\n  demand:\n    od: [{origin: entry/int-2-2/W, destination: exit/int-3-3/E, vph: 9}]\n",
                        ["traffic.demand.od[0].origin", "entry/int-2-2/W", "entry/int-0-0/W"]),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_scenarios_exit_2_with_one_clear_message_and_write_nothing(case, tmp_path):
    text, needles = BAD_CASES[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    result = twin("run", str(path), "--out", str(out), "--quiet")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(path) in result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr
    assert not out.exists()
    assert twin("validate", str(path)).returncode == 2


def test_bad_command_line_values_exit_2_before_running(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("")
    smart_home = str(SCENARIOS / "smart_home.yaml")
    for args, needle in [(("--days", "nan"), "--days: got nan"), (("--days", "-1"), "--days: got -1"),
                         (("--out", str(blocker / "x")), "is a file, not a folder")]:
        result = twin("run", smart_home, "--quiet", *args)
        assert result.returncode == 2 and needle in result.stderr and "Traceback" not in result.stderr
    result = twin("graph", smart_home, "--out", str(blocker / "g.json"))
    assert result.returncode == 2 and "is a file, not a folder" in result.stderr


def test_missing_file_exits_2(tmp_path):
    result = twin("validate", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2 and "nope.yaml: file not found" in result.stderr


def test_bad_override_is_reported_like_the_file(tmp_path):
    result = twin("validate", str(SCENARIOS / "smart_home.yaml"), "--set", "homes.count=-1")
    assert result.returncode == 2 and "homes.count: got -1" in result.stderr


def test_a_foreign_output_folder_is_never_replaced(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    result = twin("run", str(SCENARIOS / "smart_home.yaml"), "--days", "0.1", "--out", str(out), "--quiet")
    assert result.returncode == 2 and "holds no earlier twin run" in result.stderr
    assert [p.name for p in out.iterdir()] == ["thesis.tex"]


def test_run_on_an_epw_weather_file(tmp_path):
    from test_weather import _epw_lines, _write

    _write(tmp_path, _epw_lines(), name="site.epw")
    path = tmp_path / "epw.yaml"
    path.write_text("name: epw_home\nstart: 2025-03-02 00:00\nduration: 1d\n"
                    "weather: {source: epw, epw_path: site.epw}\nhomes: {count: 3}\n")
    out = tmp_path / "run"
    result = twin("run", str(path), "--out", str(out), "--quiet", "--no-plots")
    assert result.returncode == 0, result.stderr
    table = pq.read_table(out / "telemetry.parquet")
    rows = [r for r in table.to_pylist() if r["quantity"] == "outdoor_temp_c"]
    # The file's temperatures in early March run from about -16 C to +5 C.
    temps = [r["value"] for r in rows]
    assert len(temps) == 96 and min(temps) < -10 and max(temps) > 0


def test_run_without_out_writes_a_new_dated_folder_each_time(tmp_path):
    import re

    for _ in range(2):
        result = twin("run", str(SCENARIOS / "smart_home.yaml"), "--days", "0.0125", "--quiet", "--no-plots", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert len(runs) == 2 and all(re.fullmatch(r"smart_home-\d{8}-\d{6}(-\d+)?", name) for name in runs), runs
    assert all((tmp_path / "runs" / name / "kpis.json").is_file() for name in runs)


def test_a_path_given_on_the_command_line_is_relative_to_the_working_directory(tmp_path):
    from test_weather import _epw_lines, _write

    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "home.yaml").write_text("name: home\nstart: 2025-03-02 00:00\nduration: 1d\n")
    _write(tmp_path, _epw_lines(), name="site.epw")  # beside the working directory, not the scenario
    args = ("validate", "scenarios/home.yaml", "--set", "weather.source=epw", "--set", "weather.epw_path=site.epw")
    assert twin(*args, cwd=tmp_path).returncode == 0
    # The same relative path written in the file means the file's folder, where there is no site.epw.
    (tmp_path / "scenarios" / "home.yaml").write_text("name: home\nstart: 2025-03-02 00:00\nduration: 1d\n"
                                                      "weather: {source: epw, epw_path: site.epw}\n")
    refused = twin("validate", "scenarios/home.yaml", cwd=tmp_path)
    assert refused.returncode == 2 and f"no such EPW file ({tmp_path / 'scenarios' / 'site.epw'})" in refused.stderr
