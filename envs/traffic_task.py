"""What a signal agent sees, does and is rewarded for, for every intersection of a world at once.

Serves TrafficGrid-v0, its native vector version and the PettingZoo ``traffic_grid_v0``. Every
intersection of a grid has four approaches with left, through and right lane groups: 12
movements, ordered approach N, E, S, W and within each L, T, R. Intersections are laid out
replica by replica. See ``docs/environments.md``.
"""

from __future__ import annotations

import numpy as np

from twin.engine import World
from twin.traffic.kernel import halted_per_queue
from twin.traffic.signals import GREEN

MOVEMENTS = tuple(f"{side}{turn}" for side in "NESW" for turn in "LTR")


class TrafficTask:
    """Observations, phase requests and reward terms of every intersection in ``world``."""

    def __init__(self, world: World, weights: dict[str, float], interval_s: int):
        t = world.parts["traffic"]
        self.world, self.net, self.sig, self.q, self.v = world, t.net, t.signals, t.queues, t.vehicles
        self.weights, self.interval_s = weights, interval_s
        self.n_phases = t.plan.n_phases
        net = self.net
        self.n_int = net.n_int
        self.q_of_int = np.full((net.n_int, len(MOVEMENTS)), -1, dtype=np.int64)
        self.q_of_int[net.q_int, net.q_side.astype(int) * 3 + net.q_turn.astype(int)] = np.arange(net.n_queues)
        if (self.q_of_int < 0).any():
            raise ValueError("every intersection needs four approaches with three movements each")
        # Every row (movement queues, then outside queues) belongs to the intersection it leads to.
        self.row_int = np.concatenate([net.q_int, net.link_to[net.entries]]).astype(np.int64)
        self.movement_rows = np.arange(net.n_queues)
        self.n_features = 2 * len(MOVEMENTS) + self.n_phases + 2
        self._last_delay = self._delay_s()
        self._last_phase = self.sig.phase.copy()

    # -- observations ------------------------------------------------------------------------
    def halted(self) -> np.ndarray:
        """Vehicles at the stop line (reached it, not yet crossed) per movement queue."""
        q = self.q
        return halted_per_queue(q.buf, q.head, q.count, self.v.ready_s, self.world.now_s, self.movement_rows.size)

    def observe(self) -> np.ndarray:
        """(intersections, features) float32: halted and approaching per movement, phase, interval."""
        halted = self.halted()
        self._halted = halted
        approaching = self.q.count[self.movement_rows] - halted
        s = self.sig
        out = np.zeros((self.n_int, self.n_features), dtype=np.float32)
        m = len(MOVEMENTS)
        out[:, :m] = halted[self.q_of_int]
        out[:, m:2 * m] = approaching[self.q_of_int]
        out[np.arange(self.n_int), 2 * m + s.phase] = 1.0
        out[:, -2] = s.interval != GREEN
        out[:, -1] = s.t_in_s
        return np.minimum(out, 100_000, out=out)

    # -- actions -----------------------------------------------------------------------------
    def act(self, phases: np.ndarray) -> None:
        """Ask every intersection for a phase (the twin keeps min green, yellow and all-red)."""
        self.sig.request[...] = phases

    # -- rewards -----------------------------------------------------------------------------
    def _delay_s(self) -> np.ndarray:
        return np.bincount(self.row_int, weights=self.q.delay_s, minlength=self.n_int)

    def reward_terms(self) -> dict[str, np.ndarray]:
        """Weighted, signed terms per intersection over the last interval (call after observe())."""
        w = self.weights
        halted = np.bincount(self.net.q_int, weights=self._halted, minlength=self.n_int)
        delay = self._delay_s()
        switched = self.sig.phase != self._last_phase
        terms = {"queue": -w.get("queue", 0.0) * halted * self.interval_s / 3600.0,
                 "delay": -w.get("delay", 0.0) * (delay - self._last_delay) / 3600.0,
                 "switch": -w.get("switch", 0.0) * switched}
        self._last_delay, self._last_phase = delay, self.sig.phase.copy()
        return terms
