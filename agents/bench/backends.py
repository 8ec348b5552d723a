"""Run benchmark jobs: in this process, in a local process pool, or on a Ray cluster.

Every backend runs the same function, :func:`agents.bench.jobs.run_job`, on the same
:class:`~agents.bench.jobs.Job` values, so a job's record does not depend on where it ran. Jobs
whose record exists with status ``ok`` are skipped; failed jobs run again. A job that dies outside
``run_job`` (a crashed worker process, a lost Ray node) gets a failure record from the driver.

- ``local``: a ``ProcessPoolExecutor`` of ``max_workers`` processes started with ``spawn`` (fresh
  interpreters: no torch or numba state copied from the parent); ``max_workers=1`` runs the jobs
  one after another in this process.
- ``ray``: one Ray task per job (``num_cpus=1``). ``address`` goes to ``ray.init`` (``auto``: the
  running cluster; ``ray://host:10001``: Ray Client; None: Ray's default, a local instance
  unless ``RAY_ADDRESS`` is set). If Ray is already initialized (a notebook, a test), that session
  is used and left running. Records come back to the driver, which writes them under ``out_dir``;
  learners' run folders are written by the workers, so on a multi-node cluster ``out_dir`` should
  be on a shared file system to keep the trained models.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from agents.bench.jobs import Job, failure_record, load_record, run_job, write_record
from agents.bench.suite import BACKENDS, BenchError

OnDone = Callable[[Job, dict[str, Any]], None]


@dataclass(frozen=True)
class JobsRun:
    """What :func:`run_jobs` did: jobs ``ran`` and ``skipped`` (their record existed), and every
    job's record by job id (plan order)."""

    ran: int
    skipped: int
    records: dict[str, dict[str, Any]]

    @property
    def failed(self) -> list[str]:
        """Ids of the jobs whose record says ``failed``."""
        return [job_id for job_id, record in self.records.items() if record.get("status") != "ok"]


def default_workers() -> int:
    """Processes of the local backend by default: the CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_jobs(jobs: list[Job], out_dir: str | Path, *, backend: str = "local", max_workers: int | None = None,
             address: str | None = None, progress: bool = True) -> JobsRun:
    """Run the jobs of ``jobs`` that have no ``ok`` record in ``out_dir``; return every job's record."""
    if backend not in BACKENDS:
        raise BenchError(f"--backend: got {backend!r}; choose one of {', '.join(BACKENDS)}")
    if max_workers is not None and (isinstance(max_workers, bool) or max_workers < 1):
        raise BenchError(f"--jobs: got {max_workers!r}; must be at least 1")
    out_dir = Path(out_dir)
    records: dict[str, dict[str, Any]] = {}
    todo = []
    for job in jobs:
        record = load_record(out_dir, job)
        if record is not None and record.get("status") == "ok":
            records[job.job_id] = record
        else:
            todo.append(job)
    bar = tqdm(total=len(jobs), initial=len(records), unit="job", desc="bench", disable=not progress,
               dynamic_ncols=True)
    failed = 0

    def done(job: Job, record: dict[str, Any]) -> None:
        nonlocal failed
        write_record(out_dir, record)  # again: a Ray worker on another node wrote it on its own disk
        records[job.job_id] = record
        failed += record.get("status") != "ok"
        bar.set_postfix(failed=failed, refresh=False)
        bar.update(1)

    try:
        if todo and backend == "ray":
            run_ray(todo, out_dir, address, done)
        elif todo:
            run_local(todo, out_dir, max_workers or default_workers(), done)
    finally:
        bar.close()
    return JobsRun(ran=len(todo), skipped=len(jobs) - len(todo), records={j.job_id: records[j.job_id] for j in jobs})


def run_local(jobs: list[Job], out_dir: Path, max_workers: int, on_done: OnDone) -> None:
    """Run ``jobs`` in ``max_workers`` spawned processes (or here, one by one, when it is 1)."""
    if max_workers == 1:
        for job in jobs:
            on_done(job, run_job(job, out_dir))
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(max_workers, len(jobs)), mp_context=context) as pool:
        futures = {pool.submit(run_job, job, out_dir): job for job in jobs}
        try:
            for future in as_completed(futures):
                job = futures[future]
                try:
                    record = future.result()
                except Exception as exc:  # the worker died (BrokenProcessPool) or the record could not come back
                    record = failure_record(job, exc)
                on_done(job, record)
        except KeyboardInterrupt:  # stop now; the records written so far stay, and a rerun resumes
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def run_ray(jobs: list[Job], out_dir: Path, address: str | None, on_done: OnDone) -> None:
    """Run ``jobs`` as Ray tasks of one CPU each (see the module docstring for ``address``)."""
    try:
        import ray
    except ImportError:
        raise BenchError("--backend ray needs Ray, an optional extra: pip install 'twin[ray]' "
                         "(or use the default --backend local)") from None
    started = not ray.is_initialized()
    if started:
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise BenchError(f"--address {address}: cannot connect to Ray ({exc}); start a cluster with "
                             "`ray start --head`, or leave --address out to start Ray on this machine") from None
    try:
        remote = ray.remote(num_cpus=1, max_retries=0)(run_job)
        target = str(Path(out_dir).resolve())
        pending = {remote.remote(job, target): job for job in jobs}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                job = pending.pop(ref)
                try:
                    record = ray.get(ref)
                except Exception as exc:  # RayTaskError, WorkerCrashedError, a lost node
                    record = failure_record(job, exc)
                on_done(job, record)
    finally:
        if started:
            ray.shutdown()


__all__ = ["BACKENDS", "JobsRun", "run_jobs", "run_local", "run_ray", "default_workers"]
