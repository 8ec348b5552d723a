"""The install-time warm-up reaches every compiled kernel of the world, so none compiles on a user's first run."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from numba.core.registry import CPUDispatcher

import twin
from twin.warmup import warm_up


def _kernels() -> dict[str, CPUDispatcher]:
    found = {}
    for info in pkgutil.walk_packages(twin.__path__, "twin."):
        if info.name.startswith(("twin.viewer", "twin.testing")):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, CPUDispatcher) and value.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    return found


def test_warm_up_calls_every_compiled_kernel_of_the_world():
    kernels = _kernels()
    assert len(kernels) >= 5, sorted(kernels)
    warm_up()
    # A kernel called only from inside other compiled code is compiled into its callers, so it has
    # no signature of its own: those must be named in a caller's source.
    # (numba loads a cached caller without compiling its callees again, so this depends on the cache.)
    source = {name: inspect.getsource(k.py_func) for name, k in kernels.items()}
    reached = {name for name, k in kernels.items() if k.signatures}
    while True:
        more = {name for name in kernels if name not in reached
                and any(f"{name.rsplit('.', 1)[1]}(" in source[r] for r in reached)}
        if not more:
            break
        reached |= more
    assert set(kernels) - reached == set()
