"""``twin compare RUN RUN...``: KPIs of run folders side by side, with differences and a plot.

The first run is the reference: every other run's KPI is shown with its difference from it, in
the KPI's unit and in percent, marked better or worse where the KPI has a direction. The folder
written holds ``compare.md`` (the table), ``compare.csv`` (one row per KPI and run) and
``compare.png`` (percent change per KPI against the reference).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twin.errors import TwinError
from twin.kpis import HIGHER, KPI_UNITS, LOWER, kpi_direction
from twin.rundir import MANIFEST

COMPARE_FILES = frozenset({"compare.md", "compare.csv", "compare.png", MANIFEST})


class CompareError(TwinError):
    """The runs given to ``twin compare`` cannot be compared."""


@dataclass(frozen=True)
class RunKpis:
    """One run folder's KPIs and what identifies it."""

    label: str
    folder: Path
    scenario: str
    kpis: dict[str, float | None]


@dataclass(frozen=True)
class Comparison:
    """KPIs of several runs; ``runs[0]`` is the reference."""

    runs: tuple[RunKpis, ...]
    kpis: tuple[str, ...]          # the KPIs shown, in KPI-table order

    def value(self, run: RunKpis, kpi: str) -> float | None:
        """``kpi`` of ``run``, None where it has none."""
        return run.kpis.get(kpi)

    def change(self, run: RunKpis, kpi: str) -> tuple[float | None, float | None]:
        """(difference from the reference in the KPI's unit, the same in percent of the reference)."""
        ref, value = self.value(self.runs[0], kpi), self.value(run, kpi)
        if ref is None or value is None:
            return None, None
        return value - ref, (100.0 * (value - ref) / abs(ref) if ref else None)

    def verdict(self, run: RunKpis, kpi: str) -> str:
        """``better``, ``worse``, ``same`` or ``""`` (no direction or no value) against the reference."""
        diff, _ = self.change(run, kpi)
        direction = kpi_direction(kpi)
        if diff is None or direction not in (LOWER, HIGHER):
            return ""
        if diff == 0:
            return "same"
        return "better" if (diff < 0) == (direction == LOWER) else "worse"


def read_run_kpis(folder: Path, label: str) -> RunKpis:
    """The KPIs of a folder ``twin run`` wrote; CompareError naming what is missing otherwise."""
    if not folder.is_dir():
        raise CompareError(f"{folder}: no such folder; give run folders written by `twin run`")
    try:
        kpis = json.loads((folder / "kpis.json").read_text(encoding="utf-8"))
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CompareError(f"{folder}: not a run folder (no {Path(exc.filename).name}); give folders written by "
                           "`twin run`") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise CompareError(f"{folder}: kpis.json or {MANIFEST} is not valid JSON ({exc})") from None
    if not isinstance(kpis, dict):
        raise CompareError(f"{folder}: kpis.json holds no KPI table")
    scenario = manifest.get("scenario", {}).get("name", "?") if isinstance(manifest, dict) else "?"
    return RunKpis(label=label, folder=folder, scenario=str(scenario),
                   kpis={k: (float(v) if isinstance(v, (int, float)) else None) for k, v in kpis.items()})


def compare_runs(folders: list[Path], kpis: tuple[str, ...] = ()) -> Comparison:
    """Read ``folders`` (the first is the reference) and keep the KPIs any of them has (or ``kpis``)."""
    if len(folders) < 2:
        raise CompareError("give at least two run folders; the first is the reference")
    names = [f.name for f in folders]
    labels = names if len(set(names)) == len(names) else [str(f) for f in folders]
    runs = tuple(read_run_kpis(Path(f), label) for f, label in zip(folders, labels))
    order = list(KPI_UNITS) + sorted({k for r in runs for k in r.kpis} - set(KPI_UNITS))
    present = [k for k in order if any(r.kpis.get(k) is not None for r in runs)]
    if kpis:
        unknown = [k for k in kpis if k not in present]
        if unknown:
            raise CompareError(f"--kpi {unknown[0]!r}: none of the runs has it; they have {', '.join(present)}")
        present = list(kpis)
    return Comparison(runs=runs, kpis=tuple(present))


