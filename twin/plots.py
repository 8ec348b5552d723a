"""Plots of a run, drawn from its telemetry record with matplotlib (no display needed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib.dates as mdates
from matplotlib.figure import Figure  # no pyplot: no global backend, no display
import numpy as np  # noqa: E402

from twin.telemetry.table import Telemetry  # noqa: E402


def _times(tel: Telemetry, time_s: np.ndarray) -> list[dt.datetime]:
    return [tel.start + dt.timedelta(seconds=int(t)) for t in time_s]


def _finish(fig, ax, path: Path, title: str, ylabel: str) -> None:
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %H:%M"))
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot_feeder_load(tel: Telemetry, rating_kw: float | None, path: Path) -> bool:
    """Each feeder's mean load per reading against the transformer rating (kW; None: no transformer)."""
    if not tel.has("feeder_load_kw"):
        return False
    times, feeders, load = tel.wide("feeder_load_kw")
    peaks = tel.wide("feeder_peak_kw")[2] if tel.has("feeder_peak_kw") else None
    fig = Figure(figsize=(10, 4))
    ax = fig.subplots()
    when = _times(tel, times)
    for j, feeder in enumerate(feeders):
        # A reading stamped t covers the interval before t: draw it as a step ending at t.
        line, = ax.step(when, load[:, j], where="pre", lw=1, label=f"{feeder} mean")
        if peaks is not None:
            ax.step(when, peaks[:, j], where="pre", lw=0.6, alpha=0.45, color=line.get_color())
    if rating_kw is not None:
        ax.axhline(rating_kw, color="crimson", ls="--", lw=1.2,
                   label=f"transformer rating {rating_kw:g} kVA (= kW at unity power factor)")
    ax.legend(loc="upper right", fontsize=8, ncol=min(len(feeders) + 1, 5))
    _finish(fig, ax, path, "Feeder load (mean per reading; faint: peak step)", "kW")
    return True


def plot_indoor_temperature(tel: Telemetry, low_c: float, high_c: float, path: Path) -> bool:
    """One home's indoor temperature against its comfort band, with the outdoor temperature."""
    if not tel.has("indoor_temp_c"):
        return False
    time_s, node, value = tel.series("indoor_temp_c")
    first = node[0]
    rows = node == first
    fig = Figure(figsize=(10, 4))
    ax = fig.subplots()
    ax.axhspan(low_c, high_c, color="seagreen", alpha=0.15, label=f"comfort band {low_c:g}-{high_c:g} C")
    ax.plot(_times(tel, time_s[rows]), value[rows], lw=1.2, label=tel.node_ids[first].split("/")[0] + " indoor")
    if tel.has("outdoor_temp_c"):
        t_out, _, v_out = tel.series("outdoor_temp_c")
        ax.plot(_times(tel, t_out), v_out, lw=1, color="grey", label="outdoor")
    ax.legend(loc="upper right", fontsize=8)
    _finish(fig, ax, path, "Indoor temperature", "C")
    return True


def plot_battery_soc(tel: Telemetry, path: Path, most: int = 8) -> bool:
    """State of charge of up to ``most`` home batteries (fraction of capacity)."""
    if not tel.has("soc"):
        return False
    times, batteries, soc = tel.wide("soc")
    fig = Figure(figsize=(10, 4))
    ax = fig.subplots()
    when = _times(tel, times)
    for j in range(min(most, len(batteries))):
        ax.plot(when, soc[:, j], lw=1, label=batteries[j].split("/")[0])
    ax.set_ylim(0, 1)
    ax.legend(loc="upper right", fontsize=8, ncol=4)
    _finish(fig, ax, path, "Battery state of charge", "fraction of capacity")
    return True


