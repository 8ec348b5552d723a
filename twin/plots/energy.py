"""Plots of the homes and the grid, drawn from the telemetry record (matplotlib, no display)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure  # no pyplot: no global backend, no display

from twin.plots.common import NAMED, draw_spread, finish, spread, time_series, times, worst
from twin.telemetry.table import Telemetry

FEW = 6  # up to this many feeders or homes are drawn one by one


def plot_feeder_load(tel: Telemetry, rating_kva: float | None, path: Path) -> bool:
    """Each feeder's mean load per reading (kW) against its transformer's rating (kVA, at unity power
    factor the same number of kW; None: no transformer). Many feeders: their spread and the most loaded."""
    series = time_series(tel, "feeder_load_kw")
    if series is None:
        return False
    when, feeders, load, fig, ax = series
    if len(feeders) <= FEW:
        peaks = tel.wide("feeder_peak_kw")[2] if tel.has("feeder_peak_kw") else None
        for j, feeder in enumerate(feeders):
            # A reading stamped t covers the interval before t: drawn as a step ending at t.
            line, = ax.step(when, load[:, j], where="pre", lw=1, label=f"{feeder} mean")
            if peaks is not None:
                ax.step(when, peaks[:, j], where="pre", lw=0.6, alpha=0.45, color=line.get_color(),
                        label=f"{feeder} peak step")
    else:
        draw_spread(ax, when, spread(load), "tab:blue", f"{len(feeders)} feeders", step=True)
        for j in worst(np.nanmax(load, axis=0)):
            ax.step(when, load[:, j], where="pre", lw=0.9, label=f"{feeders[j]} (peak {np.nanmax(load[:, j]):.0f} kW)")
    if rating_kva is not None:
        ax.axhline(rating_kva, color="crimson", ls="--", lw=1.2,
                   label=f"transformer rating {rating_kva:g} kVA\n(= {rating_kva:g} kW at power factor 1)")
    finish(fig, ax, path, "Feeder load, mean per reading (+ import)", "kW")
    return True


def plot_indoor_temperature(tel: Telemetry, low_c: float, high_c: float, path: Path) -> bool:
    """Indoor temperature of every home (°C): their spread against the comfort band, the homes with
    the most comfort violation named, and the outdoor temperature."""
    series = time_series(tel, "indoor_temp_c")
    if series is None:
        return False
    when, zones, temp, fig, ax = series
    ax.axhspan(low_c, high_c, color="seagreen", alpha=0.12, label=f"comfort band {low_c:g}-{high_c:g} °C")
    if len(zones) <= NAMED:
        for j, zone in enumerate(zones):
            ax.plot(when, temp[:, j], lw=1.2, label=f"{zone.split('/')[0]} indoor")
    else:
        draw_spread(ax, when, spread(temp), "tab:orange", f"{len(zones)} homes indoor")
        violation = _per_node_total(tel, "comfort_violation_kh", zones)
        if violation.max() > 0:  # the homes that spent most degree-hours outside the band
            for j in worst(violation):
                ax.plot(when, temp[:, j], lw=0.9, label=f"{zones[j].split('/')[0]} ({violation[j]:.1f} K·h outside)")
        else:  # every home inside the band: the coldest ones
            coldest = np.nanmin(temp, axis=0)
            for j in worst(-coldest):
                ax.plot(when, temp[:, j], lw=0.9, label=f"{zones[j].split('/')[0]} (lowest {coldest[j]:.1f} °C)")
    if tel.has("outdoor_temp_c"):
        t_out, _, v_out = tel.series("outdoor_temp_c")
        ax.plot(times(tel, t_out), v_out, lw=1, color="grey", label="outdoor")
    finish(fig, ax, path, "Indoor temperature", "°C")
    return True


def plot_battery_soc(tel: Telemetry, path: Path) -> bool:
    """State of charge of every home battery (fraction of capacity): their spread and the three that
    moved the most energy, named."""
    series = time_series(tel, "soc")
    if series is None:
        return False
    when, batteries, soc, fig, ax = series
    if len(batteries) <= NAMED:
        for j, battery in enumerate(batteries):
            ax.plot(when, soc[:, j], lw=1.2, label=battery.split("/")[0])
    else:
        draw_spread(ax, when, spread(soc), "tab:purple", f"{len(batteries)} batteries")
        moved = _per_node_total(tel, "battery_charge_kwh", batteries) + _per_node_total(tel, "battery_discharge_kwh",
                                                                                        batteries)
        for j in worst(moved):
            ax.plot(when, soc[:, j], lw=0.9, label=f"{batteries[j].split('/')[0]} ({moved[j]:.0f} kWh in and out)")
    ax.set_ylim(0, 1)
    finish(fig, ax, path, "Battery state of charge", "fraction of capacity")
    return True


def plot_prices(tel: Telemetry, path: Path) -> bool:
    """Import and feed-in prices (EUR/kWh) and the grid's carbon intensity (gCO2/kWh)."""
    if not tel.has("price_eur_per_kwh"):
        return False
    fig = Figure(figsize=(11, 4))
    ax = fig.subplots()
    t, _, price = tel.series("price_eur_per_kwh")
    ax.step(times(tel, t), price, where="pre", lw=1.2, label="import price")
    t, _, feed = tel.series("feed_in_eur_per_kwh")
    ax.step(times(tel, t), feed, where="pre", lw=1, label="feed-in price")
    handles, labels = ax.get_legend_handles_labels()
    if tel.has("carbon_g_per_kwh"):
        ax2 = ax.twinx()
        t, _, carbon = tel.series("carbon_g_per_kwh")
        ax2.step(times(tel, t), carbon, where="pre", color="grey", lw=1, label="carbon intensity")
        ax2.set_ylabel("gCO2/kWh")
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.08, 1.0), fontsize=8, frameon=False)
    finish(fig, ax, path, "Prices and carbon intensity", "EUR/kWh", legend=False)
    return True


def _per_node_total(tel: Telemetry, quantity: str, like: list[str]) -> np.ndarray:
    """Sum over readings of ``quantity`` for the homes of the nodes ``like`` (matched by home id), 0 if absent."""
    out = np.zeros(len(like))
    if not tel.has(quantity):
        return out
    _, nodes, values = tel.wide(quantity)
    home_of = {node.split("/")[0]: j for j, node in enumerate(nodes)}
    totals = np.nansum(values, axis=0)
    for i, node in enumerate(like):
        j = home_of.get(node.split("/")[0])
        if j is not None:
            out[i] = totals[j]
    return out


RUN_PLOT_FILES = ("feeder_load.png", "indoor_temperature.png", "battery_soc.png", "prices.png")


def plot_run(tel: Telemetry, out_dir: Path, *, rating_kva: float | None, comfort: tuple[float, float]) -> list[str]:
    """Draw every plot the record supports into ``out_dir`` (names from RUN_PLOT_FILES); returns those written."""
    jobs = dict(zip(RUN_PLOT_FILES, (
        lambda p: plot_feeder_load(tel, rating_kva, p),
        lambda p: plot_indoor_temperature(tel, *comfort, p),
        lambda p: plot_battery_soc(tel, p),
        lambda p: plot_prices(tel, p),
    ), strict=True))
    return [name for name, draw in jobs.items() if draw(out_dir / name)]
