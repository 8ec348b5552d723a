"""The files a CityLearn schema names, resolved against its root directory and read once each.

Buildings usually share their weather, pricing and carbon-intensity files; :class:`DatasetFiles`
reads a file the first time it is named and hands the same series object to every building that
names it again. Problems are collected in :attr:`DatasetFiles.problems`, not raised.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import numpy as np

from twin.citylearn.csv_table import TableRequest, read_table
from twin.citylearn.series import SERIES_COLUMNS, EnergySimulationSeries, OccupantParametersSeries

S = TypeVar("S")


class DatasetFiles:
    """Reads series files for the simulation window ``start_step … end_step`` (file rows, from 0)."""

    def __init__(self, root: Path, start_step: int, end_step: int):
        self.root = root
        self.start_step = start_step
        self.end_step = end_step
        self.problems: list[tuple[str, str]] = []
        self._read: dict[tuple[type, Path], object | None] = {}
        self._first_key: dict[Path, str] = {}

    def path(self, written: str) -> Path:
        """The absolute path of a file the schema names as ``written`` (relative to the root)."""
        return (self.root / written).resolve()

    def series(self, cls: type[S], key: str, written: str) -> S | None:
        """The ``cls`` series read from ``written`` (named at schema key ``key``), or None if it has
        problems (recorded once, under the first key that named the file)."""
        path = self.path(written)
        if (cls, path) in self._read:
            return self._read[(cls, path)]  # type: ignore[return-value]
        whole_file = cls is OccupantParametersSeries  # CityLearn 3.0.2 reads it from row 0, whole
        steps = self.end_step - self.start_step + 1
        req = TableRequest(key=key, written=written, path=path, columns=SERIES_COLUMNS[cls],
                           first_row=0 if whole_file else self.start_step,
                           last_row=None if whole_file else self.end_step,
                           min_rows=steps if whole_file else self.end_step + 1)
        arrays, problems = read_table(req)
        if not problems and cls is EnergySimulationSeries:
            problems = _demand_problems(req, arrays)
        self.problems += problems
        found = None if problems else cls(path=path, **arrays)  # type: ignore[call-arg]
        self._read[(cls, path)] = found
        return found

    def existing(self, key: str, written: str) -> Path | None:
        """The absolute path of a non-CSV file the schema names (a model file); None and a problem
        if there is no such file."""
        path = self.path(written)
        if path.is_file():
            return path
        self.problems.append((key, f"got {written!r}; no such file ({path})"))
        return None


def _demand_problems(req: TableRequest, arrays: dict[str, np.ndarray]) -> list[tuple[str, str]]:
    """CityLearn refuses a building that needs cooling and heating in the same time step."""
    both = np.flatnonzero((arrays["cooling_demand_kwh"] > 0) & (arrays["heating_demand_kwh"] > 0))
    if not both.size:
        return []
    step = req.first_row + int(both[0])
    return [(req.key, f"{req.written}, line {step + 2} (time step {step}): cooling_demand and heating_demand "
                      f"are both above 0 ({both.size} time steps like it); CityLearn allows one of them per time step")]
