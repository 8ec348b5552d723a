"""twin on RESCO's eight networks against RESCO's published delays, and SUMO on the same runs.

RESCO (Ault and Sharon, "Reinforcement Learning Benchmarks for Traffic Signal Control", NeurIPS
2021 Datasets and Benchmarks) reports each controller's mean delay per one-hour episode on its
nets: SUMO's tripinfo ``timeLoss + departDelay`` of every vehicle, plus, for vehicles that never
got in, the time from their departure to the episode's end. Its fixed-time and max-pressure
baselines are printed here beside twin's (the nets' own programs; twin's max-pressure deciding
every RESCO step, 10 s, 5 s on arterial4x4, with RESCO's yellow), and, with ``--sumo-python``,
SUMO 1.28 under the same two controllers (``sumo_trips_peer.py``). RESCO's figures are the
means of the per-episode values RESCO ships in ``resco_benchmark/utils/avg_timeLoss.py`` (its
``FIXED`` and ``MAXPRESSURE`` runs, 30 to 100 episodes; medians where a few episodes jammed and
the mean is far above them). RESCO ran SUMO 1.9 with its own max-pressure over the phase pairs
it defines per light, so this is a second check of the order of magnitude and the ranking, not
a like-for-like comparison; ``fidelity_sumo.py`` is that.

    python benchmarks/resco_check.py                                        # twin alone
    python benchmarks/resco_check.py --sumo-python ../sumo-venv/bin/python   # and SUMO
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from fidelity_sumo import SUMO_RL_FOLDER, SUMO_RUN
from peers import run_peer

HOUR_S = 3600
# RESCO's decision step and yellow per net (resco_benchmark/config/map_config.py), s.
RESCO_STEP = {"grid4x4": (10, 3), "arterial4x4": (5, 2), "cologne1": (10, 3), "cologne3": (10, 3),
              "cologne8": (10, 3), "ingolstadt1": (10, 3), "ingolstadt7": (10, 3), "ingolstadt21": (10, 3)}
# RESCO's published mean delay, s: (mean, median) over its episodes; None where RESCO ran no fixed time.
RESCO_DELAY_S = {
    "fixed_time": {"grid4x4": None, "arterial4x4": None, "cologne1": (56.6, 56.9), "cologne3": (46.4, 39.0),
                   "cologne8": (63.8, 64.2), "ingolstadt1": (39.4, 39.5), "ingolstadt7": (91.3, 91.5),
                   "ingolstadt21": (133.1, 130.4)},
    "max_pressure": {"grid4x4": (52.6, 52.5), "arterial4x4": (952.8, 968.0), "cologne1": (65.9, 31.1),
                     "cologne3": (162.3, 28.1), "cologne8": (47.7, 29.7), "ingolstadt1": (23.6, 23.6),
                     "ingolstadt7": (46.8, 46.4), "ingolstadt21": (136.7, 115.6)},
}
CONTROLLERS = ("fixed_time", "max_pressure")


def twin_delay(net_file: Path, routes: Path, begin_s: int, controller: str, step_s: int, yellow_s: int) -> dict:
    """twin's hour on the net and route file: RESCO's delay (s), the arrived vehicles' timeLoss +
    departDelay (s, as SUMO's tripinfo has them), the vehicles left out and the wall time."""
    from twin.build import build_world
    from twin.scenario.schema import Scenario
    from twin.traffic.trips import Trips

    sc = Scenario.model_validate({
        "name": "resco", "seed": 1, "duration": HOUR_S, "homes": {"count": 0}, "outputs": {"record": []},
        "traffic": {"network": {"sumo_net": str(net_file)},
                    "demand": {"sumo_routes": str(routes), "sumo_begin": begin_s, "unroutable": "skip"},
                    "signals": {"controller": controller, "decision_s": step_s, "min_green_s": step_s - yellow_s}}})
    world = build_world(sc)
    began = time.perf_counter()
    world.run(HOUR_S)
    wall = time.perf_counter() - began
    t = world.traffic
    trips = Trips.from_vehicles(t.vehicles, t.net.link_ids, world.now_s)
    arrived = trips.arrived_s >= 0
    outside = trips.entered_s < 0
    tripinfo = trips.time_loss_s()[arrived] + trips.depart_delay_s()[arrived]
    never_in = HOUR_S - trips.generated_s[outside]
    resco = float((tripinfo.sum() + never_in.sum()) / max(arrived.sum() + outside.sum(), 1))
    left_out = t.demand.file.left_out if t.demand.file is not None else 0
    return {"resco": resco, "tripinfo": float(tripinfo.mean()), "arrived": int(arrived.sum()), "wall_s": wall,
            "left_out": left_out}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sumo-python", metavar="PYTHON", help="the Python with eclipse-sumo, libsumo and sumo-rl; "
                        "without it only twin runs (its sumo-rl must then be importable here)")
    parser.add_argument("--nets", nargs="+", default=list(RESCO_STEP), choices=list(RESCO_STEP))
    parser.add_argument("--controllers", nargs="+", default=list(CONTROLLERS), choices=CONTROLLERS)
    args = parser.parse_args()
    from twin.traffic.sumo_rl_nets import SUMO_RL_NETS

    found = run_peer(SUMO_RL_FOLDER, python=args.sumo_python or sys.executable)
    if "folder" not in found:
        print(f"sumo-rl not found ({found}); install it here or give --sumo-python")
        return 1
    nets = Path(found["folder"]) / "nets"
    print(f"{'net':12s} {'control':>12s} | {'RESCO delay, s':>24s} | {'twin':>6s} {'vs RESCO':>8s} | "
          f"{'timeLoss+departDelay of arrived, s':>36s} | {'arrived':>13s}")
    print(f"{'':12s} {'':>12s} | {'mean (median)':>24s} | {'':>6s} {'':>8s} | {'twin   SUMO   diff':>36s} | "
          f"{'twin  SUMO':>13s}")
    warmed = False
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.nets:
            entry = SUMO_RL_NETS[name]
            net_file, routes = nets / entry.net, nets / entry.routes
            step_s, yellow_s = RESCO_STEP[name]
            for controller in args.controllers:
                if not warmed:  # the first world loads the compiled kernels
                    twin_delay(net_file, routes, entry.begin_s, controller, step_s, yellow_s)
                    warmed = True
                ours = twin_delay(net_file, routes, entry.begin_s, controller, step_s, yellow_s)
                published = RESCO_DELAY_S[controller][name]
                if published is None:
                    resco_cell, versus = f"{'(not run by RESCO)':>24s}", f"{'-':>8s}"
                else:
                    mean, median = published
                    ref = median if mean > 1.5 * median else mean  # a few jammed episodes drag RESCO's mean
                    resco_cell = f"{mean:10.1f} ({median:7.1f})"
                    resco_cell = f"{resco_cell:>24s}"
                    versus = f"{(ours['resco'] - ref) / ref:+8.0%}"
                sumo_cell, sumo_arrived = f"{'-':>6s} {'-':>6s}", "-"
                if args.sumo_python:
                    run = run_peer(SUMO_RUN, str(net_file), str(routes), str(entry.begin_s),
                                   str(entry.begin_s + HOUR_S), str(Path(tmp) / "tripinfo.xml"), controller,
                                   *map(str, (step_s - yellow_s, 45, 3.0, step_s, 1)), python=args.sumo_python)
                    if "arrived" in run:
                        s = run["timeLoss"] + run["departDelay"]
                        sumo_cell = f"{s:6.1f} {(ours['tripinfo'] - s) / s:+6.0%}"
                        sumo_arrived = str(run["arrived"])
                    else:
                        sumo_cell = f"SUMO failed: {str(run)[:40]}"
                print(f"{name:12s} {controller:>12s} | {resco_cell} | {ours['resco']:6.1f} {versus} | "
                      f"{ours['tripinfo']:15.1f} {sumo_cell:>20s} | {ours['arrived']:6d} {sumo_arrived:>6s}"
                      + (f"  ({ours['left_out']} left out by twin)" if ours["left_out"] else ""))
                sys.stdout.flush()
    print("\nRESCO's figure compared is its median where its mean is over 1.5x the median (episodes that jammed).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
