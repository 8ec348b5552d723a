"""Leaderboard order: rank each task's entries on its declared primary KPI, flag entries outside its bounds.

Pure functions of a task (:class:`agents.bench.suite.BenchTask`) and its aggregated entries
(:class:`agents.bench.entries.Entry`); the report writers call them, so the markdown, CSV and
JSON tables all show the same order and flags.

Order, per task:

1. **Groups.** Unflagged entries first, then flagged ones, then unranked ones (every seed failed,
   or no value of the primary KPI). An entry is *flagged* when its mean over seeds breaks one of
   the task's :class:`~agents.bench.suite.Constraint` bounds relative to the reference
   baseline's mean (e.g. under 90% of the reference's throughput, more comfort violation than
   the reference). A bound whose KPI the reference has no mean for cannot be checked and flags
   nobody; :attr:`TaskRanking.unchecked` lists it.
2. **Primary KPI.** Within a group, by the mean over seeds of the task's ``primary`` KPI in its
   better direction (:data:`agents.bench.stats.DIRECTION`).
3. **Tie-breaker.** Entries whose primary means are *exactly* equal are ordered by the mean of
   ``tie_breaker`` in its better direction (missing: last). Ties are exact on purpose: overlap of
   95% intervals is not transitive (A overlaps B, B overlaps C, A not C), so it gives no
   consistent order, and with a few seeds nearly every interval overlaps, which would hand the
   order to the tie-breaker. The intervals in the table show which ranks are within noise.
4. Entries equal on the group, the primary and the tie-breaker share a rank (1, 2, 2, 4) and are
   listed by agent name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from agents.bench.entries import Entry
from agents.bench.stats import HIGHER, direction
from agents.bench.suite import BenchTask, Constraint, Suite
from twin.kpis import KPI_UNITS


RANKED, FLAGGED, UNRANKED = "ranked", "flagged", "unranked"
GROUPS = (RANKED, FLAGGED, UNRANKED)
SMOKE_BANNER = "Smoke run: too short to rank agents"


@dataclass(frozen=True)
class Standing:
    """One entry's place on its task's leaderboard."""

    entry: Entry
    rank: int
    """1 = best; entries equal on group, primary and tie-breaker share a rank"""
    group: str
    """``ranked`` (unflagged), ``flagged`` (ranked after every unflagged entry) or ``unranked``
    (every seed failed, or no primary value: last)"""
    flags: tuple[str, ...]
    """why the entry is flagged, one sentence per broken bound (empty when it keeps them all); an
    unranked entry can carry flags too, its group stays ``unranked``"""


@dataclass(frozen=True)
class TaskRanking:
    """A task's leaderboard: its standings best first, and the bounds that could not be checked."""

    task: BenchTask
    standings: tuple[Standing, ...]
    unchecked: tuple[str, ...]
    """KPIs of bounds the reference baseline has no mean for (it failed, or lacks the KPI): they flag nobody"""


def short_number(x: float) -> str:
    """``x`` to 4 significant digits, without an exponent for |x| >= 1000 (for flag sentences)."""
    return f"{x:.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def constraint_flag(bound: Constraint, value: float, reference: float) -> str | None:
    """Why ``value`` (an entry's mean of ``bound.kpi``, in its unit) breaks ``bound`` given the
    reference's mean ``reference`` (same unit), or None if it keeps it. The bound is
    ``bound.ratio * reference``; equal to the bound keeps it."""
    limit = bound.ratio * reference
    unit = KPI_UNITS.get(bound.kpi, "-")
    shown = f"{bound.kpi} {short_number(value)} {unit}"
    ref = f"reference {short_number(reference)} {unit}"
    if direction(bound.kpi) == HIGHER:
        if not value < limit:
            return None
        if reference > 0:  # a share is only meaningful against a positive reference
            # Floor, so the printed share never rounds up to the threshold it is below.
            return f"{shown} = {math.floor(100 * value / reference)}% of {ref} (needs >= {100 * bound.ratio:g}%)"
        return f"{shown} < {bound.ratio:g} x {ref}"
    if not value > limit:
        return None
    return f"{shown} > {ref}" if bound.ratio == 1 else f"{shown} > {bound.ratio:g} x {ref}"


def entry_flags(task: BenchTask, entry: Entry, reference: Entry | None) -> tuple[str, ...]:
    """Every bound of ``task`` that ``entry`` breaks, as sentences (see :func:`constraint_flag`);
    bounds where the entry or the reference has no mean are skipped (a failed entry is unranked anyway)."""
    if reference is None:
        return ()
    flags = []
    for bound in task.constraints:
        mine, ref = entry.estimates.get(bound.kpi), reference.estimates.get(bound.kpi)
        if mine is None or ref is None:
            continue
        flag = constraint_flag(bound, mine.mean, ref.mean)
        if flag is not None:
            flags.append(flag)
    return tuple(flags)


