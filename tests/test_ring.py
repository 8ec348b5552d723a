"""The queues' ring buffers behave as FIFO queues: any sequence of joins, departures and growths
leaves each row holding what a deque fed the same sequence holds, in the same order."""

from __future__ import annotations

from collections import deque

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.traffic import ring
from twin.traffic.state import QueueState

ROWS = 3


def empty_queues(cap: int) -> QueueState:
    """Ring buffers of ``ROWS`` rows and ``cap`` slots (the other queue arrays are unused here)."""
    zeros = np.zeros(ROWS)
    return QueueState(buf=np.full((ROWS, cap), ring.EMPTY, dtype=np.int64), slot_ready_s=np.zeros((ROWS, cap), np.int64),
                      head=np.zeros(ROWS, np.int64), count=np.zeros(ROWS, np.int64), head_ready_s=zeros.astype(np.int64),
                      tokens=zeros, occupancy=zeros, delay_s=zeros, halted=zeros, halted_at_s=np.zeros(()))


# An operation: (row, True) pushes the next vehicle onto the row, (row, False) pops its head.
operations = st.lists(st.tuples(st.integers(0, ROWS - 1), st.booleans()), max_size=80)


@settings(max_examples=200, deadline=None)
@given(operations, st.integers(1, 4))
def test_rings_hold_what_deques_hold_in_line_order(ops, cap):
    q, model, next_id = empty_queues(cap), [deque() for _ in range(ROWS)], 0
    for r, join in ops:
        if join:
            if q.count[r] == q.buf.shape[1]:
                ring.grow(q, int(q.count[r]) + 1)
            ring.push(q.buf, q.slot_ready_s, q.head, q.count, r, next_id, 10 * next_id)
            model[r].append(next_id)
            next_id += 1
        elif model[r]:
            v, ready_s = ring.pop(q.buf, q.slot_ready_s, q.head, q.count, r)
            assert v == model[r].popleft() and ready_s == 10 * v
        depth = q.buf.shape[1]
        ids, times = ring.in_line(q.buf, q.head, depth), ring.in_line(q.slot_ready_s, q.head, depth)
        mask = ring.occupied(q.buf, q.head, q.count)
        for row in range(ROWS):
            held = list(model[row])
            assert q.count[row] == len(held)
            assert ids[row, :len(held)].tolist() == held
            assert times[row, :len(held)].tolist() == [10 * v for v in held]
            assert np.all(ids[row, len(held):] == ring.EMPTY), "a slot past the count holds a vehicle"
            assert sorted(q.buf[row][mask[row]].tolist()) == sorted(held)
            assert all(ids[row, k] == q.buf[row, ring.nth_slot(q.head, row, k, depth)] for k in range(depth))


def test_growing_keeps_the_line_and_at_least_doubles():
    q = empty_queues(3)
    for v in range(3):
        ring.push(q.buf, q.slot_ready_s, q.head, q.count, 1, v, v)
    ring.pop(q.buf, q.slot_ready_s, q.head, q.count, 1)
    ring.push(q.buf, q.slot_ready_s, q.head, q.count, 1, 3, 3)  # wraps around to slot 0
    assert q.head[1] == 1 and q.buf[1, 0] == 3
    ring.grow(q, 4)
    assert q.buf.shape[1] == 6 and q.head[1] == 0
    assert q.buf[1].tolist() == [1, 2, 3, -1, -1, -1] and q.slot_ready_s[1, :3].tolist() == [1, 2, 3]
    assert q.count.tolist() == [0, 3, 0]
