"""Run folders are replaced whole or not at all."""

from __future__ import annotations

import json

import pytest

from conftest import small_scenario
from twin import runner


def test_rerun_replaces_an_earlier_run_and_leaves_no_temporary_folders(tmp_path):
    out = tmp_path / "run"
    runner.run_scenario(small_scenario(duration="1h"), out, progress=False)
    first = json.loads((out / "run.json").read_text())["telemetry_sha256"]
    runner.run_scenario(small_scenario(duration="2h"), out, progress=False)
    second = json.loads((out / "run.json").read_text())["telemetry_sha256"]
    assert first != second
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_failure_while_writing_keeps_the_previous_results(tmp_path, monkeypatch):
    out = tmp_path / "run"
    runner.run_scenario(small_scenario(duration="1h"), out, progress=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(runner, "plot_run", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        runner.run_scenario(small_scenario(duration="2h"), out, progress=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
