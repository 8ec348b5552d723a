"""Benchmark suites: which tasks, which agents, which budgets (frozen dataclasses, no side effects).

A :class:`Suite` is a list of :class:`BenchTask` (a scenario file under ``scenarios/bench/`` plus the
environment keywords that set its episode length and decision interval, the training budget,
the reference baseline scores are normalized to, its headline KPIs, the primary KPI and
tie-breaker it is ranked on, and the :class:`Constraint` bounds relative to the reference that
flag an entry; :mod:`agents.bench.ranking` applies them) and of
:class:`Learner` entries (an agent of :mod:`agents.train` with its hyperparameters). Every
baseline of a task's environment family runs too; learners run where they fit (see
:func:`agents.bench.jobs.agent_fits`).

Two suites ship: ``standard`` (whole-week home episodes, whole-hour traffic episodes, 100,000
training steps; the published table) and ``tiny`` (episodes of a few dozen steps and budgets of
about a hundred steps: seconds per job, for tests and for trying the machinery out; its results
are marked as a smoke run, too short to rank agents).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from agents.bench.stats import HIGHER, LOWER, direction
from agents.errors import AgentError

# scenarios/bench/ of the source tree this package sits in; the suite runs from a checkout.
SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios" / "bench"


class BenchError(AgentError):
    """A bad benchmark request: unknown suite, task or agent, a bad seed count or output folder."""


@dataclass(frozen=True)
class Learner:
    """A learning agent of :mod:`agents.train` (``a2c``, ``ppo``, ``sb3-a2c``, ``sac``, ``dqn``,
    ``qlearning``) with hyperparameters for its config or constructor, as ``(name, value)`` pairs
    (a tuple, so the suite stays hashable and its order fixed)."""

    agent: str
    hyperparams: tuple[tuple[str, Any], ...] = ()
    num_envs: int = 8
    """parallel worlds while training (our a2c; the SB3 agents and qlearning use one)"""


@dataclass(frozen=True)
class Constraint:
    """A bound relative to the task's reference baseline that an entry must keep to rank among the
    unflagged ones: its mean over seeds of ``kpi`` at most ``ratio`` x the reference's mean for a
    lower-is-better KPI, at least ``ratio`` x it for a higher-is-better one (the direction comes from
    :data:`agents.bench.stats.DIRECTION`). ``ratio`` is dimensionless; the reference always keeps
    its own bounds, so lower-is-better KPIs need ``ratio >= 1`` and higher-is-better ``ratio <= 1``."""

    kpi: str
    ratio: float = 1.0

    def __post_init__(self) -> None:
        better = direction(self.kpi)
        if better not in (LOWER, HIGHER):
            raise BenchError(f"constraint on {self.kpi!r}: no known better direction, so no bound can apply")
        if not (math.isfinite(self.ratio) and self.ratio > 0):
            raise BenchError(f"constraint on {self.kpi!r}: ratio {self.ratio!r} must be a finite number above 0")
        # Otherwise the reference would fail its own bound and every entry might be flagged.
        if (better == LOWER and self.ratio < 1) or (better == HIGHER and self.ratio > 1):
            raise BenchError(f"constraint on {self.kpi!r} ({better} is better): ratio {self.ratio} would flag "
                             "the reference itself")


@dataclass(frozen=True)
class BenchTask:
    """One benchmark task: a scenario, how its episodes are cut, what is trained and what is scored."""

    name: str
    """short id used in job ids, tables and plot file names, e.g. ``home-cold-week``"""
    scenario: str
    """file name under ``scenarios/bench/``"""
    description: str
    reference: str
    """baseline every score of the task is divided by (1.0 = this baseline)"""
    headline_kpis: tuple[str, ...]
    """KPIs in the leaderboard and the bar charts (every KPI goes to results.csv)"""
    primary: str
    """KPI the leaderboard ranks on (mean over seeds, in its better direction); one of ``headline_kpis``"""
    tie_breaker: str
    """KPI that orders entries whose primary means are exactly equal; one of ``headline_kpis``"""
    constraints: tuple[Constraint, ...] = ()
    """bounds relative to the reference; an entry outside any is flagged and ranked after the others"""
    env_kwargs: tuple[tuple[str, Any], ...] = ()
    """environment keywords as ``(name, value)`` pairs, e.g. ``(("duration", "6h"),)``"""
    train_steps: int = 100_000
    """env steps (decisions, summed over parallel worlds) for step-budget learners"""
    train_episodes: int = 150
    """episodes for episode-budget learners (qlearning)"""

    def __post_init__(self) -> None:
        # Ranked and flagging KPIs must be headline KPIs, so the table shows what decided the order.
        for role, kpi in (("primary", self.primary), ("tie_breaker", self.tie_breaker),
                          *(("constraint", c.kpi) for c in self.constraints)):
            if kpi not in self.headline_kpis:
                raise BenchError(f"task {self.name}: {role} KPI {kpi!r} is not one of its headline KPIs "
                                 f"({', '.join(self.headline_kpis)})")
            if direction(kpi) not in (LOWER, HIGHER):
                raise BenchError(f"task {self.name}: {role} KPI {kpi!r} has no known better direction")
        if self.primary == self.tie_breaker:
            raise BenchError(f"task {self.name}: the tie-breaker must differ from the primary KPI {self.primary!r}")

    @property
    def scenario_path(self) -> Path:
        """The scenario file in this source tree."""
        return SCENARIO_DIR / self.scenario


@dataclass(frozen=True)
class Suite:
    """A named set of tasks and learners, evaluated over seeds."""

    name: str
    description: str
    tasks: tuple[BenchTask, ...]
    learners: tuple[Learner, ...]
    eval_episodes: int = 3
    """evaluation episodes per job; a job's KPI is their mean"""
    eval_seed: int = 10_000
    """first evaluation episode of seed 0; seed s plays episodes eval_seed + 1000 s, ... (apart from training)"""
    smoke: bool = False
    """episodes and budgets too short to rank agents: the reports carry a smoke-run banner and ``smoke: true``"""

    def task(self, name: str) -> BenchTask:
        """The task called ``name``; BenchError listing the suite's tasks if there is none."""
        for task in self.tasks:
            if task.name == name:
                return task
        names = ", ".join(t.name for t in self.tasks)
        raise BenchError(f"suite {self.name!r} has no task {name!r}; its tasks: {names}")

    def select(self, tasks: tuple[str, ...] = (), agents: tuple[str, ...] = ()) -> Suite:
        """The suite restricted to ``tasks`` (names) and ``agents`` (baseline or learner names);
        empty means all. Unknown task names raise BenchError (agent names are checked by the plan)."""
        chosen = tuple(self.task(name) for name in dict.fromkeys(tasks)) if tasks else self.tasks
        learners = tuple(lr for lr in self.learners if not agents or lr.agent in agents)
        return replace(self, tasks=chosen, learners=learners)


