"""Wire a scenario's ``traffic:`` section into a world: network, graph nodes, state, processes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.engine import ArrayState, Calendar
from twin.replicate import tile_demand, tile_network, tile_plan
from twin.scenario.traffic_schema import Traffic
from twin.streams import Streams
from twin.telemetry.bus import TelemetryBus
from twin.traffic.demand import DemandPlan, TrafficDemand, make_demand
from twin.traffic.kinematics import junction_times
from twin.traffic.model import TrafficPhysics
from twin.traffic.network import RoadNetwork, detector_ids
from twin.traffic.readings import TrafficReadings
from twin.traffic.signals import SignalPlan, SignalState, initial_state, make_plan
from twin.traffic.max_pressure import MaxPressureControl
from twin.traffic.state import NEVER_S, DetectorRegisters, QueueState, TurnDraws, Vehicles, empty_turn_draws, empty_vehicles


@dataclass(frozen=True)
class TrafficSystem:
    """References to the traffic parts of a world, for readings, envs, tests and the viewer."""

    net: RoadNetwork
    plan: SignalPlan
    demand: DemandPlan
    signals: SignalState
    queues: QueueState
    vehicles: Vehicles
    detectors: DetectorRegisters
    turns: TurnDraws
    physics: TrafficPhysics
    readings: TrafficReadings
    source: TrafficDemand
    control: MaxPressureControl | None   # the signal controller's own process, where it has one

    def processes(self, record: bool) -> list:
        """The processes that run the streets (``record``: with the readings, which replicas skip)."""
        return [self.source, self.physics] + ([self.control] if self.control else []) + \
            ([self.readings] if record else [])

    def state(self) -> dict[str, ArrayState]:
        """The traffic state arrays by name, for snapshots."""
        return {"signals": self.signals, "queues": self.queues, "vehicles": self.vehicles,
                "detectors": self.detectors, "turns": self.turns}


def build_traffic(cfg: Traffic, *, one: RoadNetwork, bus: TelemetryBus, calendar: Calendar,
                  streams: Streams, horizon_s: int) -> TrafficSystem:
    """Everything that runs on the road network ``one`` (``road_network(cfg)``), one copy per
    replica world. The device graph's street nodes are :func:`twin.traffic.network.add_traffic_nodes`'."""
    dt_s = cfg.resolution
    k = streams.replicas
    net = tile_network(one, k)
    block_m = 0.0 if cfg.imported else cfg.network.block_length_m
    plan = tile_plan(make_plan(cfg.signals, one, dt_s, block_m), one, k)
    demand = tile_demand(make_demand(cfg.demand, one, dt_s, horizon_s), one, k)
    # Vehicle arrays and buffers start at a typical size and grow (between steps) when they must.
    vehicles = empty_vehicles(int(demand.peak_vph() * min(horizon_s, 3600) / 3600) + 64)
    rows = net.n_queues + net.entries.size
    cap = int(net.storage.max()) + 1
    queues = QueueState(buf=np.full((rows, cap), -1, dtype=np.int64),
                        slot_ready_s=np.zeros((rows, cap), dtype=np.int64), head=np.zeros(rows, dtype=np.int64),
                        count=np.zeros(rows, dtype=np.int64), head_ready_s=np.full(rows, NEVER_S),
                        tokens=np.ones(rows),
                        occupancy=np.zeros(net.n_links, dtype=np.int64), delay_s=np.zeros(rows),
                        halted=np.zeros(net.n_queues, dtype=np.int64), halted_at_s=np.full((), -1, dtype=np.int64))
    dets = detector_ids(net)
    # Registers per queue (the outside queues' rows are never published); summed per approach when read.
    detectors = DetectorRegisters(passed=np.zeros(rows), busy_steps=np.zeros(rows),
                                  steps=np.zeros((), dtype=np.int64))
    signals = initial_state(plan, net.n_int)
    turns = empty_turn_draws(k, 0)  # the physics sizes it to the draws a step may need
    physics = TrafficPhysics(net=net, plan=plan, demand=demand, signals=signals, queues=queues,
                             vehicles=vehicles, detectors=detectors, turns=turns,
                             junctions=junction_times(net, accel_mps2=cfg.accel_mps2, decel_mps2=cfg.decel_mps2,
                                                      shortfall_mps=cfg.speed_shortfall_mps, dt_s=dt_s),
                             streams=streams.substream("traffic_turns"), dt_s=dt_s)
    readings = TrafficReadings(bus=bus, net=net, interval_s=cfg.detector_interval, signals=signals, queues=queues,
                               vehicles=vehicles, detectors=detectors, detector_ids=dets)
    arrivals = TrafficDemand(calendar, demand, net, vehicles, queues, streams.substream("traffic_demand"),
                             cfg.demand.batch, horizon_s, dt_s)
    control = None
    if cfg.signals.controller == "max_pressure":
        t = cfg.demand.turning
        control = MaxPressureControl(net=net, plan=plan, signals=signals, queues=queues,
                                     turning=(t.left, t.through, t.right), decision_s=cfg.signals.decision_s,
                                     turn_cdf=demand.turn_cdf)
    return TrafficSystem(net=net, plan=plan, demand=demand, signals=signals, queues=queues, vehicles=vehicles,
                         detectors=detectors, turns=turns, physics=physics, readings=readings, source=arrivals,
                         control=control)
