"""Telemetry files: Parquet round trip, the documented columns, CSV."""

from __future__ import annotations

import csv
import datetime as dt

import numpy as np
import pyarrow.parquet as pq
import pytest

from conftest import small_scenario
from twin.build import build_world
from twin.runner import simulate
from twin.telemetry.bus import TelemetryBus
from twin.telemetry.recorder import Recorder
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


@pytest.mark.parametrize("record", [["weather", "prices"], ["meters"], ["devices"]])
def test_every_reading_clears_the_registers_whatever_it_publishes(record):
    world = build_world(small_scenario(outputs={"record": record}))
    world.run(3600)  # the reading at 3600 is out; the step starting then has not run
    energy = world.energy
    for part in (energy.registers, energy.grid):
        for name, values in part.arrays().items():
            assert not np.any(values), f"{type(part).__name__}.{name} was not cleared"
    assert energy.homes.state.temp_air_c.any()  # state is not a register: it is left alone


def test_readings_agree_with_the_totals_and_the_state_they_come_from():
    sc = small_scenario(duration="6h")
    world = build_world(sc)
    recorder = Recorder(world.bus, sc.start)
    world.run(sc.duration)
    tel, energy = recorder.telemetry(), world.energy
    p, s, totals = energy.homes.params, energy.homes.state, energy.totals
    # Feeder load x the reading span is the net import of the feeder's homes since the start.
    _, feeders, load_kw = tel.wide("feeder_load_kw")
    net_kwh = np.bincount(p.feeder, weights=totals.import_kwh - totals.export_kwh)
    np.testing.assert_allclose(load_kw.sum(axis=0) * 0.25, net_kwh[[world.graph.node(f)["index"] for f in feeders]])
    _, _, loading_pct = tel.wide("transformer_loading_pct")
    np.testing.assert_allclose(loading_pct, 100 * np.abs(load_kw) / sc.grid.transformer_rating_kva)
    # Instantaneous values are the state at the reading, for the homes that have the device.
    time_s, node, soc = tel.series("soc")
    last = time_s == sc.duration
    homes = [world.graph.node(world.bus.node_ids[n].removesuffix("/battery"))["index"] for n in node[last]]
    assert 0 < len(homes) < p.n  # some homes have a battery, some not: the reading gathers rows
    np.testing.assert_array_equal(soc[last], s.soc[homes])


def test_frames_lay_out_quantities_end_to_end_and_the_record_keeps_their_order():
    bus = TelemetryBus()
    frames = []
    bus.subscribe(frames.append)
    a, b, c = bus.register(["a", "b", "c"])
    meters = bus.layout([("x_kwh", "kWh", np.array([a, b])), ("none_kw", "kW", np.array([], np.int32)),
                         ("y_c", "degC", np.array([c]))])
    assert meters.quantities == ("x_kwh", "y_c") and meters.size == 3   # a quantity of no nodes takes no place
    other = bus.layout([("y_c", "degC", np.array([a])), ("z", "veh", np.array([b]))])
    bus.publish(900, meters, np.array([1.0, 2.0, 3.0]))
    bus.publish(900, other, np.array([4.0, 5.0]))
    bus.publish(1800, meters, np.array([6.0, 7.0, 8.0]))
    record = Telemetry.from_frames(dt.datetime(2025, 1, 1), frames, bus.node_ids)
    assert record.quantities == ("x_kwh", "y_c", "z")
    assert record.time_s.tolist() == [900] * 5 + [1800] * 3
    assert [bus.node_ids[n] for n in record.node] == ["a", "b", "c", "a", "b", "a", "b", "c"]
    assert [record.quantities[q] for q in record.quantity] == ["x_kwh", "x_kwh", "y_c", "y_c", "z",
                                                               "x_kwh", "x_kwh", "y_c"]
    assert record.value.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    assert record.units == {"x_kwh": "kWh", "y_c": "degC", "z": "veh"}
    # Queries by quantity keep recording order, across layouts too (y_c is in both).
    for quantity, values in (("x_kwh", [1.0, 2.0, 6.0, 7.0]), ("y_c", [3.0, 4.0, 8.0]), ("z", [5.0])):
        time_s, node, value = record.series(quantity)
        assert value.tolist() == values
        mask = record.quantity == record.quantities.index(quantity)
        np.testing.assert_array_equal(time_s, record.time_s[mask])
        np.testing.assert_array_equal(node, record.node[mask])
    assert [t.tolist() for t in record.total_by_time("y_c")] == [[900, 1800], [7.0, 8.0]]


def test_a_frame_of_the_wrong_size_or_a_quantity_in_a_second_unit_is_refused():
    bus = TelemetryBus()
    bus.subscribe(lambda frame: None)
    layout = bus.layout([("x_kwh", "kWh", bus.register(["a", "b"]))])
    with pytest.raises(ValueError, match="2 values"):
        bus.publish(0, layout, np.array([1.0]))
    with pytest.raises(ValueError, match="published in 'kWh'"):
        bus.layout([("x_kwh", "Wh", bus.register(["c"]))])