HOME_KPIS = ("energy_cost_eur", "comfort_violation_kh", "peak_demand_kw", "emissions_kg")
FEEDER_KPIS = ("energy_cost_eur", "transformer_overload_min", "comfort_violation_kh", "peak_demand_kw")
TRAFFIC_KPIS = ("mean_delay_all_s", "mean_travel_time_s", "mean_waiting_count", "throughput_vph")

# What each family of tasks is ranked on and flagged by. Homes: cheapest, as long as the home is no
# less comfortable than under the reference thermostat (doing nothing is cheap and cold). Feeder:
# the same, and no more transformer overload than the reference; overload is a bound, not the
# ranking KPI, since 0 minutes is easy to reach by spending far more. Traffic: delay over every
# generated vehicle (keeping cars out does not help), and at least 90% of the reference's throughput.
HOME_BOUNDS = (Constraint("comfort_violation_kh"),)
FEEDER_BOUNDS = (Constraint("comfort_violation_kh"), Constraint("transformer_overload_min"))
TRAFFIC_BOUNDS = (Constraint("throughput_vph", 0.9),)
LEARNERS = ("qlearning", "a2c", "ppo", "sb3-a2c", "sac", "dqn")

STANDARD = Suite(
    name="standard",
    description="Week-long home episodes at 15-min decisions, hour-long traffic episodes at 5-s decisions; "
                "learners train 100,000 decisions (qlearning 150 episodes), 3 evaluation episodes per seed.",
    tasks=(
        BenchTask("home-cold-week", "home_cold_week.yaml",
                  "One detached home (heat pump, PV, battery, EV), a cold January week, time-of-use tariff.",
                  reference="thermostat", headline_kpis=HOME_KPIS, primary="energy_cost_eur",
                  tie_breaker="comfort_violation_kh", constraints=HOME_BOUNDS,
                  env_kwargs=(("duration", "7d"), ("decision_interval", "15min"))),
        BenchTask("neighborhood-hot-week", "neighborhood_hot_week.yaml",
                  "24 homes on one feeder with a tight 45 kVA transformer and reversible heat pumps, a hot July week, "
                  "time-of-use tariff.",
                  reference="thermostat", headline_kpis=FEEDER_KPIS, primary="energy_cost_eur",
                  tie_breaker="transformer_overload_min", constraints=FEEDER_BOUNDS,
                  env_kwargs=(("duration", "7d"), ("decision_interval", "15min"))),
        BenchTask("grid-4x4-peak", "grid_4x4_peak.yaml",
                  "4x4 signalized grid, the morning peak hour, eastbound commute, fixed-time green-wave plans.",
                  reference="fixed_time", headline_kpis=TRAFFIC_KPIS, primary="mean_delay_all_s",
                  tie_breaker="throughput_vph", constraints=TRAFFIC_BOUNDS,
                  env_kwargs=(("decision_interval", "5s"),)),
        BenchTask("arterial-unbalanced", "arterial_unbalanced.yaml",
                  "1x5 arterial, heavy unequal east-west flows, quiet cross streets, even fixed-time splits.",
                  reference="fixed_time", headline_kpis=TRAFFIC_KPIS, primary="mean_delay_all_s",
                  tie_breaker="throughput_vph", constraints=TRAFFIC_BOUNDS,
                  env_kwargs=(("decision_interval", "5s"),)),
    ),
    learners=tuple(Learner(agent) for agent in LEARNERS),
)

