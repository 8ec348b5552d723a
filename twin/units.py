"""Durations with units, as written in scenario files and on the command line.

A duration is a number followed by a unit: ``90s``, ``15min``, ``1.5h``, ``7d``. Plain integers
are taken as seconds. Durations are whole seconds: the simulator's clock counts integer seconds
so that event times compare exactly. The number is read exactly (as a decimal, never through a
float), so ``0.1h`` is 360 s and a number of a thousand digits is refused as too long, not
overflowed.
"""

from __future__ import annotations

import re
from decimal import Decimal

SECONDS_PER_UNIT = {"s": 1, "min": 60, "h": 3600, "d": 86400}
# Far longer than any field allows (each field has its own range, see twin.scenario.base); a bound
# here keeps arithmetic on durations within int64 everywhere downstream.
MAX_DURATION_S = 10**15
_DURATION = re.compile(r"^\s*(\d{1,30}(?:\.\d{1,30})?)\s*(s|min|h|d)\s*$")
_LONG_NUMBER = re.compile(r"^\s*\d[\d.]{60,}")
DURATION_HELP = "a duration like '5s', '15min', '1h' or '7d' (units: s, min, h, d)"


def parse_duration_s(value: object) -> int:
    """Parse a duration such as ``"15min"`` into whole seconds (integers are taken as seconds).

    Raises ``ValueError`` naming the accepted forms when the value is not a duration, does not come
    to a whole, non-negative number of seconds, or is absurdly long (over 10^15 s).
    """
    if isinstance(value, bool):
        raise ValueError(f"expected {DURATION_HELP}")
    if isinstance(value, int):
        seconds = Decimal(value)
    else:
        text = str(value) if isinstance(value, str) else ""
        match = _DURATION.match(text)
        if not match:
            if _LONG_NUMBER.match(text):
                raise ValueError("is far too long to be a duration")
            raise ValueError(f"expected {DURATION_HELP}")
        seconds = Decimal(match.group(1)) * SECONDS_PER_UNIT[match.group(2)]
    if seconds < 0 or seconds != seconds.to_integral_value():
        raise ValueError(f"expected a whole, non-negative number of seconds; {DURATION_HELP}")
    if seconds > MAX_DURATION_S:
        raise ValueError("is far too long to be a duration")
    return int(seconds)


def format_duration(seconds: int) -> str:
    """Write whole seconds back in the largest unit that divides them (``900`` -> ``"15min"``)."""
    for unit in ("d", "h", "min"):
        size = SECONDS_PER_UNIT[unit]
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
