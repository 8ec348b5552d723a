"""Shared pieces of the scenario schema: the strict base model, durations, clock times."""

from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Annotated, Any

import annotated_types
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.fields import FieldInfo

from twin.units import format_duration, parse_duration_s

Duration = Annotated[int, BeforeValidator(parse_duration_s)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


@dataclass(frozen=True)
class DurationRange:
    """The range a duration field allows, in seconds; its message speaks in units (``1s`` to ``1h``)."""

    min_s: int
    max_s: int

    def __call__(self, value: int) -> int:
        if not self.min_s <= value <= self.max_s:
            raise ValueError(f"must be from {format_duration(self.min_s)} to {format_duration(self.max_s)}")
        return value


def duration_between(min_s: int, max_s: int) -> Any:
    """A duration type (units as :data:`Duration`) that must lie from ``min_s`` to ``max_s`` seconds."""
    return Annotated[int, BeforeValidator(parse_duration_s), AfterValidator(DurationRange(min_s, max_s))]
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class FieldProblem(ValueError):
    """A check across fields failed; ``field`` is the path (relative to the model) to blame, "" for the model."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class Model(BaseModel):
    """Base of every scenario model: unknown keys refused, immutable, no NaN or infinity."""

    # NaN and infinity pass numeric bounds in surprising ways and poison KPIs: refuse them.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def clock_seconds(value: str) -> int:
    """Seconds after midnight of an ``HH:MM`` clock time; ValueError naming the format otherwise."""
    if not _CLOCK.match(value):
        raise ValueError("expected a clock time HH:MM between 00:00 and 23:59")
    hours, minutes = value.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def _clock_text(value: str) -> str:
    clock_seconds(value)
    return value


ClockTime = Annotated[str, AfterValidator(_clock_text), Field(description="HH:MM, local time")]


def flat_metadata(items: Sequence[Any]) -> list[Any]:
    """Constraints of ``Annotated`` arguments, with pydantic's ``FieldInfo`` unpacked."""
    out: list[Any] = []
    for item in items:
        out += item.metadata if isinstance(item, FieldInfo) else [item]
    return out


def numeric_bounds(metadata: Sequence[Any]) -> tuple[float | None, float | None]:
    """(lowest, highest) value a numeric field's constraints allow; None where it has no bound."""
    lo = hi = None
    for m in flat_metadata(metadata):
        func = getattr(m, "func", None)
        if isinstance(func, DurationRange):
            lo, hi = func.min_s, func.max_s
        elif isinstance(m, (annotated_types.Ge, annotated_types.Gt)):
            lo = getattr(m, "ge", getattr(m, "gt", None))
        elif isinstance(m, (annotated_types.Le, annotated_types.Lt)):
            hi = getattr(m, "le", getattr(m, "lt", None))
    return lo, hi
