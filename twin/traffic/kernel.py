"""The queue step compiled with numba: one loop over the queues instead of dozens of numpy calls.

A traffic step touches a handful of vehicles per world; as numpy expressions it costs tens of
calls whatever the size, which made small grids (and SyncVectorEnv copies of them) pay call
overhead rather than work. Compiled, a step costs a pass over the queue rows.

The rules are those of :mod:`twin.traffic.model` (see its docstring), applied in passes: in a
pass every queue decides on the state at the start of the pass (its head vehicle, its green, its
tokens, the room on its next link), then every admitted head moves; heads competing for too
little room go in an order that rotates every step. Departures of a pass are applied before its
arrivals, and vehicles joining one queue in a pass join in queue-row order.
"""

from __future__ import annotations

import numpy as np
from numba import njit


# twin.traffic.signals' interval codes (kept free of imports so the kernel module stands alone).
GREEN, YELLOW, ALL_RED = 0, 1, 2


@njit(cache=True, nogil=True)
def advance_intervals(green_ends, phase, interval, t_in_s, target, changes, yellow_s, all_red_s, dt_s):
    """Per intersection: end the green where ``green_ends``, step yellow -> all-red -> green (to
    ``target``, counting a change) when their times are up, then count ``dt_s`` in the interval."""
    for i in range(phase.size):
        if green_ends[i]:
            interval[i] = YELLOW
            t_in_s[i] = 0
        if interval[i] == YELLOW and t_in_s[i] >= yellow_s:
            interval[i] = ALL_RED
            t_in_s[i] = 0
        if interval[i] == ALL_RED and t_in_s[i] >= all_red_s:
            interval[i] = GREEN
            phase[i] = target[i]
            changes[i] += 1
            t_in_s[i] = 0
        t_in_s[i] += dt_s


@njit(cache=True, nogil=True)
def external_signal_step(request, phase, interval, t_in_s, target, changes, min_green_s, yellow_s, all_red_s, dt_s):
    """One step of externally controlled signals: a green ends after ``min_green_s`` when another
    phase is requested, and leads (through yellow and all-red) to the requested phase."""
    ends = np.zeros(phase.size, dtype=np.bool_)
    for i in range(phase.size):
        if interval[i] == GREEN and t_in_s[i] >= min_green_s and request[i] != phase[i]:
            ends[i] = True
            target[i] = request[i]
    advance_intervals(ends, phase, interval, t_in_s, target, changes, yellow_s, all_red_s, dt_s)


@njit(cache=True, nogil=True)
def signal_green(green, q_int, q_bits, phase, interval):
    """Fill ``green`` (bool per row) for the first ``q_int.size`` rows, the movement queues: the
    intersection is in a green interval and its phase serves the movement (bit ``phase`` of
    ``q_bits``). Rows after them are the outside queues and are left as they are (always green)."""
    for r in range(q_int.size):
        i = q_int[r]
        green[r] = interval[i] == GREEN and (q_bits[r] >> phase[i]) & 1 == 1


@njit(cache=True, nogil=True)
def halted_per_queue(buf, head, count, ready_s, t, n_rows):
    """Vehicles that have reached the stop line by ``t`` (s) in each of the first ``n_rows`` queues.

    Along a FIFO the times vehicles reach the line never decrease, so the count is the first
    position whose vehicle has not arrived: a binary search per queue.
    """
    cap = buf.shape[1]
    out = np.zeros(n_rows, dtype=np.int64)
    for r in range(n_rows):
        n = count[r]
        if n == 0 or ready_s[buf[r, head[r]]] > t:
            continue
        lo, hi = 1, n  # position lo - 1 has arrived; the answer is in [lo, hi]
        while lo < hi:
            mid = (lo + hi) // 2
            if ready_s[buf[r, (head[r] + mid) % cap]] <= t:
                lo = mid + 1
            else:
                hi = mid
        out[r] = lo
    return out


