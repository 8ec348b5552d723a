"""FIFO ring buffers of vehicles, one row per queue: the one owner of their layout.

Row r of ``buf`` (rows, cap) holds ``count[r]`` vehicle ids, the k-th in line (k = 0 is the head,
the vehicle nearest the stop line) at slot ``(head[r] + k) % cap``; empty slots hold -1 (the
sentinel vehicle). Beside each id, in ``slot_ready_s`` of the same shape, is the time (s) that
vehicle reaches the stop line, so the step and the halted counts read a queue's times without
reaching into the vehicle rows, scattered across memory.

The compiled helpers (:func:`nth_slot`, :func:`push`, :func:`pop`) are inlined into the traffic
step and the arrivals writer; the numpy ones (:func:`in_line`, :func:`occupied`, :func:`grow`)
serve readers outside the step: the viewer, the tests, and the buffers' growth.

numba's on-disk cache keys on the file of the function it compiled, not on the files of the
helpers it inlined: after editing this file, delete ``twin/traffic/__pycache__`` so the step
and the arrivals writer are compiled again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

if TYPE_CHECKING:
    from twin.traffic.state import QueueState

EMPTY = -1  # the id in an empty slot: the sentinel vehicle's row


@njit(inline="always")
def nth_slot(head, r, k, cap):
    """The slot of row ``r`` holding its k-th vehicle in line (k = 0: the head)."""
    return (head[r] + k) % cap


@njit(inline="always")
def push(buf, slot_ready_s, head, count, r, v, ready_s):
    """Vehicle ``v``, reaching the stop line at ``ready_s`` (s), joins the back of row ``r``.

    The caller has made room (:func:`grow`); it caches the head's ready time when ``count[r]``
    becomes 1.
    """
    tail = nth_slot(head, r, count[r], buf.shape[1])
    buf[r, tail] = v
    slot_ready_s[r, tail] = ready_s
    count[r] += 1


@njit(inline="always")
def pop(buf, slot_ready_s, head, count, r):
    """The head of row ``r`` leaves it; returns its id and the time (s) it reached the stop line."""
    h = head[r]
    v = buf[r, h]
    ready_s = slot_ready_s[r, h]
    buf[r, h] = EMPTY
    head[r] = (h + 1) % buf.shape[1]
    count[r] -= 1
    return v, ready_s


def in_line(buf: np.ndarray, head: np.ndarray, depth: int) -> np.ndarray:
    """Per row, the first ``depth`` slots in line order, (rows, depth) of ``buf``'s dtype.

    ``buf`` and ``head`` may be the first rows of the queues; positions at or past a row's count
    read :data:`EMPTY`. ``buf`` may also be ``slot_ready_s``, to read times in line order.
    """
    slots = (head[:, None] + np.arange(depth)[None, :]) % buf.shape[1]
    return buf[np.arange(buf.shape[0])[:, None], slots]


def occupied(buf: np.ndarray, head: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Mask (rows, cap) of the slots that hold a vehicle."""
    cap = buf.shape[1]
    return (np.arange(cap)[None, :] - head[:, None]) % cap < count[:, None]


def grow(q: "QueueState", needed: int) -> None:
    """Widen the buffers to hold ``needed`` vehicles per row (at least doubling), unrolling each ring
    to start at slot 0."""
    cap = q.buf.shape[1]
    new_cap = max(needed, 2 * cap)
    buf = np.full((q.buf.shape[0], new_cap), EMPTY, dtype=q.buf.dtype)
    buf[:, :cap] = in_line(q.buf, q.head, cap)
    ready = np.zeros((q.buf.shape[0], new_cap), dtype=q.slot_ready_s.dtype)
    ready[:, :cap] = in_line(q.slot_ready_s, q.head, cap)
    q.buf, q.slot_ready_s, q.head = buf, ready, np.zeros_like(q.head)