def markdown(c: Comparison) -> str:
    """The comparison as a Markdown table: one row per KPI, the reference then each run with its change."""
    ref = c.runs[0]
    head = ["KPI", "unit", f"{ref.label} (reference)"] + [r.label for r in c.runs[1:]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 2 + "---:|" * (len(c.runs))]
    for kpi in c.kpis:
        cells = [f"`{kpi}`", KPI_UNITS.get(kpi, ""), _num(c.value(ref, kpi))]
        for run in c.runs[1:]:
            diff, pct = c.change(run, kpi)
            text = _num(c.value(run, kpi))
            if diff is not None:
                text += f" ({diff:+,.3g}" + (f", {pct:+.1f}%" if pct is not None else "") + ")"
            verdict = c.verdict(run, kpi)
            cells.append(f"{text} {verdict}".strip())
        lines.append("| " + " | ".join(cells) + " |")
    scenarios = ", ".join(f"{r.label}: {r.scenario}" for r in c.runs)
    return "\n".join(lines) + f"\n\nScenarios: {scenarios}.\n"


def rows_csv(c: Comparison) -> str:
    """One CSV row per KPI and run: value, difference and percent change from the reference, verdict."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["kpi", "unit", "run", "value", "difference", "percent", "verdict"])
    for kpi in c.kpis:
        for run in c.runs:
            diff, pct = c.change(run, kpi)
            writer.writerow([kpi, KPI_UNITS.get(kpi, ""), run.label, _csv(c.value(run, kpi)), _csv(diff), _csv(pct),
                             c.verdict(run, kpi)])
    return out.getvalue()


def plot(c: Comparison, path: Path) -> None:
    """Horizontal bars: each run's percent change from the reference per KPI (green better, red worse)."""
    from matplotlib.figure import Figure

    shown = [k for k in c.kpis if any(c.change(r, k)[1] is not None for r in c.runs[1:])]
    fig = Figure(figsize=(9, 1.2 + 0.35 * max(len(shown), 1) * (len(c.runs) - 1)))
    ax = fig.subplots()
    y, ticks = 0, []
    for kpi in shown:
        for run in c.runs[1:]:
            pct = c.change(run, kpi)[1]
            verdict = c.verdict(run, kpi)
            colour = {"better": "tab:green", "worse": "tab:red"}.get(verdict, "tab:grey")
            ax.barh(y, pct or 0.0, color=colour)
            if pct is not None:
                ax.annotate(f"{pct:+.1f}%", (pct, y), xytext=(3 if pct >= 0 else -3, 0), textcoords="offset points",
                            ha="left" if pct >= 0 else "right", va="center", fontsize=7)
            ticks.append(f"{kpi} ({run.label})" if len(c.runs) > 2 else kpi)
            y += 1
    ax.set_yticks(range(len(ticks)), ticks, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(f"change from {c.runs[0].label}, % (green: better, red: worse, grey: no direction)")
    ax.set_title("KPIs against the reference run")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"


def _csv(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def write_comparison(c: Comparison, out: Path, *, force: bool = False) -> tuple[str, ...]:
    """Write compare.md, compare.csv, compare.png and run.json into ``out`` (a run folder); the names."""
    from twin.rundir import run_folder

    with run_folder(out, may_write=COMPARE_FILES, force=force) as tmp:
        (tmp / "compare.md").write_text(markdown(c), encoding="utf-8")
        (tmp / "compare.csv").write_text(rows_csv(c), encoding="utf-8")
        plot(c, tmp / "compare.png")
        record: dict[str, Any] = {"command": "compare", "runs": [str(r.folder) for r in c.runs],
                                  "reference": str(c.runs[0].folder)}
        (tmp / MANIFEST).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        return tuple(sorted(p.name for p in tmp.iterdir()))
