"""Seeded fuzzing of the scenario reader and the CLI: thousands of broken scenarios, counted by outcome.

Each case is a scenario document drawn from the schema (small worlds) and, most of the time,
broken in one way (:data:`twin.testing.scenario_fuzz.MUTATIONS`: types, ranges, huge numbers,
nesting, aliases, unicode, garbage bytes, unknown and duplicate keys, empty files, bad ``--set``).
``twin validate`` and ``twin run`` run on it in worker processes, each case with a time limit
(a case past it is a hang) and an address-space limit (so a runaway allocation fails as a
MemoryError instead of taking the machine). Prints counts per exit code, tracebacks, hangs and
leftovers (files a command left behind), per mutation kind; the target is 0, 0 and 0.

    python benchmarks/fuzz_scenarios.py                      # 5,000 cases, seed 0
    python benchmarks/fuzz_scenarios.py --cases 500 --seed 3 --show 5
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import resource
import signal
import tempfile
import time
from pathlib import Path

import numpy as np


class Hang(BaseException):
    """Raised by the alarm in a case that ran past its time limit (a BaseException: the CLI's
    catch-all handles only Exception, so a hang cannot pass for an error message)."""


def _alarm(signum, frame):
    raise Hang()


def _worker_init(memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    signal.signal(signal.SIGALRM, _alarm)
    os.environ["TWIN_MAX_MEMORY"] = str(memory_bytes // 2)  # what the memory check may let through


def run_one(job: tuple[int, int, float, float]) -> list[tuple]:
    """Draw, mutate and run case ``index`` of ``seed``; one row per command:
    (index, kind, command, exit code, traceback, hang, leftovers, seconds, stderr tail)."""
    from twin.testing.scenario_fuzz import Case, RngChooser, _dump, mutate, run_case, scenario_document

    index, seed, timeout_s, p_mutate = job
    c = RngChooser(np.random.default_rng([seed, index]))
    doc = scenario_document(c)
    case = mutate(doc, c) if c.chance(p_mutate) else Case("none", _dump(doc))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, timeout_s)
        try:
            outcomes = run_case(case, Path(tmp))
        except Hang:
            return [(index, case.kind, "validate+run", None, False, True, (), timeout_s, "")]
        except BaseException as exc:  # escaped the CLI: a traceback by another name
            return [(index, case.kind, "validate+run", None, True, False, (), time.perf_counter() - began,
                     f"{type(exc).__name__}: {str(exc)[:300]}")]
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        seconds = time.perf_counter() - began
        for o in outcomes:
            rows.append((index, case.kind, o.command, o.exit_code, o.traceback, False, o.leftovers, seconds,
                         o.stderr[-400:]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=5000, help="mutated scenarios to try (default 5000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: the cores)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds a case may take before it counts "
                                                                     "as a hang (default 30)")
    parser.add_argument("--memory-gb", type=float, default=3.0, help="address space per worker, GB (default 3)")
    parser.add_argument("--mutate", type=float, default=0.75, help="share of cases mutated (default 0.75; the "
                                                                   "rest are valid documents, run whole)")
    parser.add_argument("--show", type=int, default=10, help="failing cases to print (default 10)")
    args = parser.parse_args()

    from tqdm import tqdm

    jobs = [(i, args.seed, args.timeout, args.mutate) for i in range(args.cases)]
    began = time.perf_counter()
    rows = []
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(args.workers, initializer=_worker_init, initargs=(int(args.memory_gb * 1e9),),
                  maxtasksperchild=200) as pool:
        for result in tqdm(pool.imap_unordered(run_one, jobs, chunksize=4), total=len(jobs), desc="cases"):
            rows += result
    wall = time.perf_counter() - began

    exits = collections.Counter((r[2], r[3]) for r in rows)
    by_kind = collections.defaultdict(collections.Counter)  # per case: how its last command ended
    for r in rows:
        if r[2] != "validate":
            by_kind[r[1]]["hang" if r[5] else r[3]] += 1
    tracebacks = [r for r in rows if r[4]]
    hangs = [r for r in rows if r[5]]
    leftovers = [r for r in rows if r[6]]
    other = [r for r in rows if not r[5] and r[3] not in (0, 2)]
    slowest = max(rows, key=lambda r: r[7])
    print(f"\n{args.cases:,} cases (seed {args.seed}, {args.mutate:.0%} mutated) in {wall:.0f} s on "
          f"{args.workers} workers")
    print("exit codes:", ", ".join(f"{cmd} {code}: {n:,}" for (cmd, code), n in sorted(exits.items(), key=str)))
    print("run, per mutation kind:", "; ".join(f"{kind} " + "/".join(f"{code}:{n}" for code, n in sorted(c.items(), key=str))
                                   for kind, c in sorted(by_kind.items())))
    print(f"tracebacks: {len(tracebacks)}   hangs: {len(hangs)}   leftovers: {len(leftovers)}   "
          f"exits other than 0 or 2: {len(other)}   slowest case: {slowest[7]:.1f} s ({slowest[1]})")
    for r in (tracebacks + hangs + leftovers + other)[:args.show]:
        print(f"\n-- case {r[0]} ({r[1]}), {r[2]}: exit {r[3]}, leftovers {list(r[6])}\n{r[8]}")


if __name__ == "__main__":
    main()
