"""Read one CityLearn CSV file into float64 arrays, checking its columns and every simulated cell.

The file is read whole with pandas' pyarrow engine (the C engine where pyarrow cannot parse it);
then only the rows ``first_row … last_row`` (the simulation window, as CityLearn reads them) are
kept and checked, with numpy masks rather than a Python loop per row. Problems come back as
``(key_path, message)`` pairs naming the file, the column and the line, for a
:class:`~twin.errors.ScenarioError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from twin.citylearn.columns import Column
from twin.errors import shown

#: Cell texts read as an empty cell, as pyarrow's CSV reader treats them.
_EMPTY_TEXT = frozenset({"", "nan", "na", "n/a", "null", "none", "-nan", "#n/a"})


@dataclass(frozen=True)
class TableRequest:
    """Which file to read and how: ``key`` is the schema key path naming it (for messages),
    ``written`` the file name as the schema wrote it, ``path`` where it was looked for."""

    key: str
    written: str
    path: Path
    columns: tuple[Column, ...]
    first_row: int
    last_row: int | None  # None: keep every row (occupant parameters)
    min_rows: int


def read_table(req: TableRequest) -> tuple[dict[str, np.ndarray], list[tuple[str, str]]]:
    """``({field: read-only float64 array}, problems)`` for the file of ``req``.

    Arrays are given for the columns the file has, named by :attr:`Column.field`; each holds the
    rows ``first_row … last_row`` of the file. When ``problems`` is not empty the arrays are not to
    be used.
    """
    if not req.path.is_file():
        what = "is a folder, not a CSV file" if req.path.is_dir() else "no such file"
        return {}, [(req.key, f"got {shown(req.written)}; {what} ({req.path})")]
    frame, problem = _read_frame(req.path)
    if problem:
        return {}, [(req.key, f"{req.written}: cannot be read as CSV ({problem})")]
    problems = _column_problems(req, [str(c) for c in frame.columns])
    if problems:
        return {}, problems
    if len(frame) < req.min_rows:
        return {}, [(req.key, _short_message(req, len(frame)))]
    end = len(frame) if req.last_row is None else req.last_row + 1
    window = frame.iloc[req.first_row:end]
    arrays: dict[str, np.ndarray] = {}
    by_csv = {c.csv: c for c in req.columns}
    for name in window.columns:
        column = by_csv[str(name)]
        values, message = _checked_values(window[name], column, req.first_row)
        if message:
            problems.append((req.key, f"{req.written}, column {column.csv!r}, {message}"))
        else:
            arrays[column.field] = values
    return arrays, problems


def _read_frame(path: Path) -> tuple[pd.DataFrame, str]:
    """The file as a DataFrame, or an empty one and why it could not be parsed."""
    try:
        return pd.read_csv(path, engine="pyarrow"), ""
    except ImportError:
        pass  # pandas without pyarrow: the C engine below reads the same files
    except (ValueError, OSError) as exc:  # pyarrow's ArrowInvalid and pandas' EmptyDataError are ValueErrors
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return pd.DataFrame(), shown(first, 200)
    try:
        return pd.read_csv(path), ""
    except (ValueError, OSError) as exc:
        return pd.DataFrame(), shown(str(exc).strip().splitlines()[0], 200)


def _column_problems(req: TableRequest, names: list[str]) -> list[tuple[str, str]]:
    known = [c.csv for c in req.columns]
    problems = []
    seen: set[str] = set()
    duplicated = sorted({n for n in names if n in seen or seen.add(n)})  # type: ignore[func-returns-value]
    if duplicated:
        problems.append((req.key, f"{req.written}: column {', '.join(map(repr, duplicated))} appears twice"))
    unknown = [n for n in names if n not in known]
    if unknown:
        problems.append((req.key, f"{req.written}: unknown column {', '.join(shown(n) for n in unknown[:5])}; "
                                  f"allowed columns: {', '.join(known)}"))
    missing = [c.csv for c in req.columns if c.required and c.csv not in names]
    if missing:
        problems.append((req.key, f"{req.written}: missing required column {', '.join(map(repr, missing))} "
                                  f"(the file has {', '.join(map(repr, names[:20]))})"))
    return problems


def _short_message(req: TableRequest, rows: int) -> str:
    if req.last_row is None:
        return (f"{req.written} has {rows} data rows; it needs at least {req.min_rows}, one per simulated "
                f"time step")
    return (f"{req.written} has {rows} data rows (time steps 0 to {rows - 1}); the simulation reads up to "
            f"simulation_end_time_step={req.last_row}, so the file needs at least {req.last_row + 1} rows")


def _checked_values(series: pd.Series, column: Column, offset: int) -> tuple[np.ndarray, str]:
    """(read-only float64 values, "") or (empty, "line L (time step T): what is wrong")."""
    values, not_number = _numbers(series)
    whole = pd.api.types.is_integer_dtype(series.dtype)
    empty = np.isnan(values) & ~not_number
    checks: list[tuple[np.ndarray, str]] = [(not_number, "expected a number")]
    if not column.may_be_empty:
        checks.append((empty, f"empty cell; expected {column.allowed()}"))
    finite = np.isfinite(values)
    checks.append((np.isinf(values), "expected a finite number"))
    if column.integer and not whole:
        checks.append((finite & (values != np.round(values)), f"expected {column.allowed()}"))
    in_range = f"expected {column.allowed()}" + ("" if column.unit[:1].isdigit() else f" ({column.unit})")
    if column.low is not None:
        checks.append((finite & (values < column.low), in_range))
    if column.high is not None:
        checks.append((finite & (values > column.high), in_range))
    for mask, what in checks:
        if not mask.any():
            continue
        bad = np.flatnonzero(mask)
        if bad.size:
            i = int(bad[0])
            step = offset + i
            cell = series.iloc[i]
            cell = cell.item() if isinstance(cell, np.generic) else cell  # 2.5, not np.float64(2.5)
            got = "" if what.startswith("empty") else f"got {shown(cell)}; "
            more = f" ({bad.size - 1} more rows like it)" if bad.size > 1 else ""
            return np.empty(0), f"line {step + 2} (time step {step}): {got}{what}{more}"
    values.setflags(write=False)
    return values, ""


def _numbers(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(float64 values with NaN for empty or non-numeric cells, mask of the non-numeric cells)."""
    if pd.api.types.is_bool_dtype(series.dtype):  # pyarrow reads a column of true/false as booleans
        return np.full(len(series), np.nan), series.notna().to_numpy()
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan, copy=True), np.zeros(len(series), bool)
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    text = series.astype("string").str.strip().str.lower()
    empty = (series.isna() | text.isin(_EMPTY_TEXT)).to_numpy(dtype=bool, na_value=True)
    return numbers, np.isnan(numbers) & ~empty
