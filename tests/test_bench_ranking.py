"""The leaderboard's order (`agents.bench.ranking`) on hand-made result tables: each task ranks on its
declared primary KPI, exact ties go to its tie-breaker, entries that break a bound relative to the
reference baseline are flagged and ranked after the others, and smoke suites say so in every table.

The first three tests reproduce the reported failures: DQN first on the cold week by doing nothing,
A2C first on a neighborhood tie at 0 overload while costing 3.7x the reference, and an A2C on the
grid with a third of the reference's throughput."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest

from agents.bench.jobs import Job
from agents.bench.ranking import FLAGGED, RANKED, SMOKE_BANNER, UNRANKED, constraint_flag, rank_task
from agents.bench.entries import Entry, aggregate
from agents.bench.report import leaderboard_json, leaderboard_markdown, results_csv
from agents.bench.stats import estimate
from agents.bench.suite import STANDARD, TINY, BenchError, BenchTask, Constraint

HOME, FEEDER, GRID = (STANDARD.task(name) for name in ("home-cold-week", "neighborhood-hot-week", "grid-4x4-peak"))


def entry(task: BenchTask, agent: str, kind: str = "learner", seeds_failed: int = 0,
          **per_seed: list[float]) -> Entry:
    """An aggregated entry with the given per-seed KPI values (the statistics computed from them)."""
    estimates = {kpi: estimate(values) for kpi, values in per_seed.items()}
    seeds_ok = max((len(v) for v in per_seed.values()), default=0)
    errors = tuple(f"{task.name}__{agent}__s{i}: RuntimeError: boom" for i in range(seeds_failed))
    return Entry(task.name, agent, kind, seeds_ok, seeds_failed, errors, estimates, {})


def order(ranking) -> list[str]:
    return [s.entry.agent for s in ranking.standings]


def by_agent(ranking) -> dict:
    return {s.entry.agent: s for s in ranking.standings}


def test_do_nothing_agent_with_the_lowest_cost_but_more_discomfort_is_flagged_and_ranked_after():
    entries = [entry(HOME, "thermostat", "baseline", energy_cost_eur=[10.0, 12.0], comfort_violation_kh=[4.0, 4.2]),
               entry(HOME, "ppo", energy_cost_eur=[8.0, 9.0], comfort_violation_kh=[3.0, 4.0]),
               entry(HOME, "dqn", energy_cost_eur=[2.0, 3.0], comfort_violation_kh=[12.0, 12.6])]
    ranking = rank_task(HOME, entries)
    assert order(ranking) == ["ppo", "thermostat", "dqn"]
    dqn = by_agent(ranking)["dqn"]
    assert dqn.group == FLAGGED and dqn.rank == 3
    assert dqn.flags == ("comfort_violation_kh 12.3 K*h > reference 4.1 K*h",)
    assert by_agent(ranking)["ppo"].flags == () and by_agent(ranking)["thermostat"].flags == ()
    # Without the bound the cheapest entry wins: the bound, not the data, is what moved it.
    assert order(rank_task(dataclasses.replace(HOME, constraints=()), entries))[0] == "dqn"


def test_neighborhood_ranks_on_cost_so_a_zero_overload_tie_does_not_crown_the_dearest_agent():
    entries = [entry(FEEDER, "thermostat", "baseline", energy_cost_eur=[100.0], transformer_overload_min=[0.0],
                     comfort_violation_kh=[1.0]),
               entry(FEEDER, "a2c", energy_cost_eur=[370.0], transformer_overload_min=[0.0],
                     comfort_violation_kh=[0.0]),
               entry(FEEDER, "sac", energy_cost_eur=[90.0], transformer_overload_min=[0.0],
                     comfort_violation_kh=[1.0]),
               entry(FEEDER, "ppo", energy_cost_eur=[80.0], transformer_overload_min=[5.0],
                     comfort_violation_kh=[0.5])]
    ranking = rank_task(FEEDER, entries)
    assert order(ranking) == ["sac", "thermostat", "a2c", "ppo"]
    standings = by_agent(ranking)
    assert standings["a2c"].group == RANKED and standings["a2c"].rank == 3  # unflagged, just expensive
    # The cheapest entry overloads the transformer the reference keeps within its rating.
    assert standings["ppo"].group == FLAGGED
    assert standings["ppo"].flags == ("transformer_overload_min 5 min > reference 0 min",)


def test_grid_entry_with_a_third_of_the_reference_throughput_is_flagged():
    entries = [entry(GRID, "fixed_time", "baseline", mean_delay_all_s=[50.0], throughput_vph=[1200.0]),
               entry(GRID, "a2c", mean_delay_all_s=[20.0], throughput_vph=[408.0]),
               entry(GRID, "max_pressure", "baseline", mean_delay_all_s=[31.0], throughput_vph=[1150.0]),
               # exactly 90% of the reference keeps the bound
               entry(GRID, "actuated", "baseline", mean_delay_all_s=[40.0], throughput_vph=[1080.0])]
    ranking = rank_task(GRID, entries)
    assert order(ranking) == ["max_pressure", "actuated", "fixed_time", "a2c"]
    a2c = by_agent(ranking)["a2c"]
    assert a2c.group == FLAGGED
    assert a2c.flags == ("throughput_vph 408 veh/h = 34% of reference 1200 veh/h (needs >= 90%)",)
    assert by_agent(ranking)["actuated"].flags == ()


def test_tie_breaker_orders_exact_ties_in_its_own_direction_and_only_exact_ties():
    # Neighborhood: equal cost, the lower overload first (lower is better).
    feeder = rank_task(FEEDER, [
        entry(FEEDER, "thermostat", "baseline", energy_cost_eur=[100.0], transformer_overload_min=[10.0]),
        entry(FEEDER, "ppo", energy_cost_eur=[90.0], transformer_overload_min=[6.0]),
        entry(FEEDER, "sac", energy_cost_eur=[90.0], transformer_overload_min=[2.0])])
    assert order(feeder) == ["sac", "ppo", "thermostat"]
    assert [s.rank for s in feeder.standings] == [1, 2, 3]
    # Traffic: equal delay, the higher throughput first (higher is better).
    grid = rank_task(GRID, [
        entry(GRID, "fixed_time", "baseline", mean_delay_all_s=[50.0], throughput_vph=[1000.0]),
        entry(GRID, "a2c", mean_delay_all_s=[30.0], throughput_vph=[1100.0]),
        entry(GRID, "ppo", mean_delay_all_s=[30.0], throughput_vph=[1150.0])])
    assert order(grid) == ["ppo", "a2c", "fixed_time"]
    # A primary mean a hair better wins, even inside the other's interval and against the tie-breaker.
    near = rank_task(FEEDER, [
        entry(FEEDER, "thermostat", "baseline", energy_cost_eur=[100.0, 100.0], transformer_overload_min=[10.0, 10.0]),
        entry(FEEDER, "ppo", energy_cost_eur=[80.0, 100.0], transformer_overload_min=[1.0, 1.0]),
        entry(FEEDER, "sac", energy_cost_eur=[89.999999, 89.999999], transformer_overload_min=[9.0, 9.0])])
    assert order(near) == ["sac", "ppo", "thermostat"]


def test_entries_equal_on_primary_and_tie_breaker_share_a_rank_in_name_order():
    ranking = rank_task(GRID, [
        entry(GRID, "fixed_time", "baseline", mean_delay_all_s=[50.0], throughput_vph=[1000.0]),
        entry(GRID, "ppo", mean_delay_all_s=[30.0], throughput_vph=[1000.0]),
        entry(GRID, "a2c", mean_delay_all_s=[30.0], throughput_vph=[1000.0])])
    assert [(s.entry.agent, s.rank) for s in ranking.standings] == [("a2c", 1), ("ppo", 1), ("fixed_time", 3)]


def test_failed_entries_come_last_and_bounds_need_a_reference():
    ranking = rank_task(HOME, [
        entry(HOME, "thermostat", "baseline", energy_cost_eur=[10.0], comfort_violation_kh=[1.0]),
        entry(HOME, "sac", seeds_failed=2),
        entry(HOME, "dqn", energy_cost_eur=[2.0], comfort_violation_kh=[9.0]),
        entry(HOME, "ppo", energy_cost_eur=[8.0], comfort_violation_kh=[0.5])])
    assert order(ranking) == ["ppo", "thermostat", "dqn", "sac"]
    assert [s.group for s in ranking.standings] == [RANKED, RANKED, FLAGGED, UNRANKED]
    assert ranking.unchecked == ()
    # The reference failed: no bound can be checked, so nobody is flagged and the table says so.
    blind = rank_task(HOME, [entry(HOME, "thermostat", "baseline", seeds_failed=1),
                             entry(HOME, "dqn", energy_cost_eur=[2.0], comfort_violation_kh=[9.0]),
                             entry(HOME, "ppo", energy_cost_eur=[8.0], comfort_violation_kh=[0.5])])
    assert order(blind) == ["dqn", "ppo", "thermostat"] and all(not s.flags for s in blind.standings)
    assert blind.unchecked == ("comfort_violation_kh",)


def test_constraint_flag_sentences_and_bounds():
    throughput = Constraint("throughput_vph", 0.9)
    assert constraint_flag(throughput, 899.0, 1000.0) == \
        "throughput_vph 899 veh/h = 89% of reference 1000 veh/h (needs >= 90%)"   # floored, not rounded to 90%
    assert constraint_flag(throughput, 900.0, 1000.0) is None
    assert constraint_flag(Constraint("comfort_violation_kh", 1.5), 6.5, 4.0) == \
        "comfort_violation_kh 6.5 K*h > 1.5 x reference 4 K*h"
    assert constraint_flag(Constraint("comfort_violation_kh", 1.5), 6.0, 4.0) is None
    assert constraint_flag(Constraint("comfort_violation_kh"), 0.001, 0.0) is not None  # any excess over 0
    with pytest.raises(BenchError, match="would flag the reference"):
        Constraint("throughput_vph", 1.1)
    with pytest.raises(BenchError, match="would flag the reference"):
        Constraint("comfort_violation_kh", 0.5)
    with pytest.raises(BenchError, match="no known better direction"):
        Constraint("vehicles_generated")


def test_task_must_rank_on_headline_kpis_with_a_direction():
    with pytest.raises(BenchError, match="primary KPI 'emissions_kg' is not one of its headline KPIs"):
        dataclasses.replace(HOME, headline_kpis=("energy_cost_eur", "comfort_violation_kh"), primary="emissions_kg")
    with pytest.raises(BenchError, match="constraint KPI 'throughput_vph'"):
        dataclasses.replace(HOME, constraints=(Constraint("throughput_vph", 0.9),))
    with pytest.raises(BenchError, match="must differ"):
        dataclasses.replace(HOME, tie_breaker="energy_cost_eur")


def test_tiny_suite_keeps_the_standard_ranking_and_is_marked_smoke():
    assert TINY.smoke and not STANDARD.smoke
    for tiny, standard in zip(TINY.tasks, STANDARD.tasks):
        assert (tiny.primary, tiny.tie_breaker, tiny.constraints) == \
               (standard.primary, standard.tie_breaker, standard.constraints)
    assert TINY.select(("home-cold-week",)).smoke  # a slice of a smoke suite is still one


def _fake_job(task: str, agent: str, kind: str, seed: int) -> Job:
    return Job(task=task, agent=agent, kind=kind, seed=seed, env_id="twin/SmartHome-v0",
               scenario_name="home_cold_week.yaml", scenario_yaml="name: x\n", env_kwargs=(), budget=(),
               hyperparams=(), num_envs=1, eval_episodes=1, eval_seed=0)


def _tables(suite):
    """The home task's tables from job records: dqn cheapest but colder than the reference."""
    suite = suite.select(("home-cold-week",))
    kpis = {"thermostat": (10.0, 4.1), "ppo": (8.0, 3.0), "dqn": (2.0, 12.3)}
    jobs = [_fake_job("home-cold-week", agent, "baseline" if agent == "thermostat" else "learner", 0)
            for agent in kpis]
    records = {job.job_id: {"status": "ok", "kpis": {"energy_cost_eur": kpis[job.agent][0],
                                                     "comfort_violation_kh": kpis[job.agent][1]}} for job in jobs}
    entries = aggregate(suite, jobs, records)
    rows = list(csv.DictReader(io.StringIO(results_csv(suite, entries))))
    board = leaderboard_markdown(suite, entries, 1, "abc")
    data = json.loads(json.dumps(leaderboard_json(suite, entries, 1, "abc")))  # as written to disk
    return rows, board, data


