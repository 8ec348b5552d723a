"""Run a scenario end to end and write its results folder, all or nothing.

Results are staged beside the target and moved in at the end, so an interrupted or failed run
leaves the target as it was; an earlier run's files are replaced, nothing else in the folder is
touched, and a second run into the same folder is refused while one is writing
(:mod:`twin.rundir`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import platform
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from tqdm import tqdm

from twin.build import build_world
from twin.engine import World
from twin.kpis import NO_CONTROL, compute_kpis, relative_to
from twin.outcome import close_readings, world_kpis
from twin.plots import RUN_PLOT_FILES, TRAFFIC_PLOT_FILES, plot_run, plot_traffic
from twin.rundir import MANIFEST, run_folder
from twin.scenario.memory import check_memory
from twin.scenario.schema import Scenario
from twin.telemetry.recorder import Recorder
from twin.telemetry.table import Telemetry

PACKAGES = ("twin", "numpy", "simpy", "networkx", "pydantic", "pyarrow", "matplotlib")
# Every file `twin run` may write into its folder.
RUN_FILES = frozenset({"telemetry.parquet", "trips.parquet", "telemetry.csv", "kpis.json", "graph.json", MANIFEST,
                       *RUN_PLOT_FILES, *TRAFFIC_PLOT_FILES})


@dataclass(frozen=True)
class RunResult:
    """What a finished run produced."""

    out_dir: Path
    kpis: dict[str, float | None]
    telemetry: Telemetry
    files: tuple[str, ...]
    wall_s: float
    notes: tuple[str, ...] = ()   # what the user should know about how the scenario was read


def package_versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Versions of twin and the libraries a result depends on (plus ``extra`` distributions)."""
    out = {"python": platform.python_version()}
    for name in PACKAGES + tuple(extra):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    return out


def simulate(scenario: Scenario, *, progress: bool = True, chunk_s: int | None = None) -> tuple[World, Telemetry]:
    """Build and run the scenario's world over its horizon; return the world and its record.

    Shows a progress bar in simulated hours (minutes for short runs) when ``progress`` is true.
    """
    world = build_world(scenario)
    recorder = Recorder(world.bus, scenario.start)
    end = scenario.duration
    chunk_s = chunk_s or max(scenario.resolution, min(3600, end // 100 // scenario.resolution * scenario.resolution))
    unit_s, unit = (3600, "sim h") if end >= 2 * 3600 else (60, "sim min")
    with tqdm(total=end / unit_s, desc=scenario.name, disable=not progress,
              bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} " + unit
                         + " [{elapsed}<{remaining}]") as bar:
        while world.now_s < end:
            until = min(world.now_s + chunk_s, end)  # chunks keep the bar moving on short horizons
            world.run(until)
            bar.update(until / unit_s - bar.n)
    close_readings(world)
    return world, recorder.telemetry()


def baseline_kpis(scenario: Scenario, *, progress: bool = True) -> dict[str, float | None]:
    """Energy KPIs of the same world (same seed, so the same weather, occupants and draws) without
    control: thermostat heating, idle batteries, EVs charging as they arrive."""
    base = scenario.model_copy(update={"name": f"{scenario.name} (no control)",
                                       "controllers": scenario.controllers.model_copy(update=NO_CONTROL)})
    return compute_kpis(simulate(base, progress=progress)[1])


def run_scenario(scenario: Scenario, out_dir: str | Path, *, progress: bool = True, force: bool = False) -> RunResult:
    """Simulate ``scenario`` and write telemetry, KPIs, graph, plots and a manifest to ``out_dir``.

    ``out_dir`` must be absent, empty or an earlier run; ``force`` writes beside files twin did not
    write (keeping them). OutputError, OutputBusy or ScenarioTooLarge before anything is simulated.
    """
    out_dir = Path(out_dir)
    check_memory(scenario)
    with run_folder(out_dir, may_write=RUN_FILES, force=force) as tmp:
        began = time.perf_counter()
        world, telemetry = simulate(scenario, progress=progress)
        kpis, trips = world_kpis(world, telemetry)
        baseline = baseline_kpis(scenario, progress=progress) if scenario.outputs.baseline else None
        if baseline is not None:
            kpis |= relative_to(kpis, baseline)
        telemetry.write_parquet(tmp / "telemetry.parquet")
        if trips is not None:
            trips.write_parquet(tmp / "trips.parquet")
        if scenario.outputs.csv:
            telemetry.write_csv(tmp / "telemetry.csv")
        (tmp / "kpis.json").write_text(json.dumps(kpis, indent=2) + "\n", encoding="utf-8")
        world.graph.write_json(tmp / "graph.json")
        if scenario.outputs.plots:
            plot_run(telemetry, tmp, rating_kva=scenario.grid.transformer_rating_kva,
                     comfort=(scenario.homes.comfort.low_c, scenario.homes.comfort.high_c))
            if trips is not None:
                plot_traffic(telemetry, trips, tmp)
        wall_s = time.perf_counter() - began
        manifest = {
            "scenario": scenario.model_dump(mode="json"),
            "seed": scenario.seed,
            "telemetry_rows": len(telemetry),
            "telemetry_sha256": telemetry.digest(),
            "wall_seconds": round(wall_s, 3),
            "finished": dt.datetime.now().isoformat(timespec="seconds"),
            "versions": package_versions(),
        }
        if baseline is not None:
            manifest["baseline_kpis"] = baseline
        notes = run_notes(world)
        if notes:
            manifest["notes"] = list(notes)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        files = tuple(sorted(p.name for p in tmp.iterdir()))
    return RunResult(out_dir=out_dir, kpis=kpis, telemetry=telemetry, files=files, wall_s=wall_s, notes=notes)


def run_notes(world) -> tuple[str, ...]:
    """Sentences on what of the scenario's inputs the run left out (a route file's unroutable vehicles)."""
    file = world.traffic.demand.file if world.traffic is not None else None
    if file is None or not file.left_out:
        return ()
    return (f"{file.left_out:,} vehicle(s) of the route file left out (unroutable: skip), e.g. "
            + "; ".join(file.left_out_why),)
