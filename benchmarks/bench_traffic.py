"""Speed of the traffic twin: one simulated hour at 1-second steps on 4x4, 10x10 and 32x32 grids.

Prints, per grid: simulated seconds per wall second, intersection-steps per second, vehicles
processed per second (vehicles that entered the network) and the cost per intersection-step,
best of ``--repeat`` runs. Demand is 300 vehicles/hour per entry link with 15/70/15 turning and
fixed-time plans with green-wave offsets.

The peer, in the same run when installed (``pip install -c constraints.txt -e .[peers]``, or in an
environment of its own given by ``--sumo-python``): SUMO
through sumo-rl with libsumo on sumo-rl's own 16-signal 4x4 grid (4x4-Lucas, its fixed-time
programs), one hour, 5-second decisions. Without it the script says so and prints our figures only.

    python benchmarks/bench_traffic.py
    python benchmarks/bench_traffic.py --grids 4 10 --repeat 5
    python benchmarks/bench_traffic.py --sumo-python ../sumo-venv/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import time

from peers import SUMO_FIXED_TIME, run_peer

HOUR_S = 3600


def scenario(n: int):
    """An n x n streets-only world for one hour at 1 s steps."""
    from twin.scenario.schema import Scenario

    return Scenario.model_validate({
        "name": f"grid-{n}x{n}", "seed": 1, "start": "2025-01-14 07:00", "duration": "1h",
        "homes": {"count": 0}, "outputs": {"record": []},
        "traffic": {"network": {"rows": n, "cols": n}, "demand": {"entry_vph": 300}}})


def measure(n: int, repeat: int) -> dict:
    """Best-of-``repeat`` wall time of one simulated hour on an n x n grid."""
    from twin.build import build_world

    best = None
    for _ in range(repeat):
        world = build_world(scenario(n))
        began = time.perf_counter()
        world.run(HOUR_S)
        wall = time.perf_counter() - began
        v = world.traffic.vehicles
        entered = int(((v.enter_s[: int(v.n)] >= 0)).sum())
        if best is None or wall < best["wall_s"]:
            best = {"grid": n, "wall_s": wall, "entered": entered, "intersections": n * n}
    return best


def sumo_peer(python: str | None = None) -> dict:
    """sumo-rl's 4x4 grid for an hour on its fixed-time programs, in a fresh process of ``python``
    (default: this one; see peers.py)."""
    return run_peer(SUMO_FIXED_TIME, python=python)


def main() -> None:
    """Measure each grid, then the peer, and print the table with ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, nargs="+", default=[4, 10, 32], help="grid sizes n (n x n)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per grid up to 10x10; the best counts")
    parser.add_argument("--no-peer", action="store_true", help="skip the sumo-rl comparison")
    parser.add_argument("--sumo-python", metavar="PYTHON",
                        help="interpreter of an environment with sumo-rl, libsumo and eclipse-sumo installed "
                             "(default: this one)")
    args = parser.parse_args()
    measure(4, 1)  # warm-up: the first run in a process pays for imports, caches and page faults
    print(f"{'grid':>6} {'sim-s/wall-s':>13} {'int-steps/s':>12} {'vehicles/s':>11} {'us/int-step':>12}")
    per_step = {}
    rows = []
    for n in args.grids:
        r = measure(n, args.repeat if n <= 10 else 1)
        speed = HOUR_S / r["wall_s"]
        per_step[n] = 1e6 * r["wall_s"] / (HOUR_S * r["intersections"])
        rows.append((n, speed))
        print(f"{n:>3}x{n:<2} {speed:>13,.0f} {speed * r['intersections']:>12,.0f} "
              f"{r['entered'] / r['wall_s']:>11,.0f} {per_step[n]:>12.2f}")
    if 4 in per_step and 32 in per_step:
        print(f"\ncost per intersection-step, 32x32 / 4x4: {per_step[32] / per_step[4]:.2f}x")
    if args.no_peer:
        return
    peer = sumo_peer(args.sumo_python)
    ours = dict(rows).get(4)
    if "missing" in peer:
        print(f"\npeer: sumo-rl with libsumo is not installed ({peer['missing']}); "
              "install it with: pip install -c constraints.txt -e .[peers]")
        return
    sumo_speed = HOUR_S / peer["wall_s"]
    print(f"\npeer: SUMO via sumo-rl + libsumo, 4x4-Lucas, 1 h, fixed time: {sumo_speed:,.0f} sim-s/wall-s "
          f"({peer['env_steps'] / peer['wall_s']:,.0f} env-steps/s at 5 s decisions)")
    if ours:
        print(f"twin 4x4 / SUMO 4x4: {ours / sumo_speed:.1f}x simulated seconds per wall second")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
