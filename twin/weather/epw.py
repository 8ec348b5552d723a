"""EnergyPlus weather (EPW) files: a validating reader and resampling onto the simulation grid.

Format: 8 header lines, the first ``LOCATION,city,state,country,source,WMO,lat,lon,tz,elevation``
(latitude/longitude [deg] north/east positive, tz [h] offset of local standard time from UTC),
then one comma-separated row per hour: year, month, day, hour (1-24, *hour ending*), minute,
source flags, dry-bulb temperature [deg C] (field 6), ..., global horizontal radiation [Wh/m2]
(field 13), ... (35 fields). 8760 rows (8784 for a leap-year file), in calendar order.
Missing-value markers (temperature 99.9, radiation 9999) are rejected as errors.

Resampling (``epw_weather``): EPW hour ``h`` holds the value for the hour ending at ``h``, i.e.
energy (Wh/m2) or average over ``[h-1, h]``; it is placed at the midpoint ``h - 0.5`` and values
between midpoints are linear interpolations. An hourly Wh/m2 amount equals the mean W/m2 over
the hour. Times are local standard time of the file's site (no daylight saving). The file's year
is ignored: each simulated instant is looked up by month/day/hour, so runs wrap from Dec 31 into
Jan 1 of the same file, and Feb 29 maps to Feb 28 unless the file itself has a Feb 29.
"""

from __future__ import annotations

import csv
import datetime as _dt
import os
from dataclasses import dataclass

import numpy as np

from ..errors import TwinError
from .synthetic import WeatherSeries, _grid

__all__ = ["EpwError", "EpwFile", "epw_weather", "read_epw"]

HEADER_LINES = 8
_TEMP_FIELD, _GHI_FIELD = 6, 13
_MISSING_TEMP, _MISSING_RAD = 99.9, 9999.0


class EpwError(TwinError, ValueError):
    """An EPW file is missing, malformed or incomplete; the message names the file and line."""


@dataclass(frozen=True, eq=False)
class EpwFile:
    """Contents of an EPW file: site (degrees, hours) and hourly series (deg C, Wh/m2 = W/m2 mean).

    ``month``, ``day``, ``hour`` are int arrays with ``hour`` in 1..24 (hour ending) as in EPW.
    """

    path: str
    city: str
    latitude_deg: float
    longitude_deg: float
    timezone_h: float
    month: np.ndarray
    day: np.ndarray
    hour: np.ndarray
    temp_c: np.ndarray
    ghi_w_m2: np.ndarray


