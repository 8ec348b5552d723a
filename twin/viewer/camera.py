"""The camera: map metres to screen pixels inside a viewport, with pan and zoom (no pygame)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_ZOOM_IN = 40.0     # the closest zoom, times the zoom that fits the whole map
MAX_ZOOM_OUT = 0.25


@dataclass
class Camera:
    """What part of the map shows where: ``scale`` pixels per metre, ``centre`` (m) at the viewport's centre.

    The viewport is ``(x, y, width, height)`` in pixels of the surface drawn on.
    """

    viewport: tuple[int, int, int, int]
    centre: tuple[float, float]
    scale: float
    fit_scale: float

    @classmethod
    def fit(cls, bounds: tuple[float, float, float, float], viewport: tuple[int, int, int, int],
            margin: float = 0.04) -> "Camera":
        """A camera that shows ``bounds`` (x0, y0, x1, y1 in m) whole, with a ``margin`` share around it."""
        x0, y0, x1, y1 = bounds
        w, h = max(x1 - x0, 1e-6), max(y1 - y0, 1e-6)
        scale = min(viewport[2] / w, viewport[3] / h) * (1 - 2 * margin)
        return cls(viewport=tuple(int(v) for v in viewport), centre=((x0 + x1) / 2, (y0 + y1) / 2),
                   scale=scale, fit_scale=scale)

    def to_screen(self, xy: np.ndarray) -> np.ndarray:
        """Pixel coordinates (float, shape like ``xy``) of map points ``xy`` (..., 2) in metres."""
        vx, vy, vw, vh = self.viewport
        return (np.asarray(xy, dtype=float) - np.asarray(self.centre)) * self.scale + (vx + vw / 2, vy + vh / 2)

    def to_map(self, px: float, py: float) -> tuple[float, float]:
        """Map point (m) under pixel (px, py)."""
        vx, vy, vw, vh = self.viewport
        return (self.centre[0] + (px - vx - vw / 2) / self.scale, self.centre[1] + (py - vy - vh / 2) / self.scale)

    def pan(self, dx_px: float, dy_px: float) -> None:
        """Move the map by (dx, dy) pixels on screen (drag direction)."""
        self.centre = (self.centre[0] - dx_px / self.scale, self.centre[1] - dy_px / self.scale)

    def zoom_at(self, px: float, py: float, factor: float) -> None:
        """Zoom by ``factor`` (> 1 closer) keeping the map point under pixel (px, py) in place."""
        before = self.to_map(px, py)
        self.scale = float(np.clip(self.scale * factor, self.fit_scale * MAX_ZOOM_OUT, self.fit_scale * MAX_ZOOM_IN))
        after = self.to_map(px, py)
        self.centre = (self.centre[0] + before[0] - after[0], self.centre[1] + before[1] - after[1])

    def resize(self, viewport: tuple[int, int, int, int]) -> None:
        """A new viewport (the window changed size): keep the centre, scale with the smaller side."""
        old = min(self.viewport[2], self.viewport[3]) or 1
        ratio = min(viewport[2], viewport[3]) / old
        self.scale *= ratio
        self.fit_scale *= ratio
        self.viewport = tuple(int(v) for v in viewport)

    def visible(self, bounds: tuple[float, float, float, float]) -> bool:
        """Whether any part of map box ``bounds`` (x0, y0, x1, y1) is in the viewport."""
        vx, vy, vw, vh = self.viewport
        (ax, ay), (bx, by) = self.to_screen(np.array([bounds[:2], bounds[2:]]))
        return bx >= vx and ax <= vx + vw and by >= vy and ay <= vy + vh
