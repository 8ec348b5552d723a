"""Action checks: an action outside the space raises an error saying what is allowed."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from twin.errors import shown

_REAL_KINDS = "iuf"  # signed and unsigned integers, floats; not bool, complex, str, bytes or object
_KIND_NAMES = {"b": "bool", "c": "complex", "U": "text", "S": "bytes", "O": "object", "M": "date", "m": "time"}


class InvalidAction(ValueError):
    """An action is outside the environment's action space."""


def box_actions(action: Any, space: spaces.Box, what: str) -> np.ndarray:
    """``action`` as float64 of ``space``'s shape with every value within its bounds, else InvalidAction.

    The values must be real numbers: bool, complex, strings and objects are refused rather than
    converted (``True`` is not full power, ``1+0j`` not a battery command).
    """
    bounds = f"an array of shape {space.shape} of real numbers in [{space.low.min()}, {space.high.max()}]"
    try:
        a = np.asarray(action)
    except (TypeError, ValueError):
        raise InvalidAction(f"{what}: action {shown(action)} is not an array of numbers; expected {bounds}") from None
    if a.dtype.kind not in _REAL_KINDS:
        kind = _KIND_NAMES.get(a.dtype.kind, a.dtype.name)
        raise InvalidAction(f"{what}: action {shown(action)} holds {kind} values, not real numbers; expected {bounds}")
    if a.shape != space.shape:
        raise InvalidAction(f"{what}: action has shape {a.shape}; expected {space.shape}")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)) or np.any(a < space.low) or np.any(a > space.high):
        raise InvalidAction(f"{what}: action values must lie in [{space.low.min()}, {space.high.max()}], "
                            f"got min {np.nanmin(a)!r}, max {np.nanmax(a)!r}" + (" and NaN" if np.isnan(a).any() else ""))
    return a


def discrete_actions(action: Any, n: int, shape: tuple[int, ...], what: str) -> np.ndarray:
    """``action`` as int64 of ``shape`` with every value in 0..n-1, else InvalidAction."""
    try:
        a = np.asarray(action)
    except (TypeError, ValueError):
        a = np.asarray(None)
    kind = a.dtype.kind
    whole = kind in "iu" or (kind == "f" and np.all(np.isfinite(a) & (a == np.round(a))))
    if a.shape != shape or not whole:
        raise InvalidAction(f"{what}: action {shown(action)} must be whole numbers of shape {shape} in 0..{n - 1}")
    a = a.astype(np.int64)
    if a.size and (a.min() < 0 or a.max() >= n):  # two reductions: this runs every step
        raise InvalidAction(f"{what}: action values must lie in 0..{n - 1}, got {a.min()}..{a.max()}")
    return a
