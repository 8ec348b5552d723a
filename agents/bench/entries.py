"""An agent on a task over seeds: the estimates and scores its jobs' records aggregate to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agents.bench.jobs import Job
from agents.bench.stats import Estimate, Score, estimate, normalized_score
from agents.bench.suite import Suite


@dataclass(frozen=True)
class Entry:
    """One agent on one task, over seeds: per KPI an :class:`Estimate` and (where defined) a :class:`Score`."""

    task: str
    agent: str
    kind: str
    seeds_ok: int
    seeds_failed: int
    errors: tuple[str, ...]
    """``"<job id>: <error type>: <message>"`` per failed job, by seed"""
    estimates: dict[str, Estimate]
    scores: dict[str, Score]

    @property
    def status(self) -> str:
        """``ok`` (every seed succeeded), ``partial`` (some failed) or ``failed`` (all failed)."""
        return "ok" if not self.seeds_failed else "failed" if not self.seeds_ok else "partial"


def aggregate(suite: Suite, jobs: list[Job], records: dict[str, dict[str, Any]]) -> list[Entry]:
    """One Entry per (task, agent) of ``jobs``, in plan order; jobs without a record count as failed."""
    groups: dict[tuple[str, str], list[Job]] = {}
    for job in jobs:
        groups.setdefault((job.task, job.agent), []).append(job)
    raw: list[tuple[str, str, str, int, tuple[str, ...], dict[str, Estimate]]] = []
    for (task_name, agent), members in groups.items():
        headline = suite.task(task_name).headline_kpis
        values: dict[str, list[float]] = {k: [] for k in headline}
        errors, ok = [], 0
        for job in sorted(members, key=lambda j: j.seed):
            record = records.get(job.job_id) or {}
            if record.get("status") == "ok":
                ok += 1
                for key, value in record["kpis"].items():
                    if value is not None:
                        values.setdefault(key, []).append(float(value))
            else:
                error = record.get("error") or {"type": "Missing", "message": "no record"}
                errors.append(f"{job.job_id}: {error['type']}: {_first_line(error['message'])}")
        estimates = {k: estimate(v) for k, v in values.items() if v}
        raw.append((task_name, agent, members[0].kind, ok, tuple(errors), estimates))
    reference = {t: est for t, agent, _, _, _, est in raw if agent == suite.task(t).reference}
    entries = []
    for task_name, agent, kind, ok, errors, estimates in raw:
        ref = reference.get(task_name, {})
        scores = {k: s for k, e in estimates.items() if (s := normalized_score(k, e, ref.get(k))) is not None}
        entries.append(Entry(task_name, agent, kind, ok, len(errors), errors, estimates, scores))
    return entries


def _first_line(text: str, limit: int = 300) -> str:
    line = (text.strip().splitlines() or [""])[0]
    return line if len(line) <= limit else line[: limit - 3] + "..."
