"""numpy's min, max and clip for single floats, inside compiled code.

The compiled homes step is bit-identical to the numpy expressions it replaced, and numpy settles
ties in ways that show in the sign of a zero (``maximum(-0.0, 0.0)`` is ``0.0``,
``maximum(0.0, -0.0)`` is ``-0.0``): these helpers make the same choices, so a -0.0 numpy
produced is produced here too, and no other.
"""

from __future__ import annotations

from numba import njit


@njit(inline="always")
def maximum(a, b):
    """``numpy.maximum(a, b)``: ``b`` on ties; NaN if either is NaN."""
    return a if a > b or a != a else b


@njit(inline="always")
def minimum(a, b):
    """``numpy.minimum(a, b)``: ``b`` on ties; NaN if either is NaN."""
    return a if a < b or a != a else b


@njit(inline="always")
def clip_to(x, lo, hi):
    """``numpy.clip`` where a bound is an array: ``minimum(maximum(x, lo), hi)`` (a bound on ties)."""
    return minimum(maximum(x, lo), hi)


@njit(inline="always")
def clip_between(x, lo, hi):
    """``numpy.clip`` of an array between two floats: ``x`` itself on ties."""
    return lo if x < lo else (hi if x > hi else x)
