"""A finished run's folder as pandas DataFrames: ``twin.read_run("runs/neighborhood")``.

pandas is imported only here, when a run is read, so that ``twin`` itself starts without it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twin.errors import TwinError
from twin.kpis import KPI_UNITS
from twin.rundir import MANIFEST


class NotARun(TwinError):
    """A folder that ``read_run`` was given holds no results of ``twin run``."""


@dataclass(frozen=True)
class RunData:
    """One run's results: telemetry (long), KPIs, trips, and the manifest.

    ``telemetry`` has one row per reading: ``time`` (local time), ``node_id``, ``quantity``,
    ``value`` and ``unit``. ``kpis`` has one row per KPI (index: its name) with ``value`` and
    ``unit``. ``trips`` has one row per vehicle, or is None for a run without streets.
    """

    folder: Path
    telemetry: Any      # pandas.DataFrame
    kpis: Any           # pandas.DataFrame
    trips: Any | None   # pandas.DataFrame
    manifest: dict[str, Any]

    def wide(self, quantity: str | None = None) -> Any:
        """Telemetry with one row per time and one column per (quantity, node), or per node of one
        ``quantity``; KeyError naming the recorded quantities when it has none of ``quantity``."""
        tel = self.telemetry
        if quantity is not None:
            if quantity not in set(tel["quantity"]):
                raise KeyError(f"no readings of {quantity!r}; recorded: {', '.join(sorted(set(tel['quantity'])))}")
            tel = tel[tel["quantity"] == quantity]
            return tel.pivot_table(index="time", columns="node_id", values="value", observed=True)
        return tel.pivot_table(index="time", columns=["quantity", "node_id"], values="value", observed=True)


def read_run(folder: str | Path) -> RunData:
    """Read the folder ``twin run`` wrote: its telemetry, KPIs and trips as pandas DataFrames.

    NotARun (a TwinError) names what is missing when ``folder`` is not such a folder.
    """
    import pandas as pd
    import pyarrow.parquet as pq

    folder = Path(folder)
    if not folder.is_dir():
        raise NotARun(f"{folder}: no such folder; give the --out folder of `twin run`")
    missing = [name for name in (MANIFEST, "telemetry.parquet", "kpis.json") if not (folder / name).is_file()]
    if missing:
        raise NotARun(f"{folder}: not a folder of `twin run` results (no {', '.join(missing)})")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        kpis = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise NotARun(f"{folder}: its {MANIFEST} or kpis.json is not valid JSON ({exc})") from None
    telemetry = pq.read_table(folder / "telemetry.parquet").to_pandas()
    for column in ("node_id", "quantity", "unit"):
        telemetry[column] = telemetry[column].astype("category")
    kpi_frame = pd.DataFrame({"value": pd.Series(kpis, dtype="float64"),
                              "unit": pd.Series({name: KPI_UNITS.get(name, "") for name in kpis}, dtype="string")})
    kpi_frame.index.name = "kpi"
    trips_path = folder / "trips.parquet"
    trips = pq.read_table(trips_path).to_pandas() if trips_path.is_file() else None
    return RunData(folder=folder, telemetry=telemetry, kpis=kpi_frame, trips=trips, manifest=manifest)
