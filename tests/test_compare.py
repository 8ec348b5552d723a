"""twin compare: run folders' KPIs side by side, differences against the first, a plot."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SCENARIOS
from twin.compare import CompareError, compare_runs

TWIN = Path(sys.executable).with_name("twin")


def twin(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(TWIN), *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("compare")
    scenario = str(SCENARIOS / "single_intersection.yaml")
    for name, controller in (("fixed", "fixed_time"), ("mp", "max_pressure")):
        done = twin("run", scenario, "--quiet", "--no-plots", "--days", "0.0125", "--out", str(root / name),
                    "--set", f"traffic.signals.controller={controller}")
        assert done.returncode == 0, done.stderr
    return root


def test_compare_prints_and_writes_the_kpis_with_their_changes(two_runs):
    out = two_runs / "cmp"
    done = twin("compare", str(two_runs / "fixed"), str(two_runs / "mp"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "| `mean_delay_all_s` | s |" in done.stdout and f"results: {out}/" in done.stdout
    assert {p.name for p in out.iterdir()} == {"compare.md", "compare.csv", "compare.png", "run.json"}
    fixed = json.loads((two_runs / "fixed" / "kpis.json").read_text())
    mp = json.loads((two_runs / "mp" / "kpis.json").read_text())
    rows = {(r["kpi"], r["run"]): r for r in csv.DictReader((out / "compare.csv").open())}
    row = rows[("mean_delay_all_s", "mp")]
    assert float(row["value"]) == mp["mean_delay_all_s"]
    assert float(row["difference"]) == pytest.approx(mp["mean_delay_all_s"] - fixed["mean_delay_all_s"])
    assert float(row["percent"]) == pytest.approx(100 * (mp["mean_delay_all_s"] / fixed["mean_delay_all_s"] - 1))
    assert row["verdict"] == ("better" if mp["mean_delay_all_s"] < fixed["mean_delay_all_s"] else "worse")
    assert rows[("vehicles_generated", "mp")]["verdict"] == ""   # no direction: neither better nor worse
    assert rows[("vehicles_generated", "mp")]["difference"] == "0.0"  # the same vehicles under both controllers


def test_compare_refuses_what_it_cannot_compare(two_runs, tmp_path):
    with pytest.raises(CompareError, match="at least two run folders"):
        compare_runs([two_runs / "fixed"])
    with pytest.raises(CompareError, match="no such folder"):
        compare_runs([two_runs / "fixed", tmp_path / "nowhere"])
    (tmp_path / "notes").mkdir()
    with pytest.raises(CompareError, match=r"not a run folder \(no kpis.json\)"):
        compare_runs([two_runs / "fixed", tmp_path / "notes"])
    with pytest.raises(CompareError, match="--kpi 'energy_cost_eur': none of the runs has it"):
        compare_runs([two_runs / "fixed", two_runs / "mp"], ("energy_cost_eur",))
    done = twin("compare", str(two_runs / "fixed"))
    assert done.returncode == 2 and "at least two run folders" in done.stderr and "Traceback" not in done.stderr
