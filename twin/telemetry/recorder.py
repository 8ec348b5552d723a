"""The recorder: subscribes to a telemetry bus and keeps every batch for the run's record."""

from __future__ import annotations

import datetime as dt

from twin.telemetry.bus import Reading, TelemetryBus
from twin.telemetry.table import Telemetry


class Recorder:
    """Collects reading batches from ``bus``; :meth:`telemetry` turns them into a record."""

    def __init__(self, bus: TelemetryBus, start: dt.datetime):
        self.bus, self.start = bus, start
        self.batches: list[Reading] = []
        bus.subscribe(self.batches.append)

    def telemetry(self) -> Telemetry:
        """Everything recorded so far as a columnar record."""
        return Telemetry.from_readings(self.start, self.batches, self.bus.node_ids)