def test_flags_ranks_and_smoke_reach_every_table():
    rows, board, data = _tables(TINY)
    # Markdown: the banner opens the report, each task repeats it, the flagged row says why.
    lines = board.splitlines()
    assert lines[0] == "# twin benchmark: suite `tiny`" and lines[2].startswith(f"> **{SMOKE_BANNER}.**")
    assert board.count(SMOKE_BANNER) == 2
    assert "| 3 | dqn | learner | 1/1 |" in board
    assert "| comfort\\_violation\\_kh 12.3 K\\*h > reference 4.1 K\\*h |" in board
    assert "| dqn | 0.200 (n=1) (flagged) |" in board
    # CSV: rank, flags and smoke on every row of the entry.
    dqn = [r for r in rows if r["agent"] == "dqn"]
    assert {(r["rank"], r["flags"], r["smoke"]) for r in dqn} == \
        {("3", "comfort_violation_kh 12.3 K*h > reference 4.1 K*h", "true")}
    assert {r["rank"] for r in rows if r["agent"] == "ppo"} == {"1"}
    # JSON: smoke, the rule and the rows best first.
    task = data["tasks"]["home-cold-week"]
    assert data["smoke"] is True and task["primary"] == {"kpi": "energy_cost_eur", "better": "lower"}
    assert [(r["agent"], r["rank"], r["flagged"]) for r in task["rows"]] == \
        [("ppo", 1, False), ("thermostat", 2, False), ("dqn", 3, True)]
    assert task["rows"][2]["flags"] == ["comfort_violation_kh 12.3 K*h > reference 4.1 K*h"]


def test_standard_suite_results_are_not_marked_smoke():
    rows, board, data = _tables(STANDARD)
    assert SMOKE_BANNER not in board and data["smoke"] is False
    assert {r["smoke"] for r in rows} == {"false"}
