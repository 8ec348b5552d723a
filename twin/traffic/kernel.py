"""The traffic step compiled with numba: signals and queues, replica by replica, several steps a call.

A traffic step touches a handful of vehicles per world. As numpy expressions it cost tens of calls
whatever the size; compiled, it costs a sweep over the queue rows. A call runs every step until
the next event of another process (a decision, a reading, a batch of arrivals), and runs each
replica world through all of them before the next replica, so a world's rows, scratch arrays and
vehicles stay in cache across its steps. Replica worlds never touch each other's rows, so the
order of replicas cannot change a result. A replica that has run all its steps counts, while its
queues are still in cache, the vehicles at each line (what observations and readings ask next).

The rules are those of :mod:`twin.traffic.model` (see its docstring), applied in passes: in a
pass every queue decides on the state at the start of the pass (its head vehicle, its green, its
tokens, the room on its next link), then every admitted head moves; heads competing for too
little room go in an order that rotates every step. Departures of a pass are applied before its
arrivals, and vehicles joining one queue in a pass join in queue-row order. The signal
controllers are those of :mod:`twin.traffic.signals`, stepped by :mod:`twin.traffic.signal_kernel`.

The arguments are grouped in named tuples (numba types them field by field): :data:`Layout`
(sizes and signal timings), :data:`Rows` (constants per queue row and the fixed-time tables),
:data:`Queues`, :data:`Cars` and :data:`Lights` (the live state).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit, prange

from twin.traffic import ring
from twin.traffic.signal_kernel import ACTUATED, FIXED_TIME, controlled_step, fill_green, fixed_time_step

Layout = namedtuple("Layout", [
    "dt_s", "passes", "turns_per_step", "controller", "routed",
    "lane_caps",                  # hold a routed vehicle while its next movement's queue is full (imported nets)
    "n_movement_queues",          # movement rows of all replicas; outside rows follow them
    "movements_per_replica", "entries_per_replica", "links_per_replica", "ints_per_replica",
    "cycle_s", "min_green_s", "max_green_s", "gap_s"])
Rows = namedtuple("Rows", [
    "refill", "token_cap", "target", "q_link", "storage", "q_cap", "is_exit", "queue_of", "turn_cdf", "route_q",
    "ideal_steps_s", "ideal_s", "pass_loss_s", "stop_loss_s", "stop_wait_s",  # per row: twin.traffic.kinematics
    "q_int", "q_bits", "q_actuating_bits", "int_row_start", "int_rows", "n_phases", "yellow_s", "all_red_s",
    "signalized",
    "at_phase", "at_interval", "at_t_in_s", "at_change", "at_green"])
Queues = namedtuple("Queues", [
    "green", "buf", "slot_ready_s", "head", "count", "head_ready_s", "tokens", "occupancy", "delay_s",
    "passed", "busy_steps", "turn_u", "turn_used", "halted"])
Cars = namedtuple("Cars", ["ready_s", "wait_s", "stops", "enter_s", "arrive_s", "free_flow_s", "dest", "route", "hop"])
Lights = namedtuple("Lights", ["phase", "interval", "t_in_s", "changes", "request", "target"])


@njit(cache=True, nogil=True)
def run_steps(t0_s, n_steps, done, lay, rows, qs, cars, lights):
    """Run each replica k from step ``done[k]`` up to ``n_steps`` (steps start at ``t0_s + i * dt_s``).

    A replica stops early, at the start of a step that might exhaust its turn pool; ``done[k]``
    says where it stopped, so the caller can refill the pool and call again. Returns the fewest
    steps any replica ran (``n_steps`` when all finished).
    """
    _run_replicas(0, done.size, t0_s, n_steps, done, lay, rows, qs, cars, lights)
    return done.min()


@njit(cache=True, nogil=True, parallel=True)
def run_steps_parallel(t0_s, n_steps, done, lay, rows, qs, cars, lights, n_chunks):
    """:func:`run_steps` with the replicas split into ``n_chunks`` chunks run on numba's threads
    (replicas are independent, so the results are the same)."""
    for c in prange(n_chunks):
        _run_replicas(c * done.size // n_chunks, (c + 1) * done.size // n_chunks,
                      t0_s, n_steps, done, lay, rows, qs, cars, lights)
    return done.min()


# Numba note: named tuples are unpacked once per call, in ``_run_replicas``, and everything below
# takes plain arrays. Handing the tuples to helpers (or reading ``tuple.field[i]`` in loops) made
# every step pay for copying and reference counting, and ran it several times slower; re-timed
# with the helpers inlined, tuples handed to depart/arrive still cost 26% on a 32x32 grid
# (benchmarks/README.md).

@njit(cache=True, nogil=True)
def _run_replicas(k0, k1, t0_s, n_steps, done, lay, rows, qs, cars, lights):
    """Replicas k0..k1-1, one after the other, sharing one set of scratch arrays."""
    m, e, n_int = lay.movements_per_replica, lay.entries_per_replica, lay.ints_per_replica
    scratch_rows = np.empty((6, m + e), dtype=np.int64)   # cross rows, their local rows, moving, movers, after, travel
    pending = np.zeros(lay.links_per_replica, dtype=np.int64)
    first = np.full(lay.links_per_replica, -1, dtype=np.int64)
    no_demand = np.zeros(n_int, dtype=np.bool_)
    phase, interval, t_in, changes, target, request = (lights.phase, lights.interval, lights.t_in_s, lights.changes,
                                                       lights.target, lights.request)
    # By field name, not by position: an unpacking in the wrong order would compile and run wrong.
    green, buf, slot_ready, head, count, head_ready = (qs.green, qs.buf, qs.slot_ready_s, qs.head, qs.count,
                                                       qs.head_ready_s)
    tokens, occupancy, delay_s, passed, busy = qs.tokens, qs.occupancy, qs.delay_s, qs.passed, qs.busy_steps
    turn_u, turn_used, halted = qs.turn_u, qs.turn_used, qs.halted
    ready_s, wait_s, stops, enter_s, arrive_s = cars.ready_s, cars.wait_s, cars.stops, cars.enter_s, cars.arrive_s
    free_flow_s, dest, route, hop = cars.free_flow_s, cars.dest, cars.route, cars.hop
    block, dt_s, fixed = turn_u.shape[1], lay.dt_s, lay.controller == FIXED_TIME
    refill, token_cap, storage, row_target = rows.refill, rows.token_cap, rows.storage, rows.target
    n_local = m + e
    never_s = ready_s[-1]  # the sentinel vehicle's ready time: never
    cross_r, cross_j, moving, movers, after, travel = scratch_rows
    for k in range(k0, k1):
        if done[k] >= n_steps:  # finished in an earlier call (the caller refilled another's pool)
            continue
        i0, r0 = k * n_int, k * m
        o0 = lay.n_movement_queues + k * e
        l0 = k * lay.links_per_replica
        # The replica's rows as views: loops indexing them from 0 compile to tight (vector) code.
        hr_m, gr_m, tk_m, bz_m = head_ready[r0:r0 + m], green[r0:r0 + m], tokens[r0:r0 + m], busy[r0:r0 + m]
        rf_m, cp_m = refill[r0:r0 + m], token_cap[r0:r0 + m]
        hr_o, gr_o, tk_o, bz_o = head_ready[o0:o0 + e], green[o0:o0 + e], tokens[o0:o0 + e], busy[o0:o0 + e]
        rf_o, cp_o = refill[o0:o0 + e], token_cap[o0:o0 + e]
        # Green is kept up to date as intersections change; set it from the signal state first.
        fill_green(gr_m, rows.q_int[r0:r0 + m], i0, rows.q_bits[r0:r0 + m], phase[i0:i0 + n_int],
                   interval[i0:i0 + n_int])
        s = done[k]
        while s < n_steps and turn_used[k] <= block - lay.turns_per_step:
            t = t0_s + s * dt_s
            if fixed:
                fixed_time_step(i0, n_int, r0, m, t % lay.cycle_s, phase, interval, t_in, changes, green,
                                rows.at_phase, rows.at_interval, rows.at_t_in_s, rows.at_change, rows.at_green)
            else:
                controlled_step(i0, n_int, r0, m, t, lay.controller == ACTUATED, no_demand, phase, interval, t_in,
                                changes, target, request, green, head_ready, rows.q_int, rows.q_bits,
                                rows.q_actuating_bits,
                                rows.int_row_start, rows.int_rows, rows.n_phases, lay.min_green_s, lay.max_green_s,
                                rows.yellow_s, rows.all_red_s, rows.signalized, lay.gap_s, dt_s)
            add_step_allowance(t, hr_m, tk_m, bz_m, rf_m, cp_m)
            add_step_allowance(t, hr_o, tk_o, bz_o, rf_o, cp_o)
            for _ in range(lay.passes):
                n_cross = heads_at_line(t, r0, 0, hr_m, gr_m, tk_m, cross_r, cross_j, 0)
                n_cross = heads_at_line(t, o0, m, hr_o, gr_o, tk_o, cross_r, cross_j, n_cross)
                n_move = admit(t, n_cross, l0, n_local, cross_r, cross_j, moving, after, pending, first, row_target,
                               storage, occupancy, lay.lane_caps, buf, head, count, route, hop, rows.route_q,
                               rows.q_cap, rows.is_exit)
                if n_move == 0:
                    break
                depart(t, dt_s, moving[:n_move], movers, travel, lay.n_movement_queues, buf, slot_ready, head, count,
                       head_ready, tokens, passed, delay_s, occupancy, never_s, wait_s, stops, enter_s, rows.q_link,
                       rows.ideal_steps_s, rows.ideal_s, rows.pass_loss_s, rows.stop_loss_s, rows.stop_wait_s)
                arrive(k, t, moving[:n_move], movers, travel, lay.routed, buf, slot_ready, head, count, head_ready,
                       occupancy, turn_u, turn_used, ready_s, free_flow_s, arrive_s, dest, route, hop, row_target,
                       rows.ideal_steps_s, rows.is_exit, rows.route_q, rows.turn_cdf, rows.queue_of)
            s += 1
        done[k] = s
        if s == n_steps:  # while the replica's queues are in cache: who is at the line when the run ends
            count_halted(slot_ready[r0:r0 + m], head[r0:r0 + m], count[r0:r0 + m], hr_m, t0_s + n_steps * dt_s,
                         halted[r0:r0 + m])


@njit(cache=True, nogil=True, inline="always")
def add_step_allowance(t, head_ready, tokens, busy, refill, token_cap):
    """Rows with a vehicle at the line by ``t`` count a busy step; every row gets a step's
    saturation-flow allowance, capped."""
    for j in range(head_ready.size):
        busy[j] += 1.0 if head_ready[j] <= t else 0.0
        tokens[j] = min(tokens[j] + refill[j], token_cap[j])


@njit(cache=True, nogil=True, inline="always")
def heads_at_line(t, r0, j0, head_ready, green, tokens, cross_r, cross_j, n_cross):
    """Append the rows (views starting at row ``r0``, local row ``j0``) whose head has reached
    the line by ``t``, has green and a whole token; returns the new count."""
    for j in range(head_ready.size):
        if head_ready[j] <= t and green[j] and tokens[j] >= 1.0:
            cross_r[n_cross] = r0 + j
            cross_j[n_cross] = j0 + j
            n_cross += 1
    return n_cross


@njit(cache=True, nogil=True, inline="always")
def admit(t, n_cross, l0, n_local, cross_r, cross_j, moving, after, pending, first, target, storage, occupancy,
          lane_caps, buf, head, count, route, hop, route_q, q_cap, is_exit):
    """Which of the ``n_cross`` heads move into their target links (the replica's links start at
    ``l0``): a link with room for all its heads takes them all; otherwise the first ``room`` of
    them by the rotating key (local row + t) mod rows per replica. With ``lane_caps`` a routed head
    whose next movement's queue holds ``q_cap`` vehicles stays (its ``cross_j`` set to -1).
    Returns how many move, in ``moving``."""
    for i in range(n_cross):
        r = cross_r[i]
        if lane_caps and not is_exit[target[r]]:
            v = buf[r, head[r]]
            if route[v] >= 0:
                nq = route_q[route[v], hop[v]]
                if nq >= 0 and count[nq] >= q_cap[nq]:
                    cross_j[i] = -1
                    continue
        tg = target[r] - l0
        pending[tg] += 1
        after[cross_j[i]] = first[tg]
        first[tg] = cross_j[i]
    n_move = 0
    for i in range(n_cross):
        if cross_j[i] < 0:
            continue
        r = cross_r[i]
        tg = target[r]
        room = storage[tg] - occupancy[tg]
        ok = pending[tg - l0] <= room
        if not ok:
            key = (cross_j[i] + t) % n_local
            ahead = 0
            other = first[tg - l0]
            while other >= 0:
                if (other + t) % n_local < key:
                    ahead += 1
                other = after[other]
            ok = ahead < room
        if ok:
            moving[n_move] = r
            n_move += 1
    for i in range(n_cross):  # clear the scratch of the targets this pass touched
        tg = target[cross_r[i]] - l0
        pending[tg] = 0
        first[tg] = -1
    return n_move


@njit(cache=True, nogil=True, inline="always")
def depart(t, dt_s, moving, movers, travel, n_movement_queues, buf, slot_ready, head, count, head_ready, tokens,
           passed, delay_s, occupancy, never_s, wait_s, stops, enter_s, q_link, ideal_steps_s, ideal_s, pass_loss_s,
           stop_loss_s, stop_wait_s):
    """The heads of rows ``moving`` leave their queues (and links); ``movers`` gets their ids and
    ``travel`` the time each takes to its next line, whole steps of ``dt_s``: the row's ideal time
    plus what slowing for the turn or starting from a stop loses (:mod:`twin.traffic.kinematics`).

    ``head_ready`` caches each row's head ready time, so the sweeps read contiguous arrays and
    only moving rows touch the buffers; ``slot_ready`` holds the ready times beside the ids, so
    a departure reads no vehicle row but those it writes.
    """
    for i in range(moving.size):
        r = moving[i]
        v, ready = ring.pop(buf, slot_ready, head, count, r)
        movers[i] = v
        delay = t - ready
        head_ready[r] = slot_ready[r, head[r]] if count[r] else never_s
        tokens[r] -= 1.0
        passed[r] += 1.0
        loss = pass_loss_s[r]
        if delay > 0:  # the vehicle's row is touched only when it waited: most rows are far apart in memory
            delay_s[r] += delay
            wait_s[v] += delay
            stops[v] += 1
            loss += (stop_loss_s[r] - loss) * min(1.0, delay / stop_wait_s[r])
        if loss > 0.0:
            travel[i] = int(np.ceil((ideal_s[r] + loss) / dt_s - 1e-9)) * dt_s
        else:
            travel[i] = ideal_steps_s[r]
        if r < n_movement_queues:
            occupancy[q_link[r]] -= 1
        else:  # an outside queue: the vehicle enters the network
            enter_s[v] = t


@njit(cache=True, nogil=True, inline="always")
def arrive(k, t, moving, movers, travel, routed, buf, slot_ready, head, count, head_ready, occupancy, turn_u,
           turn_used, ready_s, free_flow_s, arrive_s, dest, route, hop, target, ideal_steps_s, is_exit, route_q,
           turn_cdf, queue_of):
    """Each mover, in row order, reaches the end of its next link ``travel`` after ``t`` (s) and
    leaves the network there if it is an exit, or joins the queue of its next movement (its route's,
    or one drawn by the turning ratios from replica ``k``'s pool: the first slot of the link's
    ``turn_cdf`` row above the draw). Its free-flow time grows by the row's ideal time."""
    last_slot = turn_cdf.shape[1] - 1
    for i in range(moving.size):
        v, r = movers[i], moving[i]
        link = target[r]
        to_end_s = travel[i]
        free_flow_s[v] += ideal_steps_s[r]
        if is_exit[link]:
            arrive_s[v] = t + to_end_s
            dest[v] = link
            continue
        if routed and route[v] >= 0:
            q = route_q[route[v], hop[v]]
            hop[v] += 1
            if q < 0:  # its route ends on this link: it leaves at the link's end, as at an exit
                arrive_s[v] = t + to_end_s
                dest[v] = link
                continue
        else:
            u = turn_u[k, turn_used[k]]
            turn_used[k] += 1
            turn = 0
            while turn < last_slot and turn_cdf[link, turn] <= u:
                turn += 1
            q = queue_of[link, turn]
        ready = t + to_end_s
        if count[q]:  # no overtaking in a lane group: one that lost less time catches up and follows
            ready = max(ready, slot_ready[q, ring.nth_slot(head, q, count[q] - 1, slot_ready.shape[1])])
        ready_s[v] = ready
        ring.push(buf, slot_ready, head, count, q, v, ready)
        occupancy[link] += 1
        if count[q] == 1:
            head_ready[q] = ready


