"""The viewer: watch a world live, or render it to frames (``twin view``, env ``render()``).

The pieces follow HighwayEnv's split between the model and its graphics: :mod:`~twin.viewer.layout`
turns a world into screen geometry once, :mod:`~twin.viewer.camera` maps it to pixels,
:mod:`~twin.viewer.measures` reads the live arrays into numbers and text (with units, by
:mod:`~twin.viewer.quantities`), :mod:`~twin.viewer.hover` finds what is under the mouse, and only
:mod:`~twin.viewer.draw`, :mod:`~twin.viewer.panel`, :mod:`~twin.viewer.overlays`,
:mod:`~twin.viewer.frames`, :mod:`~twin.viewer.app` and :mod:`~twin.viewer.record` import pygame.
Importing this package (or ``layout``, ``camera``, ``measures``, ``quantities``, ``hover``,
``sim``, ``startup``, ``command``) never imports pygame; twin imports the drawing modules only
when something is drawn.
"""

from __future__ import annotations

from twin.errors import TwinError

# Colour layers of the home tiles; tab cycles through them.
LAYERS = ("temperature", "net_load")
# Default frame size of rendered frames and env ``rgb_array`` renders: (width, height) in pixels.
FRAME_SIZE = (1280, 720)


class ViewerError(TwinError):
    """The viewer cannot do what was asked (no display, a video format without its encoder, a bad option)."""


__all__ = ["FRAME_SIZE", "LAYERS", "ViewerError"]
