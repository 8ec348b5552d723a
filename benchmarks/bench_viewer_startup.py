"""Time to the first frame of ``twin view``, in fresh processes, split into imports, world and first draw.

Each measurement launches ``twin view SCENARIO --record FILE.png --seconds 1`` in a new Python
process (offscreen, so no display is needed; ``--window`` opens the window instead, which needs
one, e.g. under ``xvfb-run``) with ``TWIN_VIEW_TIMINGS`` set (:mod:`twin.viewer.startup`): the
command notes when it has imported what it needs, built the world and drawn its first frame, and
this script subtracts the time it launched the process:

- **python + imports**: launch until every module the command needs is imported;
- **world**: loading the scenario and building the world;
- **first draw**: from there to the first frame: the recording's one simulated second, the layout,
  the camera and the drawing (with ``--window``: opening the window, and the frame at the start);
- **to exit**: launch until the process has ended (writing the PNG and tearing Python down included).

The baseline in the same run is ``python -c pass`` (the interpreter's own start-up), and every
figure is also given as a multiple of it. Each figure is the median of ``--repeats`` rounds after a
warm-up round (which fills the OS file cache and numba's cache, if it was empty); in each round the
commands take turns, so the machine's drifting load touches them alike.

``--compare-with DIR`` runs the same commands against another copy of the code first on the path
(``git archive HEAD | tar -x -C /tmp/twin-head`` gives the last commit): a copy without the
timings hook gives only "to exit". ``--imports`` adds one run under ``python -X importtime`` and
lists the packages whose imports take longest. ``--cold-numba`` gives every run an empty numba
cache, which shows what the first use of the traffic kernel costs after a fresh install.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TWIN = "import sys; from twin.cli import main; sys.exit(main())"   # what the `twin` console script runs
SCENARIOS = ("neighborhood", "traffic_grid")
PHASES = (("python + imports", None, "imported"), ("world", "imported", "built"),
          ("first draw", "built", "first_frame"))   # (label, mark it starts at, mark it ends at)
HEAVY = ("torch", "stable_baselines3", "ray", "pandas", "matplotlib", "tensorboard", "gymnasium", "agents", "envs")


def launch(argv: list[str], env: dict[str, str]) -> tuple[float, float, dict[str, float]]:
    """Run ``argv``; returns (launch time, wall seconds to exit, the phase marks it wrote, as s after launch)."""
    with tempfile.TemporaryDirectory() as tmp:
        marks_file = Path(tmp) / "timings.json"
        env = {**env, "TWIN_VIEW_TIMINGS": str(marks_file)}
        argv = [a.replace("{tmp}", tmp) for a in argv]
        start = time.time()
        # In a folder of its own: `python -c` puts the working directory first on the path, which
        # would shadow the copy of the code PYTHONPATH names.
        subprocess.run(argv, env=env, cwd=tmp, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        to_exit = time.time() - start
        marks = json.loads(marks_file.read_text()) if marks_file.exists() else {}
    return start, to_exit, {phase: t - start for phase, t in marks.items()}


def view_argv(scenario: str, window: bool, importtime: bool = False) -> list[str]:
    """The ``twin view`` command measured (``{tmp}`` is replaced by a fresh folder per run)."""
    out = [] if window else ["--record", "{tmp}/first.png", "--seconds", "1"]
    return [sys.executable, *(["-X", "importtime"] if importtime else []), "-c", TWIN, "view",
            str(ROOT / "scenarios" / f"{scenario}.yaml"), *out]


def environment(code_dir: Path | None, window: bool, numba_dir: str | None) -> dict[str, str]:
    """The child's environment: which copy of the code comes first, the video driver, numba's cache."""
    env = dict(os.environ)
    if code_dir is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(code_dir), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    if not window:
        env["SDL_VIDEODRIVER"] = "dummy"  # offscreen recording: no display at all
    if numba_dir is not None:
        env["NUMBA_CACHE_DIR"] = numba_dir
    return env


def measure(jobs: dict[str, tuple[list[str], dict[str, str]]], repeats: int,
            cold_numba: bool) -> dict[str, dict[str, float]]:
    """Median over ``repeats`` rounds of each job's phases and time to exit, in seconds.

    Every job runs once to warm up, then the jobs take turns round by round, so a change in the
    machine's load (it drifts by tens of percent from minute to minute) touches them all alike.
    """
    samples: dict[str, dict[str, list[float]]] = {name: defaultdict(list) for name in jobs}
    for k in range(repeats + 1):
        for name, (argv, env) in jobs.items():
            with tempfile.TemporaryDirectory(prefix="numba-cold-") as numba_dir:
                _, to_exit, marks = launch(argv, {**env, "NUMBA_CACHE_DIR": numba_dir} if cold_numba else env)
            if k == 0:
                continue  # warm-up
            samples[name]["to exit"].append(to_exit)
            for label, begin, end in PHASES:
                if end in marks and (begin is None or begin in marks):
                    samples[name][label].append(marks[end] - (marks[begin] if begin else 0.0))
            if "first_frame" in marks:
                samples[name]["first frame"].append(marks["first_frame"])
    return {name: {label: statistics.median(v) for label, v in figures.items()} for name, figures in samples.items()}


def import_report(argv: list[str], env: dict[str, str], top: int = 12) -> str:
    """One run under ``-X importtime``: the packages whose imports take longest (their modules' own
    time summed), their share of all import time, and which heavy packages were imported at all."""
    with tempfile.TemporaryDirectory() as tmp:
        argv = [a.replace("{tmp}", tmp) for a in argv]
        err = subprocess.run(argv, env=env, cwd=tmp, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True).stderr
    own_us: dict[str, int] = defaultdict(int)
    modules = set()
    for line in err.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        self_us, _, name = (part.strip() for part in line[len("import time:"):].split("|"))
        modules.add(name)
        own_us[name.split(".")[0]] += int(self_us)
    total = sum(own_us.values())
    rows = sorted(own_us.items(), key=lambda kv: -kv[1])[:top]
    lines = [f"imports: {len(modules)} modules, {total / 1e6:.2f} s (own time of every module, summed)",
             "| package | ms | share |", "|---|---:|---:|"]
    lines += [f"| {name} | {us / 1000:,.0f} | {100 * us / total:.0f} % |" for name, us in rows]
    present = [name for name in HEAVY if name in {m.split(".")[0] for m in modules}]
    lines.append(f"heavy packages imported: {', '.join(present) if present else 'none'} (of {', '.join(HEAVY)})")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds after a warm-up round (the median is kept)")
    parser.add_argument("--scenario", action="append", choices=SCENARIOS,
                        help="scenario to open (repeatable; default: both)")
    parser.add_argument("--window", action="store_true", help="open the window (needs a display) instead of recording")
    parser.add_argument("--compare-with", type=Path, metavar="DIR", help="another copy of the code to measure too")
    parser.add_argument("--imports", action="store_true", help="list the slowest imports (one -X importtime run)")
    parser.add_argument("--cold-numba", action="store_true", help="an empty numba cache for every run")
    args = parser.parse_args()
    variants = [("this tree", None)] + ([(f"{args.compare_with}", args.compare_with)] if args.compare_with else [])
    suffix = "" if args.window else " --record x.png --seconds 1"
    jobs = {("baseline", "`python -c pass`"): ([sys.executable, "-c", "pass"], environment(None, True, None))}
    for name, code_dir in variants:
        env = environment(code_dir, args.window, None)
        jobs[(name, "`twin view --help`")] = ([sys.executable, "-c", TWIN, "view", "--help"], env)
        for scenario in args.scenario or SCENARIOS:
            jobs[(name, f"`twin view {scenario}.yaml{suffix}`")] = (view_argv(scenario, args.window), env)
    figures = measure(jobs, args.repeats, args.cold_numba)
    baseline = figures[("baseline", "`python -c pass`")]["to exit"]

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}; median of {args.repeats} rounds after a warm-up"
          f"{', empty numba cache every run' if args.cold_numba else ''}\n")
    print(f"baseline `python -c pass`: {1000 * baseline:.0f} ms\n")
    print("| code | command | phase | s | x baseline |\n|---|---|---|---:|---:|")
    for (name, command), phases in figures.items():
        if name == "baseline":
            continue
        for label in [p[0] for p in PHASES] + ["first frame", "to exit"]:
            if label in phases:
                print(f"| {name} | {command} | {label} | {phases[label]:.3f} | {phases[label] / baseline:.1f} |")
    if args.imports:
        for scenario in args.scenario or SCENARIOS:
            print(f"\n{scenario}, this tree:")
            argv = view_argv(scenario, args.window, importtime=True)
            print(import_report(argv, environment(None, args.window, None)))
    print("\nThe machine's load moves the absolute figures; compare the multiples of the baseline.")


if __name__ == "__main__":
    main()
