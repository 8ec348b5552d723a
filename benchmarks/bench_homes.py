"""Speed of the homes twin: one simulated day at 1-minute physics for 1,000 to 100,000 homes.

Prints home-steps per second (homes x physics steps / wall seconds of ``World.run``), build time
and peak memory per size, each size measured in a fresh process. The baseline, in the same run,
is the same day stepped the way per-entity simulators do it: a Python loop over homes doing only
the thermal, thermostat, PV and battery part of our step (so the ratio understates our lead).

    python benchmarks/bench_homes.py                  # 1k, 10k, 100k homes
    python benchmarks/bench_homes.py --sizes 1000 10000
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time

STEPS_PER_DAY = 1440


def scenario(n_homes: int):
    """A mixed-archetype winter day with default device shares; meters and grid recorded."""
    from twin.scenario.schema import Scenario

    return Scenario(name=f"bench-{n_homes}", seed=1, duration="1d", resolution="1min",
                    homes={"count": n_homes, "archetypes": {"detached": 1, "terraced": 1, "apartment": 1}},
                    grid={"feeders": max(1, n_homes // 50)}, outputs={"record": ["meters", "grid"]})


def measure_twin(n_homes: int) -> dict:
    """Build and run one day for ``n_homes``; report times and this process's peak RSS."""
    from twin.build import build_world
    from twin.telemetry.recorder import Recorder

    began = time.perf_counter()
    world = build_world(scenario(n_homes))
    built = time.perf_counter()
    recorder = Recorder(world.bus, world.start)
    world.run(86400)
    ran = time.perf_counter()
    return {"homes": n_homes, "build_s": built - began, "run_s": ran - built,
            "readings": len(recorder.telemetry()),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure_loop(n_homes: int, steps: int) -> dict:
    """Per-home Python loop over the thermal, thermostat, PV and battery equations."""
    from twin.build import build_world

    world = build_world(scenario(n_homes))
    e = world.energy
    p, s = e.homes.params, e.homes.state
    ad, bd = p.thermal.ad.tolist(), p.thermal.bd.tolist()
    ta, tm, on, soc = s.temp_air_c.tolist(), s.temp_mass_c.tolist(), s.heating_on.tolist(), s.soc.tolist()
    hp, kwp, cap, pmax = p.hp_elec_max_kw.tolist(), p.pv_kwp.tolist(), p.bat_capacity_kwh.tolist(), p.bat_power_kw.tolist()
    base = p.standby_kw.tolist()
    lo, hi = p.setpoint_c - 0.5, p.setpoint_c + 0.5
    began = time.perf_counter()
    for k in range(steps):
        t_out, ghi = float(e.weather.temp_c[k]), float(e.weather.ghi_w_m2[k])
        cop = max(1.0, min(7.0, 0.45 * 308.15 / max(35.0 - t_out, 5.0)))
        for i in range(n_homes):
            on[i] = ta[i] < lo or (on[i] and ta[i] < hi)
            hp_kw = hp[i] if on[i] else 0.0
            pv = kwp[i] * ghi / 1000.0 * 0.85
            net = base[i] + hp_kw - pv
            if cap[i] > 0:
                power = max(-pmax[i], min(pmax[i], -net))
                soc[i] = min(0.95, max(0.1, soc[i] + power / 60.0 / cap[i]))
            q = 1000.0 * (hp_kw * cop + base[i])
            a, b = ad[i], bd[i]
            ta[i], tm[i] = (a[0][0] * ta[i] + a[0][1] * tm[i] + b[0][0] * t_out + b[0][1] * q,
                            a[1][0] * ta[i] + a[1][1] * tm[i] + b[1][0] * t_out + b[1][1] * q)
    return {"homes": n_homes, "steps": steps, "run_s": time.perf_counter() - began}


def _child(kind: str, n_homes: int, steps: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, str(n_homes), str(steps)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Measure each size in a fresh process and print the table with ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, n, steps = args.child[0], int(args.child[1]), int(args.child[2])
        print(json.dumps(measure_twin(n) if kind == "twin" else measure_loop(n, steps)))
        return

    loop = _child("loop", 1000, 120)
    loop_rate = loop["homes"] * loop["steps"] / loop["run_s"]
    print(f"baseline: per-home Python loop, 1,000 homes x 120 steps: {loop_rate:,.0f} home-steps/s\n")
    print(f"{'homes':>8} {'build s':>8} {'run s':>8} {'home-steps/s':>14} {'vs loop':>8} {'ns/home-step':>13} {'peak MB':>8}")
    rows = []
    for n in args.sizes:
        r = _child("twin", n, STEPS_PER_DAY)
        rate = n * STEPS_PER_DAY / r["run_s"]
        rows.append((n, rate))
        print(f"{n:>8,} {r['build_s']:>8.2f} {r['run_s']:>8.2f} {rate:>14,.0f} {rate / loop_rate:>7.0f}x "
              f"{1e9 / rate:>13.1f} {r['peak_rss_mb']:>8.0f}")
    by_size = dict(rows)
    if 10_000 in by_size and 100_000 in by_size:
        ratio = by_size[10_000] / by_size[100_000]
        print(f"\ncost per home-step at 100,000 homes / at 10,000 homes: {ratio:.2f}x (flat is 1.0)")
    if not math.isfinite(loop_rate):
        raise SystemExit("baseline did not run")


if __name__ == "__main__":
    main()
