"""Wire a scenario's ``traffic:`` section into a world: network, graph nodes, state, processes."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from twin.engine import ArrayState, Calendar
from twin.graph import DeviceGraph
from twin.scenario.traffic_schema import Traffic
from twin.telemetry.bus import TelemetryBus
from twin.traffic.demand import DemandPlan, TrafficDemand, make_demand
from twin.traffic.model import TrafficPhysics
from twin.traffic.network import RoadNetwork, add_traffic_nodes, detector_ids, grid_network
from twin.traffic.readings import TrafficReadings
from twin.traffic.signals import SignalPlan, SignalState, initial_state, make_plan
from twin.traffic.state import DetectorRegisters, OutsideState, QueueState, Vehicles, empty_vehicles


@dataclass(frozen=True)
class TrafficSystem:
    """References to the traffic parts of a world, for readings, envs, tests and the viewer."""

    net: RoadNetwork
    plan: SignalPlan
    demand: DemandPlan
    signals: SignalState
    queues: QueueState
    outside: OutsideState
    vehicles: Vehicles
    detectors: DetectorRegisters
    physics: TrafficPhysics
    readings: TrafficReadings
    source: TrafficDemand

    def state(self) -> dict[str, ArrayState]:
        """The traffic state arrays by name, for snapshots."""
        return {"signals": self.signals, "queues": self.queues, "outside": self.outside,
                "vehicles": self.vehicles, "detectors": self.detectors}


def _planned(vph: float, horizon_s: int) -> int:
    """Room for the vehicles a Poisson stream of ``vph`` can bring over the horizon, with a wide margin."""
    mean = vph * horizon_s / 3600.0
    return int(1.2 * mean + 10 * math.sqrt(mean) + 100)


def build_traffic(cfg: Traffic, *, graph: DeviceGraph, bus: TelemetryBus, calendar: Calendar,
                  rng: np.random.Generator, horizon_s: int, source: str = "scenario") -> TrafficSystem:
    """Generate the road network and everything that runs on it."""
    net = grid_network(cfg)
    add_traffic_nodes(graph, net)
    plan = make_plan(cfg.signals, net, cfg.network.block_length_m)
    demand = make_demand(cfg.demand, net, source)
    peak = demand.profile_factor.max() if demand.profile_factor.size else 1.0
    per_entry = demand.entry_vph + np.bincount(demand.od_entry, weights=demand.od_vph, minlength=net.entries.size)
    vehicles = empty_vehicles(_planned(demand.peak_vph(), horizon_s))
    outside_cap = _planned(float(per_entry.max(initial=0.0)) * peak, horizon_s)
    outside = OutsideState(buf=np.full((net.entries.size, outside_cap), -1, dtype=np.int64),
                           head=np.zeros(net.entries.size, dtype=np.int64),
                           count=np.zeros(net.entries.size, dtype=np.int64))
    cap = int(net.storage.max()) + 1
    queues = QueueState(buf=np.full((net.n_queues, cap), -1, dtype=np.int64),
                        head=np.zeros(net.n_queues, dtype=np.int64), count=np.zeros(net.n_queues, dtype=np.int64),
                        tokens=np.ones(net.n_queues), occupancy=np.zeros(net.n_links, dtype=np.int64),
                        entry_tokens=np.ones(net.entries.size))
    dets = detector_ids(net)
    detectors = DetectorRegisters(passed=np.zeros(len(dets)), busy_steps=np.zeros(len(dets)),
                                  steps=np.zeros((), dtype=np.int64))
    signals = initial_state(plan, net.n_int)
    physics = TrafficPhysics(net=net, plan=plan, demand=demand, signals=signals, queues=queues, outside=outside,
                             vehicles=vehicles, detectors=detectors, rng=rng)
    readings = TrafficReadings(bus=bus, net=net, interval_s=cfg.detector_interval, signals=signals, queues=queues,
                               outside=outside, vehicles=vehicles, detectors=detectors, detector_ids=dets)
    arrivals = TrafficDemand(calendar, demand, net, vehicles, outside, rng, cfg.demand.batch, horizon_s)
    return TrafficSystem(net=net, plan=plan, demand=demand, signals=signals, queues=queues, outside=outside,
                         vehicles=vehicles, detectors=detectors, physics=physics, readings=readings, source=arrivals)
