"""docs/kpis.md lists every KPI the code computes, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from twin.kpis import ENERGY_KPIS
from twin.traffic.trips import TRAFFIC_KPIS

DOC = Path(__file__).resolve().parents[1] / "docs" / "kpis.md"


def test_the_kpi_page_lists_exactly_the_computed_kpis():
    listed = re.findall(r"^\| `([a-z0-9_]+)` \|", DOC.read_text(), flags=re.M)
    assert sorted(listed) == sorted([*ENERGY_KPIS, *TRAFFIC_KPIS])
