"""Action checks: an action outside the space raises an error saying what is allowed."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from gymnasium import spaces
from numba import njit

from twin.errors import shown

_REAL_KINDS = "iuf"  # signed and unsigned integers, floats; not bool, complex, str, bytes or object
_KIND_NAMES = {"b": "bool", "c": "complex", "U": "text", "S": "bytes", "O": "object", "M": "date", "m": "time"}


class InvalidAction(ValueError):
    """An action is outside the environment's action space."""


@njit(cache=True, nogil=True)
def _all_within(values, low, high):
    """Whether every value is finite and within [low, high] (1-D arrays of one length): one pass."""
    for i in range(values.size):
        v = values[i]
        if not (math.isfinite(v) and low[i] <= v <= high[i]):
            return False
    return True


def box_actions(action: Any, space: spaces.Box, what: str) -> np.ndarray:
    """``action`` as float64 of ``space``'s shape with every value within its bounds, else InvalidAction.

    The values must be real numbers: bool, complex, strings and objects are refused rather than
    converted (``True`` is not full power, ``1+0j`` not a battery command).
    """
    try:
        a = np.asarray(action)
    except (TypeError, ValueError):
        raise InvalidAction(f"{what}: action {shown(action)} is not an array of numbers; "
                            f"expected {_box_bounds(space)}") from None
    if a.dtype.kind not in _REAL_KINDS:
        kind = _KIND_NAMES.get(a.dtype.kind, a.dtype.name)
        raise InvalidAction(f"{what}: action {shown(action)} holds {kind} values, not real numbers; "
                            f"expected {_box_bounds(space)}")
    if a.shape != space.shape:
        raise InvalidAction(f"{what}: action has shape {a.shape}; expected {space.shape}")
    a = a.astype(np.float64)
    if not _all_within(a.ravel(), space.low.ravel(), space.high.ravel()):
        numbers = a[~np.isnan(a)]
        got = f"min {numbers.min()!r}, max {numbers.max()!r}" if numbers.size else "only NaN"
        raise InvalidAction(f"{what}: action values must lie in [{space.low.min()}, {space.high.max()}], "
                            f"got {got}" + (" and NaN" if numbers.size < a.size and numbers.size else ""))
    return a


def _box_bounds(space: spaces.Box) -> str:
    """What a Box action must be, for messages (built only when one is refused)."""
    return f"an array of shape {space.shape} of real numbers in [{space.low.min()}, {space.high.max()}]"


def discrete_actions(action: Any, n: int | np.ndarray, shape: tuple[int, ...], what: str) -> np.ndarray:
    """``action`` as int64 of ``shape`` with every value in 0..n-1, else InvalidAction.

    ``n`` is one count for every value, or one per value (a MultiDiscrete's ``nvec``, as long as
    the flattened action) where the choices differ.
    """
    try:
        a = np.asarray(action)
    except (TypeError, ValueError):
        a = np.asarray(None)
    kind = a.dtype.kind
    whole = kind in "iu" or (kind == "f" and np.all(np.isfinite(a) & (a == np.round(a))))
    per_value = isinstance(n, np.ndarray)
    if a.shape != shape or not whole:
        allowed = f"each below its count in {shown(n.tolist())}" if per_value else f"in 0..{n - 1}"
        raise InvalidAction(f"{what}: action {shown(action)} must be whole numbers of shape {shape} {allowed}")
    a = a.astype(np.int64)
    if not (_all_below_each(a.ravel(), n) if per_value else _all_below(a.ravel(), n)):
        if per_value:
            bad = int(np.flatnonzero((a.ravel() < 0) | (a.ravel() >= n))[0])
            raise InvalidAction(f"{what}: action value {bad} is {int(a.ravel()[bad])}; it must lie in "
                                f"0..{int(n[bad]) - 1} (each value below its count in {shown(n.tolist())})")
        raise InvalidAction(f"{what}: action values must lie in 0..{n - 1}, got {a.min()}..{a.max()}")
    return a


@njit(cache=True, nogil=True)
def _all_below(values, n):
    """Whether every value lies in 0..n-1: one compiled pass (two numpy reductions cost more, every step)."""
    for i in range(values.size):
        if not 0 <= values[i] < n:
            return False
    return True


@njit(cache=True, nogil=True)
def _all_below_each(values, n):
    """Whether every value lies in 0..n[i]-1: one compiled pass."""
    for i in range(values.size):
        if not 0 <= values[i] < n[i]:
            return False
    return True
