"""CityLearn 3.0.2 as a reference peer: yearly energy, cost, carbon and KPIs of one dataset, one controller.

Runs ``CityLearnEnv`` (central agent, the schema's own random seed) over one whole episode of a
dataset folder the caller names, in a fresh process of the interpreter given with
``--citylearn-python`` (CityLearn pins gymnasium 0.28 and numpy 1.26, so it lives in its own
environment), with either controller:

- ``none``: every action 0.0 at every step (batteries idle; on LSTM-dynamics buildings the heat
  pumps get no power once the LSTM lookback has filled, so space conditioning stops);
- ``rbc``: CityLearn's ``citylearn.agents.rbc.BasicRBC``, the rule-based controller the 2022
  challenge schema names as its agent (hour-of-day map: storage -0.08 from 09:00 to 21:00 and
  +0.091 otherwise; ``cooling_or_heating_device`` 0.4 before 07:00, -0.4 before 21:00, 0.8 after).

An episode of N data rows is N - 1 transitions: CityLearn never simulates the last row, so a
8,760-row year yields 8,759 hourly values. Printed and written (``--out``), per building and for
the district: net electricity consumption (kWh, exports negative), import and export (kWh), cost
(sum of max(net, 0) x price) and carbon emissions (kg, max(net x intensity, 0)); CityLearn's
``evaluate()`` KPIs (control over its no-storage, ideal-load baseline) and its control and baseline
totals; and each building's device parameters as CityLearn drew or sized them, so a model can use
the very same values. ``--series`` writes the hourly net consumption (kWh) and battery state of
charge of every building to an .npz.

A schema that autosizes batteries would download a sizing table: those batteries are not autosized
and get the 6.4 kWh / 5 kW of CityLearn's 2022 dataset, as in peers.py (their other parameters are
CityLearn's seeded defaults, listed under ``devices``); the output counts them. Heat pumps and
heaters are still autosized (that needs no download).

    python benchmarks/citylearn_reference.py --citylearn-python ../citylearn-venv/bin/python \\
        --dataset path/to/citylearn_challenge_2022_phase_all/schema.json --controller rbc \\
        --out cl2022_rbc.json --series cl2022_rbc.npz

A missing CityLearn reports ``{"missing": why}``; a failing one ``{"error": why}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import CITYLEARN_SCHEMA, run_peer  # noqa: E402

CITYLEARN_YEAR = r"""
import json, math, os, sys, time
try:
    import numpy as np
    from citylearn.citylearn import CityLearnEnv, DynamicsBuilding, EvaluationCondition
    from citylearn.agents.rbc import BasicRBC
except ImportError as exc:
    print(json.dumps({"missing": str(exc)})); sys.exit(0)
path, controller, series_path = sys.argv[1], sys.argv[2], sys.argv[3]
""" + CITYLEARN_SCHEMA + r"""
def clean(value):
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [clean(v) for v in value]
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return float(value) if math.isfinite(float(value)) else None
    return value

SKIP = {"uid", "random_seed", "simulation_time_steps", "seconds_per_time_step", "time_step_ratio", "autosize_config"}
DEVICES = ["cooling_device", "heating_device", "dhw_device", "cooling_storage", "heating_storage", "dhw_storage",
           "electrical_storage", "pv"]
def devices(b):
    out = {"type": type(b).__name__}
    for name in DEVICES:
        device = getattr(b, name)
        md = device.get_metadata()
        if md.get("nominal_power", 0.0) or md.get("capacity", 0.0):
            out[name] = {"class": type(device).__name__, **{k: v for k, v in md.items() if k not in SKIP}}
    return clean(out)

began = time.perf_counter()
try:
    env = CityLearnEnv(schema, central_agent=True)
    observations, _ = env.reset()
    agent = BasicRBC(env) if controller == "rbc" else None
except Exception as exc:
    print(json.dumps({"error": f"{type(exc).__name__}: {str(exc)[:300]}"})); sys.exit(0)
setup = time.perf_counter() - began
params = {b.name: devices(b) for b in env.buildings}
zeros = [np.zeros(env.action_space[0].shape[0], dtype="float32")]
began, steps, done = time.perf_counter(), 0, False
while not done:
    actions = agent.predict(observations, deterministic=True) if agent else zeros
    observations, _, done, _, _ = env.step(actions)
    steps += 1
wall = time.perf_counter() - began
# evaluate() is this frame cut to LEGACY_COST_FUNCTIONS; the full one also has the control and baseline totals.
frame = env._kpi_service.evaluate(evaluation_condition_cls=EvaluationCondition, dynamics_building_cls=DynamicsBuilding)
legacy = set(env._kpi_service.LEGACY_COST_FUNCTIONS)
TOTALS = ("electricity_consumption_", "electricity_export_", "zero_net_energy_", "carbon_emissions_", "cost_",
          "pv_", "bess_")
