"""The forecast-vs-actual figure of a forecasting experiment (matplotlib, no display needed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib.dates as mdates
from matplotlib.figure import Figure  # no pyplot: no global backend, no display
import numpy as np  # noqa: E402

from agents.forecast.data import Series  # noqa: E402
from agents.forecast.experiment import ForecastResult  # noqa: E402


def plot_forecast(result: ForecastResult, path: str | Path) -> None:
    """Write a PNG: the test part's actual readings against forecasts issued once per horizon (top),
    and RMSE by lead time for every forecaster (bottom)."""
    s, h = result.series, result.horizon
    # Non-overlapping origins: each stretch of the top panel is one forecast as issued.
    rows = np.arange(0, len(result.origins), h)
    fig = Figure(figsize=(11, 7))
    top, bottom = fig.subplots(2, 1, gridspec_kw={"height_ratios": [3, 2]})
    idx = np.arange(result.test_start - min(h, result.test_start), len(s))
    top.plot(_when(s, idx), s.values[idx], color="black", lw=1.2, label="actual")
    styles = {result.config.model: ("tab:blue", "-"), "seasonal_naive": ("tab:orange", "--"),
              "persistence": ("tab:gray", ":")}
    for name, forecast in result.forecasts.items():
        color, ls = styles.get(name, ("tab:green", "-"))
        for j, r in enumerate(rows):
            at = result.origins[r] + np.arange(h)
            top.plot(_when(s, at), forecast[r], color=color, ls=ls, lw=1.0, label=name if j == 0 else None)
    for r in rows:
        top.axvline(_when(s, [result.origins[r]])[0], color="0.8", lw=0.6, zorder=0)
    top.set_title(f"{s.target}, {s.node}: forecasts issued every {_hours(h * s.interval_s)} on the test part")
    top.set_ylabel(s.unit)
    top.xaxis.set_major_formatter(mdates.DateFormatter("%a %H:%M"))
    top.legend(loc="upper left", fontsize=8)
    top.grid(alpha=0.3)
    lead_h = (np.arange(h) + 1) * s.interval_s / 3600.0
    for name, forecast in result.forecasts.items():
        color, ls = styles.get(name, ("tab:green", "-"))
        rmse = np.sqrt(np.mean((forecast - result.actual) ** 2, axis=0))
        bottom.plot(lead_h, rmse, color=color, ls=ls, label=f"{name} (NRMSE {result.scores[name].nrmse:.3f})")
    bottom.set_xlabel("lead time (h)")
    bottom.set_ylabel(f"RMSE ({s.unit})")
    bottom.set_title(f"error by lead time over {len(result.origins)} rolling forecast origins")
    bottom.legend(fontsize=8)
    bottom.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _when(s: Series, idx) -> list[dt.datetime]:
    """Datetimes of readings ``idx`` (each plotted at its stamp, the end of its interval)."""
    return [s.start + dt.timedelta(seconds=int(s.time_s[i])) for i in idx]


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:g} h"
