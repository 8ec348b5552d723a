"""Calling a compiled (numba) kernel many times with the same arguments, without its dispatch.

A numba dispatcher finds the machine code for a call by typing every argument, every array inside
every named tuple included: for the homes kernel's ten arguments holding about eighty arrays that
took about 10 us a call, more than a one-home world's physics itself (about 4 us). A world calls
its kernels with the same arrays for its whole life, so the types are resolved once
(:func:`bind`) and the machine code is then called directly.

Resolving them through numba's own ``typeof`` costs about 0.5 ms for such a call, paid at every
new world (an env's reset); :func:`bind` keys its cache instead on what numba's typing reads off
each value (an array's dtype, dimensions, layout, writeability and alignment; a tuple's class and
items; a scalar's type), a few microseconds, and asks numba only for a key it has not seen.

The bound entry point trusts its arguments to have the types it was bound for: callers bind again
whenever an argument object may have changed (:class:`twin.engine.ArrayState` counts field
replacements for exactly that), and pass scalars of the bound Python types (``int`` for times).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numba.core.dispatcher import Dispatcher

_INT64 = (-(2**63), 2**63)
_ENTRY_POINTS: dict[tuple[Dispatcher, tuple], Callable[..., Any]] = {}


def type_key(value: Any) -> Any:
    """What numba's typing of ``value`` as an argument depends on, as a hashable key."""
    if isinstance(value, np.ndarray):
        flags = value.flags
        return (value.dtype, value.ndim, flags.c_contiguous, flags.f_contiguous, flags.writeable, flags.aligned)
    if isinstance(value, tuple):
        return (type(value), tuple(type_key(item) for item in value))
    if type(value) is int and not _INT64[0] <= value < _INT64[1]:
        return (int, "wide")  # numba types these apart (uint64, or refuses them)
    return type(value)


def bind(dispatcher: Dispatcher, args: tuple[Any, ...]) -> Callable[..., Any]:
    """The compiled entry point of ``dispatcher`` for the types of ``args`` (compiled, or loaded
    from numba's cache, if this is the first call with them), as the dispatcher itself would pick it."""
    key = (dispatcher, tuple(type_key(arg) for arg in args))
    entry = _ENTRY_POINTS.get(key)
    if entry is None:
        entry = dispatcher.compile(tuple(dispatcher.typeof_pyval(arg) for arg in args))
        _ENTRY_POINTS[key] = entry
    return entry
