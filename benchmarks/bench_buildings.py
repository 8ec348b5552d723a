"""Simulated building-hours per wall second: twin's home envs and `twin run` against CityLearn.

A building-hour is one building simulated for one hour, whatever the model inside it, so worlds of
different sizes and time steps compare on one scale. Measured in one run:

- ``twin/SmartHome-v0`` (one home) and ``twin/Neighborhood-v0`` (200 homes), random actions,
  15-minute decisions, steps timed apart from construction (resets at episode ends count);
  Neighborhood-v0 also at the coarser physics steps of ``--resolutions`` (hourly: hourly decisions);
- ``twin run scenarios/neighborhood.yaml --no-plots`` in this process (200 homes, a week): build,
  simulate and write the results folder, at the scenario's 1-minute physics step and at the
  coarser steps ``--resolutions`` names (meters read every 15 minutes, hourly at hourly steps);
- CityLearn's ``CityLearnEnv`` (central agent, random actions, hourly steps) on each dataset given
  with ``--citylearn-dataset`` (a folder or its ``schema.json``), in the interpreter given with
  ``--citylearn-python`` (CityLearn pins gymnasium 0.28 and numpy 1.26, so it lives in its own
  environment). Two figures: its steps alone, and a week with construction, as ``twin run`` has.

CityLearn's wheel ships no datasets and downloads them at first use, and it downloads a battery
sizing table for schemas that autosize their batteries; without a network the peer turns
autosizing off and gives every autosized battery the 6.4 kWh / 5 kW of CityLearn's 2022 dataset,
and says so. Ratios are against the CityLearn dataset with the most buildings.

    python benchmarks/bench_buildings.py --citylearn-python ../citylearn-venv/bin/python \\
        --citylearn-dataset path/to/ca_alameda_county_neighborhood_pv5kw \\
        --citylearn-dataset path/to/citylearn_challenge_2022_phase_all
    python benchmarks/bench_buildings.py --quick      # twin only, about 10x fewer steps
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym

sys.path.insert(0, str(Path(__file__).resolve().parent))
import envs  # noqa: E402,F401  (registers the twin/ ids)
from peers import CITYLEARN_WEEK, run_peer  # noqa: E402

from twin.runner import run_scenario  # noqa: E402
from twin.scenario.loader import load_scenario  # noqa: E402
from twin.units import parse_duration_s  # noqa: E402

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "neighborhood.yaml"
ENV_STEPS = {"twin/SmartHome-v0": 20_000, "twin/Neighborhood-v0": 2_000}
CITYLEARN_STEPS = 168            # a week of hourly steps
TARGET_VS_CITYLEARN = 300.0


@dataclass(frozen=True)
class Rate:
    """``building_hours`` simulated in ``wall_s`` wall seconds (``setup_s`` apart, when timed apart)."""

    label: str
    building_hours: float
    wall_s: float
    setup_s: float | None = None

    @property
    def per_s(self) -> float:
        """Building-hours per wall second."""
        return self.building_hours / self.wall_s


def env_rate(env_id: str, steps: int, resolution: str | None = None) -> Rate:
    """Random actions through ``gym.make(env_id)`` for ``steps`` steps, construction timed apart; at
    the physics ``resolution`` if given (hourly: hourly decisions and readings, as CityLearn's)."""
    kwargs, label = {}, ""
    if resolution is not None:
        step_s = parse_duration_s(resolution)
        kwargs = {"overrides": (f"resolution={resolution}", f"grid.meter_interval={max(900, step_s)}s"),
                  "decision_interval": max(900, step_s)}
        label = f", {resolution} physics, {max(900, step_s) // 60} min decisions"
    began = time.perf_counter()
    env = gym.make(env_id, **kwargs)
    env.reset(seed=0)
    env.action_space.seed(0)
    setup = time.perf_counter() - began
    core = env.unwrapped
    homes, step_h = core.world.scenario.homes.count, core.episodes.interval_s / 3600
    began = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
    wall = time.perf_counter() - began
    env.close()
    return Rate(f"{env_id} ({homes} home{'s' * (homes > 1)}, random actions{label})", steps * homes * step_h,
                wall, setup)


def run_rate(resolution: str, days: float | None) -> Rate:
    """``twin run`` of the neighborhood scenario (no plots), in this process, at ``resolution``; meters
    read every 15 minutes, or every step if steps are longer (hourly, as CityLearn reads)."""
    interval_s = max(900, parse_duration_s(resolution))
    overrides = [f"resolution={resolution}", f"grid.meter_interval={interval_s}s", "outputs.plots=false"]
    overrides += [f"duration={days}d"] if days else []
    scenario = load_scenario(SCENARIO, overrides)
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        run_scenario(scenario, Path(tmp) / "run", progress=False)
        wall = time.perf_counter() - began
    hours = scenario.homes.count * scenario.duration / 3600
    return Rate(f"twin run neighborhood, {resolution} physics (build + simulate + write)", hours, wall)


def citylearn_rates(python: str | None, dataset: str, steps: int) -> tuple[int, Rate, Rate] | str:
    """CityLearn's (buildings, steps alone, week with construction) on ``dataset``, or why not."""
    peer = run_peer(CITYLEARN_WEEK, str(steps), dataset, python=python)
    if "missing" in peer:
        return (f"CityLearn not installed for {python or sys.executable} ({peer['missing']}); install it in its own "
                "environment and pass --citylearn-python")
    if "error" in peer:
        return f"CityLearn failed on {dataset}: {peer['error']}"
    hours = peer["steps"] * peer["buildings"] * peer["step_h"]
    name = f"CityLearn {peer['dataset']} ({peer['buildings']} buildings"
    name += f", {peer['batteries_resized']} batteries not autosized)" if peer["batteries_resized"] else ")"
    return (peer["buildings"], Rate(f"{name}, steps", hours, peer["wall_s"], peer["setup_s"]),
            Rate(f"{name}, week with construction", hours, peer["wall_s"] + peer["setup_s"]))


def times(x: float) -> str:
    """A ratio to two significant figures or more."""
    return f"{x:,.0f}x" if x >= 10 else f"{x:.2g}x"


def main() -> None:
    """Measure twin, then each CityLearn dataset, and print building-hours/s and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citylearn-python", metavar="PYTHON",
                        help="interpreter of an environment with CityLearn installed (default: this one)")
    parser.add_argument("--citylearn-dataset", action="append", default=[], metavar="PATH",
                        help="a CityLearn dataset folder or schema.json; repeatable (default: none, twin only)")
    parser.add_argument("--resolutions", nargs="+", default=["1min", "15min", "1h"], metavar="STEP",
                        help="physics steps of the Neighborhood-v0 and `twin run` measurements (default: 1min 15min 1h)")
    parser.add_argument("--quick", action="store_true", help="about 10x fewer steps and a one-day run: a smoke check")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs{'; --quick: figures are rough' if args.quick else ''}\n")
    env_rate("twin/SmartHome-v0", 50)  # untimed: lazy imports, compiled kernels loading
    twin_rates = [env_rate(env_id, max(2, steps // scale)) for env_id, steps in ENV_STEPS.items()]
    twin_rates += [env_rate("twin/Neighborhood-v0", max(2, ENV_STEPS["twin/Neighborhood-v0"] // scale), r)
                   for r in args.resolutions if r != "1min"]
    run_scenario_rates = [run_rate(r, 1 if args.quick else None) for r in args.resolutions]
    peers, notes = [], []
    for dataset in args.citylearn_dataset:
        got = citylearn_rates(args.citylearn_python, dataset, max(2, CITYLEARN_STEPS // scale))
        if isinstance(got, str):
            notes.append(got)
        else:
            peers.append(got)
    reference = max(peers, key=lambda peer: peer[0], default=None)  # the most buildings

    print(f"{'measure':<86} {'building-h/s':>12} {'setup s':>8}")
    print("-" * 108)
    for rate in twin_rates + run_scenario_rates + [r for _, *pair in peers for r in pair]:
        setup = f"{rate.setup_s:8.2f}" if rate.setup_s is not None else f"{'-':>8}"
        print(f"{rate.label:<86} {rate.per_s:>12,.0f} {setup}")
    for note in notes:
        print(f"\n{note}")
    if reference is None:
        print("\nno CityLearn figure in this run (--citylearn-dataset, --citylearn-python): no ratios")
        return
    _, steps, week = reference
    print(f"\nratios against {steps.label.rsplit(',', 1)[0]} (target >= {TARGET_VS_CITYLEARN:.0f}x):")
    for rate in twin_rates:
        x = rate.per_s / steps.per_s
        print(f"  {rate.label}: {times(x)} its steps ({'met' if x >= TARGET_VS_CITYLEARN else 'NOT met'})")
    for rate in run_scenario_rates:
        x = rate.per_s / week.per_s
        print(f"  {rate.label}: {times(x)} its week with construction "
              f"({'met' if x >= TARGET_VS_CITYLEARN else 'NOT met'}); {times(rate.per_s / steps.per_s)} its steps alone")

if __name__ == "__main__":
    main()
