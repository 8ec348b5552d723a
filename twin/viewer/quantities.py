"""Numbers as the viewer shows them: with their unit and a sensible number of digits (no pygame, no world).

The unit of a field comes from an explicit table where its name says nothing (``soc`` is a
fraction shown in %, a road's ``occupancy`` counts vehicles) and otherwise from the suffix of
its name, the project's naming convention (``net_kw``, ``temp_air_c``, ``import_kwh``,
``t_in_s``, ``storage_veh``; see the telemetry table in ``docs/architecture.md``).
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import dataclass

import numpy as np

SIGNIFICANT_DIGITS = 3
# From here on a number is shown in scientific notation rather than with a dozen grouped digits.
HUGE = 1e15


@dataclass(frozen=True)
class Unit:
    """How a stored value is shown: ``value * scale`` followed by ``symbol`` ("" for a plain number)."""

    symbol: str
    scale: float = 1.0


# Longest first, so ``import_kwh`` is kWh and not kW, ``price_eur_per_kwh`` EUR/kWh and not kWh.
SUFFIX_UNITS: tuple[tuple[str, Unit], ...] = tuple(sorted((
    ("_eur_per_kwh", Unit("EUR/kWh")), ("_g_per_kwh", Unit("g/kWh")), ("_w_m2", Unit("W/m\u00b2")),
    ("_w_k", Unit("W/K")), ("_kwh", Unit("kWh")), ("_kwp", Unit("kWp")), ("_kva", Unit("kVA")),
    ("_mps", Unit("m/s")), ("_pct", Unit("%")), ("_veh", Unit("veh")), ("_eur", Unit("EUR")),
    ("_min", Unit("min")), ("_kw", Unit("kW")), ("_kg", Unit("kg")), ("_kh", Unit("K\u00b7h")),
    ("_c", Unit("\u00b0C")), ("_w", Unit("W")), ("_m", Unit("m")), ("_s", Unit("s")), ("_h", Unit("h")),
), key=lambda item: -len(item[0])))
# Names whose suffix says nothing (or the wrong thing).
NAME_UNITS: dict[str, Unit] = {
    "soc": Unit("%", 100.0),          # battery state of charge, stored as a fraction 0..1
    "kwp": Unit("kWp"),               # PV peak power
}
# Names that mean different things on different kinds of node.
KIND_NAME_UNITS: dict[tuple[str, str], Unit] = {
    ("road", "occupancy"): Unit("veh"),      # vehicles on the road (a home's occupancy is a state)
}


@functools.lru_cache(maxsize=1024)   # the inspector asks for the same few dozen names every frame
def unit_of(name: str, kind: str | None = None) -> Unit | None:
    """The unit of field ``name`` (of a node of ``kind``, when the name alone is ambiguous), or None
    for plain counts, indices and names (``lanes``, ``persons``, ``phase``)."""
    if kind is not None and (kind, name) in KIND_NAME_UNITS:
        return KIND_NAME_UNITS[(kind, name)]
    if name in NAME_UNITS:
        return NAME_UNITS[name]
    for suffix, unit in SUFFIX_UNITS:
        if name.endswith(suffix):
            return unit
    return None


def format_number(x: float, digits: int = SIGNIFICANT_DIGITS) -> str:
    """``x`` with ``digits`` significant digits, whole numbers without a decimal point.

    Numbers of ``digits`` or more integer digits are rounded to a whole number with thousands
    separators (``1,234,567``) rather than cut to ``1.23e+06``; beyond 10^15, and below 10^-4,
    scientific notation. Zero (also -0.0) is ``0``; nan is ``n/a``; infinities ``inf``/``-inf``.
    """
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    # Rounding to `digits` figures may carry into one more integer digit (999.7 -> 1e+03): test the
    # threshold before formatting, not after.
    if abs(x) >= 10 ** digits - 0.5 and abs(x) < HUGE:
        text = f"{x:,.0f}"
    else:
        text = f"{x:.{digits}g}"
    return "0" if text in ("-0", "0") else text


def format_quantity(value: object, unit: Unit | str | None = None, digits: int = SIGNIFICANT_DIGITS) -> str:
    """``value`` as the viewer shows it, followed by ``unit`` (a :class:`Unit` or a bare symbol).

    Booleans are ``yes``/``no`` and integers are shown whole (``12,000``), both unscaled; other
    real numbers (Python or numpy) go through :func:`format_number` after the unit's scale, and nan
    is ``n/a`` without a unit. Anything else (names, ids) is shown as it is, without a unit.
    """
    if isinstance(unit, str):
        unit = Unit(unit)
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if not isinstance(value, numbers.Real):
        return str(value)
    scale = unit.scale if unit is not None else 1.0
    if isinstance(value, numbers.Integral) and scale == 1.0:
        text = f"{int(value):,}"
    elif math.isnan(value):
        return format_number(math.nan)   # a missing value has no unit to show
    else:
        text = format_number(float(value) * scale, digits)
    return f"{text} {unit.symbol}" if unit is not None and unit.symbol else text


def format_field(name: str, value: object, kind: str | None = None) -> str:
    """A field's value with the unit its name (and its node's ``kind``) implies; see :func:`unit_of`."""
    return format_quantity(value, unit_of(name, kind))


__all__ = ["Unit", "format_field", "format_number", "format_quantity", "unit_of"]
