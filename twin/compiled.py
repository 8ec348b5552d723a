"""Calling a compiled (numba) kernel many times with the same arguments, without its dispatch.

A numba dispatcher finds the machine code for a call by typing every argument, every array inside
every named tuple included: for the homes kernel's ten arguments holding about eighty arrays that
took about 10 us a call, more than a one-home world's physics itself (about 4 us). A world calls
its kernels with the same arrays for its whole life, so the types are resolved once
(:func:`bind`) and the machine code is then called directly.

The bound entry point trusts its arguments to have the types it was bound for: callers bind again
whenever an argument object may have changed (:class:`twin.engine.ArrayState` counts field
replacements for exactly that), and pass scalars of the bound Python types (``int`` for times).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from numba.core.dispatcher import Dispatcher


def bind(dispatcher: Dispatcher, args: tuple[Any, ...]) -> Callable[..., Any]:
    """The compiled entry point of ``dispatcher`` for the types of ``args`` (compiled, or loaded
    from numba's cache, if this is the first call with them), as the dispatcher itself would pick it."""
    return dispatcher.compile(tuple(dispatcher.typeof_pyval(arg) for arg in args))
