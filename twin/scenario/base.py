"""Shared pieces of the scenario schema: the strict base model, durations, clock times."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from twin.units import parse_duration_s

Duration = Annotated[int, BeforeValidator(parse_duration_s)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
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