@njit(cache=True, nogil=True)
def queue_step(t, green, passes,
               buf, head, count, head_ready_s, tokens, occupancy, delay_s,   # QueueState
               ready_s, wait_s, stops, enter_s, arrive_s, free_flow_s, dest,  # Vehicles
               route, hop,
               passed, busy_steps,                                            # DetectorRegisters
               turn_u, turn_used,                                             # TurnDraws
               refill, token_cap, target, row_link, storage, local_row,       # constants per row
               rows_per_replica, n_movement_queues, is_exit, fft_s, queue_of,
               links_per_replica, turn_cdf, routed, route_q):
    """Advance every queue by one step starting at ``t`` (s); ``green`` per row (outside rows True).

    Mutates the state arrays in place. ``head_ready_s`` caches each row's head ready time, so the
    sweeps over all rows read contiguous arrays and only moving rows touch the buffers. Turn uniforms are taken in order from ``turn_u`` rows,
    which the caller keeps filled with at least one step's worth per replica.
    """
    n_rows = head.size
    cap = buf.shape[1]
    never_s = ready_s[-1]  # the sentinel vehicle's ready time: never
    n_links = storage.size
    cross = np.empty(n_rows, dtype=np.int64)
    moving = np.empty(n_rows, dtype=np.int64)
    movers = np.empty(n_rows, dtype=np.int64)
    pending = np.zeros(n_links, dtype=np.int64)    # crossing heads per target link in this pass
    first = np.full(n_links, -1, dtype=np.int64)   # per target: a list through ``after``
    after = np.empty(n_rows, dtype=np.int64)
    for r in range(n_rows):
        if head_ready_s[r] <= t:
            busy_steps[r] += 1.0
        tokens[r] = min(tokens[r] + refill[r], token_cap[r])
    for _ in range(passes):
        n_cross = 0
        for r in range(n_rows):
            if head_ready_s[r] <= t and green[r] and tokens[r] >= 1.0:
                cross[n_cross] = r
                n_cross += 1
                tg = target[r]
                pending[tg] += 1
                after[r] = first[tg]
                first[tg] = r
        # Admission: a target with room for all its heads takes them all; otherwise the first
        # ``room`` of them by the rotating key (local row + t) mod rows per replica.
        n_move = 0
        for i in range(n_cross):
            r = cross[i]
            tg = target[r]
            room = storage[tg] - occupancy[tg]
            admit = pending[tg] <= room
            if not admit:
                key = (local_row[r] + t) % rows_per_replica
                ahead = 0
                other = first[tg]
                while other >= 0:
                    if (local_row[other] + t) % rows_per_replica < key:
                        ahead += 1
                    other = after[other]
                admit = ahead < room
            if admit:
                moving[n_move] = r
                n_move += 1
        for i in range(n_cross):  # clear the scratch of the targets this pass touched
            pending[target[cross[i]]] = 0
            first[target[cross[i]]] = -1
        if n_move == 0:
            break
        # Departures: every admitted head leaves its queue.
        for i in range(n_move):
            r = moving[i]
            v = buf[r, head[r]]
            movers[i] = v
            buf[r, head[r]] = -1
            head[r] = (head[r] + 1) % cap
            count[r] -= 1
            head_ready_s[r] = ready_s[buf[r, head[r]]] if count[r] else never_s
            tokens[r] -= 1.0
            occupancy[row_link[r]] -= 1
            passed[r] += 1.0
            delay = t - ready_s[v]
            delay_s[r] += delay
            wait_s[v] += delay
            if delay > 0:
                stops[v] += 1
            if r >= n_movement_queues:
                enter_s[v] = t
        # Arrivals: out of the network, or onto the next link in the queue of the next movement.
        for i in range(n_move):
            r = moving[i]
            v = movers[i]
            link = target[r]
            if is_exit[link]:
                arrive_s[v] = t + fft_s[link]
                free_flow_s[v] += fft_s[link]
                dest[v] = link
                continue
            if routed and route[v] >= 0:
                q = route_q[route[v], hop[v]]
                hop[v] += 1
            else:
                k = link // links_per_replica
                u = turn_u[k, turn_used[k]]
                turn_used[k] += 1
                turn = 0
                while turn < 2 and turn_cdf[turn] <= u:
                    turn += 1
                q = queue_of[link, turn]
            buf[q, (head[q] + count[q]) % cap] = v
            count[q] += 1
            occupancy[link] += 1
            ready_s[v] = t + fft_s[link]
            if count[q] == 1:
                head_ready_s[q] = ready_s[v]
            free_flow_s[v] += fft_s[link]

