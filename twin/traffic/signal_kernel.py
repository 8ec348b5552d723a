"""The signal controllers' step, compiled: fixed time from its table, actuated and external rules.

Called from the traffic kernel (:mod:`twin.traffic.kernel`) at the start of every step, replica by
replica; the plans they read are :mod:`twin.traffic.signals`'.
"""

from __future__ import annotations

from numba import njit

# twin.traffic.signals' interval codes (kept free of imports so the compiled modules stand alone).
GREEN, YELLOW, ALL_RED = 0, 1, 2
# Controller codes.
FIXED_TIME, ACTUATED, EXTERNAL = 0, 1, 2
# max_pressure runs as an agent would: its process sets the requests the external rules serve.
CONTROLLERS = {"fixed_time": FIXED_TIME, "actuated": ACTUATED, "external": EXTERNAL, "max_pressure": EXTERNAL}


@njit(cache=True, nogil=True)
def fill_green(green, q_int, i0, q_bits, phase, interval):
    """``green[r]`` per movement row: its intersection (``q_int[r] - i0``, an index into ``phase``
    and ``interval``) is in a green interval and the phase serves the movement (bit ``phase`` of
    ``q_bits``). Outside rows stay green."""
    for r in range(green.size):
        i = q_int[r] - i0
        green[r] = interval[i] == GREEN and (q_bits[r] >> phase[i]) & 1 == 1


@njit(cache=True, nogil=True, inline="always")
def fixed_time_step(i0, n_int, r0, m, cycle_s, phase, interval, t_in, changes, green,
                    at_phase, at_interval, at_t_in, at_change, at_green):
    """Fixed time: intersections i0.. and rows r0.. from the table row of second ``cycle_s`` of the cycle."""
    c = cycle_s
    for i in range(i0, i0 + n_int):
        phase[i] = at_phase[c, i]
        interval[i] = at_interval[c, i]
        t_in[i] = at_t_in[c, i]
        changes[i] += at_change[c, i]
    for r in range(r0, r0 + m):
        green[r] = at_green[c, r]


@njit(cache=True, nogil=True, inline="always")
def controlled_step(i0, n_int, r0, m, t, actuated, no_demand, phase, interval, t_in, changes, target, request,
                    green, head_ready, q_int, q_bits, q_actuating_bits, int_row_start, int_rows, n_phases,
                    min_green_s, max_green_s, yellow_s, all_red_s, signalized, gap_s, dt_s):
    """Actuated or external control of intersections i0.. for the step starting at ``t`` (s).

    A green ends when the controller's rule says so (actuated: gap-out or max-out after the
    minimum green, counting only movements that extend the phase, ``q_actuating_bits``; external:
    another phase requested after the minimum green), then yellow ->
    all-red -> green (to the target phase, counting a change). Phase counts (``n_phases``) and the
    yellow and all-red after each phase (``yellow_s[i, p]``, ``all_red_s[i, p]``) are each
    intersection's own; unsignalized junctions (``signalized`` False) stay green. The green of an
    intersection's rows is recomputed when its interval changes.
    """
    if actuated:  # gap-out reads the detectors: a head within the gap of its line, on a movement
        no_demand[:] = True  # that has green and extends this phase (q_actuating_bits)
        for r in range(r0, r0 + m):
            if green[r] and head_ready[r] <= t + gap_s and (q_actuating_bits[r] >> phase[q_int[r]]) & 1 == 1:
                no_demand[q_int[r] - i0] = False
    for i in range(i0, i0 + n_int):
        if not signalized[i]:
            continue
        before = interval[i]
        if actuated:
            ends = (before == GREEN and t_in[i] >= min_green_s
                    and (no_demand[i - i0] or t_in[i] >= max_green_s))
            if ends:
                target[i] = (phase[i] + 1) % n_phases[i]
        else:
            ends = before == GREEN and t_in[i] >= min_green_s and request[i] != phase[i]
            if ends:
                target[i] = request[i]
        if ends:
            interval[i] = YELLOW
            t_in[i] = 0
        if interval[i] == YELLOW and t_in[i] >= yellow_s[i, phase[i]]:
            interval[i] = ALL_RED
            t_in[i] = 0
        if interval[i] == ALL_RED and t_in[i] >= all_red_s[i, phase[i]]:
            interval[i] = GREEN
            phase[i] = target[i]
            changes[i] += 1
            t_in[i] = 0
        t_in[i] += dt_s
        if interval[i] != before or ends:
            for x in range(int_row_start[i], int_row_start[i + 1]):
                r = int_rows[x]
                green[r] = interval[i] == GREEN and (q_bits[r] >> phase[i]) & 1 == 1