def _number(text: str, what: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise EpwError(f"{where}: {what} is not a number: {text.strip()!r}") from None
    if not np.isfinite(value):
        raise EpwError(f"{where}: {what} is not finite: {text.strip()!r}")
    return value


def _expected_calendar(n_rows: int) -> np.ndarray:
    """(month, day, hour) of each row of a complete 8760- or 8784-row year, shape (n, 3)."""
    year = 2021 if n_rows == 8760 else 2020  # any non-leap / leap year
    days = np.arange(f"{year}-01-01", f"{year + 1}-01-01", dtype="datetime64[D]")
    month = (days.astype("datetime64[M]").astype(np.int64) % 12) + 1
    day = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    return np.column_stack([np.repeat(month, 24), np.repeat(day, 24), np.tile(np.arange(1, 25), days.size)])


def read_epw(path) -> EpwFile:
    """Read and validate an EPW file; raise ``EpwError`` naming the file (and line) on bad input."""
    path = os.fspath(path)
    try:
        # latin-1 never fails to decode; EPW city names are often not UTF-8.
        with open(path, newline="", encoding="latin-1") as fh:
            rows = [(i + 1, row) for i, row in enumerate(csv.reader(fh)) if any(f.strip() for f in row)]
    except OSError as exc:
        raise EpwError(f"{path}: cannot read EPW file: {exc.strerror or exc}") from None
    except csv.Error as exc:
        raise EpwError(f"{path}: not a comma-separated EPW file: {exc}") from None
    if len(rows) < HEADER_LINES:
        raise EpwError(f"{path}: expected {HEADER_LINES} header lines, file has only {len(rows)} lines")
    line, loc = rows[0]
    if loc[0].strip().upper() != "LOCATION":
        raise EpwError(f"{path}:{line}: expected the LOCATION header line, found {loc[0].strip()!r}")
    if len(loc) < 10:
        raise EpwError(f"{path}:{line}: LOCATION needs 10 fields "
                       f"(LOCATION,city,state,country,source,WMO,lat,lon,tz,elevation), found {len(loc)}")
    where = f"{path}:{line}"
    lat = _number(loc[6], "LOCATION latitude", where)
    lon = _number(loc[7], "LOCATION longitude", where)
    tz = _number(loc[8], "LOCATION time zone", where)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and -12 <= tz <= 14):
        raise EpwError(f"{where}: LOCATION latitude/longitude/time zone out of range: {lat}, {lon}, {tz}")
    for line, row in rows[1:HEADER_LINES]:
        # A header line that starts with a number means a header line is missing.
        if row[0].strip().lstrip("-").replace(".", "", 1).isdigit():
            raise EpwError(f"{path}:{line}: expected header line {line} of {HEADER_LINES}, found a data row")

    data = rows[HEADER_LINES:]
    if len(data) not in (8760, 8784):
        raise EpwError(f"{path}: expected 8760 or 8784 hourly data rows after the {HEADER_LINES} "
                       f"header lines, found {len(data)}")
    values = np.empty((len(data), 5), dtype=np.float64)
    for k, (line, row) in enumerate(data):
        where = f"{path}:{line}"
        if len(row) <= _GHI_FIELD:
            raise EpwError(f"{where}: data row has {len(row)} fields, needs at least {_GHI_FIELD + 1}")
        temp = _number(row[_TEMP_FIELD], "dry-bulb temperature (field 7)", where)
        ghi = _number(row[_GHI_FIELD], "global horizontal radiation (field 14)", where)
        if temp >= _MISSING_TEMP:
            raise EpwError(f"{where}: dry-bulb temperature is the missing-value marker {row[_TEMP_FIELD].strip()}")
        if ghi >= _MISSING_RAD:
            raise EpwError(f"{where}: global horizontal radiation is the missing-value marker "
                           f"{row[_GHI_FIELD].strip()}")
        values[k] = (_number(row[1], "month", where), _number(row[2], "day", where),
                     _number(row[3], "hour", where), temp, ghi)
    mdh = values[:, :3].astype(np.int64)
    bad = np.flatnonzero(np.any(mdh != _expected_calendar(len(data)), axis=1) | np.any(values[:, :3] % 1, axis=1))
    if bad.size:
        k = int(bad[0])
        m, d, h = (int(v) for v in mdh[k])
        raise EpwError(f"{path}:{data[k][0]}: rows must run hour 1..24 per day through the calendar "
                       f"year; row {k + 1} is month {m}, day {d}, hour {h}")
    arrays = [np.ascontiguousarray(a) for a in (mdh[:, 0], mdh[:, 1], mdh[:, 2], values[:, 3], values[:, 4])]
    for a in arrays:
        a.flags.writeable = False
    return EpwFile(path=path, city=loc[1].strip(), latitude_deg=lat, longitude_deg=lon, timezone_h=tz,
                   month=arrays[0], day=arrays[1], hour=arrays[2], temp_c=arrays[3], ghi_w_m2=arrays[4])


def epw_weather(epw: EpwFile, *, start: _dt.datetime, duration_s: int, step_s: int) -> WeatherSeries:
    """Resample an EPW year onto ``start + k * step_s`` (local standard time, ``step_s`` [s]).

    Hourly values sit at the hour midpoints and are interpolated linearly (see module doc);
    the file's year is ignored and the run wraps at year end. GHI [W/m2] is clipped at >= 0.
    """
    offsets, _ = _grid(start, duration_s, step_s)
    # Row lookup by (month, day, hour ending); Feb 29 falls back to Feb 28 in 8760-row files.
    lookup = np.full((13, 32, 25), -1, dtype=np.int64)
    lookup[epw.month, epw.day, epw.hour] = np.arange(epw.month.size)
    if lookup[2, 29, 1] < 0:
        lookup[2, 29, :] = lookup[2, 28, :]
    # Hourly nodes at HH:30 from the hour before start to past the end, so interpolation never
    # extrapolates; node offsets are seconds from start.
    start = start.replace(tzinfo=None)
    first = start.replace(minute=30, second=0, microsecond=0) - _dt.timedelta(hours=1)
    n_nodes = int((offsets[-1] - (first - start).total_seconds()) // 3600) + 2
    node_off = (first - start).total_seconds() + 3600.0 * np.arange(n_nodes)
    node_t = np.datetime64(first, "s") + np.arange(n_nodes) * np.timedelta64(3600, "s")
    month = node_t.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (node_t.astype("datetime64[D]") - node_t.astype("datetime64[M]")).astype(np.int64) + 1
    hour_ending = (node_t - node_t.astype("datetime64[D]")).astype(np.int64) // 3600 + 1
    rows = lookup[month, day, hour_ending]
    if np.any(rows < 0):  # only reachable with a hand-built EpwFile that skips hours
        raise EpwError(f"{epw.path}: no data for some hours between {start} and the end of the run")
    t = offsets.astype(np.float64)
    temp = np.interp(t, node_off, epw.temp_c[rows])
    ghi = np.clip(np.interp(t, node_off, epw.ghi_w_m2[rows]), 0.0, None)
    return WeatherSeries(step_s=int(step_s), temp_c=temp, ghi_w_m2=ghi)
