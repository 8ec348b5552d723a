"""Telemetry: an in-process bus for readings, a recorder, and the columnar record it produces."""

from twin.telemetry.bus import Reading, TelemetryBus
from twin.telemetry.table import Telemetry

__all__ = ["Reading", "Telemetry", "TelemetryBus"]
