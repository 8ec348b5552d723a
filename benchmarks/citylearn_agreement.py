"""twin's CityLearn-v0 against CityLearn 3.0.2 on the same dataset, side by side: yearly energy,
cost, carbon and KPIs per building and for the district, and building-hours per second.

For each controller (``none``: every action 0; ``rbc``: CityLearn's BasicRBC, in twin as
``agents.baselines.citylearn.CityLearnBasicRBC``) both run one whole episode through their env's
``step`` API with the central agent: CityLearn in the interpreter ``--citylearn-python`` names
(``citylearn_reference.py``'s run, a fresh process), twin in this one. Printed per building:
net consumption, cost and carbon of each and twin's difference in percent; then CityLearn's
``evaluate()`` KPIs beside twin's; then the speed of the zero-action runs in building-hours per
second and their ratio. The acceptance is that every yearly figure agrees within ``--tolerance``
(1% by default); the script exits 1 if one does not.

    python benchmarks/citylearn_agreement.py --citylearn-python ../citylearn-venv/bin/python \\
        --dataset path/to/citylearn_challenge_2022_phase_all
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import envs  # noqa: E402,F401  (registers twin/CityLearn-v0)
from agents.baselines.citylearn import CityLearnBasicRBC, NoControl  # noqa: E402
from citylearn_reference import CITYLEARN_YEAR  # noqa: E402
from peers import run_peer  # noqa: E402

FIGURES = ("net_kwh", "cost", "co2_kg")


def twin_year(dataset: str, controller: str) -> dict:
    """One episode of twin/CityLearn-v0 under ``controller``: totals, KPIs, steps and step seconds."""
    env = gym.make("twin/CityLearn-v0", dataset=dataset)
    policy = CityLearnBasicRBC.from_env(env) if controller == "rbc" else NoControl.from_env(env)
    obs, _ = env.reset(seed=0)
    began, steps, done, info = time.perf_counter(), 0, False, {}
    while not done:
        obs, _, _, done, info = env.step(policy.act(obs))
        steps += 1
    wall = time.perf_counter() - began
    buildings = {name: vars(t) for name, t in info["totals"].items()}
    district = {k: sum(b[k] for b in buildings.values()) for k in FIGURES}
    return {"buildings": buildings, "district": district, "kpis": dict(info["kpis"].district),
            "steps": steps, "wall_s": wall, "n_buildings": len(buildings)}


def percent(twin: float, ref: float) -> float:
    """twin's difference from the reference, % of the reference's magnitude (0 when both are 0)."""
    return 0.0 if ref == 0 and twin == 0 else 100.0 * (twin - ref) / abs(ref) if ref else float("inf")


def compare(name: str, twin: dict, ref: dict, tolerance_pct: float) -> tuple[list[str], bool]:
    """Lines of the side-by-side table of one controller and whether every figure is within tolerance."""
    lines = [f"\n{name}: per building, CityLearn / twin / difference",
             f"{'building':<14}" + "".join(f"{f + ' CL':>14}{f + ' twin':>14}{'diff %':>9}" for f in FIGURES)]
    worst = 0.0
    rows = [*((b, ref["buildings"][b]) for b in ref["buildings"]), ("District", ref["district"])]
    for b, r in rows:
        t = twin["district"] if b == "District" else twin["buildings"][b]
        cells = ""
        for f in FIGURES:
            d = percent(t[f], r[f])
            worst = max(worst, abs(d))
            cells += f"{r[f]:>14.2f}{t[f]:>14.2f}{d:>+9.4f}"
        lines.append(f"{b:<14}{cells}")
    lines.append(f"KPIs (control / baseline), CityLearn / twin:")
    for k, v in sorted(twin["kpis"].items()):
        cl = ref["district"]["kpis"].get(k)
        lines.append(f"  {k:<42} {'-' if cl is None else f'{cl:.6f}':>10} {'-' if v is None else f'{v:.6f}':>10}")
    ok = worst <= tolerance_pct
    lines.append(f"largest yearly difference {worst:.4f}% ({'within' if ok else 'OUTSIDE'} {tolerance_pct}%)")
    return lines, ok


def main() -> None:
    """Run both, print the comparison and the speed ratio; exit 1 if a figure is off by more than the tolerance."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citylearn-python", required=True, metavar="PYTHON",
                        help="interpreter of an environment with CityLearn 3.0.2 installed")
    parser.add_argument("--dataset", required=True, metavar="PATH", help="a CityLearn dataset folder or schema.json")
    parser.add_argument("--controllers", nargs="+", choices=["none", "rbc"], default=["none", "rbc"])
    parser.add_argument("--tolerance", type=float, default=1.0, metavar="PCT", help="allowed difference, %%")
    parser.add_argument("--out", metavar="FILE.json", help="write both sides' figures as JSON")
    args = parser.parse_args()
    ok, out, speed = True, {}, {}
    for controller in args.controllers:
        ref = run_peer(CITYLEARN_YEAR, args.dataset, controller, "", python=args.citylearn_python, timeout_s=7200)
        if "missing" in ref or "error" in ref:
            print(json.dumps(ref))
            sys.exit(1)
        twin = twin_year(args.dataset, controller)
        lines, good = compare(f"{ref['dataset']}, {controller}", twin, ref, args.tolerance)
        print("\n".join(lines))
        ok &= good
        bh = twin["n_buildings"] * twin["steps"] * ref["step_h"]
        speed[controller] = (bh / ref["wall_s"], bh / twin["wall_s"])
        out[controller] = {"citylearn": ref, "twin": twin}
    print("\nspeed, building-hours per second of env steps (same run):")
    for controller, (cl, tw) in speed.items():
        print(f"  {controller:<5} CityLearn {cl:>12,.0f}   twin {tw:>12,.0f}   twin / CityLearn {tw / cl:>8,.0f}x")
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=1, default=float) + "\n")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
