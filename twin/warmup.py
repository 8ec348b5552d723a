"""Compile and cache the world's kernels once, at install time, so a user's first run does not wait.

numba compiles a kernel on its first call and caches the machine code beside the source
(``cache=True``). After a fresh install that first call is most of the time to the first frame of
``twin view`` on a street grid (about 16 s against 1.6 s cached, ``python
benchmarks/bench_viewer_startup.py --cold-numba``). ``make install`` runs ``python -m twin.warmup``,
which steps a tiny street world with each signal controller, a batch of two replica worlds
(the vector envs' kernels), a few homes (the homes step and the device equations), and a small
CityLearn district it writes to a temporary folder (the district step and run).
"""

from __future__ import annotations

import tempfile
import time

import numpy as np

from twin.build import build_world
from twin.citylearn.dataset import load_dataset
from twin.citylearn.district import CityLearnDistrict
from twin.citylearn.example import write_example_dataset
from twin.scenario.schema import Scenario
from twin.traffic.readings import waiting_per_queue, waiting_time_per_queue


def tiny_streets(controller: str) -> Scenario:
    """A 2x2 grid for one minute under ``controller``, with no homes and nothing recorded to disk."""
    return Scenario.model_validate({
        "name": "warmup", "duration": "1min", "homes": {"count": 0},
        "traffic": {"network": {"rows": 2, "cols": 2}, "signals": {"controller": controller}}})


def tiny_homes() -> Scenario:
    """Three homes for an hour, nothing recorded to disk."""
    return Scenario.model_validate({"name": "warmup", "duration": "1h", "homes": {"count": 3}})


def warm_up_district() -> None:
    """Step and run a two-building, one-day CityLearn district (written to a temporary folder)."""
    with tempfile.TemporaryDirectory() as folder:
        district = CityLearnDistrict(load_dataset(write_example_dataset(folder, hours=24, tanks=False)))
    district.reset()
    district.step(np.zeros(district.n_buildings))
    district.run(np.zeros((district.steps - 1, district.n_buildings)))


def warm_up() -> float:
    """Run the tiny worlds that call every compiled kernel; returns the wall time taken (s)."""
    began = time.perf_counter()
    for controller in ("fixed_time", "actuated", "max_pressure"):
        build_world(tiny_streets(controller)).run(60)
    batch = build_world(tiny_streets("external"), seeds=[0, 1])
    batch.traffic.physics.threads = True  # the threaded kernel big batches of replica worlds take
    batch.run(60)
    world = build_world(tiny_streets("fixed_time"))
    world.run(60)
    q = world.traffic.queues  # the envs' detailed rewards read the waiting times of the halted
    waiting_time_per_queue(q, waiting_per_queue(q, world.now_s, world.traffic.net.n_queues), world.now_s)
    build_world(tiny_homes()).run(3600)
    warm_up_district()
    return time.perf_counter() - began


if __name__ == "__main__":
    print(f"twin: traffic, homes and district kernels compiled and cached ({warm_up():.1f} s)")
