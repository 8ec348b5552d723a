"""twin against SUMO on the same SUMO networks and route files: trip KPIs side by side, and speed.

For each net (RESCO's grid4x4, arterial4x4 and cologne3 from the installed sumo-rl), demand
scale (the route file's vehicles thinned or copied, seeded, so both simulators get the very same
file) and signal controller (the net's fixed-time programs, actuated, max-pressure: see
sumo_trips_peer.py for SUMO's side), SUMO runs through libsumo and writes tripinfo; twin runs the
same net and route file (`traffic: {network: {sumo_net}, demand: {sumo_routes}}`) with the same
controller settings. Printed per case: mean duration (travel time), timeLoss, waitingTime,
waitingCount, throughput, for vehicles that arrived, as SUMO's tripinfo defines them, twin vs
SUMO, and simulated seconds per wall second; then whether the two rank the controllers alike.
Vehicles twin cannot drive (those turning around at a dead end where the cut-out network ends)
are left out of the file both get, and counted. SUMO's max-pressure runs as Python between libsumo steps, so its
speed is not SUMO's own: compare speed on fixed time.

SUMO runs in an environment of its own (``eclipse-sumo``, ``libsumo``, ``sumo-rl``):

    python benchmarks/fidelity_sumo.py --sumo-python ../sumo-venv/bin/python
    python benchmarks/fidelity_sumo.py --sumo-python ../sumo-venv/bin/python --nets grid4x4 --scales 0.5 1 1.5
    python benchmarks/fidelity_sumo.py --sumo-python ... --controllers fixed_time --scales 3 4 5 6 7   # gridlock onset
    python benchmarks/fidelity_sumo.py --sumo-python ... --scales 1 --sumo-seeds 1 2 3               # SUMO's noise
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np

from peers import run_peer

SUMO_RUN = (Path(__file__).parent / "sumo_trips_peer.py").read_text()

SUMO_RL_FOLDER = r"""
import importlib.util, json
spec = importlib.util.find_spec("sumo_rl")
print(json.dumps({"folder": list(spec.submodule_search_locations)[0]} if spec else {"missing": "sumo-rl"}))
"""

NETS = ("grid4x4", "arterial4x4", "cologne3")
CONTROLLERS = ("fixed_time", "actuated", "max_pressure")
# Both simulators' controllers run with these (twin's defaults), s.
MIN_GREEN_S, MAX_GREEN_S, GAP_S, DECISION_S = 7, 45, 3.0, 5
HOUR_S = 3600


def scaled_routes(source: Path, net_file: Path, scale: float, seed: int, out: Path,
                  window_s: tuple[float, float] = (0.0, float("inf"))) -> tuple[int, int, int]:
    """Write ``out``: the vehicles of ``source`` twin can drive on ``net_file``, each kept
    floor(scale) times plus once more with the fractional chance (seeded), ids suffixed. Returns
    (vehicles written, vehicles of the file twin cannot drive, written vehicles departing within
    ``window_s``, SUMO times [from, to): both simulators run that window and drop earlier ones)."""
    import sumolib

    from twin.scenario.schema import Scenario
    from twin.traffic.network import road_network
    from twin.traffic.sumo_routes import route_problem

    sc = Scenario.model_validate({"name": "x", "homes": {"count": 0}, "traffic": {"network": {"sumo_net": str(net_file)}}})
    net = road_network(sc.traffic)
    index = {e: k for k, e in enumerate(net.link_ids)}
    moves = {(int(a), int(b)) for a, b in zip(net.q_link, net.q_out)}
    rng = np.random.default_rng(seed)
    written = skipped = due = 0
    lines = ["<routes>"]
    root = next(sumolib.xml.parse(str(source), "routes"))
    for el in root.getChildList():
        if el.name != "vehicle" or not el.hasChild("route"):
            continue
        edges = el.getChild("route")[0].edges
        if route_problem(net, edges.split(), index, moves) is not None:
            skipped += 1
            continue
        copies = int(scale) + (rng.random() < scale - int(scale))
        for c in range(copies):
            lines.append(f'  <vehicle id={quoteattr(f"{el.id}.{c}")} depart="{el.depart}" departLane="best">'
                         f'<route edges="{edges}"/></vehicle>')
            written += 1
            due += window_s[0] <= float(el.depart) < window_s[1]
    lines.append("</routes>")
    # SUMO wants departures sorted; they are in the RESCO files, and copies keep the order.
    out.write_text("\n".join(lines) + "\n")
    return written, skipped, due


def twin_run(net_file: Path, routes: Path, begin_s: int, horizon_s: int, controller: str) -> dict:
    """twin on the net and route file for ``horizon_s`` (s) under ``controller``: its trip KPIs and wall times."""
    from twin.build import build_world
    from twin.scenario.schema import Scenario
    from twin.traffic.trips import Trips

    sc = Scenario.model_validate({
        "name": "fidelity", "seed": 1, "duration": horizon_s, "homes": {"count": 0}, "outputs": {"record": []},
        "traffic": {"network": {"sumo_net": str(net_file)},
                    "demand": {"sumo_routes": str(routes), "sumo_begin": begin_s},
                    "signals": {"controller": controller, "min_green_s": MIN_GREEN_S, "max_green_s": MAX_GREEN_S,
                                "gap_s": GAP_S, "decision_s": DECISION_S}}})
    began = time.perf_counter()
    world = build_world(sc)
    built = time.perf_counter()
    world.run(horizon_s)
    ran = time.perf_counter()
    t = world.traffic
    trips = Trips.from_vehicles(t.vehicles, t.net.link_ids, world.now_s)
    arrived = trips.arrived_s >= 0
    return {"load_s": built - began, "run_s": ran - built, "arrived": int(arrived.sum()),
            "duration": float(np.nanmean(trips.duration_s())), "timeLoss": float(np.nanmean(trips.time_loss_s())),
            "waitingTime": float(np.nanmean(trips.network_waiting_s())),
            "waitingCount": float(np.nanmean(trips.network_stops()))}


KEYS = ("duration", "timeLoss", "waitingTime", "waitingCount")
ONSET_SHARE = 0.8  # gridlock: fewer arrivals than this share of the hour's departures


def onset_scale(rows: list[tuple[float, float, float]], which: int) -> float | None:
    """The demand scale where the arrived share (``rows``: scale, twin's share, SUMO's share;
    ``which`` 1 twin, 2 SUMO) first falls below ONSET_SHARE, linear between the two scales around
    it; None if it never does."""
    rows = sorted(rows)
    for (s0, *a), (s1, *b) in zip(rows, rows[1:]):
        y0, y1 = a[which - 1], b[which - 1]
        if y0 >= ONSET_SHARE > y1:
            return s0 + (s1 - s0) * (y0 - ONSET_SHARE) / (y0 - y1)
    return rows[0][0] if rows[0][which] < ONSET_SHARE else None


def fmt_scale(scale: float | None) -> str:
    """``2.3x``, or ``none`` for a demand that never jammed."""
    return "none" if scale is None else f"{scale:.2f}x"


def row(ours: dict, sumo: dict) -> str:
    """One printed row's cells: each KPI twin / SUMO / difference, arrivals, simulated s per wall s."""
    cells = []
    for k in KEYS:
        a, b = ours[k], sumo[k]
        diff = f"{(a - b) / b:+.0%}" if b else "-"
        cells.append(f"{a:7.1f} {b:7.1f} {diff:>6s}")
    speed_twin, speed_sumo = HOUR_S / ours["run_s"], HOUR_S / sumo["run_s"]
    teleports = f"  ({sumo['teleports']} SUMO teleports)" if sumo["teleports"] else ""
    return (" | ".join(cells) + f" | {ours['arrived']:7d} {sumo['arrived']:7d} | {speed_twin:9.0f} {speed_sumo:6.0f} "
            f"{speed_twin / speed_sumo:5.0f}x" + teleports)


