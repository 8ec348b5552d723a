"""The interactive viewer: a window on a live simulation, with keys, mouse, inspector, help and PNG save.

Keys: space pause/resume, + / - speed (1x to 1000x simulated time), ``.`` one step, ``j`` / ``J``
jump ahead an hour / a day, tab the home tiles' layer, ``s`` save a PNG, ``h`` help, esc close
the inspector or help, then quit. Click a node to inspect it, hover over it to see its id and
kind; drag or arrow keys pan; the wheel or ``[``/``]`` zoom; ``0`` fits the map. The window
resizes. The loop is ``handle`` (events), ``tick`` (simulated time), ``draw``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

from twin.units import format_duration
from twin.viewer import FRAME_SIZE, LAYERS, ViewerError
from twin.viewer.camera import Camera
from twin.viewer.frames import FrameDrawer, View, split
from twin.viewer.hover import node_at, tooltip_text
from twin.viewer.layout import Layout
from twin.viewer.overlays import draw_toast
from twin.viewer.panel import Status
from twin.viewer.pg import pygame
from twin.viewer.sim import SPEEDS, Simulation, check_speed, default_speed

MAX_FRAME_S = 0.1        # wall time one frame may stand for, so a slow frame never makes time jump
TOAST_S = 3.0            # how long a message stays (wall s)
DRAG_PX = 4              # a press that moves less than this is a click
PAN_SHARE = 0.1          # arrow keys pan by this share of the viewport
ZOOM_STEP = 1.25
JUMP_KEYS = {"j": 3600, "J": 86400}   # simulated s a key jumps ahead
JUMP_MESSAGE_S = 0.25    # wall time between progress messages during a jump (and checks for esc)


class Viewer:
    """A window showing ``sim`` live. ``run()`` loops until quit; tests drive ``handle``/``tick``/``draw``."""

    def __init__(self, sim: Simulation, *, size: tuple[int, int] = FRAME_SIZE, speed: float | None = None,
                 layer: str = LAYERS[0], selected: str | None = None, fps: int = 60, png_dir: Path = Path(".")):
        if layer not in LAYERS:
            raise ViewerError(f"--layer: got {layer!r}; layers: {', '.join(LAYERS)}")
        self.sim = sim
        self.speed = check_speed(speed if speed is not None else default_speed(sim.world))
        self.fps, self.png_dir = fps, Path(png_dir)
        self.paused, self.running = False, True
        self.drawer = FrameDrawer()
        pygame.display.init()
        self.surface = pygame.display.set_mode(size, pygame.RESIZABLE)
        pygame.display.set_caption(f"twin view - {sim.world.scenario.name}")
        self.drawer.prepare(self.surface.get_size(), sim.world)
        if selected is not None and self.layout.centre_of(selected) is None:
            raise ViewerError(f"--select: no {selected!r} on the map; pick a home, feeder, transformer, "
                              f"intersection or road id, e.g. {self._example_ids()}")
        self.view = View(layer=layer, selected=selected)
        self._toast_until = 0.0
        self._press: tuple[int, int] | None = None
        self._dragged = False
        self._hover: tuple[int, int] | None = None   # the cursor over the window, for the tooltip
        self._clock = pygame.time.Clock()

    # -- what is shown ---------------------------------------------------------------------------
    @property
    def layout(self) -> Layout:
        """The map's layout (of the world now shown)."""
        return self.drawer.prepare(self.surface.get_size(), self.sim.world)[0]

    @property
    def camera(self) -> Camera:
        """The camera (pan and zoom of the map)."""
        return self.drawer.prepare(self.surface.get_size(), self.sim.world)[1]

    def _example_ids(self) -> str:
        e, s = self.layout.energy, self.layout.streets
        ids = (list(e.home_ids[:1]) + list(e.transformer_ids[:1]) if e else []) + (list(s.int_ids[:1]) if s else [])
        return ", ".join(ids)

    def status(self) -> Status:
        """The panel's status line: speed, pause, layer, who controls the world, a passing message."""
        toast = self.view.toast if time.monotonic() < self._toast_until else ""
        return Status(speed=self.speed, paused=self.paused, layer=self.view.layer, lines=tuple(self.sim.status_lines()),
                      message=toast, finished=self.sim.finished)

    def say(self, message: str) -> None:
        """Show ``message`` for a few seconds."""
        self.view = dataclasses.replace(self.view, toast=message)
        self._toast_until = time.monotonic() + TOAST_S

    # -- the loop ----------------------------------------------------------------------------------
    def tick(self, wall_s: float) -> None:
        """Advance simulated time by speed x ``wall_s`` (at most MAX_FRAME_S of wall time), unless paused."""
        if self.paused or self.sim.finished:
            return
        self.sim.run_for(self.speed * min(max(wall_s, 0.0), MAX_FRAME_S))

    def tooltip(self) -> tuple[tuple[int, int], str] | None:
        """Where the cursor is and the id and kind of the node under it, or None (nothing there, dragging)."""
        if self._hover is None or self._dragged:
            return None
        label = tooltip_text(self.layout, self.camera, *self._hover)
        return None if label is None else (self._hover, label)

    def draw(self) -> None:
        """Draw the frame on the window's surface (flip it to show it)."""
        toast = self.view.toast if time.monotonic() < self._toast_until else ""
        view = dataclasses.replace(self.view, toast=toast, tooltip=self.tooltip())
        self.drawer.draw(self.surface, self.sim.world, self.sim.history, self.status(), view)

    def run(self, max_frames: int | None = None, on_frame: Callable[[int], None] | None = None) -> None:
        """Show the simulation until the window is closed (or ``max_frames`` frames were shown);
        ``on_frame(k)`` is called once frame k is on the screen."""
        frames = 0
        try:
            while self.running and (max_frames is None or frames < max_frames):
                wall_s = self._clock.tick(self.fps) / 1000.0
                for event in pygame.event.get():
                    self.handle(event)
                self.tick(wall_s)
                self.draw()
                pygame.display.flip()
                if on_frame is not None:
                    on_frame(frames)
                frames += 1
        finally:
            pygame.display.quit()

    def jump(self, seconds: int) -> int:
        """Jump ``seconds`` of simulated time ahead at full speed, drawing nothing but a progress message
        (:meth:`Simulation.jump`; it stops at the end of the scenario); esc stops it where it has got to.
        Returns the simulated seconds jumped."""
        if self.sim.finished:
            self.say("end of scenario: nothing left to jump over")
            return 0
        label, last = format_duration(seconds), [time.monotonic()]

        def progress(done_s: int) -> bool:
            if time.monotonic() - last[0] < JUMP_MESSAGE_S:
                return True
            last[0] = time.monotonic()
            # Keys pressed meanwhile are dropped (a j held down must not queue jumps); mouse events wait.
            for event in pygame.event.get((pygame.QUIT, pygame.KEYDOWN)):
                if event.type == pygame.QUIT:
                    self.running = False
                    return False
                if event.key == pygame.K_ESCAPE:
                    return False
            self._progress_message(f"jumping ahead {label}: {100 * done_s // max(seconds, 1)} % (esc stops)")
            return True

        self._progress_message(f"jumping ahead {label} ...")
        done = self.sim.jump(seconds, progress)
        end = " (end of scenario)" if self.sim.finished else ""
        self.say(f"jumped {format_duration(done)} to {self.sim.world.now:%a %H:%M}{end}")
        return done

    def _progress_message(self, message: str) -> None:
        """Show ``message`` over the last frame at once (the map is not redrawn during a jump)."""
        draw_toast(self.surface, self.camera.viewport, message)
        pygame.display.flip()

    # -- input -------------------------------------------------------------------------------------
    def handle(self, event: "pygame.event.Event") -> None:
        """React to one pygame event."""
        if event.type == pygame.QUIT:
            self.running = False
        elif event.type == pygame.KEYDOWN:
            self._key(event)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self._press, self._dragged = event.pos, False
        elif event.type == pygame.MOUSEMOTION:
            self._hover = event.pos
            if self._press is not None and (self._dragged or abs(event.pos[0] - self._press[0])
                                            + abs(event.pos[1] - self._press[1]) >= DRAG_PX):
                self._dragged = True
                self.camera.pan(*event.rel)
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            if self._press is not None and not self._dragged:
                self.click(*event.pos)
            self._press, self._dragged = None, False
        elif event.type == pygame.WINDOWLEAVE:
            self._hover = None
        elif event.type == pygame.MOUSEWHEEL:
            x, y = pygame.mouse.get_pos()
            self.camera.zoom_at(x, y, ZOOM_STEP ** getattr(event, "precise_y", event.y))
        elif event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
            self.surface = pygame.display.get_surface()

    def click(self, x: int, y: int) -> None:
        """Select the node under pixel (x, y) of the map (nothing there: deselect)."""
        vx, vy, vw, vh = self.camera.viewport
        if not (vx <= x < vx + vw and vy <= y < vy + vh):
            return  # a click on the panel keeps the selection
        self.view = dataclasses.replace(self.view, selected=node_at(self.layout, self.camera, x, y))

    def _key(self, event: "pygame.event.Event") -> None:
        key, char = event.key, getattr(event, "unicode", "")
        if key == pygame.K_ESCAPE:
            if self.view.show_help or self.view.selected is not None:
                self.view = dataclasses.replace(self.view, show_help=False, selected=None)
            else:
                self.running = False
        elif key == pygame.K_SPACE:
            self.paused = not self.paused
        elif char == "+" or key in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS):
            self.speed = next((s for s in SPEEDS if s > self.speed), SPEEDS[-1])
        elif char == "-" or key in (pygame.K_MINUS, pygame.K_KP_MINUS):
            self.speed = next((s for s in reversed(SPEEDS) if s < self.speed), SPEEDS[0])
        elif char == "." or key in (pygame.K_PERIOD, pygame.K_KP_PERIOD):
            self.paused = True
            self.sim.step()
        elif char in JUMP_KEYS or key == pygame.K_j:
            shifted = char == "J" or (not char and getattr(event, "mod", 0) & pygame.KMOD_SHIFT)
            self.jump(JUMP_KEYS["J" if shifted else "j"])
        elif key == pygame.K_TAB:
            layer = LAYERS[(LAYERS.index(self.view.layer) + 1) % len(LAYERS)]
            self.view = dataclasses.replace(self.view, layer=layer)
        elif key == pygame.K_s:
            self.say(f"saved {self.save_png()}")
        elif key == pygame.K_h:
            self.view = dataclasses.replace(self.view, show_help=not self.view.show_help)
        elif key == pygame.K_0:
            self.drawer.camera = Camera.fit(self.layout.bounds, split(self.surface.get_size())[0])
        elif key in (pygame.K_LEFT, pygame.K_RIGHT, pygame.K_UP, pygame.K_DOWN):
            vw, vh = self.camera.viewport[2:]
            dx = {pygame.K_LEFT: 1, pygame.K_RIGHT: -1}.get(key, 0) * PAN_SHARE * vw
            dy = {pygame.K_UP: 1, pygame.K_DOWN: -1}.get(key, 0) * PAN_SHARE * vh
            self.camera.pan(dx, dy)
        elif char in ("[", "]"):
            vx, vy, vw, vh = self.camera.viewport
            self.camera.zoom_at(vx + vw / 2, vy + vh / 2, ZOOM_STEP if char == "]" else 1 / ZOOM_STEP)

    def save_png(self, path: Path | None = None) -> Path:
        """Save the current frame as a PNG (default: ``twin-<scenario>-<simulated time>.png`` in ``png_dir``)."""
        if path is None:
            world = self.sim.world
            stem = f"twin-{world.scenario.name}-{world.now:%Y%m%d-%H%M%S}"
            path, k = self.png_dir / f"{stem}.png", 1
            while path.exists():
                path, k = self.png_dir / f"{stem}-{k}.png", k + 1
        path.parent.mkdir(parents=True, exist_ok=True)
        self.draw()
        pygame.image.save(self.surface, str(path))
        return path


__all__ = ["Viewer"]
