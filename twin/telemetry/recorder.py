"""The recorder: subscribes to a telemetry bus and keeps every frame for the run's record."""

from __future__ import annotations

import datetime as dt

from twin.telemetry.bus import Frame, TelemetryBus
from twin.telemetry.table import Telemetry


class Recorder:
    """Collects reading frames from ``bus``; :meth:`telemetry` turns them into a record."""

    def __init__(self, bus: TelemetryBus, start: dt.datetime):
        self.bus, self.start = bus, start
        self.frames: list[Frame] = []
        bus.subscribe(self._keep, rewind=self.rewind)

    def _keep(self, frame: Frame) -> None:
        self.frames.append(frame)

    def rewind(self, time_s: int) -> None:
        """Forget readings stamped after ``time_s`` (the world was restored to it)."""
        self.frames[:] = [f for f in self.frames if f.time_s <= time_s]

    def telemetry(self) -> Telemetry:
        """Everything recorded so far as a columnar record."""
        return Telemetry.from_frames(self.start, self.frames, self.bus.node_ids)
