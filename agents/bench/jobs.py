"""Benchmark jobs: one (task, agent, seed) = train (learners) + evaluate, with a result record on disk.

A :class:`Job` carries everything its result depends on, the scenario file's text included, so a
worker on another machine needs no file of the driver. Its id ends in a hash of that config
(:meth:`Job.config`), so the same job gets the same id on every backend and every rerun, and a
changed scenario, budget or hyperparameter gets a new one.

:func:`run_job` never raises for a failing job: it writes and returns a failure record (error
type, message, traceback) so the table can show the job as failed. Records go to
``<out>/jobs/<job id>.json``, written atomically; learners' run folders (model, TensorBoard logs,
checkpoints; ``twin eval`` reads them) to ``<out>/runs/<job id>/``.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.bench.suite import BenchError, BenchTask, Learner, Suite
from agents.errors import AgentError
from agents.runs import write_json
from agents.tasks import Task, task_for_scenario

JOBS_DIR, RUNS_DIR = "jobs", "runs"
CURVE_TAG = "charts/episodic_return"
BASELINE, LEARNER = "baseline", "learner"


@dataclass(frozen=True)
class Job:
    """One benchmark job; its result depends on these fields only."""

    task: str
    agent: str
    kind: str
    """``baseline`` (a rule, evaluated only) or ``learner`` (trained, then evaluated)"""
    seed: int
    """seed of training; also picks the evaluation episodes (``eval_seed``)"""
    env_id: str
    scenario_name: str
    scenario_yaml: str
    """the scenario file's text"""
    env_kwargs: tuple[tuple[str, Any], ...]
    budget: tuple[tuple[str, int], ...]
    """``(("steps", n),)`` or ``(("episodes", n),)`` for learners, ``()`` for baselines"""
    hyperparams: tuple[tuple[str, Any], ...]
    num_envs: int
    eval_episodes: int
    eval_seed: int
    """seed of the first evaluation episode (the next ones count up from it)"""

    def config(self) -> dict[str, Any]:
        """The job as plain JSON data, the scenario by its sha256; what the job id hashes."""
        return {"task": self.task, "agent": self.agent, "kind": self.kind, "seed": self.seed, "env_id": self.env_id,
                "scenario": self.scenario_name, "scenario_sha256": sha256_text(self.scenario_yaml),
                "env_kwargs": dict(self.env_kwargs), "budget": dict(self.budget),
                "hyperparams": dict(self.hyperparams), "num_envs": self.num_envs,
                "eval_episodes": self.eval_episodes, "eval_seed": self.eval_seed}

    @property
    def config_sha256(self) -> str:
        """sha256 of the canonical JSON of :meth:`config` (sorted keys, no spaces)."""
        return sha256_text(json.dumps(self.config(), sort_keys=True, separators=(",", ":"), default=str))

    @property
    def job_id(self) -> str:
        """``<task>__<agent>__s<seed>__<first 12 hex digits of the config hash>``: stable across runs."""
        return f"{self.task}__{self.agent}__s{self.seed}__{self.config_sha256[:12]}"


