"""The ``traffic:`` section of a scenario: the street network (a generated grid or a SUMO file),
demand and signal control."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from twin.scenario.base import ClockTime, FieldProblem, Model, duration_between
from twin.traffic.ids import intersection_id, link_id

SIDES = ("N", "E", "S", "W")
MAX_SIGNAL_S = 3600       # no green, cycle part or detector gap in a real plan comes near an hour
MAX_FLOW_VPH = 6 * 3600   # six lanes at the highest saturation flow: more than any entry can take
MAX_QUEUE_BYTES = 2e9
SLOT_BYTES = 16  # a queue slot holds a vehicle id and its ready time, 8 bytes each
TURNS = ("left", "through", "right")
_PHASE = re.compile(r"^(?P<approaches>[NESW]+)(?::(?P<turns>[LTR]*))?$")
_BORDER_LINK = re.compile(r"^(?P<kind>entry|exit)/int-(?P<row>\d+)-(?P<col>\d+)/(?P<side>[NESW])$")


class GridNetwork(Model):
    """An N x M grid of signalized intersections with entry and exit links on the border."""

    rows: int = Field(4, ge=1, le=200, description="intersections north to south")
    cols: int = Field(4, ge=1, le=200, description="intersections west to east")
    block_length_m: float = Field(250.0, gt=10, le=5000, description="between neighbouring intersections, m")
    border_length_m: float = Field(250.0, gt=10, le=5000, description="entry and exit links, m")
    lanes: int = Field(2, ge=1, le=6, description="lanes per direction on every link")
    speed_limit_kmh: float = Field(45.0, gt=5, le=130, description="free-flow speed, km/h")


class SumoNetwork(Model):
    """A road network read from a SUMO network file: its junctions, edges, lanes, connections and
    signal programs (see twin.traffic.sumo_net for what is read and how)."""

    sumo_net: str = Field(min_length=1, max_length=4096,
                          description="path to a SUMO .net.xml file (netconvert, netgenerate, netedit); "
                                      "relative to the scenario file's folder")


# Tags pydantic puts in an error's location inside ``traffic.network``; the loader leaves them out.
NETWORK_TAGS = {"grid_network": GridNetwork, "sumo_network": SumoNetwork}


def _network_tag(value: Any) -> str:
    if isinstance(value, dict):
        return "sumo_network" if "sumo_net" in value else "grid_network"
    return "sumo_network" if isinstance(value, SumoNetwork) else "grid_network"


Network = Annotated[Union[Annotated[GridNetwork, Tag("grid_network")], Annotated[SumoNetwork, Tag("sumo_network")]],
                    Discriminator(_network_tag)]
# Signal fields an imported network brings itself, in its programs.
PROGRAM_FIELDS = ("phases", "green_s", "yellow_s", "all_red_s", "offsets", "wave_speed_kmh")
# Controllers that run on any network; max_pressure and agents (external) need a grid's four approaches.
ANY_NETWORK_CONTROLLERS = ("fixed_time", "actuated", "max_pressure")


class TurningRatios(Model):
    """Share of vehicles turning left, going through and turning right at each intersection."""

    left: float = Field(0.15, ge=0, le=1, description="share turning left, 0..1")
    through: float = Field(0.70, ge=0, le=1, description="share going straight on, 0..1")
    right: float = Field(0.15, ge=0, le=1, description="share turning right, 0..1")

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
    vph: float = Field(ge=0, le=MAX_FLOW_VPH, description="vehicles per hour")


class ProfilePoint(Model):
    """Demand multiplier from a clock time on (piecewise constant, repeating daily)."""

    at: ClockTime
    factor: float = Field(ge=0, le=10, description="multiplier of every flow, 0..10")


class Demand(Model):
    """Poisson flows per entry with turning ratios, plus origin-destination flows."""

    entry_vph: float = Field(300.0, ge=0, le=MAX_FLOW_VPH,
                             description="Poisson arrivals per entry link, vehicles/hour")
    side_vph: dict[Literal["N", "E", "S", "W"], Annotated[float, Field(ge=0, le=MAX_FLOW_VPH)]] = Field(
        default_factory=dict, description="vehicles/hour per entry of a border side (the side vehicles enter "
                                          "from), overrides entry_vph")
    turning: TurningRatios = TurningRatios()
    od: tuple[OdFlow, ...] = Field((), max_length=10_000, description="origin-destination flows, at most 10,000")
    profile: tuple[ProfilePoint, ...] = Field((), max_length=1440,
                                              description="time-of-day multipliers; empty = 1.0 all day")
    batch: duration_between(1, 3600) = Field(60, description="arrivals are drawn in bulk once per batch; the "
                                                             "profile factor in force at the start of a batch "
                                                             "holds for all of it; 1s to 1h")
    sumo_routes: str | None = Field(None, min_length=1, max_length=4096,
                                    description="a SUMO route file (.rou.xml) of vehicles, trips and flows on the "
                                                "SUMO network, relative to the scenario file; entry_vph is 0 then "
                                                "unless given")
    sumo_begin: duration_between(0, 10 * 86_400) = Field(0, description="sumo_routes: the SUMO time at the "
                                                                        "scenario's start (the sumocfg's begin); "
                                                                        "0s to 10d")
    unroutable: Literal["refuse", "skip"] = Field("refuse", description="sumo_routes: a vehicle whose route twin "
                                                                       "cannot drive (a U-turn, a start off an "
                                                                       "entry edge) is refused, or left out and "
                                                                       "counted")

    @property
    def entry_rate_vph(self) -> float:
        """Poisson arrivals per entry (vehicles/hour): ``entry_vph``, or 0 when a route file brings
        the demand and entry_vph is not given."""
        if self.sumo_routes is not None and "entry_vph" not in self.model_fields_set:
            return 0.0
        return self.entry_vph

    def peak_factor(self) -> float:
        """The largest multiplier the profile applies at any time of day (1.0 without a profile)."""
        return max((p.factor for p in self.profile), default=1.0)

    def od_vph_by_origin(self) -> dict[str, float]:
        """Vehicles per hour of the OD flows leaving each entry link, before the profile."""
        out: dict[str, float] = {}
        for flow in self.od:
            out[flow.origin] = out.get(flow.origin, 0.0) + flow.vph
        return out


class Signals(Model):
    """Signal plans: phases, their timing and the built-in controller."""

    controller: Literal["fixed_time", "actuated", "max_pressure", "external"] = Field(
        "fixed_time", description="max_pressure: every decision_s the phase with the largest queue pressure; "
                                  "external: an agent picks phases; the twin enforces min green, yellow and all-red")
    phases: tuple[Annotated[str, Field(max_length=20)], ...] = Field(
        ("NS", "EW"), max_length=12, description="approaches (N,E,S,W) and optional turns, e.g. 'NS:TR', 'EW:L'")
    green_s: tuple[Annotated[int, Field(ge=1, le=MAX_SIGNAL_S)], ...] = Field(
        (27, 27), max_length=12, description="fixed-time green per phase, s; at most 1 h")
    yellow_s: int = Field(3, ge=0, le=10, description="yellow after each green, s")
    all_red_s: int = Field(2, ge=0, le=10, description="all-red after each yellow, s")
    min_green_s: int = Field(7, ge=1, le=600, description="shortest green the controller gives, s")
    max_green_s: int = Field(45, ge=1, le=MAX_SIGNAL_S, description="actuated: longest green, s; at most 1 h")
    gap_s: float = Field(3.0, gt=0, le=20, description="actuated: end green when no vehicle is this close, s")
    decision_s: int = Field(5, ge=1, le=60, description="max_pressure: seconds between phase choices")
    offsets: Literal["none", "green_wave"] = "green_wave"
    wave_speed_kmh: float = Field(40.0, gt=0, le=200, description="speed the green wave is timed for, km/h")

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

    network: Network = Field(default_factory=GridNetwork,
                             description="a generated grid (rows, cols, ...) or {sumo_net: path/to/x.net.xml}")
    demand: Demand = Demand()
    signals: Signals = Signals()
    resolution: duration_between(1, 5) = Field(1, description="traffic time step, 1s to 5s")
    saturation_flow_vphpl: float = Field(1800.0, gt=0, le=3600, description="vehicles/hour/lane at green")
    jam_spacing_m: float = Field(7.5, gt=2, le=30, description="road length one queued vehicle takes, m")
    accel_mps2: float = Field(2.6, ge=0.5, le=10, description="vehicles' acceleration after a stop or a turn, "
                                                             "m/s² (SUMO's passenger default)")
    decel_mps2: float = Field(4.5, ge=0.5, le=10, description="vehicles' braking for a stop or a turn, m/s² "
                                                             "(SUMO's passenger default)")
    speed_shortfall_mps: float = Field(1.0, ge=0, le=5, description="how far below the speed limit vehicles "
                                       "cruise on average, m/s (SUMO's default drivers: about 1)")
    detector_interval: duration_between(1, 86400) = Field(60, description="detector and queue readings, 1s to 1d")

    @property
    def imported(self) -> bool:
        """Whether the network comes from a SUMO file (its own signal programs) rather than a grid."""
        return isinstance(self.network, SumoNetwork)

    @model_validator(mode="after")
    def _signals_of_imported_net(self) -> "Traffic":
        if not self.imported:
            if self.demand.sumo_routes is not None:
                raise FieldProblem("demand.sumo_routes", "names edges of a SUMO network: set network.sumo_net to "
                                                         "the .net.xml the route file was made for")
            return self
        for name in PROGRAM_FIELDS:
            if name in self.signals.model_fields_set:
                raise FieldProblem(f"signals.{name}", "comes from the SUMO network's signal programs "
                                                      "(network.sumo_net); remove it")
        if self.signals.controller not in ANY_NETWORK_CONTROLLERS:
            raise FieldProblem("signals.controller", f"got {self.signals.controller!r}; on a SUMO network twin "
                                                     f"runs {', '.join(ANY_NETWORK_CONTROLLERS)} (fixed_time "
                                                     "is the network's own programs; agents control grids only "
                                                     "so far)")
        if self.demand.side_vph:
            raise FieldProblem("demand.side_vph", "names the sides of a generated grid; on a SUMO network give "
                                                  "entry_vph for every entry and od flows by edge id")
        return self

    @model_validator(mode="after")
    def _od_links_exist(self) -> "Traffic":
        if self.imported:  # the loader checks them against the file
            return self
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
        for field, value in (("detector_interval", self.detector_interval), ("demand.batch", self.demand.batch)):
            if value <= 0 or value % dt:
                raise FieldProblem(field, f"got {value}s; must be a whole, positive number of traffic steps ({dt}s)")
        sig = self.signals
        timed = [("yellow_s", sig.yellow_s), ("all_red_s", sig.all_red_s), ("min_green_s", sig.min_green_s),
                 ("max_green_s", sig.max_green_s)] + [(f"green_s[{k}]", g) for k, g in enumerate(sig.green_s)]
        if self.imported:  # an imported net's program times are rounded to steps when it is read
            timed = [(f, v) for f, v in timed if f in ("min_green_s", "max_green_s")]
        for field, value in timed:
            if value % dt:
                # Signals change only between steps; a time between them would be skipped or stretched.
                raise FieldProblem(f"signals.{field}", f"got {value}s; must be a multiple of the traffic step ({dt}s)")
        if sig.controller == "max_pressure" and sig.decision_s % dt:
            # Only max_pressure decides on this period; the other controllers never read it.
            raise FieldProblem("signals.decision_s", f"got {sig.decision_s}s; must be a multiple of the traffic step ({dt}s)")
        return self

    @model_validator(mode="after")
    def _entries_take_their_demand(self) -> "Traffic":
        # More vehicles than an entry link can ever carry only pile up outside the network, without
        # bound: refuse them rather than let the backlog take the machine's memory.
        d, net = self.demand, self.network
        if self.imported:  # the loader checks each entry of the file
            return self
        capacity = net.lanes * self.saturation_flow_vphpl
        peak = d.peak_factor()
        od = d.od_vph_by_origin()
        for side, entry in border_entries(net.rows, net.cols):
            vph = (d.side_vph.get(side, d.entry_rate_vph) + od.get(entry, 0.0)) * peak
            if vph > capacity:
                shaped = f" at the profile's peak factor {peak:g}" if d.profile else ""
                raise FieldProblem("demand", f"{entry} would get {vph:,.0f} vehicles/h{shaped}; its {net.lanes} "
                                             f"lane(s) at {self.saturation_flow_vphpl:g} vehicles/h/lane carry at "
                                             f"most {capacity:,.0f}: lower entry_vph, side_vph, od or the profile")
        return self

    @model_validator(mode="after")
    def _links_hold_vehicles(self) -> "Traffic":
        net = self.network
        if self.imported:  # an imported link holds at least one vehicle (twin.traffic.sumo_net)
            return self
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


def border_entries(rows: int, cols: int) -> list[tuple[str, str]]:
    """(border side, entry link id) of every entry of a rows x cols grid."""
    north = [("N", link_id("entry", intersection_id(0, c), "N")) for c in range(cols)]
    south = [("S", link_id("entry", intersection_id(rows - 1, c), "S")) for c in range(cols)]
    west = [("W", link_id("entry", intersection_id(r, 0), "W")) for r in range(rows)]
    east = [("E", link_id("entry", intersection_id(r, cols - 1), "E")) for r in range(rows)]
    return north + south + west + east


def _on_border(link: str, kind: str, rows: int, cols: int) -> bool:
    """Whether ``link`` names an entry/exit link that a rows x cols grid has."""
    match = _BORDER_LINK.match(link)
    if not match or match.group("kind") != kind:
        return False
    r, c, side = int(match.group("row")), int(match.group("col")), match.group("side")
    if r >= rows or c >= cols:
        return False
    return {"N": r == 0, "S": r == rows - 1, "W": c == 0, "E": c == cols - 1}[side]
