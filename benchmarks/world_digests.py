"""SHA-256 digests of what the world produces, to show a refactoring changed no behaviour.

For a fixed set of runs and env rollouts it prints one digest per case: the telemetry, trips and
KPIs of ``twin run`` on shipped scenarios (short horizons), and the observations, rewards, flags and
numeric infos of seeded rollouts of every Gymnasium, vector and PettingZoo env. Run it before and
after a change and compare the two outputs line by line:

    python benchmarks/world_digests.py > before.txt
    ... change ...
    python benchmarks/world_digests.py > after.txt && diff before.txt after.txt

Only public entry points are used (``twin run``'s folder, ``gym.make``, ``gym.make_vec``, the
PettingZoo modules), so the script runs unchanged on both sides of a refactoring.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

import gymnasium as gym
import numpy as np
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import envs  # noqa: E402,F401  (registers the twin/ ids)
from twin.scenario import load_scenario  # noqa: E402
from twin.runner import run_scenario  # noqa: E402

RUNS = (  # scenario, overrides
    ("smart_home.yaml", ["duration=2d"]),
    ("neighborhood.yaml", ["duration=1d", "homes.count=40", "grid.feeders=2"]),
    ("neighborhood.yaml", ["duration=1d", "homes.count=20", "controllers.battery=time_of_use",
                           "controllers.ev=cheap_hours"]),
    ("traffic_grid.yaml", ["duration=20min"]),
    ("traffic_grid.yaml", ["duration=20min", "traffic.signals.controller=actuated"]),
    ("single_intersection.yaml", ["traffic.signals.controller=max_pressure"]),
    ("smart_home.yaml", ["duration=2h", "traffic={network: {rows: 2, cols: 2}}"]),
)
ROLLOUT_STEPS = 60


def _hash_table(path: Path) -> str:
    table = pq.read_table(path)
    h = hashlib.sha256()
    for name in table.column_names:
        h.update(name.encode())
        values = table.column(name).to_numpy(zero_copy_only=False)
        # Strings (dictionary-encoded here) by their text: an object array's bytes are its pointers.
        h.update("\0".join(map(str, values)).encode() if values.dtype == object else values.tobytes())
    return h.hexdigest()[:16]


def run_digests() -> list[str]:
    """One line per run: scenario, overrides, and digests of telemetry, trips and KPIs."""
    lines = []
    for name, overrides in RUNS:
        scenario = load_scenario(ROOT / "scenarios" / name, overrides)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "run"
            scenario = scenario.model_copy(update={"outputs": scenario.outputs.model_copy(update={"plots": False})})
            run_scenario(scenario, out, progress=False)
            manifest = json.loads((out / "run.json").read_text())
            kpis = hashlib.sha256((out / "kpis.json").read_bytes()).hexdigest()[:16]
            trips = _hash_table(out / "trips.parquet") if (out / "trips.parquet").exists() else "-"
            lines.append(f"run {name} {' '.join(overrides)}: telemetry {manifest['telemetry_sha256'][:16]} "
                         f"trips {trips} kpis {kpis}")
    return lines


class _Digest:
    def __init__(self) -> None:
        self.h = hashlib.sha256()

    def add(self, value) -> None:
        if isinstance(value, dict):
            for key in sorted(value):
                self.h.update(str(key).encode())
                self.add(value[key])
        elif isinstance(value, (list, tuple)):
            for item in value:
                self.add(item)
        elif isinstance(value, (np.ndarray, np.generic, int, float, bool)):
            self.h.update(np.ascontiguousarray(np.asarray(value, dtype=np.float64)).tobytes())
        elif isinstance(value, str):
            self.h.update(value.encode())

    def hex(self) -> str:
        return self.h.hexdigest()[:16]


def env_digests() -> list[str]:
    """One line per env: digest of a seeded rollout with seeded random actions."""
    lines = []
    # Short episodes, so each rollout crosses an episode's end (final KPIs, truncation) and a reset.
    short = {"twin/SmartHome-v0": {"duration": "6h"}, "twin/Neighborhood-v0": {"duration": "6h"},
             "twin/TrafficGrid-v0": {"duration": "2min"}}
    for env_id, kwargs in short.items():
        env = gym.make(env_id, **kwargs)
        env.action_space.seed(0)
        d = _Digest()
        obs, info = env.reset(seed=3)
        d.add([obs, info])
        for _ in range(ROLLOUT_STEPS):
            obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
            d.add([obs, reward, terminated, truncated, info])
            if terminated or truncated:
                d.add(env.reset()[0])
        env.close()
        lines.append(f"env {env_id}: {d.hex()}")

        vec = gym.make_vec(env_id, num_envs=3, vectorization_mode="vector_entry_point", **kwargs)
        vec.action_space.seed(0)
        d = _Digest()
        d.add(vec.reset(seed=3)[0])
        for _ in range(ROLLOUT_STEPS // 2):
            obs, reward, terminated, truncated, _ = vec.step(vec.action_space.sample())
            d.add([obs, reward, terminated, truncated])
        vec.close()
        lines.append(f"vector {env_id} x3: {d.hex()}")

    for module, kwargs in ((envs.neighborhood_v0, short["twin/Neighborhood-v0"]),
                           (envs.traffic_grid_v0, short["twin/TrafficGrid-v0"])):
        env = module.parallel_env(**kwargs)
        d = _Digest()
        obs, infos = env.reset(seed=3)
        d.add([obs, infos])
        for agent in env.possible_agents:
            env.action_space(agent).seed(0)
        for _ in range(ROLLOUT_STEPS):
            if not env.agents:
                d.add(list(env.reset()))
            actions = {a: env.action_space(a).sample() for a in env.agents}
            d.add(list(env.step(actions)))
        env.close()
        lines.append(f"parallel {module.__name__}: {d.hex()}")
    return lines


def main() -> None:
    """Print every digest, one per line."""
    for line in run_digests() + env_digests():
        print(line, flush=True)


if __name__ == "__main__":
    main()
