"""The one error forecasting raises for input a user can fix."""

from __future__ import annotations

from twin.errors import TwinError


class ForecastError(TwinError, ValueError):
    """Bad forecasting input (unknown target or model, a horizon off the series' grid, too little
    data); the message names what is allowed. The ``twin`` CLI prints it and exits with code 2."""
