"""The benchmark suite (`twin bench`): the tiny suite runs end to end on the local process pool and
on Ray with identical tables, reruns skip finished jobs, failed jobs are reported and not dropped,
and the table's statistics (Student-t intervals, normalized scores) match hand-computed numbers."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import math
from pathlib import Path

import pytest

from agents.bench.backends import run_jobs
from agents.bench.command import add_bench_parser, run_bench_command
from agents.bench.jobs import Job, plan_jobs, record_path
from agents.bench.entries import aggregate
from agents.bench.report import leaderboard_markdown, results_csv, write_reports
from agents.bench.stats import estimate, normalized_score, t_quantile_975
from agents.bench.suite import SUITES, TINY, BenchError, Learner
from twin.scenario import load_scenario

# A slice of the tiny suite that covers a home task and a traffic task, our torch learner, a
# reference and a non-reference baseline: 10 jobs over two seeds.
TASKS, AGENTS, SEEDS = ("home-cold-week", "arterial-unbalanced"), ("a2c", "max_pressure"), 2


def slice_jobs():
    suite = TINY.select(TASKS, AGENTS)
    return suite, plan_jobs(suite, SEEDS, AGENTS)


def read_csv_text(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def read_csv(path: Path) -> list[dict[str, str]]:
    return read_csv_text(path.read_text())


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """The slice run once on the local backend with two worker processes."""
    out = tmp_path_factory.mktemp("bench-local")
    suite, jobs = slice_jobs()
    run = run_jobs(jobs, out, backend="local", max_workers=2, progress=False)
    write_reports(out, suite, jobs, run.records, seeds=SEEDS, backend="local", workers=2)
    return out, suite, jobs, run


def test_local_backend_writes_every_table_plot_and_manifest(local_run):
    out, suite, jobs, run = local_run
    assert run.ran == len(jobs) == 10 and run.skipped == 0 and run.failed == []
    rows = read_csv(out / "results.csv")
    pairs = list(dict.fromkeys((r["task"], r["agent"]) for r in rows))
    assert pairs == [("home-cold-week", "thermostat"), ("home-cold-week", "a2c"),
                     ("arterial-unbalanced", "fixed_time"), ("arterial-unbalanced", "max_pressure"),
                     ("arterial-unbalanced", "a2c")]
    by_key = {(r["task"], r["agent"], r["kpi"]): r for r in rows}
    assert all(r["status"] == "ok" and r["seeds_ok"] == "2" and r["n"] == "2" for r in rows)
    # The reference scores exactly 1; the score is the mean ratio; intervals bracket the mean.
    ref = by_key[("arterial-unbalanced", "fixed_time", "mean_delay_all_s")]
    assert float(ref["score"]) == 1.0
    mp = by_key[("arterial-unbalanced", "max_pressure", "mean_delay_all_s")]
    assert float(mp["score"]) == pytest.approx(float(mp["mean"]) / float(ref["mean"]), rel=1e-12)
    assert float(mp["ci95_low"]) <= float(mp["mean"]) <= float(mp["ci95_high"])
    # The table's mean is the mean of the two job records' KPI.
    per_seed = [json.loads(record_path(out, j).read_text())["kpis"]["mean_delay_all_s"] for j in jobs
                if j.task == "arterial-unbalanced" and j.agent == "max_pressure"]
    assert float(mp["mean"]) == pytest.approx(sum(per_seed) / 2, rel=1e-12)
    assert by_key[("home-cold-week", "a2c", "return")]["score"] == ""  # higher is better: no score

    board = (out / "leaderboard.md").read_text()
    assert "## home-cold-week" in board and "## arterial-unbalanced" in board and "## Failed jobs" not in board
    assert "| max_pressure |" in board and "[1.000]" in board
    plots = {p.name for p in (out / "plots").iterdir()}
    assert {"home-cold-week__energy_cost_eur.png", "arterial-unbalanced__mean_delay_all_s.png",
            "home-cold-week__learning.png", "arterial-unbalanced__learning.png"} <= plots
    assert all((out / "plots" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for name in plots)
    a2c = json.loads(record_path(out, next(j for j in jobs if j.agent == "a2c")).read_text())
    assert a2c["curve"]["tag"] == "charts/episodic_return" and len(a2c["curve"]["steps"]) >= 1

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["suite"] == "tiny" and manifest["seeds"] == [0, 1] and manifest["git_revision"]
    assert set(manifest["jobs"]) == {j.job_id for j in jobs}
    assert all(len(v["config_sha256"]) == 64 for v in manifest["jobs"].values())
    assert len(manifest["scenarios"]["home-cold-week"]["sha256"]) == 64
    assert {"twin", "torch", "gymnasium", "stable-baselines3"} <= set(manifest["packages"])


def test_rerun_skips_jobs_whose_results_exist(local_run):
    out, suite, jobs, _ = local_run
    before = {j.job_id: record_path(out, j).stat().st_mtime_ns for j in jobs}
    table = (out / "results.csv").read_text()
    again = run_jobs(jobs, out, backend="local", max_workers=2, progress=False)
    assert again.ran == 0 and again.skipped == len(jobs)
    assert {j.job_id: record_path(out, j).stat().st_mtime_ns for j in jobs} == before
    write_reports(out, suite, jobs, again.records, seeds=SEEDS, backend="local", plots=False)
    assert (out / "results.csv").read_text() == table


def test_ray_backend_gives_the_same_table_as_the_local_one(local_run, tmp_path):
    ray = pytest.importorskip("ray")
    local_out, suite, jobs, _ = local_run
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        run = run_jobs(jobs, tmp_path, backend="ray", progress=False)
    finally:
        ray.shutdown()
    assert run.ran == len(jobs) and run.failed == []
    write_reports(tmp_path, suite, jobs, run.records, seeds=SEEDS, backend="ray", plots=False)
    assert (tmp_path / "results.csv").read_bytes() == (local_out / "results.csv").read_bytes()
    for job in jobs:  # every record equal but for the wall time
        ours, theirs = (json.loads(record_path(d, job).read_text()) for d in (tmp_path, local_out))
        ours.pop("wall_time_s"), theirs.pop("wall_time_s")
        assert ours == theirs


def test_failing_job_is_reported_and_the_others_complete(tmp_path, monkeypatch):
    """An a2c with a negative learning rate fails in training; the command writes the tables with the
    failure in them and exits 1."""
    broken = dataclasses.replace(TINY.select(("home-cold-week",)), name="broken",
                                 learners=(Learner("a2c", (("lr", -1.0),), num_envs=2),))
    monkeypatch.setitem(SUITES, "broken", broken)
    parser = argparse.ArgumentParser()
    add_bench_parser(parser.add_subparsers())
    args = parser.parse_args(["bench", "--suite", "broken", "--seeds", "1", "--jobs", "1", "--out", str(tmp_path),
                              "--agent", "a2c", "--agent", "time_of_use", "--quiet", "--no-plots"])
    assert run_bench_command(args) == 1
    rows = read_csv(tmp_path / "results.csv")
    failed = [r for r in rows if r["agent"] == "a2c"]
    assert len(failed) == 1 and failed[0]["status"] == "failed" and failed[0]["kpi"] == ""
    assert "AgentError" in failed[0]["error"] and "lr" in failed[0]["error"]
    assert {r["agent"] for r in rows if r["status"] == "ok"} == {"thermostat", "time_of_use"}
    board = (tmp_path / "leaderboard.md").read_text()
    assert "## Failed jobs" in board and "| a2c | learner | 0/1 | failed |" in board
    record = json.loads(next((tmp_path / "jobs").glob("home-cold-week__a2c__*.json")).read_text())
    assert record["status"] == "failed" and record["error"]["type"] == "AgentError"


def test_tiny_suite_plans_every_baseline_and_the_learners_that_fit():
    jobs = plan_jobs(TINY, 1)
    agents = {task.name: [j.agent for j in jobs if j.task == task.name] for task in TINY.tasks}
    assert agents["home-cold-week"] == ["thermostat", "time_of_use", "pv_self_consumption", "qlearning", "a2c", "ppo",
                                        "sb3-a2c", "sac", "dqn"]
    # Box actions for the neighborhood (no dqn, no tabular); MultiDiscrete signals (no sac, dqn; qlearning has
    # no discretizer for several intersections).
    assert agents["neighborhood-hot-week"] == ["thermostat", "time_of_use", "pv_self_consumption", "a2c", "ppo",
                                               "sb3-a2c", "sac"]
    for traffic in ("grid-4x4-peak", "arterial-unbalanced"):
        assert agents[traffic] == ["fixed_time", "actuated", "max_pressure", "a2c", "ppo", "sb3-a2c"]
    assert [j.job_id for j in plan_jobs(TINY, 1)] == [j.job_id for j in jobs]  # ids are stable
    assert len({j.job_id for j in plan_jobs(TINY, 3)}) == 3 * len(jobs)


def test_job_id_hashes_the_config_including_the_scenario_text():
    _, jobs = slice_jobs()
    job = jobs[0]
    assert dataclasses.replace(job).job_id == job.job_id
    assert dataclasses.replace(job, scenario_yaml=job.scenario_yaml + "\n# edited\n").job_id != job.job_id
    assert dataclasses.replace(job, seed=job.seed + 1).job_id != job.job_id
    assert dataclasses.replace(job, budget=(("steps", 97),)).job_id != job.job_id


@pytest.mark.parametrize("name", ["home_cold_week", "neighborhood_hot_week", "grid_4x4_peak", "arterial_unbalanced"])
def test_bench_scenarios_are_valid(name):
    scenario = load_scenario(Path(TINY.tasks[0].scenario_path).parent / f"{name}.yaml")
    assert scenario.name == name


def test_t_quantiles_and_interval_on_hand_computed_numbers():
    assert t_quantile_975(1) == pytest.approx(12.706204736)
    assert t_quantile_975(4) == pytest.approx(2.776445105)
    # Beyond the table: the Cornish-Fisher expansion against published quantiles.
    for df, exact in ((40, 2.021075390), (60, 2.000297822), (120, 1.979930405)):
        assert t_quantile_975(df) == pytest.approx(exact, abs=1e-7)
    assert t_quantile_975(31) < t_quantile_975(30) and t_quantile_975(10**6) == pytest.approx(1.959966, abs=1e-5)
    est = estimate([1.0, 2.0, 3.0, 4.0, 5.0])
    assert est.mean == 3.0 and est.sd == pytest.approx(math.sqrt(2.5))
    assert est.ci95 == pytest.approx(2.776445105 * math.sqrt(2.5) / math.sqrt(5))   # 1.963243
    assert (est.low, est.high) == pytest.approx((3 - 1.963243, 3 + 1.963243), abs=1e-6)
    one = estimate([7.0])
    assert one.n == 1 and one.ci95 is None and one.sd is None
    with pytest.raises(ValueError):
        t_quantile_975(0)


def test_normalized_score_only_for_lower_is_better_kpis_with_a_positive_reference():
    ref, agent = estimate([2.0, 2.0]), estimate([1.0, 2.0, 3.0, 4.0, 5.0])
    score = normalized_score("energy_cost_eur", agent, ref)
    assert score.value == 1.5 and score.ci95 == pytest.approx(1.963243 / 2, abs=1e-6)
    assert normalized_score("pv_self_consumption", agent, ref) is None      # higher is better
    assert normalized_score("energy_cost_eur", agent, estimate([0.0])) is None  # no ratio to a zero reference
    assert normalized_score("energy_cost_eur", agent, None) is None


def _fake_job(task, agent, kind, seed):
    return Job(task=task, agent=agent, kind=kind, seed=seed, env_id="twin/SmartHome-v0",
               scenario_name="home_cold_week.yaml", scenario_yaml="name: x\n", env_kwargs=(), budget=(),
               hyperparams=(), num_envs=1, eval_episodes=1, eval_seed=0)


def test_aggregate_and_tables_on_hand_made_records():
    """Reference costs 10 and 12 (mean 11), the agent 5.5 and 6.6 (mean 6.05, score 0.55); one seed of a
    third agent failed, so it shows n=1 and is marked partial; a fourth failed entirely."""
    suite = TINY.select(("home-cold-week",))
    jobs = [_fake_job("home-cold-week", a, k, s) for a, k in (("thermostat", "baseline"), ("ppo", "learner"),
                                                             ("sac", "learner"), ("dqn", "learner")) for s in (0, 1)]
    costs = {("thermostat", 0): 10.0, ("thermostat", 1): 12.0, ("ppo", 0): 5.5, ("ppo", 1): 6.6, ("sac", 0): 8.0}
    records = {}
    for job in jobs:
        if (job.agent, job.seed) in costs:
            records[job.job_id] = {"status": "ok", "kpis": {"energy_cost_eur": costs[job.agent, job.seed],
                                                            "pv_self_consumption": 0.5}}
        else:
            records[job.job_id] = {"status": "failed", "error": {"type": "RuntimeError", "message": "boom\nmore"}}
    entries = aggregate(suite, jobs, records)
    by_agent = {e.agent: e for e in entries}
    assert [e.agent for e in entries] == ["thermostat", "ppo", "sac", "dqn"]
    ppo = by_agent["ppo"]
    assert ppo.estimates["energy_cost_eur"].mean == pytest.approx(6.05)
    assert ppo.estimates["energy_cost_eur"].ci95 == pytest.approx(12.706204736 * math.sqrt(0.605) / math.sqrt(2))
    assert ppo.scores["energy_cost_eur"].value == pytest.approx(0.55)
    assert by_agent["sac"].status == "partial" and by_agent["sac"].estimates["energy_cost_eur"].n == 1
    assert by_agent["dqn"].status == "failed" and by_agent["dqn"].seeds_failed == 2

    rows = read_csv_text(results_csv(suite, entries))
    dqn = [r for r in rows if r["agent"] == "dqn"]
    assert len(dqn) == 1 and dqn[0]["status"] == "failed" and "RuntimeError: boom" in dqn[0]["error"]
    assert "more" not in dqn[0]["error"]  # first line of the message only
    board = leaderboard_markdown(suite, entries, 2, "abc123")
    assert "| 1 | ppo | learner | 2/2 | 6.050 ± 6.988 [0.550] |" in board   # 12.706 * sqrt(0.605 / 2)
    assert "| 2 | sac | learner | 1/2 | 8.000 (n=1) [0.727] |" in board
    assert "| 4 | dqn | learner | 0/2 | failed |" in board
    assert "0.550 ± " in board and "0.727 (n=1) *" in board and "## Failed jobs" in board


def test_bad_requests_raise_bench_errors(tmp_path):
    from agents.bench.suite import get_suite

    with pytest.raises(BenchError, match="unknown suite 'huge'; choose one of standard, tiny"):
        get_suite("huge")
    with pytest.raises(BenchError, match="--seeds"):
        plan_jobs(TINY, 0)
    with pytest.raises(BenchError, match="no task 'moon'"):
        TINY.select(("moon",))
    with pytest.raises(BenchError, match="unknown 'alphago'"):
        plan_jobs(TINY.select(("arterial-unbalanced",)), 1, ("alphago",))
    with pytest.raises(BenchError, match="none of 'sac' fits"):  # SAC cannot pick signal phases
        plan_jobs(TINY.select(("arterial-unbalanced",), ("sac",)), 1, ("sac",))
    (tmp_path / "notes.txt").write_text("mine")
    parser = argparse.ArgumentParser()
    add_bench_parser(parser.add_subparsers())
    args = parser.parse_args(["bench", "--suite", "tiny", "--task", "arterial-unbalanced", "--out", str(tmp_path)])
    with pytest.raises(BenchError, match="holds no earlier benchmark"):
        run_bench_command(args)
    args = parser.parse_args(["bench", "--suite", "tiny", "--address", "auto"])
    with pytest.raises(BenchError, match="--address is for --backend ray"):
        run_bench_command(args)
