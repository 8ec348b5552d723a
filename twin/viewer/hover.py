"""What is under the mouse: the node drawn at a pixel, and the tooltip naming it (no pygame).

Clicks and hovering pick alike, so the tooltip names exactly what a click would select.
"""

from __future__ import annotations

from twin.viewer.camera import Camera
from twin.viewer.layout import Layout

PICK_SLACK_PX = 3.0   # a few pixels of slack, so thin roads and small tiles can be hit zoomed out


def node_at(layout: Layout, camera: Camera, px: float, py: float) -> str | None:
    """The id of the node drawn at pixel (px, py), or None outside the map viewport or on empty ground."""
    vx, vy, vw, vh = camera.viewport
    if not (vx <= px < vx + vw and vy <= py < vy + vh):
        return None
    return layout.pick(*camera.to_map(px, py), tolerance_m=PICK_SLACK_PX / camera.scale)


def tooltip_text(layout: Layout, camera: Camera, px: float, py: float) -> str | None:
    """``"<id> (<kind>)"`` of the node under pixel (px, py), e.g. ``"home-017 (home)"``; None if there is none."""
    node = node_at(layout, camera, px, py)
    return None if node is None else f"{node} ({layout.kind_of(node)})"


__all__ = ["PICK_SLACK_PX", "node_at", "tooltip_text"]
