"""KPIs on hand-made telemetry whose answers are known."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from twin.kpis import compute_kpis, kpi_table
from twin.telemetry.bus import TelemetryBus
from twin.telemetry.table import Telemetry

NODES = ["home-0/meter", "home-1/meter", "feeder-1", "transformer-1", "city", "home-0/pv", "home-0/zone"]


def _telemetry(readings, node_ids) -> Telemetry:
    """A record of ``(time_s, quantity, unit, node indices, values)`` readings, one frame each, as
    published on a bus."""
    bus = TelemetryBus()
    frames = []
    bus.subscribe(frames.append)
    for t, quantity, unit, nodes, values in readings:
        bus.publish(t, bus.layout([(quantity, unit, np.array(nodes, dtype=np.int32))]), np.array(values, dtype=float))
    return Telemetry.from_frames(dt.datetime(2025, 1, 1), frames, node_ids)


def _record() -> Telemetry:
    readings = []
    imports = [[1.0, 2.0], [3.0, 0.0]]
    exports = [[0.0, 0.5], [0.0, 1.0]]
    for k, t in enumerate((900, 1800)):
        readings += [
            (t, "import_kwh", "kWh", [0, 1], imports[k]),
            (t, "export_kwh", "kWh", [0, 1], exports[k]),
            (t, "feeder_load_kw", "kW", [2], [[10.0, 4.0][k]]),
            (t, "overload_min", "min", [3], [[2.0, 0.5][k]]),
            (t, "price_eur_per_kwh", "EUR/kWh", [4], [[0.2, 0.4][k]]),
            (t, "feed_in_eur_per_kwh", "EUR/kWh", [4], [0.05]),
            (t, "carbon_g_per_kwh", "g/kWh", [4], [[100.0, 300.0][k]]),
            (t, "pv_kwh", "kWh", [5], [[2.0, 2.0][k]]),
            (t, "pv_export_kwh", "kWh", [5], [[0.5, 0.25][k]]),
            (t, "comfort_violation_kh", "K*h", [6], [[0.25, 0.0][k]]),
        ]
    return _telemetry(readings, NODES)


def test_kpis_match_hand_computation():
    k = compute_kpis(_record())
    assert k["energy_cost_eur"] == pytest.approx(3 * 0.2 + 3 * 0.4 - 0.5 * 0.05 - 1.0 * 0.05)
    assert k["emissions_kg"] == pytest.approx((3 * 100 + 3 * 300) / 1000)
    assert k["peak_demand_kw"] == 10.0
    # Both readings lie in the first hour: 10 kW and 4 kW for a quarter hour each are 3.5 kWh.
    assert k["daily_peak_kw"] == pytest.approx(3.5)
    assert k["ramping_kwh"] == 0.0 and k["one_minus_load_factor"] == 0.0
    assert k["transformer_overload_min"] == 2.5
    assert k["comfort_violation_kh"] == 0.25
    assert k["pv_self_consumption"] == pytest.approx(1 - 0.75 / 4.0)
    assert k["energy_import_kwh"] == 6.0 and k["energy_export_kwh"] == 1.5
    assert k["ev_unmet_kwh"] is None  # not recorded


def test_missing_groups_give_none_not_a_crash():
    empty = _telemetry([], [])
    kpis = compute_kpis(empty)
    assert set(kpis.values()) == {None}
    assert "no KPIs" in kpi_table(kpis)


def test_citylearn_flexibility_kpis_on_hourly_energy():
    # Two days of 30-minute readings: in hour h the load is h % 24 kW, so each hour holds h % 24 kWh.
    readings = []
    for k in range(96):
        t = 1800 * (k + 1)
        hour = (t - 1) // 3600
        readings.append((t, "feeder_load_kw", "kW", [0], [float(hour % 24)]))
    k = compute_kpis(_telemetry(readings, ["feeder-1"]))
    hourly = np.array([h % 24 for h in range(48)], dtype=float)
    assert k["peak_demand_kw"] == 23.0
    assert k["daily_peak_kw"] == pytest.approx(23.0)                       # each day peaks at 23 kWh/h
    assert k["ramping_kwh"] == pytest.approx(np.abs(np.diff(hourly)).sum())  # 46 steps of 1, one of 23
    assert k["ramping_kwh"] == pytest.approx(46 + 23)
    assert k["one_minus_load_factor"] == pytest.approx(1 - 11.5 / 23)      # one window shorter than 730 h



def test_kpis_relative_to_a_no_control_run_divide_by_that_run(tmp_path):
    from conftest import small_scenario
    from twin.runner import run_scenario

    controlled = small_scenario(duration="1d", outputs={"plots": False, "baseline": True})
    result = run_scenario(controlled, tmp_path / "controlled", progress=False)
    alone = run_scenario(small_scenario(duration="1d", outputs={"plots": False},
                                        controllers={"heating": "thermostat", "battery": "idle", "ev": "immediate"}),
                         tmp_path / "no-control", progress=False)
    for name in ("energy_cost_eur", "peak_demand_kw", "ramping_kwh", "one_minus_load_factor"):
        assert result.kpis[f"{name}_vs_baseline"] == pytest.approx(result.kpis[name] / alone.kpis[name])
    # The batteries' self-consumption shifts PV into the evening: less bought than without control.
    assert result.kpis["energy_import_kwh_vs_baseline"] < 1.0
