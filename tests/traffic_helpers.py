"""Small traffic worlds, and a probe that records every discharge of the traffic model."""

from __future__ import annotations

import numpy as np

from twin.build import build_world
from twin.scenario.schema import Scenario
from twin.traffic import ring
from twin.traffic.trips import Trips


def traffic_scenario(duration: str = "20min", seed: int = 5, **traffic) -> Scenario:
    """A streets-only world: 2x2 grid, 300 vph per entry, fixed time, unless overridden."""
    base: dict = {"network": {"rows": 2, "cols": 2}, "demand": {"entry_vph": 300}}
    for key, value in traffic.items():
        base[key] = {**base.get(key, {}), **value} if isinstance(value, dict) else value
    return Scenario.model_validate({"name": "streets", "seed": seed, "start": "2025-01-14 07:00",
                                    "duration": duration, "homes": {"count": 0}, "outputs": {"record": []},
                                    "traffic": base})


def trips_of(world) -> Trips:
    """The world's trips up to now."""
    t = world.traffic
    return Trips.from_vehicles(t.vehicles, t.net.link_ids, world.now_s)


class DischargeLog:
    """Records each step's discharges: time, queues (one entry per vehicle that left, in order),
    vehicles, their ready times, targets, and the signals and occupancy at the start of the step."""

    def __init__(self, world):
        tr = world.traffic
        q, v = tr.queues, tr.vehicles
        self.events: list[dict] = []
        original = tr.physics.step

        def step(t):
            head, buf, ready, occupancy = q.head.copy(), q.buf.copy(), v.ready_s.copy(), q.occupancy.copy()
            original(t)
            cap = buf.shape[1]
            left = (q.head - head) % cap
            if not left.any():
                return
            cross = np.repeat(np.arange(left.size), left)
            nth = np.arange(cross.size) - np.repeat(np.cumsum(left) - left, left)
            movers = ring.in_line(buf, head, int(left.max()))[cross, nth]
            self.events.append({
                "t": t, "cross": cross, "movers": movers, "ready": ready[movers],
                "target": tr.physics.target[cross].copy(),
                "green": tr.plan.green(tr.net, tr.signals).copy(), "interval": tr.signals.interval.copy(),
                "occupancy": occupancy})

        tr.physics.step = step  # the process looks the method up on the instance each time
        tr.physics.max_steps_per_fire = 1  # so that it runs every step through ``step``


def make(scenario: Scenario):
    """Build a world with a discharge log attached."""
    world = build_world(scenario)
    return world, DischargeLog(world)


def in_network(tr, t: int) -> np.ndarray:
    """Bool per vehicle: entered by ``t`` and not yet arrived."""
    v, n = tr.vehicles, int(tr.vehicles.n)
    entered = (v.enter_s[:n] >= 0) & (v.enter_s[:n] <= t)
    arrived = (v.arrive_s[:n] >= 0) & (v.arrive_s[:n] <= t)
    return entered & ~arrived
