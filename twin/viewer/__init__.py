"""The viewer: watch a world live, or render it to frames (``twin view``, env ``render()``).

The pieces follow HighwayEnv's split between the model and its graphics: :mod:`~twin.viewer.layout`
turns a world into screen geometry once, :mod:`~twin.viewer.camera` maps it to pixels,
:mod:`~twin.viewer.measures` reads the live arrays into numbers and text, and only
:mod:`~twin.viewer.draw`, :mod:`~twin.viewer.panel`, :mod:`~twin.viewer.frames` and
:mod:`~twin.viewer.app` import pygame. Importing this package (or ``layout``, ``camera``,
``measures``, ``sim``, ``command``) never imports pygame; twin imports the drawing modules only
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
