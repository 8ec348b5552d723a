"""Durations with units, as written in scenario files and on the command line.

A duration is a number followed by a unit: ``90s``, ``15min``, ``1.5h``, ``7d``. Plain integers
are taken as seconds. Durations are whole seconds: the simulator's clock counts integer seconds
so that event times compare exactly.
"""

from __future__ import annotations

import re

SECONDS_PER_UNIT = {"s": 1, "min": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|min|h|d)\s*$")
DURATION_HELP = "a duration like '5s', '15min', '1h' or '7d' (units: s, min, h, d)"


def parse_duration_s(value: object) -> int:
    """Parse a duration such as ``"15min"`` into whole seconds.

    Integers are taken as seconds. Raises ``ValueError`` naming the accepted forms when the value
    is not a duration or does not come to a whole, non-negative number of seconds.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected {DURATION_HELP}")
    if isinstance(value, int):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"expected {DURATION_HELP}")
        seconds = float(match.group(1)) * SECONDS_PER_UNIT[match.group(2)]
    if seconds < 0 or seconds != int(seconds):
        raise ValueError(f"expected a whole, non-negative number of seconds; {DURATION_HELP}")
    return int(seconds)


def format_duration(seconds: int) -> str:
    """Write whole seconds back in the largest unit that divides them (``900`` -> ``"15min"``)."""
    for unit in ("d", "h", "min"):
        size = SECONDS_PER_UNIT[unit]
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
