"""Forecasting targets as regular time series drawn from a run's telemetry record.

A :class:`Series` holds one value per reading interval plus the exogenous features of that
interval. Value ``k`` is the reading stamped ``time_s[k]``, which covers the interval
``[time_s[k] - interval_s, time_s[k])``; its features are those known at the stamp, i.e. at the
moment the reading arrives:

==================  ==========================================================================
``hour_sin/cos``    sin/cos(2 pi * hour-of-day / 24) at the stamp (local standard time)
``weekend``         1 on Saturday and Sunday at the stamp, else 0
``outdoor_temp_c``  outdoor temperature (degC) of the weather station at the stamp, or 0 when
                    the record holds no weather
==================  ==========================================================================

The same four features appear in SmartHome-v0 observations (``envs.home_task.OBS_FEATURES``), so a
forecaster fitted on telemetry can run inside :class:`~agents.forecast.wrapper.ForecastObservation`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from agents.forecast.errors import ForecastError
from twin.engine import Calendar
from twin.telemetry.table import Telemetry

# target name -> what it is (unit); the telemetry quantities it is made from are in target_series.
TARGETS: dict[str, str] = {
    "home_load": "net import of one home, or the mean over all homes (kW; negative when exporting)",
    "feeder_load": "mean power of one feeder, or the sum of all feeders (kW)",
    "pv": "PV generation of one home, or the sum over all PV systems (kW)",
    "link_flow": "vehicles crossing one detector's stop line per reading interval (veh), "
                 "by default the busiest detector",
}
FEATURES = ("hour_sin", "hour_cos", "weekend", "outdoor_temp_c")


@dataclass(frozen=True)
class Series:
    """A regular series of one target with its exogenous features (see the module docstring)."""

    target: str
    node: str                 # the node(s) measured, e.g. "feeder-1" or "all feeders (sum)"
    unit: str
    start: dt.datetime        # the world's start; time_s counts from it
    interval_s: int           # spacing of the readings (s)
    time_s: np.ndarray        # (T,) int64 reading stamps, s since start
    values: np.ndarray        # (T,) float64 readings in ``unit``
    features: np.ndarray      # (T, len(FEATURES)) float64

    def __len__(self) -> int:
        return int(self.values.size)

    def times(self) -> list[dt.datetime]:
        """The reading stamps as datetimes (local standard time)."""
        return [self.start + dt.timedelta(seconds=int(t)) for t in self.time_s]


def calendar_features(start: dt.datetime, time_s: np.ndarray) -> np.ndarray:
    """(T, 3) hour_sin, hour_cos and weekend at ``time_s`` seconds after ``start``."""
    cal = Calendar(start)
    time_s = np.asarray(time_s, dtype=np.int64)
    angle = 2 * np.pi * cal.seconds_of_day(time_s) / 86400.0
    weekend = cal.weekday(time_s) >= 5
    return np.column_stack([np.sin(angle), np.cos(angle), weekend.astype(np.float64)])


def target_series(tel: Telemetry, target: str, node: str | None = None) -> Series:
    """The ``target`` series (see :data:`TARGETS`) of a telemetry record, for ``node`` or the default.

    Raises :class:`ForecastError` for an unknown target or node, or a record that lacks the
    quantities the target needs.
    """
    if target not in TARGETS:
        raise ForecastError(f"unknown target {target!r}; choose one of: {', '.join(TARGETS)}")
    if target == "home_load":
        times, label, values, unit = _home_load(tel, node)
    elif target == "feeder_load":
        times, label, values, unit = _feeder_load(tel, node)
    elif target == "pv":
        times, label, values, unit = _pv(tel, node)
    else:
        times, label, values, unit = _link_flow(tel, node)
    times, values, interval_s = _regular(times, values, target)
    return Series(target=target, node=label, unit=unit, start=tel.start, interval_s=interval_s,
                  time_s=times, values=values, features=_features(tel, times))


def _need(tel: Telemetry, quantity: str, target: str, why: str) -> None:
    if not tel.has(quantity):
        raise ForecastError(f"target {target!r} needs {quantity!r} readings, which this record lacks ({why})")


def _pick(tel: Telemetry, quantity: str, node: str, suffix: str, target: str) -> tuple[np.ndarray, str, np.ndarray]:
    """(times, node id, values) of one node's column of ``quantity``; ``node`` may omit ``/suffix``."""
    times, ids, wide = tel.wide(quantity)
    for candidate in (node, f"{node}/{suffix}" if suffix else None):
        if candidate in ids:
            col = ids.index(candidate)
            return times, candidate, wide[:, col]
    shown = ", ".join(ids[:6]) + (", ..." if len(ids) > 6 else "")
    raise ForecastError(f"target {target!r}: no node {node!r}; nodes with {quantity!r} readings: {shown}")


