"""Action checks: an action outside the space raises an error saying what is allowed."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces


class InvalidAction(ValueError):
    """An action is outside the environment's action space."""


def box_actions(action: Any, space: spaces.Box, what: str) -> np.ndarray:
    """``action`` as float64 of ``space``'s shape with every value within its bounds, else InvalidAction."""
    try:
        a = np.asarray(action, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidAction(f"{what}: action {action!r} is not numeric; expected an array of shape "
                            f"{space.shape} in [{space.low.min()}, {space.high.max()}]") from None
    if a.shape != space.shape:
        raise InvalidAction(f"{what}: action has shape {a.shape}; expected {space.shape}")
    if not np.all(np.isfinite(a)) or np.any(a < space.low) or np.any(a > space.high):
        raise InvalidAction(f"{what}: action values must lie in [{space.low.min()}, {space.high.max()}], "
                            f"got min {np.nanmin(a)!r}, max {np.nanmax(a)!r}" + (" and NaN" if np.isnan(a).any() else ""))
    return a


def discrete_actions(action: Any, n: int, shape: tuple[int, ...], what: str) -> np.ndarray:
    """``action`` as int64 of ``shape`` with every value in 0..n-1, else InvalidAction."""
    a = np.asarray(action)
    if a.shape != shape or not (np.issubdtype(a.dtype, np.integer) or (a.dtype.kind == "f" and np.all(a == np.round(a)))):
        raise InvalidAction(f"{what}: action {action!r} must be whole numbers of shape {shape} in 0..{n - 1}")
    a = a.astype(np.int64)
    if np.any(a < 0) or np.any(a >= n):
        raise InvalidAction(f"{what}: action values must lie in 0..{n - 1}, got {a.min()}..{a.max()}")
    return a
