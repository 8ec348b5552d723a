"""How much memory a scenario's world will take, estimated before anything is built.

A scenario can be valid field by field and still need more memory than the machine has: half a
million homes, five years at one-second steps, a signal cycle of hours over a large grid, a
telemetry record of billions of values. :func:`estimate_memory` counts what a world allocates
from the scenario alone and :func:`check_memory` refuses, naming the estimate and what drives it,
a world that would not fit in the memory available (or in ``TWIN_MAX_MEMORY``, e.g. ``8GB``).

The costs per item are upper bounds measured with ``tracemalloc`` on whole runs (build, simulate,
KPIs, files); ``tests/test_memory_estimate.py`` checks that estimates stay above what runs use and
within a few times of it. The estimate is meant to catch worlds that are orders of magnitude too
big, not to budget to the megabyte.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from twin.errors import ScenarioTooLarge, TwinError
from twin.scenario.schema import Scenario
from twin.scenario.traffic_schema import border_entries

BASE_BYTES = 8_000_000           # the world's fixed parts: graph root, processes, small tables
HOME_BYTES = 24_000              # a home's parameters, state, registers, appliances and graph nodes (~16 kB)
WEATHER_STEP_BYTES = 200         # per physics step: weather, solar geometry and their temporaries (~130 B)
TELEMETRY_ROW_BYTES = 64         # per recorded value: frames, the columnar record, Parquet (~40 B)
TELEMETRY_FRAME_BYTES = 500      # per published frame: one reading, its values array aside (~300 B)
INTERSECTION_BYTES = 40_000      # an intersection's graph nodes, links, queues and detectors
VEHICLE_BYTES = 400              # vehicle rows (doubling as they grow), trips table and file (~260 B)
SLOT_BYTES = 16                  # a ring-buffer slot: vehicle id and ready time, 8 bytes each
SIGNAL_TABLE_BYTES = (48, 24)    # per cycle second: per intersection, per queue (fixed-time tables)
HOME_VALUES_PER_READING = {"meters": 2, "zones": 3}   # plus devices, by penetration (below)
FEEDER_VALUES_PER_READING = 4    # feeder load and peak, transformer loading and overload
TRAFFIC_VALUES_PER_READING = 16  # per intersection: 4 approaches x 3, queue, phase, phase changes
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kMGT]?)i?B?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class MemoryPart:
    """One part of a world's memory and what drives it."""

    name: str
    bytes: int
    driver: str


@dataclass(frozen=True)
class MemoryEstimate:
    """The estimated memory of a world, part by part (bytes)."""

    parts: tuple[MemoryPart, ...]

    @property
    def total_bytes(self) -> int:
        """All parts together, bytes."""
        return sum(p.bytes for p in self.parts)

    def largest(self, n: int = 3) -> tuple[MemoryPart, ...]:
        """The ``n`` largest parts, largest first."""
        return tuple(sorted(self.parts, key=lambda p: -p.bytes)[:n])

    def describe(self) -> str:
        """``"6.1 GB, mostly telemetry 5.2 GB (...), homes 0.8 GB (...)"``."""
        top = ", ".join(f"{p.name} {format_bytes(p.bytes)} ({p.driver})" for p in self.largest() if p.bytes)
        return f"{format_bytes(self.total_bytes)}, mostly {top}"


def estimate_memory(scenario: Scenario, *, replicas: int = 1) -> MemoryEstimate:
    """Upper-bound estimate of the memory a world of ``scenario`` takes over its whole run.

    ``replicas`` worlds built together (vector environments) multiply every part but telemetry,
    which replica worlds do not record.
    """
    k = replicas
    homes, horizon_s = scenario.homes.count, scenario.duration
    steps = math.ceil(horizon_s / scenario.resolution)
    parts = [
        MemoryPart("homes", k * homes * HOME_BYTES, f"{k * homes:,} homes"),
        MemoryPart("weather", k * steps * WEATHER_STEP_BYTES,
                   f"{k * steps:,} physics steps of {scenario.resolution} s"),
    ]
    if k == 1:
        parts.append(_telemetry(scenario))
    if scenario.traffic is not None:
        parts += [MemoryPart(p.name, k * p.bytes, p.driver) for p in _traffic(scenario)]
    parts.append(MemoryPart("base", BASE_BYTES, "the world's fixed parts"))
    return MemoryEstimate(tuple(parts))


