"""Who the signal agents of a road network are, and how each one's observation is laid out.

An agent is a signalized intersection. Its observation is, in this order: the vehicles halted at
the stop line of each of its movement queues, then the vehicles approaching on them (on the link,
not yet at the line), its phase one-hot, 1 in yellow or all-red, and the seconds in the current
interval. A generated grid's intersections are all agents with the same 12 movements, ordered
approach N, E, S, W and within each L, T, R (``MOVEMENTS``), and the scenario's phase plan. An
imported SUMO network's agents are its traffic lights (unsignalized junctions are not agents):
each has the movements its incoming edges have (one per edge and turn, in the network's order,
named ``edge:L|T|R``, ``edge:U`` for a U-turn) and its own program's phases, so observations and action counts differ from
agent to agent. Agents are laid out replica by replica, as the world lays out intersections.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.traffic.network import TURN_LETTERS, RoadNetwork

MOVEMENTS = tuple(f"{side}{turn}" for side in "NESW" for turn in "LTR")
VEHICLE_LIMIT = 100_000  # per movement; observations are clipped to it


def feature_count(n_movements: int, n_phases: int) -> int:
    """Observation features of one agent: halted and approaching per movement, the phase one-hot,
    in yellow/all-red, and seconds in the current interval."""
    return 2 * n_movements + n_phases + 2


@dataclass(frozen=True, eq=False)
class SignalAgents:
    """The agents of one network (replicas included) and where each one's numbers sit.

    Agent ``a`` is intersection ``intersection[a]`` with ``n_phases[a]`` phases; its movement
    queues are ``queues[queue_start[a]:queue_start[a + 1]]`` in observation order, and its
    features ``obs_start[a]:obs_start[a + 1]`` of the flat observation.
    """

    ids: tuple[str, ...]
    intersection: np.ndarray   # (A,) int64
    n_phases: np.ndarray       # (A,) int64
    queue_start: np.ndarray    # (A + 1,) int64
    queues: np.ndarray         # movement queue indices, agent by agent
    obs_start: np.ndarray      # (A + 1,) int64
    every_intersection: bool   # agent a is intersection a, for all of them (grids): nothing to select

    @classmethod
    def of(cls, net: RoadNetwork, phases_at: np.ndarray) -> "SignalAgents":
        """The agents of ``net``, whose intersections have ``phases_at[i]`` phases each.

        Raises ValueError when a generated grid's intersection lacks one of its 12 movements, or a
        network has no traffic light to control.
        """
        q_int = net.q_int.astype(np.int64)
        if net.imported:
            agents = np.flatnonzero(net.programs.signalized)  # a tiled net's programs are tiled with it
            order = np.argsort(q_int, kind="stable")  # each intersection's queues in the net's order
        else:
            agents = np.arange(net.n_int)
            movement = net.q_side.astype(np.int64) * len(TURN_LETTERS) + net.q_turn.astype(np.int64)
            order = np.argsort(q_int * len(MOVEMENTS) + movement, kind="stable")
            per_int = np.bincount(q_int, minlength=net.n_int)
            if (per_int != len(MOVEMENTS)).any() or np.unique(q_int * len(MOVEMENTS) + movement).size != q_int.size:
                raise ValueError("every intersection needs four approaches with three movements each")
        if agents.size == 0:
            raise ValueError("the network has no traffic light: there is no signal to control")
        counts = np.bincount(q_int, minlength=net.n_int)
        mine = np.isin(q_int[order], agents)
        queues = order[mine].astype(np.int64)
        queue_start = np.concatenate([[0], np.cumsum(counts[agents])]).astype(np.int64)
        n_phases = np.asarray(phases_at, dtype=np.int64)[agents]
        sizes = 2 * counts[agents] + n_phases + 2
        obs_start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        every = bool(agents.size == net.n_int)
        return cls(tuple(net.int_ids[i] for i in agents), agents.astype(np.int64), n_phases, queue_start,
                   queues, obs_start, every)

    def tiled(self, k: int, n_int: int, n_queues: int) -> "SignalAgents":
        """The agents of ``k`` copies of the network they were made for (``n_int`` intersections and
        ``n_queues`` movement queues each), laid out replica by replica as
        :func:`twin.replicate.tile_network` lays out the copies."""
        if k == 1:
            return self
        r = np.arange(k)
        span, width = self.queue_start[-1], self.obs_start[-1]
        return SignalAgents(
            ids=tuple(i if c == 0 else f"w{c}/{i}" for c in range(k) for i in self.ids),
            intersection=(self.intersection[None, :] + r[:, None] * n_int).ravel(),
            n_phases=np.tile(self.n_phases, k),
            queue_start=np.concatenate([(self.queue_start[:-1][None, :] + r[:, None] * span).ravel(), [k * span]]),
            queues=(self.queues[None, :] + r[:, None] * n_queues).ravel(),
            obs_start=np.concatenate([(self.obs_start[:-1][None, :] + r[:, None] * width).ravel(), [k * width]]),
            every_intersection=self.every_intersection)

    @property
    def count(self) -> int:
        """Number of agents."""
        return len(self.ids)

    @property
    def n_features(self) -> int:
        """Length of the flat observation of every agent together."""
        return int(self.obs_start[-1])

    def movements(self, a: int) -> np.ndarray:
        """Agent ``a``'s movement queues, in observation order."""
        return self.queues[self.queue_start[a]:self.queue_start[a + 1]]

    def movement_names(self, a: int, net: RoadNetwork) -> tuple[str, ...]:
        """Names of agent ``a``'s movements: ``MOVEMENTS`` on a grid, ``edge:L|T|R|U`` on an imported net
        (``U`` a turnaround)."""
        qs = self.movements(a)
        if not net.imported:
            return tuple(f"{'NESW'[net.q_side[q]]}{TURN_LETTERS[net.q_turn[q]]}" for q in qs)
        u_turn = net.q_u_turn if net.q_u_turn is not None else np.zeros(net.n_queues, dtype=bool)
        return tuple(f"{net.approach[net.q_link[q]]}:{'U' if u_turn[q] else TURN_LETTERS[net.q_turn[q]]}" for q in qs)

    def bounds(self, a: int, duration_s: int) -> tuple[np.ndarray, np.ndarray]:
        """Agent ``a``'s observation bounds (float32): counts up to VEHICLE_LIMIT, flags 0..1, and
        the seconds in an interval up to the episode's ``duration_s``."""
        m = int(self.queue_start[a + 1] - self.queue_start[a])
        n = int(self.obs_start[a + 1] - self.obs_start[a])
        low = np.zeros(n, dtype=np.float32)
        high = np.full(n, VEHICLE_LIMIT, dtype=np.float32)
        high[2 * m:-1] = 1.0
        high[-1] = duration_s
        return low, high

    def all_bounds(self, duration_s: int) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of the flat observation of every agent, agent by agent."""
        pairs = [self.bounds(a, duration_s) for a in range(self.count)]
        return np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])

    def split(self, flat: np.ndarray) -> list[np.ndarray]:
        """Each agent's observation, as views into ``flat``."""
        return [flat[self.obs_start[a]:self.obs_start[a + 1]] for a in range(self.count)]
