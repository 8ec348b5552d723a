"""The telemetry bus: meters, devices and grid nodes publish readings; subscribers receive them.

Readings travel in batches: one quantity, one time, many nodes. Node ids are registered once
and readings carry integer indices into the bus's id table, so publishing 100,000 meter readings
is one array copy, not 100,000 Python objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Reading:
    """A batch of readings of one ``quantity`` (in ``unit``) taken at ``time_s`` (s since start)."""

    time_s: int
    quantity: str
    unit: str
    nodes: np.ndarray    # int32 indices into TelemetryBus.node_ids
    values: np.ndarray   # float64, one per node


class TelemetryBus:
    """Publish/subscribe for readings, with the table of node ids they refer to."""

    def __init__(self) -> None:
        self.node_ids: list[str] = []
        self._index: dict[str, int] = {}
        self._subscribers: list[Callable[[Reading], None]] = []
        self._rewinders: list[Callable[[int], None]] = []
        self.units: dict[str, str] = {}

    def register(self, ids: list[str]) -> np.ndarray:
        """Give each node id an index (idempotent); returns their int32 indices."""
        out = np.empty(len(ids), dtype=np.int32)
        for i, node_id in enumerate(ids):
            index = self._index.get(node_id)
            if index is None:
                index = self._index[node_id] = len(self.node_ids)
                self.node_ids.append(node_id)
            out[i] = index
        return out

    def subscribe(self, callback: Callable[[Reading], None], rewind: Callable[[int], None] | None = None) -> None:
        """Call ``callback`` with every batch published from now on.

        ``rewind(time_s)`` is called when the world is restored to ``time_s``: readings stamped
        after it belong to a future that no longer happened.
        """
        self._subscribers.append(callback)
        if rewind is not None:
            self._rewinders.append(rewind)

    def rewind(self, time_s: int) -> None:
        """Tell subscribers the world went back to ``time_s`` (called by World.restore)."""
        for rewind in self._rewinders:
            rewind(time_s)

    def publish(self, time_s: int, quantity: str, unit: str, nodes: np.ndarray, values: np.ndarray) -> None:
        """Send a batch of readings to every subscriber; ``values`` is copied, ``nodes`` is not.

        A quantity keeps one unit for the whole run; publishing it in another unit is an error.
        """
        known = self.units.setdefault(quantity, unit)
        if known != unit:
            raise ValueError(f"quantity {quantity!r} was published in {known!r}, now in {unit!r}")
        if not self._subscribers or nodes.size == 0:
            return
        reading = Reading(int(time_s), quantity, unit, nodes, np.array(values, dtype=np.float64))
        for callback in self._subscribers:
            callback(reading)