# Rollouts and replay warm-up shrunk to fit a budget of about a hundred steps.
_TINY_HYPERPARAMS = {
    "ppo": (("n_steps", 32), ("batch_size", 32), ("n_epochs", 2)),
    "sac": (("learning_starts", 32), ("batch_size", 32)),
    "dqn": (("learning_starts", 32), ("batch_size", 32)),
}

TINY = Suite(
    name="tiny",
    description="The standard tasks cut to a few dozen decisions per episode and about a hundred training "
                "steps, one evaluation episode per seed: seconds per job, for tests and smoke runs (too short to "
                "rank agents).",
    tasks=tuple(replace(task, env_kwargs=kwargs, train_steps=96, train_episodes=3)
                for task, kwargs in zip(STANDARD.tasks, (
                    (("duration", "6h"), ("decision_interval", "15min")),
                    (("duration", "6h"), ("decision_interval", "15min")),
                    (("duration", "5min"), ("decision_interval", "10s")),
                    (("duration", "5min"), ("decision_interval", "10s")),
                ))),
    learners=tuple(Learner(agent, _TINY_HYPERPARAMS.get(agent, ()), num_envs=2) for agent in LEARNERS),
    eval_episodes=1,
    smoke=True,
)

# Where the jobs run: a local process pool, or a Ray cluster (agents.bench.backends).
BACKENDS = ("local", "ray")
SUITES: dict[str, Suite] = {suite.name: suite for suite in (STANDARD, TINY)}


def get_suite(name: str) -> Suite:
    """The suite called ``name``; BenchError listing the suites if there is none."""
    try:
        return SUITES[name]
    except KeyError:
        raise BenchError(f"unknown suite {name!r}; choose one of {', '.join(SUITES)}") from None


__all__ = ["BenchError", "BenchTask", "Constraint", "Learner", "Suite", "SUITES", "STANDARD", "TINY", "get_suite",
           "SCENARIO_DIR"]
