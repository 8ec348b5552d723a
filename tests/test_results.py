"""twin.read_run: a run folder as pandas DataFrames, agreeing with the files it was read from."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import twin
from conftest import small_scenario
from twin.results import NotARun
from twin.runner import run_scenario


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("results") / "run"
    scenario = small_scenario(duration="2h", traffic={"network": {"rows": 2, "cols": 2}, "demand": {"entry_vph": 300}},
                              outputs={"plots": False})
    run_scenario(scenario, out, progress=False)
    return out


def test_read_run_gives_telemetry_long_and_wide_kpis_and_trips(run_folder):
    run = twin.read_run(run_folder)
    manifest = json.loads((run_folder / "run.json").read_text())
    assert len(run.telemetry) == manifest["telemetry_rows"] == run.manifest["telemetry_rows"]
    assert list(run.telemetry.columns) == ["time", "node_id", "quantity", "value", "unit"]
    assert pd.api.types.is_datetime64_any_dtype(run.telemetry["time"])
    kpis = json.loads((run_folder / "kpis.json").read_text())
    assert set(run.kpis.index) == set(kpis)
    assert run.kpis.loc["peak_demand_kw", "value"] == kpis["peak_demand_kw"]
    assert run.kpis.loc["peak_demand_kw", "unit"] == "kW"
    assert len(run.trips) == kpis["vehicles_generated"]
    # Wide: one column per meter for one quantity, 8 readings of 15 minutes over 2 hours.
    imports = run.wide("import_kwh")
    assert imports.shape == (8, 20) and imports.columns.name == "node_id"
    rows = run.telemetry[run.telemetry["quantity"] == "import_kwh"]
    np.testing.assert_allclose(imports.to_numpy().sum(), rows["value"].sum())
    every = run.wide()
    assert ("import_kwh", "home-000/meter") in every.columns


def test_read_run_names_what_is_missing(tmp_path, run_folder):
    with pytest.raises(NotARun, match="no such folder"):
        twin.read_run(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(NotARun, match=r"no run.json, telemetry.parquet, kpis.json"):
        twin.read_run(tmp_path / "empty")
    with pytest.raises(KeyError, match="no readings of 'import_kw'; recorded: "):
        twin.read_run(run_folder).wide("import_kw")
