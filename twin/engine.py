"""The engine: a SimPy clock driving the world's processes, with snapshot and restore.

A process is a small object with a ``name``, a ``priority`` and ``fire(now_s) -> next_wake_s``.
The engine keeps each process's next wake time in a table (``World.next_wake_s``), so a process
holds no state of its own beyond that; the world's whole state is its arrays, the rng state, the
clock and that table. That is what makes :meth:`World.snapshot` / :meth:`World.restore` exact.

Order at equal times. Every process has its own priority and SimPy orders events by
``(time, priority, insertion)``; with distinct priorities the insertion order never matters, so a
restored world replays events in exactly the order the original would have. Priorities below 0
are instantaneous events (readings, tariff changes, stochastic sources) and run before SimPy's
``run(until=t)`` stops at ``t``; priorities above 0 are physics steps that integrate forward from
``t`` and run after the stop. So ``world.run(until=t)`` leaves the world "as of t": every reading
up to and including ``t`` is out, and the step starting at ``t`` has not run. A new or restored
world is settled the same way at its own time: the tariff in force and the first draws are set.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np
import simpy
from simpy.events import Event

from twin.graph import DeviceGraph
from twin.streams import Streams

if TYPE_CHECKING:  # the systems are built on top of the engine; it only holds them
    from twin.build import EnergySystem
    from twin.citylearn.world import CityLearnSystem
    from twin.scenario.schema import Scenario
    from twin.telemetry.bus import TelemetryBus
    from twin.traffic.build import TrafficSystem

#: Which state array and fields a node of each kind shows: kind -> (state name, field names).
NodeFields = dict[str, tuple[str, tuple[str, ...]]]


class Process(Protocol):
    """What the engine drives: fired at its wake times, it returns the next one (or None)."""

    name: str
    priority: int

    def first_wake_s(self) -> int | None:
        """Seconds since start of the first firing, or None never to fire."""

    def fire(self, now_s: int) -> int | None:
        """Do this process's work at ``now_s``; return the next wake time (s) or None to stop."""

    # A process may also define ``fire_ahead(now_s, next_event_s) -> next_wake_s``: the engine then
    # calls it instead of ``fire``, with the time of the next event of any other process (or of the
    # end of the run; None if there is none), so that a physics step can run every step before
    # that event in one call. Nothing else can see the world in between, so it is the same world.


class Periodic:
    """Base of processes that run their ``step`` every ``period_s`` seconds from ``first_s`` on."""

    period_s: int
    first_s: int = 0

    def first_wake_s(self) -> int:
        """The first firing (s since start)."""
        return self.first_s

    def fire(self, now_s: int) -> int:
        """Run the step at ``now_s`` and schedule the next period."""
        self.step(now_s)
        return now_s + self.period_s

    def step(self, now_s: int) -> None:
        """What the process does at each firing."""
        raise NotImplementedError


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    # Reflection once per class: readings and steps ask for the arrays many times a second.
    return tuple(f.name for f in dataclasses.fields(cls))


class ArrayState:
    """Mixin for dataclasses whose fields are all numpy arrays of live, mutable state."""

    #: Counts every field of any ArrayState set to another object, construction included. Holders
    #: of prebuilt argument tuples for the compiled steps (:mod:`twin.compiled`) rebuild them when
    #: it has moved: arrays change in place on the hot path (``x += 1`` on a field sets it to itself,
    #: which does not count), and are replaced only when a buffer grows or a restore brings another
    #: shape.
    replacements: ClassVar[int] = 0

    def __setattr__(self, name: str, value: Any) -> None:
        if self.__dict__.get(name) is not value:  # not getattr: a first assignment would raise inside it
            ArrayState.replacements += 1
        object.__setattr__(self, name, value)

    def arrays(self) -> dict[str, np.ndarray]:
        """Field name -> the live array (not a copy)."""
        return {name: getattr(self, name) for name in _field_names(type(self))}

    def zero(self) -> None:
        """Set every array to zero in place (registers cleared at a reading)."""
        for name in _field_names(type(self)):
            getattr(self, name).fill(0)

    def save(self) -> dict[str, np.ndarray]:
        """Copies of every array."""
        return {name: arr.copy() for name, arr in self.arrays().items()}

    def load(self, saved: dict[str, np.ndarray]) -> None:
        """Copy ``saved`` back into the live arrays in place, so views of them stay valid.

        A field whose shape changed since (a buffer that grew) is replaced instead; code on the
        hot path reads fields through their ArrayState, never through a kept reference.
        """
        for name, arr in self.arrays().items():
            if arr.shape == saved[name].shape:
                arr[...] = saved[name]
            else:
                setattr(self, name, saved[name].copy())


