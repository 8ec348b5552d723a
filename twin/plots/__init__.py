"""Plots of a run, drawn from its telemetry record and trips with matplotlib (no display needed)."""

from twin.plots.energy import RUN_PLOT_FILES, plot_run
from twin.plots.traffic import TRAFFIC_PLOT_FILES, plot_traffic

__all__ = ["RUN_PLOT_FILES", "TRAFFIC_PLOT_FILES", "plot_run", "plot_traffic"]
