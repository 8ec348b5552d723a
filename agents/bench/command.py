"""``twin bench``: run a benchmark suite over seeds and write its tables, plots and manifest.

The CLI (``twin/cli.py``) adds the parser with :func:`add_bench_parser` and calls
:func:`run_bench_command`; this module imports no torch, gymnasium or ray at import time.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from agents.bench.suite import BACKENDS, SUITES, BenchError

EXAMPLES = """\
suites:
{suites}

examples:
  twin bench --suite standard --seeds 5 --out bench/
  twin bench --suite standard --seeds 5 --backend ray --address auto
  twin bench --suite tiny --seeds 2 --jobs 2 --out bench-tiny/
  twin bench --suite standard --task grid-4x4-peak --agent ppo --agent max_pressure --seeds 3
  twin bench --suite standard --list

Ranking: each task ranks on its primary KPI (mean over seeds; exact ties go to its tie-breaker).
An entry that breaks a bound relative to the reference baseline (e.g. under 90% of its throughput,
more comfort violation) is flagged, with the reason, and ranked after every unflagged entry. The
tiny suite's results are marked as a smoke run: too short to rank agents.

Rerunning the same command skips jobs whose results exist (failed jobs run again) and rewrites the
tables. Exit code 0 if every job succeeded, 1 if any failed (the tables still show them), 2 for a
bad request. See docs/benchmarks.md.
"""


def add_bench_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``bench`` sub-command to an ``argparse`` sub-parsers object; returns its parser."""
    suites = "\n".join(f"  {name:<10}{suite.description}" for name, suite in SUITES.items())
    p = subparsers.add_parser(
        "bench", help="compare every baseline and learner on a benchmark suite over seeds",
        description="Train and evaluate every baseline and learner of a suite's tasks over seeds 0..N-1, as\n"
                    "independent jobs (a local process pool or a Ray cluster). Writes results.csv and\n"
                    "leaderboard.md (mean and 95% interval per KPI, scores relative to each task's reference\n"
                    "baseline, ranks and flags), leaderboard.json (ranks and flags as data), plots/,\n"
                    "manifest.json (git revision, config hashes, package versions), one record per job in\n"
                    "jobs/ and the learners' run folders in runs/.",
        epilog=EXAMPLES.format(suites=suites), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--suite", default="standard", help=f"suite to run: {', '.join(SUITES)} (default standard)")
    p.add_argument("--seeds", type=int, default=5, help="number of seeds; runs seeds 0..N-1 (default 5)")
    p.add_argument("--out", type=Path, help="benchmark folder (default: bench/<suite>)")
    p.add_argument("--backend", choices=BACKENDS, default="local",
                   help="local: a process pool on this machine (default); ray: Ray tasks (pip install 'twin[ray]')")
    p.add_argument("--jobs", type=int, help="local backend: parallel processes (default: the CPU cores; "
                                            "1 runs the jobs in this process)")
    p.add_argument("--address", help="ray backend: cluster address, 'auto' for the running cluster or "
                                     "ray://HOST:10001 (default: start Ray on this machine)")
    p.add_argument("--task", dest="tasks", action="append", default=[], metavar="NAME",
                   help="run only this task of the suite; repeatable")
    p.add_argument("--agent", dest="agents", action="append", default=[], metavar="NAME",
                   help="run only this baseline or learner (the reference baselines always run); repeatable")
    p.add_argument("--list", action="store_true", help="print the jobs and whether their results exist, then exit")
    p.add_argument("--no-plots", action="store_true", help="skip plots/")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=run_bench_command)
    return p


def check_bench_dir(out: Path) -> None:
    """BenchError unless ``out`` is absent, an empty folder, or a folder an earlier ``twin bench`` wrote."""
    from agents.bench.jobs import JOBS_DIR
    from agents.bench.report import MANIFEST_JSON
    from twin.rundir import check_creatable

    check_creatable(out)
    if not out.exists():
        return
    if not out.is_dir():
        raise BenchError(f"--out {out}: exists and is not a folder; choose another --out")
    if any(out.iterdir()) and not ((out / MANIFEST_JSON).is_file() or (out / JOBS_DIR).is_dir()):
        raise BenchError(f"--out {out}: folder is not empty and holds no earlier benchmark "
                         f"(no {MANIFEST_JSON} or {JOBS_DIR}/); choose another --out or empty it")


def run_bench_command(args: argparse.Namespace) -> int:
    """``twin bench``: plan, run the missing jobs, write the reports; 0 if all jobs succeeded, else 1."""
    from agents.bench.backends import default_workers, run_jobs
    from agents.bench.jobs import load_record, plan_jobs
    from agents.bench.ranking import SMOKE_BANNER
    from agents.bench.report import LEADERBOARD_JSON, LEADERBOARD_MD, RESULTS_CSV, write_reports
    from agents.bench.suite import get_suite

    if args.backend != "ray" and args.address is not None:
        raise BenchError("--address is for --backend ray; the local backend runs on this machine")
    if args.backend == "ray" and args.jobs is not None:
        raise BenchError("--jobs is for the local backend; on Ray each job takes one CPU of the cluster")
    if args.jobs is not None and args.jobs < 1:
        raise BenchError(f"--jobs: got {args.jobs}; must be at least 1")
    suite = get_suite(args.suite).select(tuple(args.tasks), tuple(args.agents))
    jobs = plan_jobs(suite, args.seeds, tuple(args.agents))
    out = args.out or Path("bench") / suite.name
    if args.list:
        for job in jobs:
            record = load_record(out, job)
            state = "done" if record and record.get("status") == "ok" else record.get("status") if record else "todo"
            budget = ", ".join(f"{k}={v}" for k, v in job.budget) or "-"
            print(f"{state:<7} {job.task:<24} {job.agent:<20} seed {job.seed:<3} {budget:<16} {job.job_id}")
        print(f"{len(jobs)} jobs in {out}/")
        return 0
    check_bench_dir(out)
    workers = None if args.backend == "ray" else (args.jobs or default_workers())
    run = run_jobs(jobs, out, backend=args.backend, max_workers=workers, address=args.address,
                   progress=not args.quiet)
    write_reports(out, suite, jobs, run.records, seeds=args.seeds, backend=args.backend, workers=workers,
                  address=args.address, plots=not args.no_plots)
    print(f"\n{len(jobs)} jobs: {run.ran} ran, {run.skipped} skipped (results existed), {len(run.failed)} failed")
    print(f"written: {out / LEADERBOARD_MD}, {out / LEADERBOARD_JSON}, {out / RESULTS_CSV}, {out}/plots/, "
          f"{out}/manifest.json")
    if suite.smoke:
        print(f"{SMOKE_BANNER} (suite {suite.name!r}); use --suite standard to compare agents")
    for job_id in run.failed:
        error = run.records[job_id].get("error", {})
        message = (str(error.get("message", "")).splitlines() or [""])[0]
        print(f"  failed: {job_id}: {error.get('type')}: {message}")
    return 1 if run.failed else 0


__all__ = ["add_bench_parser", "run_bench_command", "check_bench_dir"]
