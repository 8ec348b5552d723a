"""Whole frames: the map, the side panel and the overlays on one surface; frames as arrays; env rendering.

The interactive viewer, headless recordings and environments' ``render()`` all draw frames with
:func:`compose`, so ``render_mode="rgb_array"`` returns the picture the viewer shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.engine import World
from twin.viewer import FRAME_SIZE, LAYERS
from twin.viewer.camera import Camera
from twin.viewer.draw import draw_world
from twin.viewer.layout import Layout, compute_layout
from twin.viewer.overlays import draw_help, draw_toast, draw_tooltip
from twin.viewer.panel import PANEL_WIDTH_PX, Status, draw_panel
from twin.viewer.pg import pygame
from twin.viewer.sim import History


@dataclass(frozen=True)
class View:
    """How the map is shown: tile layer, selected node, help overlay, a passing message, the tooltip
    (cursor position in px and its text) of the node under the mouse."""

    layer: str = LAYERS[0]
    selected: str | None = None
    show_help: bool = False
    toast: str = ""
    tooltip: tuple[tuple[int, int], str] | None = None


def split(size: tuple[int, int]) -> tuple[tuple[int, int, int, int], "pygame.Rect"]:
    """The map viewport (x, y, w, h) and the panel's rect for a surface of ``size`` (w, h)."""
    width, height = size
    panel_w = min(PANEL_WIDTH_PX, width // 2)
    return (0, 0, width - panel_w, height), pygame.Rect(width - panel_w, 0, panel_w, height)


def compose(surface: "pygame.Surface", world: World, layout: Layout, camera: Camera, history: History,
            status: Status, view: View = View()) -> None:
    """Draw a whole frame: map in ``camera.viewport``, panel (with the inspector) on the right, then the overlays."""
    draw_world(world, surface, layout, camera, view.layer, view.selected)
    draw_panel(surface, split(surface.get_size())[1], world, history, status, view.selected)
    if view.show_help:
        draw_help(surface, camera.viewport)
    if view.toast:
        draw_toast(surface, camera.viewport, view.toast)
    if view.tooltip is not None and not view.show_help:
        draw_tooltip(surface, camera.viewport, *view.tooltip)


def frame_array(surface: "pygame.Surface") -> np.ndarray:
    """The surface's pixels as an (height, width, 3) uint8 RGB array (a copy)."""
    return np.ascontiguousarray(pygame.surfarray.array3d(surface).swapaxes(0, 1))


class FrameDrawer:
    """Draws frames of a world on a surface, keeping the layout and camera while the world stays the same.

    A new world object (a new episode) gets a new layout, and a camera that fits it unless the map
    is the same as before; a surface of another size keeps the camera's centre and zoom.
    """

    def __init__(self) -> None:
        self.world: World | None = None
        self.layout: Layout | None = None
        self.camera: Camera | None = None

    def prepare(self, size: tuple[int, int], world: World) -> tuple[Layout, Camera]:
        """Layout and camera for drawing ``world`` on a surface of ``size`` (w, h)."""
        viewport = split(size)[0]
        if world is not self.world:
            old = self.layout
            self.world, self.layout = world, compute_layout(world)
            if old is None or old.bounds != self.layout.bounds:  # same map (a new episode): keep the view
                self.camera = Camera.fit(self.layout.bounds, viewport)
        if self.camera.viewport != viewport:
            self.camera.resize(viewport)
        return self.layout, self.camera

    def draw(self, surface: "pygame.Surface", world: World, history: History, status: Status,
             view: View = View()) -> None:
        """Compose a frame of ``world`` on ``surface``."""
        layout, camera = self.prepare(surface.get_size(), world)
        compose(surface, world, layout, camera, history, status, view)


class EnvRenderer:
    """What an environment's ``render()`` delegates to.

    ``"rgb_array"``: each call returns the frame as an (height, width, 3) uint8 array, drawn
    offscreen (no display needed), ``size`` = (width, height), 1280 x 720 by default.
    ``"human"``: each call shows the frame in a resizable window and waits to keep ``fps``; closing
    the window stops showing frames (the env runs on).
    """

    def __init__(self, mode: str, fps: int, *, title: str = "twin", size: tuple[int, int] = FRAME_SIZE):
        if mode not in ("human", "rgb_array"):
            raise ValueError(f"render mode {mode!r}; allowed: 'human', 'rgb_array'")
        self.mode, self.fps, self.title, self.size = mode, fps, title, size
        self.drawer = FrameDrawer()
        self.history: History | None = None
        self.surface: "pygame.Surface | None" = None
        self.window_closed = False
        self._clock = None

    def render(self, world: World) -> np.ndarray | None:
        """Draw ``world`` now: the frame array (rgb_array) or None after showing it (human)."""
        if self.history is None or world is not self.drawer.world:
            self.history = History.for_world(world)
        if not self.history.times_s or world.now_s >= self.history.next_s:
            self.history.record(world)
        status = Status(speed=None, paused=False, layer=LAYERS[0], lines=(self.title,))
        if self.mode == "rgb_array":
            if self.surface is None:
                self.surface = pygame.Surface(self.size)
            self.drawer.draw(self.surface, world, self.history, status)
            return frame_array(self.surface)
        self._show(world, status)
        return None

    def _show(self, world: World, status: Status) -> None:
        if self.window_closed:
            return
        if self.surface is None:
            pygame.display.init()
            self.surface = pygame.display.set_mode(self.size, pygame.RESIZABLE)
            pygame.display.set_caption(self.title)
            self._clock = pygame.time.Clock()
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                self.close()
                self.window_closed = True
                return
        self.surface = pygame.display.get_surface()
        self.drawer.draw(self.surface, world, self.history, status)
        pygame.display.flip()
        self._clock.tick(self.fps)

    def close(self) -> None:
        """Close the window, if one is open."""
        if self.mode == "human" and self.surface is not None:
            pygame.display.quit()
        self.surface = None
