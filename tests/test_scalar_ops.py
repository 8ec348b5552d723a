"""The compiled homes step's min, max and clip make numpy's choices, to the sign of a zero."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.physics.scalar import clip_between, clip_to, maximum, minimum

# Ties and signed zeros are what matter; NaN and infinities are allowed as numpy takes them.
FLOATS = st.one_of(st.sampled_from([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan]),
                   st.floats(allow_nan=True, allow_infinity=True))


def same(ours: float, theirs: np.ndarray) -> bool:
    """Bit for bit (so -0.0 differs from 0.0, and NaN equals NaN)."""
    return np.array(ours).tobytes() == np.asarray(theirs, dtype=np.float64).tobytes()


def wide(x: float, n: int = 19) -> np.ndarray:
    """``x`` in an array long enough for numpy's vector loops, as the numpy step saw arrays of homes."""
    return np.full(n, x)


# No deadline: the first example compiles the kernels (hundreds of ms on a busy machine).
@settings(deadline=None)
@given(FLOATS, FLOATS)
def test_maximum_and_minimum_settle_ties_as_numpy(a, b):
    assert same(maximum(a, b), np.maximum(wide(a), wide(b))[0])
    assert same(maximum(a, b), np.maximum(wide(a), b)[0])
    assert same(minimum(a, b), np.minimum(wide(a), wide(b))[0])
    assert same(minimum(a, b), np.minimum(wide(a), b)[0])


@settings(deadline=None)
@given(FLOATS, FLOATS, FLOATS)
def test_clip_to_an_array_bound_and_between_floats_as_numpy(x, lo, hi):
    assert same(clip_to(x, lo, hi), np.clip(wide(x), wide(lo), wide(hi))[0])
    assert same(clip_to(x, lo, hi), np.clip(wide(x), lo, wide(hi))[0])
    if not (lo > hi or np.isnan(lo) or np.isnan(hi)):  # numpy's float-bounds loop assumes lo <= hi
        assert same(clip_between(x, lo, hi), np.clip(wide(x), lo, hi)[0])
