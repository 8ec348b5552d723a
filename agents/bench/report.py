"""The benchmark's tables and manifest: ``results.csv``, ``leaderboard.md``, ``leaderboard.json``, ``manifest.json``.

:func:`aggregate` turns job records into one :class:`Entry` per (task, agent): how many seeds
succeeded and failed, and per KPI the mean over seeds with its 95% interval and the score
normalized to the task's reference baseline (:mod:`agents.bench.stats`). Agents whose jobs all
failed stay in the tables, marked ``failed``. The leaderboard's order and flags come from
:mod:`agents.bench.ranking` (primary KPI, tie-breaker, bounds relative to the reference); every
table shows the same ones. Results of a smoke suite (``Suite.smoke``, the ``tiny`` suite) carry a
banner in ``leaderboard.md`` and ``smoke: true`` in the CSV and JSON. ``results.csv`` rows follow
the suite's order (task, then baselines and learners as planned, then KPIs: headline first), so
equal records give byte-equal tables. Every file is written to a temporary name and renamed into place.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from agents.bench.jobs import Job, sha256_text
from agents.bench.ranking import SMOKE_BANNER, TaskRanking, rank_suite, ranking_json, ranking_rule
from agents.bench.entries import Entry, aggregate
from agents.bench.stats import Estimate, Score, direction
from agents.bench.suite import Suite
from agents.runs import write_json, write_text
from twin.kpis import KPI_UNITS

RESULTS_CSV, LEADERBOARD_MD, MANIFEST_JSON = "results.csv", "leaderboard.md", "manifest.json"
LEADERBOARD_JSON = "leaderboard.json"
# rank, flags and smoke come last so that readers of the earlier columns by position keep working.
CSV_COLUMNS = ("task", "agent", "kind", "status", "seeds_ok", "seeds_failed", "kpi", "unit", "better", "n", "mean",
               "sd", "ci95_low", "ci95_high", "score", "score_ci95_low", "score_ci95_high", "error", "rank", "flags",
               "smoke")
FLAG_SEPARATOR = "; "


def _num(value: float | None) -> str:
    """A float in the CSV: Python's shortest round-trip repr, so equal numbers give equal text."""
    return "" if value is None else repr(float(value))


def results_csv(suite: Suite, entries: list[Entry]) -> str:
    """``results.csv``: one row per (task, agent, KPI), with the entry's leaderboard rank, its flags
    (joined by ``"; "``, empty if none) and whether the suite is a smoke run (``true``/``false``); an
    agent with no successful seed gets one row with an empty KPI and its error."""
    standings = {(r.task.name, s.entry.agent): s for r in rank_suite(suite, entries) for s in r.standings}
    smoke = "true" if suite.smoke else "false"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        common = [e.task, e.agent, e.kind, e.status, e.seeds_ok, e.seeds_failed]
        error = e.errors[0] if e.errors else ""
        standing = standings[(e.task, e.agent)]
        tail = [error, standing.rank, FLAG_SEPARATOR.join(standing.flags), smoke]
        if not e.estimates:
            writer.writerow(common + [""] * (len(CSV_COLUMNS) - len(common) - len(tail)) + tail)
            continue
        for kpi, est in e.estimates.items():
            score = e.scores.get(kpi)
            s_low = s_high = None
            if score is not None and score.ci95 is not None:
                s_low, s_high = score.value - score.ci95, score.value + score.ci95
            writer.writerow(common + [kpi, KPI_UNITS.get(kpi, "-"), direction(kpi), est.n, _num(est.mean),
                                      _num(est.sd), _num(est.low), _num(est.high),
                                      _num(score.value if score else None), _num(s_low), _num(s_high), *tail])
    return buf.getvalue()


def _decimals(x: float) -> int:
    """Decimals that show ``x`` to 4 significant digits (0 for |x| >= 1000)."""
    return 3 if x == 0 or not math.isfinite(x) else max(0, 3 - math.floor(math.log10(abs(x))))


def _cell(est: Estimate | None, score: Score | None) -> str:
    if est is None:
        return ""
    d = _decimals(est.mean if est.mean != 0 or est.ci95 is None else est.ci95)
    d = min(d, 6)
    text = f"{est.mean:.{d}f} (n=1)" if est.ci95 is None else f"{est.mean:.{d}f} ± {est.ci95:.{d}f}"
    return text + (f" [{score.value:.3f}]" if score is not None else "")


