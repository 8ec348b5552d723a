"""The ``traffic:`` section of a scenario: the street grid, demand and signal control."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from twin.scenario.base import ClockTime, Duration, FieldProblem, Model

SIDES = ("N", "E", "S", "W")
MAX_QUEUE_BYTES = 2e9
SLOT_BYTES = 16  # a queue slot holds a vehicle id and its ready time, 8 bytes each
TURNS = ("left", "through", "right")
_PHASE = re.compile(r"^(?P<approaches>[NESW]+)(?::(?P<turns>[LTR]*))?$")
_BORDER_LINK = re.compile(r"^(?P<kind>entry|exit)/int-(?P<row>\d+)-(?P<col>\d+)/(?P<side>[NESW])$")


class GridNetwork(Model):
    """An N x M grid of signalized intersections with entry and exit links on the border."""

    rows: int = Field(4, ge=1, le=200)
    cols: int = Field(4, ge=1, le=200)
    block_length_m: float = Field(250.0, gt=10, le=5000, description="between neighbouring intersections")
    border_length_m: float = Field(250.0, gt=10, le=5000, description="entry and exit links")
    lanes: int = Field(2, ge=1, le=6)
    speed_limit_kmh: float = Field(45.0, gt=5, le=130)


class TurningRatios(Model):
    """Share of vehicles turning left, going through and turning right at each intersection."""

    left: float = Field(0.15, ge=0, le=1)
    through: float = Field(0.70, ge=0, le=1)
    right: float = Field(0.15, ge=0, le=1)

    @model_validator(mode="after")
    def _sum_to_one(self) -> "TurningRatios":
        total = self.left + self.through + self.right
        if abs(total - 1.0) > 1e-6:
            raise FieldProblem("", f"got left + through + right = {total:g}; the ratios must sum to 1")
        return self


class OdFlow(Model):
    """Vehicles per hour from one entry link to one exit link, routed on shortest free-flow time."""

    origin: str = Field(description="entry link id, e.g. entry/int-0-0/W")
    destination: str = Field(description="exit link id, e.g. exit/int-3-3/E")
    vph: float = Field(ge=0, description="vehicles per hour")


class ProfilePoint(Model):
    """Demand multiplier from a clock time on (piecewise constant, repeating daily)."""

    at: ClockTime
    factor: float = Field(ge=0)



class Demand(Model):
    """Poisson flows per entry with turning ratios, plus origin-destination flows."""

    entry_vph: float = Field(300.0, ge=0, description="Poisson arrivals per entry link, vehicles/hour")
    side_vph: dict[Literal["N", "E", "S", "W"], Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict, description="per border side (side vehicles enter from), overrides entry_vph")
    turning: TurningRatios = TurningRatios()
    od: tuple[OdFlow, ...] = ()
    profile: tuple[ProfilePoint, ...] = Field((), description="time-of-day multipliers; empty = 1.0 all day")
    batch: Duration = Field(60, description="arrivals are drawn in bulk once per batch; the profile factor "
                                           "in force at the start of a batch holds for all of it")


class Signals(Model):
    """Signal plans: phases, their timing and the built-in controller."""

    controller: Literal["fixed_time", "actuated", "external"] = Field(
        "fixed_time", description="external: an agent picks phases; the twin enforces min green, yellow and all-red")
    phases: tuple[str, ...] = Field(("NS", "EW"), description="approaches (N,E,S,W) and optional turns, e.g. 'NS:TR', 'EW:L'")
    green_s: tuple[Annotated[int, Field(ge=1)], ...] = Field((27, 27), description="fixed-time green per phase")
    yellow_s: int = Field(3, ge=0, le=10)
    all_red_s: int = Field(2, ge=0, le=10)
    min_green_s: int = Field(7, ge=1)
    max_green_s: int = Field(45, ge=1)
    gap_s: float = Field(3.0, gt=0, le=20, description="actuated: end green when no vehicle is this close")
    offsets: Literal["none", "green_wave"] = "green_wave"
    wave_speed_kmh: float = Field(40.0, gt=0)

    @field_validator("phases")
    @classmethod
    def _parse(cls, phases: tuple[str, ...]) -> tuple[str, ...]:
        if not phases:
            raise ValueError("needs at least one phase")
        for phase in phases:
            match = _PHASE.match(phase)
            if not match or match.group("turns") == "":
                raise ValueError(f"phase {phase!r} has no movement; write approaches from N,E,S,W and "
                                 "optional turns from L,T,R, e.g. 'NS', 'NS:TR', 'EW:L'")
        return phases

    @model_validator(mode="after")
    def _timing(self) -> "Signals":
        if len(self.green_s) != len(self.phases):
            raise FieldProblem("green_s", f"got {len(self.green_s)} greens for {len(self.phases)} phases; give one per phase")
        if self.max_green_s < self.min_green_s:
            raise FieldProblem("max_green_s", f"got {self.max_green_s}; must be at least min_green_s ({self.min_green_s})")
        return self

    def movements(self) -> list[set[tuple[str, str]]]:
        """Per phase, the (approach side, turn letter) pairs that have green."""
        out = []
        for phase in self.phases:
            match = _PHASE.match(phase)
            turns = match.group("turns") or "LTR"
            out.append({(a, t) for a in match.group("approaches") for t in turns})
        return out

    @model_validator(mode="after")
    def _every_movement_served(self) -> "Signals":
        served = set().union(*self.movements())
        missing = [f"{a}:{t}" for a in SIDES for t in "LTR" if (a, t) not in served]
        if missing:
            raise FieldProblem("phases", f"movements {', '.join(missing)} have green in no phase; "
                                         "every approach and turn needs a phase")
        return self


class Traffic(Model):
    """The city's streets: network, demand, signals, and their time step."""

    network: GridNetwork = GridNetwork()
    demand: Demand = Demand()
    signals: Signals = Signals()
    resolution: Duration = Field(1, description="traffic time step")
    saturation_flow_vphpl: float = Field(1800.0, gt=0, le=3600, description="vehicles/hour/lane at green")
    jam_spacing_m: float = Field(7.5, gt=2, le=30, description="road length one queued vehicle takes")
    detector_interval: Duration = Field(60, description="detector and queue readings")

    @model_validator(mode="after")
    def _od_links_exist(self) -> "Traffic":
        rows, cols = self.network.rows, self.network.cols
        for k, flow in enumerate(self.demand.od):
            for field, link, kind in (("origin", flow.origin, "entry"), ("destination", flow.destination, "exit")):
                if not _on_border(link, kind, rows, cols):
                    raise FieldProblem(f"demand.od[{k}].{field}", (
                        f"got {link!r}; expected an {kind} link on the border of the {rows}x{cols} grid, "
                        f"{kind}/int-ROW-COL/SIDE, e.g. {kind}/int-0-0/W or {kind}/int-{rows - 1}-{cols - 1}/E"))
        return self

    @model_validator(mode="after")
    def _steps(self) -> "Traffic":
        dt = self.resolution
        if dt <= 0 or dt > 5:
            raise FieldProblem("resolution", f"got {dt}s; must be 1s to 5s")
        for field, value in (("detector_interval", self.detector_interval), ("demand.batch", self.demand.batch)):
            if value <= 0 or value % dt:
                raise FieldProblem(field, f"got {value}s; must be a whole, positive number of traffic steps ({dt}s)")
        sig = self.signals
        for field, value in [("yellow_s", sig.yellow_s), ("all_red_s", sig.all_red_s), ("min_green_s", sig.min_green_s),
                             ("max_green_s", sig.max_green_s)] + [(f"green_s[{k}]", g) for k, g in enumerate(sig.green_s)]:
            if value % dt:
                # Signals change only between steps; a time between them would be skipped or stretched.
                raise FieldProblem(f"signals.{field}", f"got {value}s; must be a multiple of the traffic step ({dt}s)")
        return self

    @model_validator(mode="after")
    def _links_hold_vehicles(self) -> "Traffic":
        net = self.network
        shortest = min(net.block_length_m, net.border_length_m)
        if net.lanes * shortest < self.jam_spacing_m:
            raise FieldProblem("jam_spacing_m", f"got {self.jam_spacing_m} m; a {shortest:g} m link with {net.lanes} "
                                                "lane(s) would hold no vehicle; make links longer or spacing shorter")
        # Queues live in (queues x longest link) arrays: keep them within memory.
        queues = 12 * net.rows * net.cols
        slots = net.lanes * max(net.block_length_m, net.border_length_m) / self.jam_spacing_m + 1
        if queues * slots * SLOT_BYTES > MAX_QUEUE_BYTES:
            raise FieldProblem("network", f"a {net.rows}x{net.cols} grid with {net.lanes} lanes and links up to "
                                          f"{max(net.block_length_m, net.border_length_m):g} m needs "
                                          f"{queues * slots * SLOT_BYTES / 1e9:.1f} GB of queue buffers; at most "
                                          f"{MAX_QUEUE_BYTES / 1e9:g} GB: use fewer intersections, lanes or metres")
        return self


def _on_border(link: str, kind: str, rows: int, cols: int) -> bool:
    """Whether ``link`` names an entry/exit link that a rows x cols grid has."""
    match = _BORDER_LINK.match(link)
    if not match or match.group("kind") != kind:
        return False
    r, c, side = int(match.group("row")), int(match.group("col")), match.group("side")
    if r >= rows or c >= cols:
        return False
    return {"N": r == 0, "S": r == rows - 1, "W": c == 0, "E": c == cols - 1}[side]
