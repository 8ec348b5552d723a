"""KPIs on hand-made telemetry whose answers are known."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from twin.kpis import compute_kpis, kpi_table
from twin.telemetry.bus import Reading
from twin.telemetry.table import Telemetry

NODES = ["home-0/meter", "home-1/meter", "feeder-1", "transformer-1", "city", "home-0/pv", "home-0/zone"]


def _record() -> Telemetry:
    def r(t, q, unit, nodes, values):
        return Reading(t, q, unit, np.array(nodes, dtype=np.int32), np.array(values, dtype=float))

    readings = []
    imports = [[1.0, 2.0], [3.0, 0.0]]
    exports = [[0.0, 0.5], [0.0, 1.0]]
    for k, t in enumerate((900, 1800)):
        readings += [
            r(t, "import_kwh", "kWh", [0, 1], imports[k]),
            r(t, "export_kwh", "kWh", [0, 1], exports[k]),
            r(t, "feeder_load_kw", "kW", [2], [[10.0, 4.0][k]]),
            r(t, "overload_min", "min", [3], [[2.0, 0.5][k]]),
            r(t, "price_eur_per_kwh", "EUR/kWh", [4], [[0.2, 0.4][k]]),
            r(t, "feed_in_eur_per_kwh", "EUR/kWh", [4], [0.05]),
            r(t, "carbon_g_per_kwh", "g/kWh", [4], [[100.0, 300.0][k]]),
            r(t, "pv_kwh", "kWh", [5], [[2.0, 2.0][k]]),
            r(t, "pv_export_kwh", "kWh", [5], [[0.5, 0.25][k]]),
            r(t, "comfort_violation_kh", "K*h", [6], [[0.25, 0.0][k]]),
        ]
    return Telemetry.from_readings(dt.datetime(2025, 1, 1), readings, NODES)


def test_kpis_match_hand_computation():
    k = compute_kpis(_record())
    assert k["energy_cost_eur"] == pytest.approx(3 * 0.2 + 3 * 0.4 - 0.5 * 0.05 - 1.0 * 0.05)
    assert k["emissions_kg"] == pytest.approx((3 * 100 + 3 * 300) / 1000)
    assert k["peak_demand_kw"] == 10.0
    assert k["ramping_kw"] == 6.0
    assert k["load_factor"] == pytest.approx(7.0 / 10.0)
    assert k["transformer_overload_min"] == 2.5
    assert k["comfort_violation_kh"] == 0.25
    assert k["pv_self_consumption"] == pytest.approx(1 - 0.75 / 4.0)
    assert k["energy_import_kwh"] == 6.0 and k["energy_export_kwh"] == 1.5
    assert k["ev_unmet_kwh"] is None  # not recorded


def test_missing_groups_give_none_not_a_crash():
    empty = Telemetry.from_readings(dt.datetime(2025, 1, 1), [], [])
    kpis = compute_kpis(empty)
    assert set(kpis.values()) == {None}
    assert "no KPIs" in kpi_table(kpis)