def _score_cell(entry: Entry | None, kpi: str, flagged: bool) -> str:
    if entry is None:
        return "—"
    if entry.status == "failed":
        return "failed"
    score = entry.scores.get(kpi)
    if score is None:
        return "n/a" + (" (flagged)" if flagged else "")
    text = f"{score.value:.3f}" + (" (n=1)" if score.ci95 is None else f" ± {score.ci95:.3f}")
    return text + (" *" if entry.status == "partial" else "") + (" (flagged)" if flagged else "")


def _task_section(ranking: TaskRanking, smoke: bool) -> list[str]:
    """One task's heading, rule and ranked table, as markdown lines."""
    task, kpis = ranking.task, ranking.task.headline_kpis
    rule = ranking_rule(task)
    if ranking.unchecked:
        rule += (" Not checked (the reference has no mean for them): "
                 + ", ".join(f"`{k}`" for k in ranking.unchecked) + ".")
    lines = ["", f"## {task.name}", "", task.description, "",
             f"Reference baseline: `{task.reference}`. Scenario: `scenarios/bench/{task.scenario}`, "
             f"env keywords: {', '.join(f'{k}={v}' for k, v in task.env_kwargs) or 'none'}.", "",
             (f"**{SMOKE_BANNER}.** " if smoke else "") + rule, "",
             "| rank | agent | kind | seeds | " + " | ".join(f"{k} [{KPI_UNITS.get(k, '-')}]" for k in kpis)
             + " | flags |", "|---:|---|---|---:|" + "---:|" * len(kpis) + "---|"]
    for s in ranking.standings:
        e = s.entry
        seeds_text = f"{e.seeds_ok}/{e.seeds_ok + e.seeds_failed}"
        if e.status == "failed":
            cells = ["failed"] * len(kpis)
        else:
            cells = [_cell(e.estimates.get(k), e.scores.get(k)) for k in kpis]
        lines.append(f"| {s.rank} | {e.agent} | {e.kind} | {seeds_text} | " + " | ".join(cells)
                     + f" | {_markdown_text(FLAG_SEPARATOR.join(s.flags))} |")
    return lines


def _markdown_text(text: str) -> str:
    # Flags name units like K*h twice in a sentence; unescaped, markdown would set the span between in italics.
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")


def leaderboard_markdown(suite: Suite, entries: list[Entry], seeds: int, revision: str) -> str:
    """``leaderboard.md``: a smoke-run banner for smoke suites, a summary of primary-KPI scores, then one
    ranked table per task (with each entry's flags) and the failed jobs."""
    rankings = rank_suite(suite, entries)
    tasks = [r.task for r in rankings]
    agents = list(dict.fromkeys(e.agent for e in entries))
    by_key = {(r.task.name, s.entry.agent): s for r in rankings for s in r.standings}
    banner = [f"> **{SMOKE_BANNER}.** Suite `{suite.name}` cuts episodes and training budgets short enough "
              "to check that the machinery runs; its order says nothing about the agents. Compare agents on "
              "a full suite (`--suite standard`).", ""] if suite.smoke else []
    lines = [f"# twin benchmark: suite `{suite.name}`", "", *banner,
             f"{suite.description}", "",
             f"Seeds 0..{seeds - 1} (n = {seeds}), {suite.eval_episodes} evaluation episode(s) per seed; "
             f"git revision `{revision}`.", "",
             "Cells: mean over seeds ± half-width of the 95% Student-t interval (`n=1`: one seed, no interval); "
             "`[score]` = mean / the task's reference baseline mean (1.0 = reference, lower is better), "
             "for KPIs where lower is better. `*`: some seeds failed (stats over the others).", "",
             "Rank: by the mean over seeds of each task's primary KPI in its better direction; only exactly "
             "equal means go to the tie-breaker (overlapping intervals are not treated as ties: read the "
             "± to see which ranks are within noise). Entries that break a bound relative to the reference "
             "baseline are **flagged** (the `flags` column says why) and ranked after every unflagged entry; "
             "entries without a primary value (every seed failed) come last. See docs/benchmarks.md.", "",
             "## Summary: score on each task's primary KPI", "",
             "| agent | " + " | ".join(f"{t.name} ({t.primary})" for t in tasks) + " |",
             "|---|" + "---:|" * len(tasks)]
    for agent in agents:
        cells = []
        for t in tasks:
            standing = by_key.get((t.name, agent))
            cells.append(_score_cell(standing.entry if standing else None, t.primary,
                                     bool(standing and standing.flags)))
        lines.append(f"| {agent} | " + " | ".join(cells) + " |")
    for ranking in rankings:
        lines += _task_section(ranking, suite.smoke)
    errors = [err for e in entries for err in e.errors]
    if errors:
        lines += ["", "## Failed jobs", "", *(f"- `{err.split(': ', 1)[0]}`: {err.split(': ', 1)[1]}"
                                              for err in errors)]
    return "\n".join(lines) + "\n"


