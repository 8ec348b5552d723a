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
        bus.subscribe(self._keep, rewind=self.rewind)

    def _keep(self, reading: Reading) -> None:
        self.batches.append(reading)

    def rewind(self, time_s: int) -> None:
        """Forget readings stamped after ``time_s`` (the world was restored to it)."""
        self.batches[:] = [b for b in self.batches if b.time_s <= time_s]

    def telemetry(self) -> Telemetry:
        """Everything recorded so far as a columnar record."""
        return Telemetry.from_readings(self.start, self.batches, self.bus.node_ids)
