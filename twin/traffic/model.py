"""The mesoscopic queue model: every vehicle, every queue, one step for all of them.

A vehicle entering a link joins the FIFO of the movement it will take and reaches the stop line
after the time crossing the junction it came through and the link's free-flow time, plus what it
lost slowing for that junction's turn or starting from a stop there (:mod:`twin.traffic.kinematics`),
rounded up to whole steps. In a step starting at ``t`` the head vehicle of a
queue crosses when all hold: it has reached the line (ready <= t), its movement has green, the
saturation-flow allowance has a whole vehicle (a token bucket refilled at the saturation flow,
holding at most one step's worth plus one vehicle, so no part is lost between steps), and the
link it turns into has room (occupancy < storage); else it waits, so queues spill back. Exit
links take every vehicle; it arrives after their free-flow time.

Entries use the same machinery: each entry's outside queue is one more queue, always green,
whose vehicles are ready at the time they want to enter and which discharges onto the entry link
at the entry's saturation flow when it has room. One pass over all queues serves both.

Per vehicle the model keeps exact times: generated, entered, arrived, free-flow time of the links
entered, time stopped (outside and at stop lines), and stops (each delay at a line, waiting to
enter included, counts once).

This module sets up the constants per queue row and keeps the turn pool filled; the steps of
signals and queues themselves are compiled (:mod:`twin.traffic.kernel`).
"""

from __future__ import annotations

from operator import attrgetter

import numba
import numpy as np

from twin.compiled import bind
from twin.engine import ArrayState, Periodic
from twin.streams import Streams
from twin.traffic import kernel, signal_kernel
from twin.traffic.demand import DemandPlan
from twin.traffic.kinematics import JunctionTimes
from twin.traffic.lanes import expected_queue_flow_vph, lane_storage, movement_lanes
from twin.traffic.network import EXIT, RoadNetwork
from twin.traffic.signals import SignalPlan, SignalState
from twin.traffic.yielding import green_share, yield_factor
from twin.traffic.state import DetectorRegisters, QueueState, TurnDraws, Vehicles

# Below this many replica worlds the parallel kernel's thread start-up costs more than it saves.
PARALLEL_MIN_REPLICAS = 64


# The kernel's tuples read off the state dataclasses by field name.
_CARS_FIELDS = attrgetter(*kernel.Cars._fields)
_LIGHTS_FIELDS = attrgetter(*kernel.Lights._fields)


def movement_sat_vps(net: RoadNetwork, demand: DemandPlan) -> np.ndarray:
    """(Q,) each movement's own saturation flow, vehicles/s: the network's on a grid; on an imported
    net its lanes by the demand's expected flows (:func:`twin.traffic.lanes.movement_lanes`)."""
    if net.q_lane_mask is None:
        return net.q_sat_vps
    k = net.replicas
    od, file = demand.od_vph.reshape(k, -1), demand.file_route_vph.reshape(k, -1)
    route_vph = np.concatenate([od, file], axis=1).ravel()  # route_q: each replica's OD routes, then its file's
    flow = expected_queue_flow_vph(net, demand.entry_vph, demand.turn_cdf, demand.route_q, route_vph)
    sat_vps = movement_lanes(net, flow) * net.lane_sat_vps
    if net.yield_group_q is None or net.yield_group_q.size == 0:
        return sat_vps
    # A foe crosses in its green only: its flow then is its hourly flow over its green share.
    crossing_vph = np.minimum(flow / green_share(net.programs, net.q_int), sat_vps * 3600.0)
    return sat_vps * yield_factor(net.n_queues, net.yield_group_q, net.yield_group_share, net.yield_pair_group,
                                  net.yield_pair_foe, crossing_vph)


