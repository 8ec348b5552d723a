"""Roads drawn along polylines: an imported SUMO net's lane shapes, in map metres.

A generated grid's roads are straight and need none of this (:mod:`twin.viewer.layout` draws them
from their two ends). On an imported net each road follows its middle car lane's shape
(``RoadNetwork.link_shape_m``), so vehicles, queues and hit tests follow it too: points are found
by distance back from the road's stop line, along the polyline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class RoadPaths:
    """Every road's polyline, padded to the longest with its last point repeated."""

    points: np.ndarray     # (L, P, 2) map metres
    count: np.ndarray      # (L,) points of each road's own polyline (>= 2)
    from_start_m: np.ndarray  # (L, P) distance along the road from its first point, m

    @classmethod
    def of(cls, shapes: list[np.ndarray]) -> "RoadPaths":
        """Paths from each road's (n, 2) polyline (a single point is doubled into a zero-length road)."""
        shapes = [s if len(s) >= 2 else np.repeat(s[:1], 2, axis=0) for s in shapes]
        width = max(len(s) for s in shapes)
        points = np.stack([np.vstack([s, np.repeat(s[-1:], width - len(s), axis=0)]) for s in shapes])
        steps = np.linalg.norm(np.diff(points, axis=1), axis=2)
        from_start = np.concatenate([np.zeros((len(shapes), 1)), np.cumsum(steps, axis=1)], axis=1)
        return cls(points=points, count=np.array([len(s) for s in shapes]), from_start_m=from_start)

    @property
    def length_m(self) -> np.ndarray:
        """(L,) each road's length along its polyline, m."""
        return self.from_start_m[:, -1]

    def end_direction(self) -> np.ndarray:
        """(L, 2) unit direction of each road's last non-empty segment (east if it has none)."""
        last = self.points[np.arange(len(self.count)), self.count - 1]
        d = np.zeros_like(last)
        for k in range(self.points.shape[1] - 1, 0, -1):  # walk back past zero-length steps
            step = last - self.points[:, k - 1]
            fill = (np.linalg.norm(d, axis=1) == 0) & (np.linalg.norm(step, axis=1) > 1e-9) & (k <= self.count - 1)
            d[fill] = step[fill]
        norm = np.linalg.norm(d, axis=1)
        return np.where((norm > 0)[:, None], d / np.maximum(norm, 1e-12)[:, None], [1.0, 0.0])

    def back_from_end(self, roads: np.ndarray, dist_m: np.ndarray) -> np.ndarray:
        """(n, 2) the points ``dist_m`` (n,) back from the end of roads ``roads`` (n,), along them
        (clipped to the road)."""
        total = self.length_m[roads]
        at = np.clip(total - dist_m, 0.0, total)
        cum = self.from_start_m[roads]                                   # (n, P)
        seg = np.clip((cum <= at[:, None]).sum(axis=1) - 1, 0, self.points.shape[1] - 2)
        rows = np.arange(roads.size)
        a, b = self.points[roads, seg], self.points[roads, seg + 1]
        span = cum[rows, seg + 1] - cum[rows, seg]
        f = np.where(span > 0, (at - cum[rows, seg]) / np.where(span > 0, span, 1.0), 0.0)
        return a + f[:, None] * (b - a)

    def segments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(a, b, road) of every segment of every road: ends (S, 2) and the road it belongs to."""
        a, b = self.points[:, :-1], self.points[:, 1:]
        keep = np.arange(self.points.shape[1] - 1)[None, :] < (self.count - 1)[:, None]
        road = np.broadcast_to(np.arange(len(self.count))[:, None], keep.shape)
        return a[keep], b[keep], road[keep]

    def polyline(self, road: int) -> np.ndarray:
        """(n, 2) road ``road``'s own points."""
        return self.points[road, :self.count[road]]

    def shifted(self, offset: np.ndarray) -> "RoadPaths":
        """The same paths moved by ``offset`` (2,) metres."""
        return RoadPaths(points=self.points + offset, count=self.count, from_start_m=self.from_start_m)