def _telemetry(scenario: Scenario) -> MemoryPart:
    """Values recorded over the horizon: meter readings, plus traffic readings."""
    record, homes, pen = set(scenario.outputs.record), scenario.homes.count, scenario.homes.penetration
    per_home = sum(n for group, n in HOME_VALUES_PER_READING.items() if group in record)
    if "devices" in record:
        per_home += 1 + pen.heat_pump + 2 * pen.pv + 3 * pen.battery + 2 * pen.ev
    per_reading = homes * per_home + ("grid" in record) * FEEDER_VALUES_PER_READING * scenario.grid.feeders
    per_reading += 2 * ("weather" in record) + 3 * ("prices" in record)
    readings = scenario.duration // scenario.grid.meter_interval + 1
    frames = readings
    values = readings * per_reading
    drivers = [f"{readings:,} meter readings of {per_reading:,.0f} values"]
    t = scenario.traffic
    if t is not None:
        traffic_readings = scenario.duration // t.detector_interval + 1
        values += traffic_readings * TRAFFIC_VALUES_PER_READING * _street_sizes(scenario).n_int
        frames += traffic_readings
        drivers.append(f"{traffic_readings:,} traffic readings")
    return MemoryPart("telemetry", int(values * TELEMETRY_ROW_BYTES + frames * TELEMETRY_FRAME_BYTES),
                      " and ".join(drivers))


@dataclass(frozen=True)
class _StreetSizes:
    """What drives a street network's memory: counts, the longest link's storage, entry demand."""

    n_int: int
    n_queues: int
    n_entries: int
    storage_veh: float
    entry_vph: list[float]   # per entry, at the profile's peak
    cycle_s: int             # rows of the fixed-time table


def _street_sizes(scenario: Scenario) -> _StreetSizes:
    """Sizes of a grid from its fields; of an imported network from the file (read once, cached)."""
    t = scenario.traffic
    d, sig = t.demand, t.signals
    peak, od = d.peak_factor(), d.od_vph_by_origin()
    if t.imported:
        from twin.traffic.network import road_network
        from twin.traffic.signals import table_rows

        net = road_network(t)
        cycle = table_rows(net.programs, net)
        by_file = _route_file_vph(scenario, net)
        return _StreetSizes(n_int=net.n_int, n_queues=net.n_queues, n_entries=int(net.entries.size),
                            storage_veh=float(net.storage.max()) + 1,
                            entry_vph=[(d.entry_rate_vph * border + od.get(net.link_ids[e], 0.0)) * peak
                                       + by_file.get(int(e), 0.0) for e, border in zip(net.entries, net.border_entries)],
                            cycle_s=cycle)
    net = t.network
    n_int = net.rows * net.cols
    return _StreetSizes(
        n_int=n_int, n_queues=12 * n_int, n_entries=2 * (net.rows + net.cols),
        storage_veh=net.lanes * max(net.block_length_m, net.border_length_m) / t.jam_spacing_m + 1,
        entry_vph=[(d.side_vph.get(side, d.entry_rate_vph) + od.get(entry, 0.0)) * peak
                   for side, entry in border_entries(net.rows, net.cols)],
        cycle_s=sum(sig.green_s) + len(sig.phases) * (sig.yellow_s + sig.all_red_s))