def sha256_text(text: str) -> str:
    """Hex sha256 of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def agent_fits(agent: str, task: Task) -> str | None:
    """None if ``agent`` can train on ``task``, else why not (as ``check_agent`` says, plus qlearning's
    need for a default discretizer of the observations, which multi-intersection grids lack)."""
    from agents.train import check_agent

    try:
        fitted = check_agent(agent, task)
    except AgentError as exc:
        return str(exc)
    if agent == "qlearning":
        from agents.tabular import default_discretizer

        env = fitted.make()
        try:
            default_discretizer(env)
        except ValueError as exc:
            return str(exc)
        finally:
            env.close()
    return None


def plan_jobs(suite: Suite, seeds: int, agents: tuple[str, ...] = ()) -> list[Job]:
    """Every job of ``suite`` over seeds ``0 .. seeds-1``: per task each baseline of its env family and
    each learner that fits (:func:`agent_fits`), restricted to ``agents`` names when given (each
    task's reference baseline always runs: scores are relative to it). Order: task, then baselines
    and learners in suite order, then seed."""
    from agents.baselines import BASELINES

    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise BenchError(f"--seeds: got {seeds!r}; must be a whole number of seeds of at least 1 (seeds 0..N-1)")
    jobs: list[Job] = []
    known: set[str] = set()
    for task in suite.tasks:
        text = _scenario_text(task)
        base = task_for_scenario(task.scenario_path, **dict(task.env_kwargs))
        rules = list(BASELINES.get(base.env_id, {}))
        if task.reference not in rules:
            raise BenchError(f"task {task.name}: reference baseline {task.reference!r} is not a baseline of "
                             f"{base.env_id}; its baselines: {', '.join(rules)}")
        known.update(rules, (lr.agent for lr in suite.learners))
        entries: list[tuple[str, Learner | None]] = [(name, None) for name in rules]
        entries += [(lr.agent, lr) for lr in suite.learners if agent_fits(lr.agent, base) is None]
        for name, learner in entries:
            if agents and name not in agents and name != task.reference:  # scores need the reference
                continue
            for seed in range(seeds):
                jobs.append(_job(suite, task, base.env_id, text, name, learner, seed))
    unknown = [a for a in agents if a not in known]
    if unknown:
        raise BenchError(f"--agent: unknown {', '.join(map(repr, unknown))}; suite {suite.name!r} has "
                         f"{', '.join(sorted(known))}")
    if agents and not any(job.agent in agents for job in jobs):
        raise BenchError(f"--agent: none of {', '.join(map(repr, agents))} fits the chosen tasks "
                         f"({', '.join(t.name for t in suite.tasks)}); docs/benchmarks.md lists what fits where")
    return jobs


def _scenario_text(task: BenchTask) -> str:
    try:
        return task.scenario_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BenchError(f"task {task.name}: scenario scenarios/bench/{task.scenario} not found; the benchmark "
                         "suites run from a source checkout of twin") from None


def _job(suite: Suite, task: BenchTask, env_id: str, text: str, agent: str, learner: Learner | None,
         seed: int) -> Job:
    from agents.train import EPISODE_AGENTS

    if learner is None:
        budget: tuple[tuple[str, int], ...] = ()
    elif agent in EPISODE_AGENTS:
        budget = (("episodes", task.train_episodes),)
    else:
        budget = (("steps", task.train_steps),)
    return Job(task=task.name, agent=agent, kind=BASELINE if learner is None else LEARNER, seed=seed, env_id=env_id,
               scenario_name=task.scenario, scenario_yaml=text, env_kwargs=task.env_kwargs, budget=budget,
               hyperparams=learner.hyperparams if learner else (), num_envs=learner.num_envs if learner else 1,
               eval_episodes=suite.eval_episodes, eval_seed=suite.eval_seed + 1000 * seed)


def record_path(out_dir: str | Path, job: Job) -> Path:
    """Where ``job``'s result record lives under the benchmark folder ``out_dir``."""
    return Path(out_dir) / JOBS_DIR / f"{job.job_id}.json"


def load_record(out_dir: str | Path, job: Job) -> dict[str, Any] | None:
    """``job``'s record if one exists and is readable, else None."""
    path = record_path(out_dir, job)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def write_record(out_dir: str | Path, record: dict[str, Any]) -> Path:
    """Write a record to ``<out_dir>/jobs/<job_id>.json`` atomically; returns the path."""
    path = Path(out_dir) / JOBS_DIR / f"{record['job_id']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, record)
    return path


def run_job(job: Job, out_dir: str | Path) -> dict[str, Any]:
    """Train (learners) and evaluate ``job``; write its record under ``out_dir`` and return it.

    The record has ``status`` ``ok`` with ``kpis`` (mean over the evaluation episodes), ``episodes``
    (each episode's return, steps and KPIs) and ``curve`` (training episodic returns, or None), or
    ``failed`` with ``error`` (type, message, traceback). ``wall_time_s`` is its only field that
    varies between runs of the same job. Torch runs on one thread meanwhile (restored after).
    """
    import torch

    out_dir = Path(out_dir)
    start = time.perf_counter()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small MLPs gain nothing from more; reductions stay in a fixed order
    record: dict[str, Any] = {"job_id": job.job_id, "config_sha256": job.config_sha256, "config": job.config()}
    try:
        record.update(status="ok", **_train_and_evaluate(job, out_dir))
    except Exception as exc:  # a failing job is reported in the table, never dropped
        record.update(status="failed", error=failure(exc))
    finally:
        torch.set_num_threads(threads)
    record["wall_time_s"] = round(time.perf_counter() - start, 3)
    write_record(out_dir, record)
    return record


def failure(exc: BaseException) -> dict[str, str]:
    """An exception as the ``error`` field of a failure record."""
    return {"type": type(exc).__name__, "message": str(exc),
            "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))}


def failure_record(job: Job, exc: BaseException) -> dict[str, Any]:
    """A failure record for a job that died outside :func:`run_job` (a crashed worker, a lost Ray task)."""
    return {"job_id": job.job_id, "config_sha256": job.config_sha256, "config": job.config(), "status": "failed",
            "error": failure(exc), "wall_time_s": None}


def _train_and_evaluate(job: Job, out_dir: Path) -> dict[str, Any]:
    from agents.evaluate import evaluate

    with tempfile.TemporaryDirectory(prefix="twin-bench-") as tmp:
        scenario = Path(tmp) / job.scenario_name
        scenario.write_text(job.scenario_yaml, encoding="utf-8")
        task = Task(job.env_id, {"scenario": str(scenario), **dict(job.env_kwargs)})
        curve = None
        if job.kind == BASELINE:
            policy = _baseline(job.agent, task)
        else:
            policy, task, curve = _train(job, task, out_dir / RUNS_DIR / job.job_id)
        results = evaluate(task.make, [policy], job.eval_episodes, job.eval_seed)
    keys = list(dict.fromkeys(k for r in results for k in r.kpis))
    kpis: dict[str, float | None] = {"return": _mean([r.episode_return for r in results])}
    for key in keys:
        values = [r.kpis.get(key) for r in results]
        kpis[key] = None if any(v is None for v in values) else _mean(values)
    episodes = [{"seed": r.seed, "return": r.episode_return, "steps": r.steps, "kpis": r.kpis} for r in results]
    return {"kpis": kpis, "episodes": episodes, "curve": curve}


def _mean(values: list[float]) -> float:
    # math.fsum: exactly rounded, so the mean does not depend on summation order.
    return math.fsum(float(v) for v in values) / len(values)


def _baseline(name: str, task: Task):
    from agents.baselines import BASELINES

    probe = task.make()
    try:
        return BASELINES[task.env_id][name](probe)
    finally:
        probe.close()


def _train(job: Job, task: Task, run_dir: Path):
    from agents.train import Budget, TrainOptions, load_policy, train

    if run_dir.exists():  # a run that died half-way: start again from scratch, as a fresh job would
        shutil.rmtree(run_dir)
    options = TrainOptions(num_envs=job.num_envs, checkpoint_every=None, progress=False,
                           hyperparams=dict(job.hyperparams))
    train(job.agent, task, Budget(**dict(job.budget)), job.seed, run_dir, options)
    policy, trained_task = load_policy(run_dir)
    return policy, trained_task, read_curve(run_dir / "tb")


def read_curve(tb_dir: Path, tag: str = CURVE_TAG) -> dict[str, Any] | None:
    """Training curve ``{"tag", "steps", "values"}`` from the TensorBoard event files under ``tb_dir``
    (every file, every point, in file-name then write order), or None if no file logs ``tag``."""
    from tensorboard.backend.event_processing.event_accumulator import SCALARS, EventAccumulator

    points: list[tuple[int, float]] = []
    for path in sorted(tb_dir.rglob("events.out.tfevents.*")):
        acc = EventAccumulator(str(path), size_guidance={SCALARS: 0}, purge_orphaned_data=False)
        acc.Reload()
        if tag in acc.Tags().get("scalars", ()):
            points.extend((int(e.step), float(e.value)) for e in acc.Scalars(tag))
    if not points:
        return None
    points.sort(key=lambda p: p[0])  # stable: equal steps keep their logged order
    return {"tag": tag, "steps": [p[0] for p in points], "values": [p[1] for p in points]}


__all__ = ["Job", "plan_jobs", "agent_fits", "run_job", "record_path", "load_record", "write_record",
           "failure_record", "read_curve", "sha256_text", "JOBS_DIR", "RUNS_DIR", "BASELINE", "LEARNER"]
