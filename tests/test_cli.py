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
    assert load_scenario(path).name
    out = tmp_path / "run"
    result = twin("run", str(path), "--days", "0.25", "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    assert {"telemetry.parquet", "kpis.json", "graph.json", "run.json", "feeder_load.png",
            "indoor_temperature.png", "prices.png"} <= {p.name for p in out.iterdir()}
    kpis = json.loads((out / "kpis.json").read_text())
    assert kpis["energy_import_kwh"] > 0 and kpis["peak_demand_kw"] > 0
    assert f"results: {out}" in result.stdout and "energy_cost_eur" in result.stdout
    assert pq.read_table(out / "telemetry.parquet").num_rows == json.loads((out / "run.json").read_text())["telemetry_rows"]


def test_run_with_seed_and_days_overrides_is_reproducible(tmp_path):
    args = ("run", str(SCENARIOS / "smart_home.yaml"), "--days", "0.5", "--seed", "3", "--quiet", "--no-plots")
    assert twin(*args, "--out", str(tmp_path / "a")).returncode == 0
    assert twin(*args, "--out", str(tmp_path / "b")).returncode == 0
    sha = [json.loads((tmp_path / d / "run.json").read_text())["telemetry_sha256"] for d in "ab"]
    assert sha[0] == sha[1]
    assert not (tmp_path / "a" / "feeder_load.png").exists()


def test_validate_and_graph_commands(tmp_path):
    ok = twin("validate", str(SCENARIOS / "neighborhood.yaml"))
    assert ok.returncode == 0 and "200 homes on 4 feeder(s)" in ok.stdout
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
    "huge_horizon": ("name: x\nduration: 1000000d\n", ["duration", "at most 5 years"]),
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