def plot_prices(tel: Telemetry, path: Path) -> bool:
    """Import and feed-in prices (EUR/kWh) and the grid's carbon intensity (g/kWh)."""
    if not tel.has("price_eur_per_kwh"):
        return False
    fig = Figure(figsize=(10, 4))
    ax = fig.subplots()
    t, _, price = tel.series("price_eur_per_kwh")
    ax.step(_times(tel, t), price, where="pre", lw=1.2, label="import price")
    t, _, feed = tel.series("feed_in_eur_per_kwh")
    ax.step(_times(tel, t), feed, where="pre", lw=1, label="feed-in price")
    ax.legend(loc="upper left", fontsize=8)
    if tel.has("carbon_g_per_kwh"):
        ax2 = ax.twinx()
        t, _, carbon = tel.series("carbon_g_per_kwh")
        ax2.step(_times(tel, t), carbon, where="pre", color="grey", lw=1, label="carbon intensity")
        ax2.set_ylabel("gCO2/kWh")
        ax2.legend(loc="upper right", fontsize=8)
    _finish(fig, ax, path, "Prices and carbon intensity", "EUR/kWh")
    return True


RUN_PLOT_FILES = ("feeder_load.png", "indoor_temperature.png", "battery_soc.png", "prices.png")
TRAFFIC_PLOT_FILES = ("intersection_queues.png", "travel_times.png")


def plot_run(tel: Telemetry, out_dir: Path, *, rating_kw: float | None, comfort: tuple[float, float]) -> list[str]:
    """Draw every plot the record supports into ``out_dir`` (names from RUN_PLOT_FILES); returns those written."""
    jobs = dict(zip(RUN_PLOT_FILES, (
        lambda p: plot_feeder_load(tel, rating_kw, p),
        lambda p: plot_indoor_temperature(tel, *comfort, p),
        lambda p: plot_battery_soc(tel, p),
        lambda p: plot_prices(tel, p),
    ), strict=True))
    return [name for name, draw in jobs.items() if draw(out_dir / name)]


def plot_intersection_queues(tel: Telemetry, path: Path) -> bool:
    """Vehicles waiting at each intersection over time, as a heatmap (rows: intersections)."""
    if not tel.has("intersection_queue_veh"):
        return False
    times, nodes, queue = tel.wide("intersection_queue_veh")
    fig = Figure(figsize=(10, 2.0 + 0.18 * min(len(nodes), 40)))
    ax = fig.subplots()
    start, end = mdates.date2num(_times(tel, times[[0, -1]]))
    image = ax.imshow(queue.T, aspect="auto", interpolation="nearest", cmap="magma_r",
                      extent=(start, end, len(nodes) - 0.5, -0.5))
    if len(nodes) <= 40:
        ax.set_yticks(range(len(nodes)), nodes, fontsize=7)
    ax.xaxis_date()
    fig.colorbar(image, ax=ax, label="vehicles waiting")
    _finish(fig, ax, path, "Queue per intersection", "intersection")
    return True


def plot_travel_times(trips, path: Path) -> bool:
    """Histogram of trip travel times (s) of vehicles that arrived, with their free-flow times."""
    arrived = trips.arrived_s >= 0
    if not arrived.any():
        return False
    travel = (trips.arrived_s - trips.generated_s)[arrived]
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    bins = np.linspace(0, np.percentile(travel, 99.5) * 1.05 + 1, 40)
    ax.hist(travel, bins=bins, alpha=0.8, label=f"travel time (mean {travel.mean():.0f} s)")
    ax.hist(trips.free_flow_s[arrived], bins=bins, alpha=0.5, label="free-flow time")
    ax.set_xlabel("s")
    ax.set_ylabel("vehicles")
    ax.set_title(f"Travel times of {arrived.sum():,} arrived vehicles")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def plot_traffic(tel: Telemetry, trips, out_dir: Path) -> list[str]:
    """Draw the traffic plots into ``out_dir`` (names from TRAFFIC_PLOT_FILES); returns those written."""
    jobs = dict(zip(TRAFFIC_PLOT_FILES, (lambda p: plot_intersection_queues(tel, p),
                                         lambda p: plot_travel_times(trips, p)), strict=True))
    return [name for name, draw in jobs.items() if draw(out_dir / name)]
