"""What every plot of a run shares: local times on the axis, distributions over many nodes, finishing.

Plots of many homes or batteries show the distribution over all of them (median, the band from the
5th to the 95th percentile, the full range faintly) and name the few worst, instead of an arbitrary
first few; legends sit beside the axes so they hide no data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
from matplotlib.figure import Figure

from twin.telemetry.table import Telemetry

DPI = 110
NAMED = 3  # worst nodes drawn and named


def times(tel: Telemetry, time_s: np.ndarray) -> list[dt.datetime]:
    """Reading stamps (s since the start) as local date-times."""
    return [tel.start + dt.timedelta(seconds=int(t)) for t in time_s]


def time_series(tel: Telemetry, quantity: str, figsize: tuple[float, float] = (11, 4)):
    """``(times, node ids, values (time, node), figure, axes)`` of one recorded quantity over time on a
    new one-axes figure (inches), or None if the record has no such quantity."""
    if not tel.has(quantity):
        return None
    stamps, nodes, values = tel.wide(quantity)
    fig = Figure(figsize=figsize)
    return times(tel, stamps), nodes, values, fig, fig.subplots()


@dataclass(frozen=True)
class Spread:
    """Per reading time, the distribution of a quantity over nodes."""

    median: np.ndarray
    p5: np.ndarray
    p95: np.ndarray
    low: np.ndarray
    high: np.ndarray


def spread(values: np.ndarray) -> Spread:
    """Median, 5th and 95th percentiles and range over the columns (nodes) of (times, nodes) ``values``."""
    p5, median, p95 = np.nanpercentile(values, [5, 50, 95], axis=1)
    return Spread(median=median, p5=p5, p95=p95, low=np.nanmin(values, axis=1), high=np.nanmax(values, axis=1))


def coarsen(stamps: np.ndarray, values: np.ndarray, max_points: int = 150, how: str = "mean"
            ) -> tuple[np.ndarray, np.ndarray]:
    """Readings merged into at most ``max_points`` consecutive groups: (each group's last stamp,
    its ``how`` ("mean" or "sum") per column of (times, columns) ``values``), so long runs stay legible."""
    size = max(int(np.ceil(stamps.size / max_points)), 1)
    if size == 1:
        return stamps, values
    groups = np.arange(stamps.size) // size
    n = int(groups[-1]) + 1
    sums = np.zeros((n, values.shape[1]))
    np.add.at(sums, groups, np.nan_to_num(values))
    if how == "mean":
        sums /= np.bincount(groups, minlength=n)[:, None]
    return stamps[np.r_[np.flatnonzero(np.diff(groups)), stamps.size - 1]], sums


def worst(scores: np.ndarray, n: int = NAMED) -> np.ndarray:
    """Column indices of the ``n`` largest ``scores``, largest first (ties: the lower index first)."""
    order = np.lexsort((np.arange(scores.size), -np.nan_to_num(scores, nan=-np.inf)))
    return order[:min(n, scores.size)]


def draw_spread(ax, when: list[dt.datetime], s: Spread, colour: str, what: str, step: bool = False) -> None:
    """Median line, 5-95 % band and faint range of ``s`` on ``ax``."""
    kw = {"step": "pre"} if step else {}
    ax.fill_between(when, s.low, s.high, color=colour, alpha=0.08, lw=0, label=f"{what}: range", **kw)
    ax.fill_between(when, s.p5, s.p95, color=colour, alpha=0.25, lw=0, label=f"{what}: 5-95 %", **kw)
    if step:
        ax.step(when, s.median, where="pre", color=colour, lw=1.4, label=f"{what}: median")
    else:
        ax.plot(when, s.median, color=colour, lw=1.4, label=f"{what}: median")


def finish(fig, ax, path: Path, title: str, ylabel: str, legend: bool = True) -> None:
    """Title, unit, dated time axis, a legend beside the axes; write ``path``."""
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
