"""Single-env steps per second and new-seed resets of two or more source trees, run in turn.

A change's speed-up is measured against the tree it started from, in the same minutes, because
this machine's speed drifts by 2x: ``git archive <commit> | tar -x -C /tmp/twin-before``, then

    python benchmarks/compare_trees.py /tmp/twin-before . --rounds 2

Each round runs every tree once, in a fresh process whose ``twin`` and ``envs`` are that tree's,
timing each single env over a fixed number of random steps (best of 3) and 30 resets with new
seeds (best of 3). It prints one line per tree per round.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

STEPS = {"twin/SmartHome-v0": 2400, "twin/TrafficGrid-v0": 7200, "twin/Neighborhood-v0": 500}

MEASURE = r"""
import json, sys, time
sys.path.insert(0, ".")
import gymnasium as gym
import envs  # noqa: F401
out = {}
for env_id, n in json.loads(sys.argv[1]).items():
    env = gym.make(env_id)
    best = 0.0
    for _ in range(3):
        env.reset(seed=0)
        env.action_space.seed(0)
        began = time.perf_counter()
        for _ in range(n):
            _, _, terminated, truncated, _ = env.step(env.action_space.sample())
            if terminated or truncated:
                env.reset()
        best = max(best, n / (time.perf_counter() - began))
    resets = []
    for r in range(3):
        began = time.perf_counter()
        for i in range(30):
            env.reset(seed=100 + 30 * r + i)
        resets.append((time.perf_counter() - began) / 30 * 1e3)
    out[env_id] = {"env_steps_per_s": round(best), "reset_ms": round(min(resets), 2)}
print(json.dumps(out))
"""


def measure(tree: Path) -> dict:
    """The figures of one tree, measured in a fresh process started in it."""
    done = subprocess.run([sys.executable, "-c", MEASURE, json.dumps(STEPS)], cwd=tree, capture_output=True,
                          text=True, timeout=1800)
    if done.returncode:
        raise SystemExit(f"{tree}: the measurement failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure each tree in turn, ``--rounds`` times."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="+", type=Path, help="source trees (each with twin/ and envs/)")
    parser.add_argument("--rounds", type=int, default=2, help="times each tree is measured, in turn (default 2)")
    args = parser.parse_args()
    for tree in args.trees:
        if not (tree / "twin").is_dir() or not (tree / "envs").is_dir():
            parser.error(f"{tree} is not a source tree of twin (no twin/ and envs/ in it)")
    for k in range(max(1, args.rounds)):
        for tree in args.trees:
            figures = measure(tree)
            cells = ", ".join(f"{eid.split('/')[1]} {f['env_steps_per_s']:,} steps/s, reset {f['reset_ms']} ms"
                              for eid, f in figures.items())
            print(f"round {k + 1} {tree}: {cells}", flush=True)


if __name__ == "__main__":
    main()