class TrafficPhysics(Periodic):
    """The traffic step process; fires every traffic ``dt_s``, running ahead to the next event.

    ``fire_ahead`` runs, in one compiled call, every step that starts before the next event of
    any other process, which is exactly what firing once per step would have done.
    """

    name = "traffic_physics"
    priority = 2
    max_steps_per_fire = 1 << 30  # tests set 1 to watch every step

    def __init__(self, *, net: RoadNetwork, plan: SignalPlan, demand: DemandPlan, signals: SignalState,
                 queues: QueueState, vehicles: Vehicles, detectors: DetectorRegisters, turns: TurnDraws,
                 junctions: JunctionTimes, streams: Streams, dt_s: int):
        self.net, self.plan, self.demand, self.sig = net, plan, demand, signals
        self.q, self.v, self.det, self.turns, self.streams = queues, vehicles, detectors, turns, streams
        self.dt_s = self.period_s = dt = dt_s
        self.controller = plan.cfg.controller
        n_q, n_e, k = net.n_queues, net.entries.size, net.replicas
        self.n_movement_queues = n_q
        self.rows = np.arange(n_q + n_e)
        self.rows_per_replica = (n_q + n_e) // k
        self.target = np.concatenate([net.q_out, net.entries])
        self.refill = np.concatenate([movement_sat_vps(net, demand), net.lanes[net.entries] * net.lane_sat_vps]) * dt
        # Room for one step's allowance on top of a part-token left over: a cap of one step's worth
        # (or one vehicle) threw the left-over part away, so a row refilled 0.75 a step moved 0.5.
        self.cap = self.refill + 1.0
        # A queue's head moves at most once per pass; enough passes let each reach its saturation flow.
        self.passes = int(np.ceil(self.refill.max() - 1e-9))
        self.green = np.ones(n_q + n_e, dtype=bool)  # outside queues stay green; movements are refilled
        self.fixed_green = np.concatenate([plan.at_green, np.ones((plan.cycle_s, n_e), dtype=bool)], axis=1)
        # Turn draws a step may need per replica; the pool holds several steps' worth.
        self.turns_per_step = self.passes * self.rows_per_replica
        block = max(1024, 4 * self.turns_per_step)
        if turns.u.shape[1] < block:
            turns.u, turns.used = np.zeros((k, block)), np.full(k, block, dtype=np.int64)
        cfg = plan.cfg
        self.layout = kernel.Layout(
            dt_s=dt, passes=self.passes, turns_per_step=self.turns_per_step,
            controller=signal_kernel.CONTROLLERS[self.controller], routed=demand.route_q.size > 0,
            lane_caps=net.q_lane_mask is not None and demand.route_q.size > 0,
            n_movement_queues=n_q, movements_per_replica=n_q // k, entries_per_replica=n_e // k,
            links_per_replica=net.n_links // k, ints_per_replica=net.n_int // k,
            cycle_s=plan.cycle_s, min_green_s=cfg.min_green_s, max_green_s=cfg.max_green_s, gap_s=float(cfg.gap_s))
        route_q = demand.route_q if demand.route_q.size else np.zeros((1, 1), dtype=np.int32)
        # Movement rows of each intersection (rows int_rows[int_row_start[i]:int_row_start[i + 1]]).
        int_rows = np.argsort(net.q_int, kind="stable")
        int_row_start = np.concatenate([[0], np.cumsum(np.bincount(net.q_int, minlength=net.n_int))])
        self.row_constants = kernel.Rows(
            refill=self.refill, token_cap=self.cap, target=self.target, q_link=net.q_link,
            storage=net.storage, q_cap=lane_storage(net),
            is_exit=net.link_kind == EXIT, queue_of=net.queue_of, turn_cdf=demand.turn_cdf, route_q=route_q,
            ideal_steps_s=junctions.ideal_steps_s, ideal_s=junctions.ideal_s, pass_loss_s=junctions.pass_loss_s,
            stop_loss_s=junctions.stop_loss_s, stop_wait_s=junctions.stop_wait_s, q_int=net.q_int, q_bits=plan.q_bits,
            q_actuating_bits=plan.q_actuating_bits,
            int_row_start=int_row_start, int_rows=int_rows, n_phases=plan.phases_at, yellow_s=plan.yellow_s,
            all_red_s=plan.all_red_s, signalized=plan.signalized,
            at_phase=plan.at_phase, at_interval=plan.at_interval, at_t_in_s=plan.at_t_in_s,
            at_change=plan.at_change, at_green=plan.at_green)
        self.threads = k >= PARALLEL_MIN_REPLICAS  # run_steps_parallel; tests switch it to compare
        self._bound: tuple[int, bool] | None = None  # (ArrayState.replacements, threads) when bound

    def fire_ahead(self, now_s: int, next_event_s: int | None) -> int:
        """Run the steps starting at ``now_s`` and before ``next_event_s`` (at least one); return
        the time of the next step."""
        n = 1 if next_event_s is None else max(1, -(-(next_event_s - now_s) // self.dt_s))
        n = min(n, self.max_steps_per_fire)
        if n == 1:
            self.step(now_s)
        else:
            self.run_steps(now_s, n)
        return now_s + n * self.dt_s

    def step(self, t: int) -> None:
        """Advance signals and every queue by one step starting at ``t`` (s)."""
        self.run_steps(t, 1)

    def run_steps(self, t0_s: int, n_steps: int) -> None:
        """Advance signals and every queue by ``n_steps`` steps, the first starting at ``t0_s`` (s)."""
        if self._bound != (ArrayState.replacements, self.threads):
            self._bind()
        done, args = self._done, self._kernel_args
        done.fill(0)
        # A replica whose turn pool might run dry stops before the step, so the pool is refilled
        # only when the kernel says one stopped short (its draws are those a refill first would make).
        while self._kernel(t0_s, n_steps, done, *args) < n_steps:
            self._fill_turn_pool(done, n_steps)
        self.det.steps[...] += n_steps  # in place: no ArrayState field is set
        self.q.halted_at_s[...] = t0_s + n_steps * self.dt_s

    def _bind(self) -> None:
        """Build the kernel's argument tuples from the arrays' owners and bind the compiled kernel
        (parallel or not) to their types (:mod:`twin.compiled`); again whenever a state array may
        have been replaced (vehicle buffers grow)."""
        q, v, d, turns, sig = self.q, self.v, self.det, self.turns, self.sig
        # By field name, as the kernel reads them: a swapped pair of arrays of the same dtype would
        # compile and run silently wrong (tests/test_traffic.py checks every field).
        queues = kernel.Queues(green=self.green, buf=q.buf, slot_ready_s=q.slot_ready_s, head=q.head,
                               count=q.count, head_ready_s=q.head_ready_s, tokens=q.tokens, occupancy=q.occupancy,
                               delay_s=q.delay_s, passed=d.passed, busy_steps=d.busy_steps, turn_u=turns.u,
                               turn_used=turns.used, halted=q.halted)
        cars = kernel.Cars._make(_CARS_FIELDS(v))
        lights = kernel.Lights._make(_LIGHTS_FIELDS(sig))
        self._done = np.zeros(turns.used.size, dtype=np.int64)  # steps run so far, per replica
        self._kernel_args = (self.layout, self.row_constants, queues, cars, lights)
        if self.threads:
            chunks = min(self._done.size, 4 * numba.get_num_threads())
            self._kernel_args += (chunks,)
            self._kernel = bind(kernel.run_steps_parallel, (0, 1, self._done, *self._kernel_args))
        else:
            self._kernel = bind(kernel.run_steps, (0, 1, self._done, *self._kernel_args))
        self._bound = (ArrayState.replacements, self.threads)

    def _fill_turn_pool(self, done: np.ndarray, n_steps: int) -> None:
        """Refill the turn pool rows of the replicas still running (``done < n_steps`` steps) that
        might run dry in their next step (a pass moves at most one vehicle per row), each from its
        own replica's stream, keeping unused draws first. A replica's stream draws exactly when a
        single world's would."""
        pool = self.turns
        block = pool.u.shape[1]
        short = (pool.used > block - self.turns_per_step) & (done < n_steps)
        for k in np.flatnonzero(short):  # about once per block
            spare = block - pool.used[k]
            pool.u[k, :spare] = pool.u[k, pool.used[k]:]
            pool.u[k, spare:] = self.streams.gens[k].random(block - spare)
            pool.used[k] = 0
