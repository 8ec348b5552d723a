"""Max-pressure signal control (Varaiya 2013) as a built-in controller: ``signals.controller: max_pressure``.

Every ``signals.decision_s`` seconds each intersection asks for the phase whose movements have the
largest total pressure, and keeps its phase on a tie. A movement's pressure is its queue minus the
queue it feeds, ``x_m - sum_k r_k x_out,k`` (vehicles): ``x_m`` the vehicles standing at its stop
line, ``x_out,k`` those at the left, through and right lines of the link it leads into, weighted by
the scenario's turning shares ``r_k`` (a movement leaving the grid feeds no queue). The request goes
through the same rules as an agent's: the twin keeps min green, yellow and all-red.

:func:`phase_pressure` and :func:`choose_phases` are the rule itself; ``agents.baselines.MaxPressurePolicy``
applies them to what it reads from an observation, :class:`MaxPressureControl` to the queues, so both
decide alike to the last bit.
"""

from __future__ import annotations

import numpy as np

from twin.engine import Periodic
from twin.traffic.demand import slot_shares
from twin.traffic.network import RoadNetwork
from twin.traffic.readings import waiting_per_queue
from twin.traffic.signals import SignalPlan, SignalState
from twin.traffic.state import QueueState

MOVEMENTS_PER_INTERSECTION = 12  # approaches N, E, S, W, each with left, through and right


def phase_pressure(halted: np.ndarray, downstream_halted: np.ndarray, turning: np.ndarray,
                   serves: np.ndarray) -> np.ndarray:
    """(intersections, phases): total pressure of the movements each phase serves, vehicles.

    ``halted``: (intersections, 12) vehicles at each movement's line; ``downstream_halted``:
    (intersections, 12, 3) those at the left, through and right lines of the link each movement feeds
    (0 for a movement leaving the grid); ``turning``: (3,) shares; ``serves``: (phases, 12) bool.
    """
    movement = halted - downstream_halted @ turning
    return movement @ serves.T.astype(np.float64)


def choose_phases(pressure: np.ndarray, phase: np.ndarray) -> np.ndarray:
    """Per intersection, the phase of largest ``pressure`` (see :func:`phase_pressure`), or the current
    ``phase`` on a tie."""
    best = pressure.argmax(axis=1)
    at = np.arange(pressure.shape[0])
    return np.where(pressure[at, best] <= pressure[at, phase], phase, best).astype(np.int64)


def network_pressure(halted: np.ndarray, fed: np.ndarray, fed_share: np.ndarray, serves: np.ndarray,
                     q_int: np.ndarray, has_phase: np.ndarray) -> np.ndarray:
    """(intersections, phases) pressure on any network: per queue q, ``halted[q]`` minus the
    vehicles at the lines of the queues ``fed[q]`` (Q, K) it feeds weighted by ``fed_share`` (Q, K,
    0 where it feeds none); summed per intersection ``q_int`` over the queues each phase
    ``serves`` (Q, P); -inf for phases an intersection's program lacks (``has_phase``, (I, P))."""
    movement = halted - (halted[fed] * fed_share).sum(axis=1)
    pressure = np.zeros(has_phase.shape)
    np.add.at(pressure, q_int, movement[:, None] * serves)
    return np.where(has_phase, pressure, -np.inf)


class MaxPressureControl(Periodic):
    """Scheduled event: set every intersection's phase request from the queues.

    On a generated grid every intersection has the same 12 movements and phases (the rule in
    :func:`phase_pressure`, shared with the baseline policy); on an imported net each has its own
    movements and program (:func:`network_pressure`), its downstream queues weighted by each
    link's turn shares ``turn_cdf`` (the demand plan's)."""

    name = "signal_control"
    priority = -8  # before anything else at its time, so the step that follows uses the request

    def __init__(self, *, net: RoadNetwork, plan: SignalPlan, signals: SignalState, queues: QueueState,
                 turning: tuple[float, float, float], decision_s: int, turn_cdf: np.ndarray):
        self.sig, self.q = signals, queues
        self.period_s, self.first_s = decision_s, 0
        self.n_queues = net.n_queues
        self.imported = net.imported
        if net.imported:
            fed = net.queue_of[net.q_out]                                # (Q, K) queues of the link fed
            share = slot_shares(turn_cdf)[net.q_out]                    # that link's share per slot
            self.fed, self.fed_share = np.maximum(fed, 0), np.where(fed >= 0, share, 0.0)
            self.serves = ((plan.q_bits[:, None] >> np.arange(plan.n_phases)[None, :]) & 1).astype(np.float64)
            self.q_int = net.q_int
            self.has_phase = np.arange(plan.n_phases)[None, :] < plan.phases_at[:, None]
            return
        movement = net.q_side.astype(np.int64) * 3 + net.q_turn.astype(np.int64)
        self.q_of_int = np.zeros((net.n_int, MOVEMENTS_PER_INTERSECTION), dtype=np.int64)
        self.q_of_int[net.q_int, movement] = np.arange(net.n_queues)
        fed = net.queue_of[net.q_out[self.q_of_int]]                 # (I, 12, 3) queues of the link fed
        self.fed, self.into_grid = np.maximum(fed, 0), fed >= 0      # exit links hold no queue
        self.serves = ((plan.q_bits[self.q_of_int[0]][None, :] >> np.arange(plan.n_phases)[:, None]) & 1).astype(bool)
        self.turning = np.asarray(turning, dtype=np.float64) / sum(turning)

    def step(self, now_s: int) -> None:
        """Ask every intersection for its highest-pressure phase (its current one on a tie)."""
        halted = waiting_per_queue(self.q, now_s, self.n_queues).astype(np.float64)
        if self.imported:
            pressure = network_pressure(halted, self.fed, self.fed_share, self.serves, self.q_int, self.has_phase)
        else:
            pressure = phase_pressure(halted[self.q_of_int], halted[self.fed] * self.into_grid, self.turning,
                                      self.serves)
        self.sig.request[...] = choose_phases(pressure, self.sig.phase)
