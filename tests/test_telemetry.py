"""Telemetry files: Parquet round trip, the documented columns, CSV."""

from __future__ import annotations

import csv

import pyarrow.parquet as pq

from conftest import small_scenario
from twin.runner import simulate
from twin.telemetry.table import Telemetry


def test_parquet_round_trip_is_bit_identical(tmp_path):
    _, tel = simulate(small_scenario(duration="3h"), progress=False)
    path = tmp_path / "t.parquet"
    tel.write_parquet(path)
    back = Telemetry.read_parquet(path)
    assert back.digest() == tel.digest()
    assert back.units == tel.units and back.start == tel.start
    table = pq.read_table(path)
    assert table.column_names == ["time", "node_id", "quantity", "value", "unit"]
    row = table.slice(0, 1).to_pylist()[0]
    assert row["node_id"].endswith("/meter") and row["quantity"] == "import_kwh" and row["unit"] == "kWh"
    assert str(row["time"]) == "2025-01-13 00:15:00"


def test_csv_has_one_row_per_reading(tmp_path):
    _, tel = simulate(small_scenario(duration="1h"), progress=False)
    tel.write_csv(tmp_path / "t.csv")
    with open(tmp_path / "t.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(tel)
    assert set(rows[0]) == {"time", "node_id", "quantity", "value", "unit"}


def test_record_groups_choose_what_is_published():
    _, tel = simulate(small_scenario(duration="1h", outputs={"record": ["meters"]}), progress=False)
    assert set(tel.quantities) == {"import_kwh", "export_kwh"}
