"""Where the traffic baselines find what they read in a TrafficGrid-v0 observation, on a generated grid
or an imported SUMO net.

The observation is every signal agent's features end to end (:mod:`envs.signal_agents`): halted and
approaching vehicles per movement, the phase one-hot, the yellow/all-red flag and the seconds in
the interval. Agents differ in movement and phase counts on an imported net, so the layout pads
them to the most any agent has (``M`` movements, ``P`` phases) and gives flat indices, -1 where an
agent has fewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from envs.signal_agents import MOVEMENTS, SignalAgents
from twin.scenario.schema import Scenario
from twin.traffic.network import EXIT, SIDES, TURN_LETTERS, RoadNetwork, grid_network, road_network

N_MOV = len(MOVEMENTS)  # 12 movements per intersection of a generated grid


def traffic_scenario(env: Any) -> Scenario:
    """The validated scenario a TrafficGrid-v0 env builds its worlds from."""
    core = getattr(env.unwrapped, "core", None)
    scenario = getattr(getattr(core, "episodes", None), "scenario", None)
    if scenario is None or scenario.traffic is None:
        raise ValueError(f"{type(env.unwrapped).__name__} is not twin/TrafficGrid-v0; traffic baselines need it")
    return scenario


@dataclass(frozen=True, eq=False)
class SignalLayout:
    """How TrafficGrid-v0 lays out its signal agents, and what each phase serves.

    ``halted_at[a, m]``: flat observation index of the ``halted`` count of agent a's movement m
    (its ``approaching`` count is ``m_a`` further on). ``serves[a, p, m]``: movement m has green in
    phase p of agent a. ``downstream[a, m, k]``: flat indices of the ``halted`` counts of the
    queues on the link movement m leads into, -1 where it leads out of the network or to a junction
    that is not an agent (its queues are not observed). ``shares[a, m, k]``: the weight of each of
    those queues in the movement's pressure: the scenario's left, through and right turning shares
    on a grid, equal shares of the link's queues on an imported net.
    """

    n_int: int                 # agents
    n_phases: int              # the most phases any agent has
    interval_s: int
    phases_at: np.ndarray      # (A,) each agent's phase count
    halted_at: np.ndarray      # (A, M) int64, -1 padding
    movements_at: np.ndarray   # (A,) each agent's movement count
    phase_at: np.ndarray       # (A,) flat index of the first phase one-hot feature
    end_at: np.ndarray         # (A,) flat index one past the agent's last feature
    serves: np.ndarray         # (A, P, M) bool
    downstream: np.ndarray     # (A, M, K) int64, -1 none
    shares: np.ndarray         # (A, M, K) float64
    grid: bool                 # a generated grid: every agent has the 12 movements and the same phases

    @property
    def n_features(self) -> int:
        """Length of the flat observation."""
        return int(self.end_at[-1])

    @classmethod
    def of(cls, env: Any) -> "SignalLayout":
        """The layout of a TrafficGrid-v0 env (wrapped or not)."""
        sc = traffic_scenario(env)
        return cls.from_scenario(sc, env.unwrapped.core.episodes.interval_s)

    @classmethod
    def from_scenario(cls, scenario: Scenario, interval_s: int) -> "SignalLayout":
        """The layout of a central agent over every signal of ``scenario`` deciding every ``interval_s``."""
        traffic = scenario.traffic
        if traffic.imported:
            return cls._imported(road_network(traffic), int(interval_s))
        phases = traffic.signals.movements()
        serves = np.zeros((len(phases), N_MOV), dtype=bool)
        for p, movements in enumerate(phases):
            for side, turn in movements:
                serves[p, SIDES.index(side) * 3 + TURN_LETTERS.index(turn)] = True
        net = grid_network(traffic)
        agents = SignalAgents.of(net, np.full(net.n_int, len(phases)))
        halted_at, downstream = cls._indices(net, agents)
        t = traffic.demand.turning
        turning = np.asarray((t.left, t.through, t.right), dtype=np.float64) / (t.left + t.through + t.right)
        return cls(n_int=agents.count, n_phases=len(phases), interval_s=int(interval_s), phases_at=agents.n_phases,
                   halted_at=halted_at, movements_at=np.full(agents.count, N_MOV), phase_at=agents.obs_start[:-1] + 2 * N_MOV,
                   end_at=agents.obs_start[1:], serves=np.broadcast_to(serves, (agents.count, *serves.shape)),
                   downstream=downstream, shares=np.broadcast_to(turning, downstream.shape), grid=True)

    @classmethod
    def _imported(cls, net: RoadNetwork, interval_s: int) -> "SignalLayout":
        programs = net.programs
        agents = SignalAgents.of(net, programs.n_phases)
        halted_at, downstream = cls._indices(net, agents)
        m_at = np.diff(agents.queue_start)
        p_max = int(agents.n_phases.max())
        serves = np.zeros((agents.count, p_max, halted_at.shape[1]), dtype=bool)
        for a in range(agents.count):
            qs = agents.movements(a)
            serves[a, :, :qs.size] = ((programs.q_bits[qs][None, :] >> np.arange(p_max)[:, None]) & 1).astype(bool)
        fed = net.queue_of[net.q_out]
        per_link = np.maximum((fed >= 0).sum(axis=1), 1)
        share = np.where(fed >= 0, 1.0 / per_link[:, None], 0.0)          # (Q, K) equal shares of the fed link
        shares = np.zeros(downstream.shape)
        for a in range(agents.count):
            qs = agents.movements(a)
            shares[a, :qs.size, :share.shape[1]] = share[qs]
        shares = np.where(downstream >= 0, shares, 0.0)
        return cls(n_int=agents.count, n_phases=p_max, interval_s=interval_s, phases_at=agents.n_phases,
                   halted_at=halted_at, movements_at=m_at, phase_at=agents.obs_start[:-1] + 2 * m_at,
                   end_at=agents.obs_start[1:], serves=serves, downstream=downstream, shares=shares, grid=False)

    @staticmethod
    def _indices(net: RoadNetwork, agents: SignalAgents) -> tuple[np.ndarray, np.ndarray]:
        """(A, M) flat halted index per agent movement, and (A, M, K) those of the queues each feeds."""
        m_at = np.diff(agents.queue_start)
        width = int(m_at.max())
        halted_at = np.full((agents.count, width), -1, dtype=np.int64)
        obs_of_queue = np.full(net.n_queues, -1, dtype=np.int64)   # flat halted index of each observed queue
        movement_q = np.full((agents.count, width), -1, dtype=np.int64)
        for a in range(agents.count):
            qs = agents.movements(a)
            halted_at[a, :qs.size] = agents.obs_start[a] + np.arange(qs.size)
            movement_q[a, :qs.size] = qs
            obs_of_queue[qs] = halted_at[a, :qs.size]
        out_link = net.q_out[np.maximum(movement_q, 0)]
        into_exit = net.link_kind[out_link] == EXIT
        fed = net.queue_of[np.where(into_exit, 0, out_link)]          # (A, M, K) queues of the link fed
        down = np.where(fed >= 0, obs_of_queue[np.maximum(fed, 0)], -1)
        down = np.where((into_exit | (movement_q < 0))[..., None], -1, down)
        return halted_at, down

    def rows(self, obs: np.ndarray) -> np.ndarray:
        """The observation as a flat float64 array, checked for its size."""
        a = np.asarray(obs, dtype=np.float64).ravel()
        if a.size != self.n_features:
            raise ValueError(f"observation has {a.size} values; this layout expects {self.n_features} "
                             f"({self.n_int} signals)")
        return a

    def halted(self, flat: np.ndarray) -> np.ndarray:
        """(A, M) vehicles at each movement's stop line (0 in padding)."""
        return flat[np.maximum(self.halted_at, 0)] * (self.halted_at >= 0)

    def approaching(self, flat: np.ndarray) -> np.ndarray:
        """(A, M) vehicles driving to each movement's line (0 in padding)."""
        return flat[np.maximum(self.halted_at + self.movements_at[:, None], 0)] * (self.halted_at >= 0)

    def phase(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per agent: current (or last green) phase, in yellow/all-red (bool), seconds in the interval."""
        at = self.phase_at[:, None] + np.arange(self.n_phases)[None, :]
        own = np.arange(self.n_phases)[None, :] < self.phases_at[:, None]
        one_hot = np.where(own, flat[np.minimum(at, flat.size - 1)], -1.0)
        return one_hot.argmax(axis=1), flat[self.end_at - 2] > 0.5, flat[self.end_at - 1]

    def downstream_halted(self, flat: np.ndarray) -> np.ndarray:
        """(A, M, K): halted vehicles at the lines of the queues each movement feeds; 0 where none is observed."""
        return flat[np.maximum(self.downstream, 0)] * (self.downstream >= 0)