def _route_file_vph(scenario: Scenario, net) -> dict[int, float]:
    """Vehicles/hour a route file brings in at each entry link (by index) over the run: its fixed
    departures and its flows' expected ones (the file as the world reads it, read once)."""
    t = scenario.traffic
    if t.demand.sumo_routes is None:
        return {}
    from twin.traffic.demand import make_demand

    plan = make_demand(t.demand, net, t.resolution, scenario.duration)
    out: dict[int, float] = {}
    for route, vph in zip(plan.file.routes, plan.file_route_vph):
        out[int(route[0])] = out.get(int(route[0]), 0.0) + float(vph)
    return out


def _traffic(scenario: Scenario) -> list[MemoryPart]:
    """Network, vehicles over the horizon, ring buffers and fixed-time signal tables of one world."""
    z = _street_sizes(scenario)
    hours = scenario.duration / 3600
    vehicles = sum(z.entry_vph) * hours
    # Vehicles that cannot enter wait in their entry's ring buffer, which widens every queue row:
    # at worst all of the busiest entry's arrivals over the horizon.
    slots = max(z.storage_veh, max(z.entry_vph, default=0.0) * hours)
    per_int, per_queue = SIGNAL_TABLE_BYTES
    rows = z.n_queues + z.n_entries
    return [
        MemoryPart("street network", z.n_int * INTERSECTION_BYTES, f"{z.n_int:,} intersections"),
        MemoryPart("vehicles", int(vehicles * VEHICLE_BYTES), f"{vehicles:,.0f} vehicles over the horizon"),
        MemoryPart("queue buffers", int(rows * slots * SLOT_BYTES),
                   f"{rows:,} queue rows x up to {slots:,.0f} waiting vehicles"),
        MemoryPart("signal tables", z.cycle_s * (z.n_int * per_int + z.n_queues * per_queue),
                   f"a {z.cycle_s:,} s cycle x {z.n_int:,} intersections"),
    ]


def available_memory_bytes() -> int | None:
    """Memory this process may still take (bytes): ``TWIN_MAX_MEMORY`` if set, else what the system
    and its cgroup say is available; None where neither can be read."""
    limit = os.environ.get("TWIN_MAX_MEMORY")
    if limit:
        return parse_bytes(limit)
    found = [v for v in (_meminfo_available(), _cgroup_available()) if v is not None]
    return min(found) if found else None


def check_memory(scenario: Scenario, *, replicas: int = 1, where: str = "") -> MemoryEstimate:
    """The estimate, or ScenarioTooLarge naming it and what drives it when it exceeds what is available."""
    estimate = estimate_memory(scenario, replicas=replicas)
    available = available_memory_bytes()
    if available is not None and estimate.total_bytes > available:
        source = "TWIN_MAX_MEMORY" if os.environ.get("TWIN_MAX_MEMORY") else "available on this machine"
        raise ScenarioTooLarge(
            f"{where or scenario.name}: this world would need about {estimate.describe()}; "
            f"{format_bytes(available)} is {source}\n  shorten the horizon, coarsen the resolution, record less "
            "(outputs.record) or build a smaller world; TWIN_MAX_MEMORY=64GB lifts the limit if you know it fits")
    return estimate


def format_bytes(n: float) -> str:
    """``1_234_567`` -> ``"1.2 MB"`` (decimal units)."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:.0f} B"


def parse_bytes(text: str) -> int:
    """``"8GB"``, ``"512 MB"``, ``"2GiB"`` -> bytes; TwinError naming the form otherwise."""
    match = _SIZE.match(text)
    if not match:
        raise TwinError(f"TWIN_MAX_MEMORY={text[:40]!r}: expected a size like 8GB or 512MB")
    power = "kmgt".find(match.group(2).lower()) + 1 if match.group(2) else 0
    base = 1024 if "i" in text.lower() else 1000
    return int(float(match.group(1)) * base**power)


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _cgroup_available() -> int | None:
    """What a container's memory limit leaves (cgroup v2, then v1); None without a limit."""
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            limit = Path(limit_file).read_text().strip()
            if limit == "max" or int(limit) >= 2**60:
                return None
            return int(limit) - int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
    return None
