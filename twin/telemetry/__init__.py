"""Telemetry: an in-process bus for reading frames, a recorder, and the columnar record it produces."""

from twin.telemetry.bus import Frame, FrameLayout, TelemetryBus
from twin.telemetry.table import Telemetry

__all__ = ["Frame", "FrameLayout", "Telemetry", "TelemetryBus"]