@njit(cache=True, nogil=True)
def halted_per_queue(slot_ready_s, head, count, head_ready_s, t, n_rows):
    """Vehicles that have reached the stop line by ``t`` (s) in each of the first ``n_rows`` queues
    (see :func:`count_halted`)."""
    out = np.zeros(n_rows, dtype=np.int64)
    count_halted(slot_ready_s[:n_rows], head[:n_rows], count[:n_rows], head_ready_s[:n_rows], t, out)
    return out


@njit(cache=True, nogil=True, inline="always")
def count_halted(slot_ready_s, head, count, head_ready_s, t, out):
    """``out[r]``: vehicles of queue row r that have reached the stop line by ``t`` (s).

    Along a FIFO the times vehicles reach the line never decrease, so the count is the first
    position whose vehicle has not arrived: a binary search over the ring of ready times
    (``slot_ready_s``) per queue, for the queues whose head (``head_ready_s``, the step's cache)
    has arrived and that hold more than one vehicle.
    """
    cap = slot_ready_s.shape[1]
    for r in range(out.size):
        n = count[r]
        if head_ready_s[r] > t:
            out[r] = 0
            continue
        if n == 1:
            out[r] = 1
            continue
        lo, hi = 1, n  # position lo - 1 has arrived; the answer is in [lo, hi]
        while lo < hi:
            mid = (lo + hi) // 2
            if slot_ready_s[r, ring.nth_slot(head, r, mid, cap)] <= t:
                lo = mid + 1
            else:
                hi = mid
        out[r] = lo


@njit(cache=True, nogil=True)
def waiting_time_of_halted(slot_ready_s, head, halted, t):
    """Per queue row, the seconds its first ``halted[r]`` vehicles (those at the stop line at ``t``)
    have stood there, summed: each has stood since it reached the line at its ready time."""
    cap = slot_ready_s.shape[1]
    out = np.zeros(halted.size)
    for r in range(halted.size):
        total = 0
        for k in range(halted[r]):
            total += t - slot_ready_s[r, ring.nth_slot(head, r, k, cap)]
        out[r] = total
    return out