def _home_load(tel: Telemetry, node: str | None):
    why = "record group 'meters' off, or no homes"
    _need(tel, "import_kwh", "home_load", why)
    _need(tel, "export_kwh", "home_load", why)
    t_imp, ids, imp = tel.wide("import_kwh")
    t_exp, ids_exp, exp = tel.wide("export_kwh")
    if ids != ids_exp or not np.array_equal(t_imp, t_exp):
        raise ForecastError("target 'home_load': import and export readings do not line up")
    hours = _interval_h(t_imp)
    net_kw = (imp - exp) / hours[:, None]
    if node is None:
        return t_imp, f"all {len(ids)} homes (mean)", np.nanmean(net_kw, axis=1), "kW"
    _, label, _ = _pick(tel, "import_kwh", node, "meter", "home_load")
    return t_imp, label, net_kw[:, ids.index(label)], "kW"


def _feeder_load(tel: Telemetry, node: str | None):
    _need(tel, "feeder_load_kw", "feeder_load", "record group 'grid' off, or no homes")
    if node is None:
        times, total = tel.total_by_time("feeder_load_kw")
        return times, "all feeders (sum)", total, "kW"
    times, label, values = _pick(tel, "feeder_load_kw", node, "", "feeder_load")
    return times, label, values, "kW"


def _pv(tel: Telemetry, node: str | None):
    _need(tel, "pv_kwh", "pv", "record group 'devices' off, or no home has PV")
    if node is None:
        times, kwh = tel.total_by_time("pv_kwh")
        label = f"all {len(np.unique(tel.series('pv_kwh')[1]))} PV systems (sum)"
    else:
        times, label, kwh = _pick(tel, "pv_kwh", node, "pv", "pv")
    return times, label, kwh / _interval_h(times), "kW"


def _link_flow(tel: Telemetry, node: str | None):
    _need(tel, "det_count", "link_flow", "the scenario has no traffic")
    times, ids, counts = tel.wide("det_count")
    if node is None:
        col = int(np.argmax(np.nansum(counts, axis=0)))
        return times, ids[col], counts[:, col], tel.units["det_count"]
    times, label, values = _pick(tel, "det_count", node, "", "link_flow")
    return times, label, values, tel.units["det_count"]


def _interval_h(times: np.ndarray) -> np.ndarray:
    """Length (h) of the interval each reading covers; the first starts at time 0."""
    return np.diff(times, prepend=0) / 3600.0


def _regular(times: np.ndarray, values: np.ndarray, target: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Keep the readings on the regular grid (a horizon that is not a whole number of intervals
    ends in a shorter reading, which is dropped) and check that none is missing."""
    if times.size < 2:
        raise ForecastError(f"target {target!r}: only {times.size} reading(s); simulate longer (--days)")
    steps, counts = np.unique(np.diff(times), return_counts=True)
    interval_s = int(steps[np.argmax(counts)])
    keep = times % interval_s == 0
    times, values = times[keep], values[keep]
    if np.any(np.diff(times) != interval_s) or np.any(~np.isfinite(values)):
        raise ForecastError(f"target {target!r}: readings are not one every {interval_s} s without gaps")
    return times.astype(np.int64), values.astype(np.float64), interval_s


def _features(tel: Telemetry, times: np.ndarray) -> np.ndarray:
    """(T, len(FEATURES)) features at the reading stamps; weather interpolated onto them."""
    temp = np.zeros(times.size)
    if tel.has("outdoor_temp_c"):
        w_times, w_temp = tel.total_by_time("outdoor_temp_c")  # one weather station
        temp = np.interp(times, w_times, w_temp)
    return np.column_stack([calendar_features(tel.start, times), temp])