def kpis(name):
    rows = frame[frame["name"] == name]
    pick = lambda keep: {r.cost_function: r.value for r in rows.itertuples() if keep(r.cost_function)}
    return clean({"kpis": pick(lambda c: c in legacy),
                  "totals": pick(lambda c: c not in legacy and c.startswith(TOTALS) and "daily" not in c)})
def energy(net, cost, co2):
    net = np.asarray(net, dtype="float64")
    return {"net_kwh": float(net.sum()), "import_kwh": float(net.clip(min=0).sum()),
            "export_kwh": float(-net.clip(max=0).sum()), "cost": float(np.sum(cost)), "co2_kg": float(np.sum(co2))}
buildings = {b.name: {**energy(b.net_electricity_consumption, b.net_electricity_consumption_cost,
                               b.net_electricity_consumption_emission), **kpis(b.name)} for b in env.buildings}
district = {**energy(env.net_electricity_consumption, env.net_electricity_consumption_cost,
                     env.net_electricity_consumption_emission), **kpis("District")}
if series_path:
    np.savez(series_path, names=np.array([b.name for b in env.buildings]),
             net_electricity_consumption_kwh=np.array([b.net_electricity_consumption for b in env.buildings]),
             electrical_storage_soc=np.array([b.electrical_storage.soc[:steps] for b in env.buildings]),
             district_net_electricity_consumption_kwh=np.array(env.net_electricity_consumption))
print(json.dumps({"dataset": os.path.basename(os.path.dirname(path)), "controller": controller,
                  "agent": "citylearn.agents.rbc.BasicRBC" if agent else "zero actions", "setup_s": setup,
                  "wall_s": wall, "steps": steps, "step_h": env.seconds_per_time_step / 3600,
                  "random_seed": env.random_seed, "batteries_resized": resized, "district": district,
                  "buildings": buildings, "devices": params}))
"""


def report(result: dict) -> str:
    """A plain-text table of ``result``: one line per building and the district, then the district KPIs."""
    lines = [f"CityLearn {result['dataset']}, {result['agent']}: {len(result['buildings'])} buildings, "
             f"{result['steps']} steps of {result['step_h']:g} h, {result['batteries_resized']} batteries not "
             f"autosized, setup {result['setup_s']:.1f} s, run {result['wall_s']:.1f} s",
             f"{'building':<40} {'net kWh':>11} {'import kWh':>11} {'export kWh':>11} {'cost':>10} {'CO2 kg':>10}"]
    rows = [*result["buildings"].items(), ("District (summed series)", result["district"])]
    for name, row in rows:
        lines.append(f"{name:<40} {row['net_kwh']:>11.2f} {row['import_kwh']:>11.2f} {row['export_kwh']:>11.2f} "
                     f"{row['cost']:>10.2f} {row['co2_kg']:>10.2f}")
    lines.append("district evaluate() KPIs (control / baseline):")
    lines += [f"  {name:<48} {value if value is None else f'{value:.6g}'}"
              for name, value in sorted(result["district"]["kpis"].items())]
    lines.append("district totals (evaluate()):")
    lines += [f"  {name:<48} {value if value is None else f'{value:.6g}'}"
              for name, value in sorted(result["district"]["totals"].items())]
    return "\n".join(lines)


def main() -> None:
    """Run CityLearn on one dataset with one controller, print the table and write the JSON/npz asked for."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citylearn-python", metavar="PYTHON",
                        help="interpreter of an environment with CityLearn installed (default: this one)")
    parser.add_argument("--dataset", required=True, metavar="PATH", help="a dataset folder or its schema.json")
    parser.add_argument("--controller", choices=["none", "rbc"], default="none",
                        help="none: all actions 0; rbc: citylearn.agents.rbc.BasicRBC")
    parser.add_argument("--out", metavar="FILE.json", help="write the whole result as JSON")
    parser.add_argument("--series", metavar="FILE.npz", help="write hourly net consumption per building (kWh)")
    parser.add_argument("--timeout", type=int, default=7200, metavar="S", help="give up after S seconds")
    args = parser.parse_args()
    series = str(Path(args.series).resolve()) if args.series else ""
    result = run_peer(CITYLEARN_YEAR, args.dataset, args.controller, series, python=args.citylearn_python,
                      timeout_s=args.timeout)
    if "missing" in result or "error" in result:
        print(json.dumps(result))
        sys.exit(1)
    print(report(result))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {args.out}")
    if args.series:
        print(f"wrote {args.series}")


if __name__ == "__main__":
    main()