def _oriented(kpi: str, entry: Entry) -> float:
    """The entry's mean of ``kpi`` with lower = better (negated for higher-is-better); +inf if missing."""
    est = entry.estimates.get(kpi)
    if est is None or not math.isfinite(est.mean):
        return math.inf
    return -est.mean if direction(kpi) == HIGHER else est.mean


def rank_task(task: BenchTask, entries: list[Entry]) -> TaskRanking:
    """The leaderboard of ``task`` from its ``entries`` (other tasks' entries are ignored); see the
    module docstring for the order. The reference is the entry named ``task.reference``."""
    mine = [e for e in entries if e.task == task.name]
    reference = next((e for e in mine if e.agent == task.reference and e.status != "failed"), None)
    unchecked = tuple(b.kpi for b in task.constraints if reference is None or b.kpi not in reference.estimates)
    keyed = []
    for entry in mine:
        flags = entry_flags(task, entry, reference)
        if entry.status == "failed" or task.primary not in entry.estimates:
            group, key = UNRANKED, (0.0, 0.0)  # all unranked entries tie with each other
        else:
            group, key = (FLAGGED if flags else RANKED), (_oriented(task.primary, entry),
                                                          _oriented(task.tie_breaker, entry))
        keyed.append(((GROUPS.index(group), *key), entry.agent, group, flags, entry))
    keyed.sort(key=lambda item: (item[0], item[1]))
    standings, rank = [], 0
    for i, (key, _, group, flags, entry) in enumerate(keyed):
        if i == 0 or key != keyed[i - 1][0]:
            rank = i + 1  # competition ranking: a shared rank uses up the places after it
        standings.append(Standing(entry, rank, group, flags))
    return TaskRanking(task, tuple(standings), unchecked)


def rank_suite(suite: Suite, entries: list[Entry]) -> list[TaskRanking]:
    """:func:`rank_task` for each task of ``suite`` that has entries, in suite order."""
    return [rank_task(task, entries) for task in suite.tasks if any(e.task == task.name for e in entries)]


def bound_text(bound: Constraint) -> str:
    """A bound in words, e.g. ``throughput_vph under 90% of the reference's``."""
    if direction(bound.kpi) == HIGHER:
        return f"`{bound.kpi}` under {100 * bound.ratio:g}% of the reference's"
    return f"`{bound.kpi}` above " + ("the reference's" if bound.ratio == 1 else f"{bound.ratio:g} x the reference's")


def ranking_rule(task: BenchTask) -> str:
    """One sentence of markdown saying what ``task`` ranks on and what flags an entry."""
    text = (f"Ranked on `{task.primary}` ({direction(task.primary)} is better); exact ties broken by "
            f"`{task.tie_breaker}` ({direction(task.tie_breaker)} is better).")
    if task.constraints:
        text += (" Flagged, and ranked after every unflagged entry: "
                 + "; ".join(bound_text(b) for b in task.constraints) + ".")
    return text


def ranking_json(ranking: TaskRanking) -> dict:
    """A task's leaderboard as plain JSON data: the rule (primary, tie-breaker, bounds with their
    better direction and ratio) and one row per entry, best first (means in the KPIs' units)."""
    task = ranking.task

    def mean(entry: Entry, kpi: str) -> float | None:
        est = entry.estimates.get(kpi)
        return None if est is None else est.mean

    return {
        "reference": task.reference,
        "primary": {"kpi": task.primary, "better": direction(task.primary)},
        "tie_breaker": {"kpi": task.tie_breaker, "better": direction(task.tie_breaker)},
        "ties": "exact",
        "constraints": [{"kpi": b.kpi, "better": direction(b.kpi), "ratio": b.ratio} for b in task.constraints],
        "unchecked_constraints": list(ranking.unchecked),
        "rows": [{"rank": s.rank, "agent": s.entry.agent, "kind": s.entry.kind, "status": s.entry.status,
                  "group": s.group, "flagged": bool(s.flags), "flags": list(s.flags),
                  "primary_mean": mean(s.entry, task.primary),
                  "tie_breaker_mean": mean(s.entry, task.tie_breaker)} for s in ranking.standings],
    }


__all__ = ["Standing", "TaskRanking", "rank_task", "rank_suite", "entry_flags", "constraint_flag", "ranking_rule",
           "bound_text", "ranking_json", "short_number", "RANKED", "FLAGGED", "UNRANKED", "SMOKE_BANNER"]
