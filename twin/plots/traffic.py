"""Plots of the streets: queues per intersection, travel times, delay and throughput over time, and
flow and queue per approach at the most congested intersections."""

from __future__ import annotations

from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
from matplotlib.figure import Figure

from twin.plots.common import DPI, NAMED, coarsen, finish, times, worst
from twin.telemetry.table import Telemetry

BIN_S = 300  # trips are binned by arrival time in 5-minute slices
APPROACH_COLOURS = {"N": "tab:blue", "E": "tab:green", "S": "tab:red", "W": "tab:orange"}


def plot_intersection_queues(tel: Telemetry, path: Path) -> bool:
    """Vehicles waiting at each intersection over time, as a heatmap (rows: intersections)."""
    if not tel.has("intersection_queue_veh"):
        return False
    stamps, nodes, queue = tel.wide("intersection_queue_veh")
    fig = Figure(figsize=(11, 2.0 + 0.18 * min(len(nodes), 40)))
    ax = fig.subplots()
    start, end = mdates.date2num(times(tel, stamps[[0, -1]]))
    image = ax.imshow(queue.T, aspect="auto", interpolation="nearest", cmap="magma_r",
                      extent=(start, end, len(nodes) - 0.5, -0.5))
    if len(nodes) <= 40:
        ax.set_yticks(range(len(nodes)), nodes, fontsize=7)
    ax.xaxis_date()
    fig.colorbar(image, ax=ax, label="vehicles waiting")
    finish(fig, ax, path, "Queue per intersection", "intersection", legend=False)
    return True


def plot_travel_times(trips, path: Path) -> bool:
    """Histogram of the travel times (s) of arrived vehicles, with their free-flow times."""
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
    fig.savefig(path, dpi=DPI)
    return True


def delay_and_throughput(trips, bin_s: int = BIN_S) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per ``bin_s`` slice of the run (by arrival time): slice end (s), arrivals per hour (veh/h) and the
    mean time loss of the vehicles that arrived in it (s, NaN where none did)."""
    n_bins = max(int(np.ceil(trips.end_s / bin_s)), 1)
    arrived = trips.arrived_s >= 0
    slot = np.minimum((trips.arrived_s[arrived] - 1) // bin_s, n_bins - 1).clip(0)
    count = np.bincount(slot, minlength=n_bins)
    loss = np.bincount(slot, weights=trips.time_loss_s()[arrived], minlength=n_bins)
    ends = np.minimum((np.arange(n_bins) + 1) * bin_s, trips.end_s)
    widths_h = (ends - np.arange(n_bins) * bin_s) / 3600.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return ends, count / widths_h, np.where(count > 0, loss / count, np.nan)


def plot_delay_throughput(tel: Telemetry, trips, path: Path) -> bool:
    """Throughput (veh/h) and the mean time loss of arriving vehicles (s) per 5 minutes, with the
    vehicles on the network and waiting to enter."""
    if len(trips) == 0:
        return False
    ends, vph, loss = delay_and_throughput(trips)
    fig = Figure(figsize=(11, 6))
    top, bottom = fig.subplots(2, 1, sharex=True)
    when = times(tel, ends)
    top.step(when, vph, where="pre", color="tab:blue", label="throughput (arrivals)")
    top.set_ylabel("veh/h")
    right = top.twinx()
    right.step(when, loss, where="pre", color="tab:red", label="mean time loss of arrivals")
    right.set_ylabel("s")
    handles = top.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    top.legend(handles, [h.get_label() for h in handles], loc="upper left", bbox_to_anchor=(1.08, 1.0), fontsize=8,
               frameon=False)
    top.set_title(f"Throughput and delay per {BIN_S // 60} minutes")
    top.grid(alpha=0.3)
    for quantity, label in (("vehicles_in_network", "on the network"), ("vehicles_waiting_to_enter", "waiting to enter")):
        if tel.has(quantity):
            t, _, v = tel.series(quantity)
            bottom.plot(times(tel, t), v, lw=1.2, label=label)
    finish(fig, bottom, path, "Vehicles in the system", "veh")
    return True


def plot_worst_approaches(tel: Telemetry, path: Path) -> bool:
    """At the intersections with the longest mean queue: flow (veh/h) and mean queue (veh) per approach,
    over groups of readings on long runs."""
    if not (tel.has("det_count") and tel.has("queue_veh") and tel.has("intersection_queue_veh")):
        return False
    _, ints, int_queue = tel.wide("intersection_queue_veh")
    stamps, dets, counts = tel.wide("det_count")
    _, qdets, queues = tel.wide("queue_veh")
    chosen = [ints[j] for j in worst(np.nanmean(int_queue, axis=0), NAMED)]
    ends, counts = coarsen(stamps, counts, how="sum")   # vehicles per group of readings
    queues = coarsen(stamps, queues)[1]                  # mean vehicles waiting over the group
    interval_h = np.diff(ends, prepend=0) / 3600.0
    fig = Figure(figsize=(11, 2.6 * len(chosen)))
    axes = np.atleast_2d(fig.subplots(len(chosen), 2, sharex=True))
    when = times(tel, ends)
    for row, int_id in enumerate(chosen):
        flow_ax, queue_ax = axes[row]
        # Same approach order in every row, so legends read alike from one intersection to the next.
        mine = [(det.split("det-")[-1], j) for j, det in enumerate(dets) if det.startswith(int_id + "/")]
        order = list(APPROACH_COLOURS)
        for approach, j in sorted(mine, key=lambda aj: order.index(aj[0]) if aj[0] in order else len(order)):
            colour = APPROACH_COLOURS.get(approach)
            flow_ax.step(when, counts[:, j] / interval_h, where="pre", lw=1, color=colour, label=f"from {approach}")
            k = qdets.index(dets[j])
            queue_ax.step(when, queues[:, k], where="pre", lw=1, color=colour, label=f"from {approach}")
        flow_ax.set_ylabel(f"{int_id}\nveh/h")
        queue_ax.set_ylabel("veh waiting")
        flow_ax.set_title(f"{int_id}: flow per approach", fontsize=9)
        queue_ax.set_title(f"{int_id}: queue per approach", fontsize=9)
        flow_ax.grid(alpha=0.3)
        queue_ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
        queue_ax.grid(alpha=0.3)
    locator = mdates.AutoDateLocator()
    for ax in axes[-1]:
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    return True


TRAFFIC_PLOT_FILES = ("intersection_queues.png", "travel_times.png", "delay_throughput.png", "worst_approaches.png")


def plot_traffic(tel: Telemetry, trips, out_dir: Path) -> list[str]:
    """Draw the traffic plots into ``out_dir`` (names from TRAFFIC_PLOT_FILES); returns those written."""
    jobs = dict(zip(TRAFFIC_PLOT_FILES, (lambda p: plot_intersection_queues(tel, p),
                                         lambda p: plot_travel_times(trips, p),
                                         lambda p: plot_delay_throughput(tel, trips, p),
                                         lambda p: plot_worst_approaches(tel, p)), strict=True))
    return [name for name, draw in jobs.items() if draw(out_dir / name)]