def seed_mean(runs: list[dict]) -> dict:
    """SUMO's results of several seeds as one: the KPIs, arrivals and times averaged, teleports summed."""
    out = {k: float(np.mean([r[k] for r in runs])) for k in (*KEYS, "run_s", "load_s")}
    out["arrived"] = int(round(np.mean([r["arrived"] for r in runs])))
    out["teleports"] = int(sum(r["teleports"] for r in runs))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sumo-python", metavar="PYTHON", default=sys.executable,
                        help="the Python with eclipse-sumo, libsumo and sumo-rl (default: this one)")
    parser.add_argument("--nets", nargs="+", default=list(NETS), choices=NETS)
    parser.add_argument("--controllers", nargs="+", default=list(CONTROLLERS), choices=CONTROLLERS)
    parser.add_argument("--sumo-seeds", type=int, nargs="+", default=[1], metavar="SEED",
                        help="SUMO's random seeds (its drivers' speed factors and dawdling); SUMO's columns are "
                             "their means, twin's route-file runs have no randomness of their own")
    parser.add_argument("--scales", type=float, nargs="+", default=[0.5, 1.0, 1.5],
                        help="demand: each vehicle of the route file this many times (seeded rounding)")
    args = parser.parse_args()
    from twin.traffic.sumo_rl_nets import SUMO_RL_NETS

    found = run_peer(SUMO_RL_FOLDER, python=args.sumo_python)
    if "folder" not in found:
        print(f"SUMO peer not available ({found}); give --sumo-python with eclipse-sumo, libsumo and sumo-rl")
        return 1
    nets = Path(found["folder"]) / "nets"
    print(f"{'net':12s} {'scale':>5s} {'control':>12s} {'veh':>6s} {'left out':>8s} | "
          + " | ".join(f"{k:>22s}" for k in KEYS) + f" | {'arrived':>15s} | {'sim s / wall s':>22s}")
    print(f"{'':12s} {'':>5s} {'':>12s} {'':>6s} {'':>8s} | " + " | ".join(f"{'twin  SUMO  diff':>22s}" for _ in KEYS)
          + f" | {'twin SUMO':>15s} | {'twin   SUMO   ratio':>22s}")
    warmed = False
    rankings = []
    served: dict[tuple[str, str], list[tuple[float, float, float]]] = {}  # (net, control) -> (scale, twin, SUMO)
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.nets:
            entry = SUMO_RL_NETS[name]
            net_file, source = nets / entry.net, nets / entry.routes
            for scale in args.scales:
                routes = Path(tmp) / f"{name}_{scale}.rou.xml"
                n, skipped, due = scaled_routes(source, net_file, scale, seed=7, out=routes,
                                                window_s=(entry.begin_s, entry.begin_s + HOUR_S))
                loss = {}
                for controller in args.controllers:
                    runs = [run_peer(SUMO_RUN, str(net_file), str(routes), str(entry.begin_s),
                                     str(entry.begin_s + HOUR_S), str(Path(tmp) / "tripinfo.xml"), controller,
                                     *map(str, (MIN_GREEN_S, MAX_GREEN_S, GAP_S, DECISION_S, seed)),
                                     python=args.sumo_python) for seed in args.sumo_seeds]
                    failed = [r for r in runs if "arrived" not in r]
                    if failed:
                        print(f"{name:12s} {scale:5.2f} {controller:>12s}: SUMO failed: {failed[0]}")
                        continue
                    sumo = seed_mean(runs)
                    if not warmed:  # the process's first world loads the compiled kernels: not part of the timing
                        twin_run(net_file, routes, entry.begin_s, 600, controller)
                        warmed = True
                    ours = twin_run(net_file, routes, entry.begin_s, HOUR_S, controller)
                    loss[controller] = (ours["timeLoss"], sumo["timeLoss"])
                    served.setdefault((name, controller), []).append(
                        (scale, ours["arrived"] / max(due, 1), sumo["arrived"] / max(due, 1)))
                    spread = (f"  (SUMO timeLoss {min(r['timeLoss'] for r in runs):.1f}-"
                              f"{max(r['timeLoss'] for r in runs):.1f} over seeds)" if len(runs) > 1 else "")
                    print(f"{name:12s} {scale:5.2f} {controller:>12s} {n:6d} {skipped:8d} | " + row(ours, sumo) + spread)
                    sys.stdout.flush()
                if len(loss) > 1:
                    rankings.append((name, scale, loss))
    if rankings:
        print("\nController ranking by mean timeLoss, best first (twin | SUMO):")
        for name, scale, loss in rankings:
            twin_order = sorted(loss, key=lambda c: loss[c][0])
            sumo_order = sorted(loss, key=lambda c: loss[c][1])
            same = "same" if twin_order == sumo_order else "DIFFERS"
            print(f"  {name:12s} {scale:5.2f}  {' < '.join(twin_order):45s} | {' < '.join(sumo_order):45s} {same}")
    onsets = [(key, rows) for key, rows in served.items() if len(rows) > 1]
    if onsets:
        print(f"\nGridlock onset: the demand scale at which arrivals fall below {ONSET_SHARE:.0%} of the hour's "
              "departures (interpolated between the scales run):")
        for (name, controller), rows in onsets:
            twin_at, sumo_at = onset_scale(rows, 1), onset_scale(rows, 2)
            shares = "  ".join(f"{sc:g}x {a:.0%}/{b:.0%}" for sc, a, b in rows)
            diff = f"{(twin_at - sumo_at) / sumo_at:+.0%}" if twin_at and sumo_at else "-"
            print(f"  {name:12s} {controller:12s} twin {fmt_scale(twin_at):>7s}  SUMO {fmt_scale(sumo_at):>7s}  "
                  f"{diff:>5s}   (arrived share twin/SUMO: {shares})")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
