"""The telemetry bus: meters, devices and grid nodes publish readings; subscribers receive them.

Readings travel in frames: everything one publisher reads at one time, many quantities over many
nodes, as one float64 array laid out by a :class:`FrameLayout` the publisher declares once. Node
ids are registered once and layouts carry integer indices into the bus's id table, so a meter
reading of 100,000 homes and 23 quantities is one array, not 2.3 million Python objects, and a
reading of one home is one message, not 23.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class FrameLayout:
    """Which quantity and node each value of a frame is: ``quantities[k]`` (in ``units[k]``) for the
    nodes ``nodes[offsets[k]:offsets[k + 1]]`` (int32 indices into TelemetryBus.node_ids)."""

    quantities: tuple[str, ...]
    units: tuple[str, ...]
    nodes: np.ndarray      # int32, all quantities' nodes end to end
    offsets: np.ndarray    # int64, len(quantities) + 1

    @property
    def size(self) -> int:
        """Values per frame."""
        return int(self.nodes.size)


@dataclass(frozen=True, eq=False)
class Frame:
    """Readings taken at ``time_s`` (s since start): ``values[i]`` is of ``layout.nodes[i]``."""

    time_s: int
    layout: FrameLayout
    values: np.ndarray     # float64, layout.size


class TelemetryBus:
    """Publish/subscribe for reading frames, with the table of node ids they refer to."""

    def __init__(self) -> None:
        self.node_ids: list[str] = []
        self._index: dict[str, int] = {}
        self._subscribers: list[Callable[[Frame], None]] = []
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

    def layout(self, entries: Sequence[tuple[str, str, np.ndarray]]) -> FrameLayout:
        """The layout of frames holding, in order, each ``(quantity, unit, node indices)`` entry.

        An entry with no nodes takes no place (its values are an empty array). A quantity keeps one
        unit on the bus for the whole run; declaring it in another unit is an error.
        """
        kept = []
        for quantity, unit, nodes in entries:
            known = self.units.setdefault(quantity, unit)
            if known != unit:
                raise ValueError(f"quantity {quantity!r} was published in {known!r}, now in {unit!r}")
            if len(nodes):
                kept.append((quantity, unit, np.asarray(nodes, dtype=np.int32)))
        sizes = [nodes.size for _, _, nodes in kept]
        return FrameLayout(quantities=tuple(q for q, _, _ in kept), units=tuple(u for _, u, _ in kept),
                           nodes=np.concatenate([n for _, _, n in kept]) if kept else np.empty(0, np.int32),
                           offsets=np.concatenate(([0], np.cumsum(sizes, dtype=np.int64))).astype(np.int64))

    def subscribe(self, callback: Callable[[Frame], None], rewind: Callable[[int], None] | None = None) -> None:
        """Call ``callback`` with every frame published from now on.

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

    def publish(self, time_s: int, layout: FrameLayout, values: np.ndarray) -> None:
        """Send one frame to every subscriber. ``values`` (float64, ``layout.size``) is handed over,
        not copied: the publisher makes a new array for each frame."""
        if values.shape != (layout.size,):
            raise ValueError(f"a frame of this layout has {layout.size} values, got shape {values.shape}")
        if not self._subscribers or layout.size == 0:
            return
        frame = Frame(int(time_s), layout, values)
        for callback in self._subscribers:
            callback(frame)
