"""The peers twin is measured against, each run in a fresh Python process that prints one JSON line.

- SUMO through sumo-rl with libsumo (``pip install -c constraints.txt -e .[peers]``), on sumo-rl's
  own 16-signal 4x4 grid (4x4-Lucas) for one hour, with 5-second decisions: either its fixed-time
  programs (a simulation speed) or random phases through its environment (env-steps per second).
- CityLearn's environment (``CityLearnEnv``, central agent, random actions) on a dataset folder
  the caller names. CityLearn pins gymnasium 0.28 and numpy 1.26, so it lives in its own
  environment, given with ``--citylearn-python``. Its wheel ships no datasets; a schema that
  autosizes batteries would download a sizing table, so the script turns autosizing off and gives
  those batteries the 6.4 kWh / 5 kW of CityLearn's 2022 dataset (and reports how many).

A peer that is not installed reports ``{"missing": why}``; one that fails reports ``{"error": why}``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

SUMO_SETUP = r"""
import json, os, sys, time
os.environ["LIBSUMO_AS_TRACI"] = "1"
try:
    import sumo
    os.environ.setdefault("SUMO_HOME", os.path.dirname(sumo.__file__))
    # sumo_rl first: it imports traci, which then loads libsumo whole. Importing libsumo first
    # makes traci copy libsumo's names halfway through (libsumo 1.28), without traci.start.
    import sumo_rl, libsumo
except ImportError as exc:
    print(json.dumps({"missing": str(exc)})); sys.exit(0)
base = os.path.join(os.path.dirname(sumo_rl.__file__), "nets", "4x4-Lucas")
def make(**kw):
    return sumo_rl.SumoEnvironment(net_file=os.path.join(base, "4x4.net.xml"),
                                   route_file=os.path.join(base, "4x4c1c2c1c2.rou.xml"), use_gui=False,
                                   num_seconds=3600, delta_time=5, sumo_warnings=False, sumo_seed=1, **kw)
"""

SUMO_FIXED_TIME = SUMO_SETUP + r"""
env = make(fixed_ts=True)
env.reset()
began, steps, done = time.perf_counter(), 0, False
while not done:
    done = env.step({})[2]["__all__"]
    steps += 1
wall = time.perf_counter() - began
env.close()
print(json.dumps({"wall_s": wall, "env_steps": steps}))
"""

SUMO_RANDOM_PHASES = SUMO_SETUP + r"""
import numpy as np
steps, rng = int(sys.argv[1]), np.random.default_rng(0)
began = time.perf_counter()
env = make()
env.reset()
setup, ends, signals = time.perf_counter() - began, 0, len(env.ts_ids)
began = time.perf_counter()
for _ in range(steps):
    actions = {ts: int(rng.integers(env.action_spaces(ts).n)) for ts in env.ts_ids}
    if env.step(actions)[2]["__all__"]:
        env.reset(); ends += 1
wall = time.perf_counter() - began
env.close()
print(json.dumps({"wall_s": wall, "env_steps": steps, "setup_s": setup, "ends": ends, "signals": signals}))
"""

# The CityLearn scripts' common part: read the schema at ``path`` (a schema.json or its folder),
# point it at its own folder, and turn battery autosizing off (``resized`` counts the batteries).
CITYLEARN_SCHEMA = r"""
if os.path.isdir(path):
    path = os.path.join(path, "schema.json")
with open(path) as f:
    schema = json.load(f)
schema["root_directory"] = os.path.dirname(os.path.abspath(path))
resized = 0
for building in schema["buildings"].values():
    storage = building.get("electrical_storage")
    if storage and storage.get("autosize"):
        # Autosizing downloads a sizing table; the 2022 dataset's battery instead.
        storage["autosize"] = False
        storage["attributes"] = {**(storage.get("attributes") or {}), "capacity": 6.4, "nominal_power": 5.0}
        resized += 1
"""

CITYLEARN_WEEK = r"""
import json, os, sys, time
try:
    from citylearn.citylearn import CityLearnEnv
except ImportError as exc:
    print(json.dumps({"missing": str(exc)})); sys.exit(0)
steps, path = int(sys.argv[1]), sys.argv[2]
""" + CITYLEARN_SCHEMA + r"""began = time.perf_counter()
try:
    env = CityLearnEnv(schema, central_agent=True, random_seed=0)
    env.reset()
except Exception as exc:
    print(json.dumps({"error": f"{type(exc).__name__}: {str(exc)[:300]}"})); sys.exit(0)
setup = time.perf_counter() - began
for space in env.action_space:
    space.seed(0)
began, ends = time.perf_counter(), 0
for _ in range(steps):
    if env.step([space.sample() for space in env.action_space])[2]:
        env.reset(); ends += 1
wall = time.perf_counter() - began
print(json.dumps({"wall_s": wall, "setup_s": setup, "steps": steps, "ends": ends, "buildings": len(env.buildings),
                  "step_h": env.seconds_per_time_step / 3600, "batteries_resized": resized,
                  "dataset": os.path.basename(os.path.dirname(path))}))
"""


def run_peer(script: str, *argv: str, python: str | None = None, timeout_s: int = 1800) -> dict:
    """Run ``script`` with ``argv`` in a fresh ``python`` (default: this one); its last JSON line,
    or ``{"error": ...}`` from its stderr (``{"missing": ...}`` if ``python`` does not exist)."""
    python = python or sys.executable
    if not os.path.exists(python):
        return {"missing": f"{python} does not exist"}
    try:
        out = subprocess.run([python, "-c", script, *argv], capture_output=True, text=True, timeout=timeout_s,
                             env={**os.environ, "PYTHONHASHSEED": "0"})
    except subprocess.TimeoutExpired:
        return {"error": f"no result within {timeout_s} s"}
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if lines:
        return json.loads(lines[-1])
    return {"error": (out.stderr.strip().splitlines() or ["no output"])[-1]}