def leaderboard_json(suite: Suite, entries: list[Entry], seeds: int, revision: str) -> dict[str, Any]:
    """``leaderboard.json``: the leaderboard as data, ``{"suite", "smoke", "seeds", "git_revision",
    "tasks": {task: ranking_json(...)}}`` (see :func:`agents.bench.ranking.ranking_json`)."""
    return {"suite": suite.name, "smoke": suite.smoke, "seeds": list(range(seeds)), "git_revision": revision,
            "tasks": {r.task.name: ranking_json(r) for r in rank_suite(suite, entries)}}


def git_revision(cwd: Path | None = None) -> str:
    """``git rev-parse HEAD`` of the source tree (``+dirty`` if it has uncommitted changes), or ``unknown``."""
    cwd = cwd or Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return "unknown"
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                                capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head.stdout.strip() + ("+dirty" if status.returncode == 0 and status.stdout.strip() else "")


def manifest(suite: Suite, jobs: list[Job], records: dict[str, dict[str, Any]], *, seeds: int, revision: str,
             backend: str, workers: int | None, address: str | None) -> dict[str, Any]:
    """What reproduces the table: git revision, package versions, the suite, scenario and job config hashes."""
    from agents.bench.jobs import JOBS_DIR, RUNS_DIR
    from twin.runner import package_versions

    scenarios = {}
    for job in jobs:
        scenarios.setdefault(job.task, {"file": f"scenarios/bench/{job.scenario_name}",
                                        "sha256": sha256_text(job.scenario_yaml)})
    return {
        "suite": suite.name, "smoke": suite.smoke, "seeds": list(range(seeds)), "git_revision": revision,
        "created_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "backend": {"name": backend, "workers": workers, "address": address},
        "python": platform.python_version(), "platform": platform.platform(),
        "packages": package_versions(extra=("gymnasium", "pettingzoo", "torch", "stable-baselines3", "numba",
                                            "tensorboard", "ray")),
        "scenarios": scenarios,
        "tasks": {t.name: {"reference": t.reference, "headline_kpis": list(t.headline_kpis),
                           "primary": t.primary, "tie_breaker": t.tie_breaker,
                           "constraints": [{"kpi": c.kpi, "ratio": c.ratio} for c in t.constraints],
                           "env_kwargs": dict(t.env_kwargs), "train_steps": t.train_steps,
                           "train_episodes": t.train_episodes} for t in suite.tasks},
        "eval": {"episodes_per_seed": suite.eval_episodes, "first_seed": suite.eval_seed, "seed_stride": 1000},
        "jobs": {job.job_id: {"config_sha256": job.config_sha256, "config": job.config(),
                              "status": (records.get(job.job_id) or {}).get("status", "missing"),
                              "wall_time_s": (records.get(job.job_id) or {}).get("wall_time_s"),
                              "record": f"{JOBS_DIR}/{job.job_id}.json",
                              "run": f"{RUNS_DIR}/{job.job_id}" if job.kind == "learner" else None}
                 for job in jobs},
    }


def write_reports(out_dir: Path, suite: Suite, jobs: list[Job], records: dict[str, dict[str, Any]], *, seeds: int,
                  backend: str, workers: int | None = None, address: str | None = None,
                  plots: bool = True) -> list[Entry]:
    """Write results.csv, leaderboard.md, leaderboard.json, plots/ and manifest.json into ``out_dir``;
    return the entries."""
    entries = aggregate(suite, jobs, records)
    revision = git_revision()
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text(out_dir / RESULTS_CSV, results_csv(suite, entries))
    write_text(out_dir / LEADERBOARD_MD, leaderboard_markdown(suite, entries, seeds, revision))
    write_json(out_dir / LEADERBOARD_JSON, leaderboard_json(suite, entries, seeds, revision))
    if plots:
        from agents.bench.plots import write_plots

        write_plots(out_dir / "plots", suite, entries, jobs, records)
    write_json(out_dir / MANIFEST_JSON, manifest(suite, jobs, records, seeds=seeds, revision=revision,
                                                 backend=backend, workers=workers, address=address))
    return entries


__all__ = ["Entry", "aggregate", "results_csv", "leaderboard_markdown", "leaderboard_json", "manifest", "write_reports",
           "git_revision", "RESULTS_CSV", "LEADERBOARD_MD", "LEADERBOARD_JSON", "MANIFEST_JSON", "CSV_COLUMNS"]
