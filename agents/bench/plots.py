"""Benchmark plots (matplotlib's Agg canvas, no pyplot state): bar charts per headline KPI and learning curves.

- ``<task>__<kpi>.png``: one bar per agent (mean over seeds, 95% interval as error bar when there
  are two or more seeds), the reference baseline's mean as a dashed line, failed agents labelled;
- ``<task>__learning.png``: per learner the training episodic return (TensorBoard tag
  ``charts/episodic_return``) against env steps, smoothed per seed by a running mean over a
  twentieth of its episodes, then averaged over seeds on a common step grid (band: min to max
  over seeds). Learners that log no episodic return (qlearning through ``agents.train``) are named
  in the figure instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from agents.bench.jobs import LEARNER, Job
from agents.bench.entries import Entry
from agents.bench.suite import Suite
from twin.kpis import KPI_UNITS

BASELINE_COLOR, LEARNER_COLOR, FAILED_COLOR = "#8c8c8c", "#1f77b4", "#d62728"


def _save(fig: Figure, path: Path) -> None:
    FigureCanvasAgg(fig)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        fig.savefig(tmp, format="png", dpi=110)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def bar_chart(task: str, kpi: str, entries: list[Entry], reference: str, path: Path) -> None:
    """Bar chart of ``kpi`` on ``task``: one bar per entry, error bars, the reference as a dashed line."""
    fig = Figure(figsize=(max(4.0, 0.8 * len(entries) + 1.5), 3.6), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(entries))
    for i, e in enumerate(entries):
        est = e.estimates.get(kpi)
        if e.status == "failed" or est is None:
            ax.text(i, 0, "failed" if e.status == "failed" else "n/a", rotation=90, ha="center", va="bottom",
                    color=FAILED_COLOR, fontsize=8)
            continue
        color = LEARNER_COLOR if e.kind == LEARNER else BASELINE_COLOR
        ax.bar(i, est.mean, color=color, yerr=est.ci95 if est.ci95 is not None else None, capsize=3)
        if e.agent == reference:
            ax.axhline(est.mean, color="black", linestyle="--", linewidth=0.8, label=f"reference ({reference})")
    ax.set_xticks(x, [e.agent for e in entries], rotation=30, ha="right")
    ax.set_ylabel(f"{kpi} [{KPI_UNITS.get(kpi, '-')}]")
    ax.set_title(f"{task}: {kpi} (mean over seeds, 95% CI)", fontsize=9)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    _save(fig, path)


def _smoothed(values: np.ndarray) -> np.ndarray:
    window = max(1, len(values) // 20)
    if window == 1:
        return values
    kernel = np.ones(window) / window
    head = np.cumsum(values[: window - 1]) / np.arange(1, window)  # shorter windows at the start
    return np.concatenate([head, np.convolve(values, kernel, mode="valid")])


def learning_curves(task: str, curves: dict[str, list[dict[str, Any]]], missing: list[str], path: Path) -> None:
    """Learning curves of ``task``: ``curves`` maps a learner to its seeds' curves (``steps``, ``values``)."""
    fig = Figure(figsize=(6.0, 3.8), layout="constrained")
    ax = fig.add_subplot()
    for agent, runs in curves.items():
        top = max(max(c["steps"]) for c in runs)
        grid = np.linspace(0, top, 100)
        rows = []
        for curve in runs:
            steps, values = np.asarray(curve["steps"], float), _smoothed(np.asarray(curve["values"], float))
            rows.append(np.interp(grid, steps, values, left=np.nan, right=np.nan))
        stack = np.vstack(rows)
        keep = ~np.all(np.isnan(stack), axis=0)
        mean = np.nanmean(stack[:, keep], axis=0)
        line, = ax.plot(grid[keep], mean, label=f"{agent} ({len(runs)} seeds)")
        if len(runs) > 1:
            ax.fill_between(grid[keep], np.nanmin(stack[:, keep], axis=0), np.nanmax(stack[:, keep], axis=0),
                            color=line.get_color(), alpha=0.15, linewidth=0)
    if missing:
        ax.text(0.01, 0.01, "no curve logged: " + ", ".join(missing), transform=ax.transAxes, fontsize=7,
                va="bottom")
    ax.set_xlabel("env steps (summed over parallel worlds)")
    ax.set_ylabel("training episodic return")
    ax.set_title(f"{task}: learning curves (smoothed; band: min-max over seeds)", fontsize=9)
    if curves:
        ax.legend(fontsize=7)
    _save(fig, path)


def write_plots(plot_dir: Path, suite: Suite, entries: list[Entry], jobs: list[Job],
                records: dict[str, dict[str, Any]]) -> list[Path]:
    """Every bar chart and learning-curve figure of the benchmark into ``plot_dir``; returns the files."""
    plot_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for task in suite.tasks:
        rows = [e for e in entries if e.task == task.name]
        if not rows:
            continue
        for kpi in task.headline_kpis:
            path = plot_dir / f"{task.name}__{kpi}.png"
            bar_chart(task.name, kpi, rows, task.reference, path)
            written.append(path)
        curves: dict[str, list[dict[str, Any]]] = {}
        learners = []
        for job in jobs:
            if job.task != task.name or job.kind != LEARNER:
                continue
            learners.append(job.agent)
            curve = (records.get(job.job_id) or {}).get("curve")
            if curve and curve.get("steps"):
                curves.setdefault(job.agent, []).append(curve)
        if learners:
            missing = [a for a in dict.fromkeys(learners) if a not in curves]
            path = plot_dir / f"{task.name}__learning.png"
            learning_curves(task.name, curves, missing, path)
            written.append(path)
    return written


__all__ = ["write_plots", "bar_chart", "learning_curves"]