@dataclass(frozen=True)
class Calendar:
    """Maps simulated seconds since the start to local (standard) time of day and weekday."""

    start: dt.datetime

    @property
    def start_second_of_day(self) -> int:
        """Seconds after local midnight at the start."""
        return self.start.hour * 3600 + self.start.minute * 60 + self.start.second

    def seconds_of_day(self, t_s: int) -> int:
        """Seconds after local midnight at ``t_s`` seconds since start."""
        return (self.start_second_of_day + t_s) % 86400

    def hour_of_day(self, t_s: int) -> int:
        """Local hour 0..23 at ``t_s`` seconds since start."""
        return self.seconds_of_day(t_s) // 3600

    def weekday(self, t_s: int) -> int:
        """Day of the week at ``t_s``, Monday 0 to Sunday 6."""
        return (self.start.weekday() + (self.start_second_of_day + t_s) // 86400) % 7

    def next_midnight_s(self, t_s: int) -> int:
        """The first local midnight strictly after ``t_s`` (s since start)."""
        return t_s + 86400 - self.seconds_of_day(t_s)


# Between the instantaneous events (< 0, and SimPy's own process starts at 0) and physics (> 0).
SETTLE_PRIORITY = 0.5


class _Wake(Event):
    """A timeout with an explicit priority (SimPy's Timeout always uses NORMAL)."""

    def __init__(self, env: simpy.Environment, delay: int, priority: float):
        self.env = env
        self.callbacks = []
        self._value = None
        self._ok = True
        env.schedule(self, priority, delay)


@dataclass(frozen=True)
class Steps:
    """Each subsystem's time step (s), named in one place: the homes' physics and meters step, and
    the streets' step (None without streets). Decision intervals are the envs' and divide by these."""

    homes_s: int
    traffic_s: int | None = None


@dataclass(frozen=True)
class WorldSnapshot:
    """Everything needed to continue a world exactly: clock, wake table, rng states and arrays."""

    time_s: int
    next_wake_s: dict[str, int | None]
    rng_state: dict[str, list[dict[str, Any]]]  # per stream name ("" the main one), per replica
    arrays: dict[str, dict[str, np.ndarray]]


class World:
    """One simulated world: graph, state arrays, processes, seeded streams and the SimPy clock.

    A world may hold K replica worlds side by side (``streams.replicas``): their entities are laid
    out replica by replica along every array and they share the clock, so one step advances all.
    Build worlds with :func:`twin.build.build_world`; this class only runs them.
    """

    def __init__(self, *, scenario: Scenario, graph: DeviceGraph | Callable[[], DeviceGraph], calendar: Calendar,
                 steps: Steps, streams: Streams, state: dict[str, ArrayState], processes: list[Process],
                 bus: TelemetryBus, energy: EnergySystem, traffic: TrafficSystem | None, node_fields: NodeFields,
                 on_restore: list[Callable[[int], None]] | None = None, citylearn: CityLearnSystem | None = None):
        priorities = [p.priority for p in processes]
        if len(set(priorities)) != len(priorities) or 0 in priorities:
            raise ValueError(f"process priorities must be distinct and non-zero, got {priorities}")
        self.scenario = scenario
        self._graph = graph
        self.calendar = calendar
        self.start = calendar.start
        self.steps = steps
        self.streams = streams
        self.state = state
        self.bus = bus            # every reading of the world, homes and streets alike
        # Always present: the weather, tariff and carbon readings run even in a world without homes.
        self.energy = energy
        self.traffic = traffic    # None in a world without streets
        self.citylearn = citylearn  # a CityLearn dataset's buildings (homes.source: citylearn), or None
        self.node_fields = node_fields
        self.processes = {p.name: p for p in processes}
        self.on_restore = list(on_restore or [])
        self.next_wake_s: dict[str, int | None] = {p.name: p.first_wake_s() for p in processes}
        self._start_clock(0)

    @property
    def graph(self) -> DeviceGraph:
        """The device graph; a world given how to build it builds it at first use."""
        if not isinstance(self._graph, DeviceGraph):
            self._graph = self._graph()
        return self._graph

    # -- running ---------------------------------------------------------------------------
    @property
    def now_s(self) -> int:
        """Simulated seconds since the scenario start."""
        return int(self.env.now)

    @property
    def now(self) -> dt.datetime:
        """The simulated wall-clock time (local standard time)."""
        return self.start + dt.timedelta(seconds=self.now_s)

    def run(self, until_s: int) -> None:
        """Advance to ``until_s`` seconds since start (see the module docstring for what runs at it)."""
        if until_s <= self.now_s:
            raise ValueError(f"until_s={until_s} must be after the current time {self.now_s}")
        self.env.run(until=until_s)

    def advance(self, seconds: int) -> None:
        """Advance by ``seconds`` of simulated time (one decision interval, say)."""
        self.run(self.now_s + seconds)

    def _start_clock(self, time_s: int) -> None:
        self.env = simpy.Environment(initial_time=time_s)
        # Start drivers in a fixed order; with distinct priorities the order is immaterial anyway.
        for name in sorted(self.processes, key=lambda n: self.processes[n].priority):
            self.env.process(self._drive(self.processes[name]))
        # Settle to "as of time_s": run the instantaneous events due now (tariff in force,
        # first draws), stopping before the physics step, exactly as run(until=time_s) would.
        self.env.run(until=_Wake(self.env, 0, SETTLE_PRIORITY))

    def _drive(self, process: Process) -> Iterator[Event]:
        # Looked up once per driver, not per firing: a decision fires several processes.
        env, name, priority, table = self.env, process.name, process.priority, self.next_wake_s
        ahead = getattr(process, "fire_ahead", None)
        while True:
            wake = table[name]
            if wake is None:
                return
            yield _Wake(env, wake - env.now, priority)
            if ahead is None:
                table[name] = process.fire(wake)
            else:
                upcoming = env.peek()  # this wake is already off the queue
                table[name] = ahead(wake, None if upcoming == simpy.core.Infinity else int(upcoming))

    @property
    def replicas(self) -> int:
        """Number of replica worlds stepped together (1 for a plain world)."""
        return self.streams.replicas

    # -- state -----------------------------------------------------------------------------
    def node_state(self, node_id: str) -> dict[str, Any]:
        """The live state of one device-graph node, read from the arrays now (not a kept copy)."""
        node = self.graph.node(node_id)
        where = self.node_fields.get(node["kind"])
        if where is None or "index" not in node:
            return {}
        arrays = self.state[where[0]].arrays()
        return {name: arrays[name][node["index"]].item() for name in where[1]}

    # -- state -----------------------------------------------------------------------------
    def snapshot(self) -> WorldSnapshot:
        """A deep copy of the world's state; the world runs on unaffected."""
        return WorldSnapshot(
            time_s=self.now_s,
            next_wake_s=dict(self.next_wake_s),
            rng_state=self.streams.state(),
            arrays={name: part.save() for name, part in self.state.items()},
        )

    def restore(self, snap: WorldSnapshot) -> None:
        """Put the world back to ``snap`` (taken from this world or an identically built one).

        ``on_restore`` callbacks (the telemetry bus's rewind) learn the time it went back to.
        """
        for name, part in self.state.items():
            part.load(snap.arrays[name])
        self.streams.set_state(snap.rng_state)
        self.next_wake_s = dict(snap.next_wake_s)
        self._start_clock(snap.time_s)
        for callback in self.on_restore:
            callback(snap.time_s)

