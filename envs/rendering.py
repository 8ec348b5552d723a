"""Rendering for the environments: the viewer's picture of the env's world (pygame only when rendering).

``render_mode="rgb_array"``: ``render()`` returns the frame the viewer (``twin view``) shows, an
(720, 1280, 3) uint8 array (height, width, RGB), drawn offscreen, so no display is needed and
``gymnasium.wrappers.RecordVideo`` works. ``render_mode="human"``: every ``reset()`` and
``step()`` shows the frame in a window at ``metadata["render_fps"]``; ``render()`` returns None.
The mode is fixed at construction, as Gymnasium expects.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import logger

from twin.engine import World

RENDER_MODES = ["human", "rgb_array"]
FRAME_SHAPE = (720, 1280, 3)   # what render() returns with render_mode="rgb_array"


class WorldRendering:
    """Mixin giving an environment ``render()`` and ``close()``; it names ``render_title`` and ``rendered_world``.

    ``close()`` also ends the environment: ``check_open()``, called first by ``reset()`` and
    ``step()``, raises once it has been closed (closing again is allowed and does nothing).
    """

    render_mode: str | None
    render_title = "twin"
    closed = False
    _renderer: Any = None

    def check_open(self) -> None:
        """RuntimeError if ``close()`` was called: a closed environment cannot be reset or stepped."""
        if self.closed:
            raise RuntimeError(f"{self.render_title}: the environment is closed; make a new one")

    @property
    def rendered_world(self) -> World | None:
        """The world to draw (None before the first reset)."""
        raise NotImplementedError

    def render(self) -> np.ndarray | None:
        """The viewer's frame of the world: (720, 1280, 3) uint8 for "rgb_array"; None for "human" (shown)."""
        if self.render_mode is None:
            logger.warn(f"{self.render_title}: render() was called without a render mode; make the env with "
                        "render_mode='rgb_array' (frames as arrays) or 'human' (a window)")
            return None
        world = self.rendered_world
        if world is None:
            raise RuntimeError(f"{self.render_title}: call reset() before render()")
        if self._renderer is None:
            from twin.viewer.frames import EnvRenderer

            self._renderer = EnvRenderer(self.render_mode, self.metadata["render_fps"], title=self.render_title,
                                         size=(FRAME_SHAPE[1], FRAME_SHAPE[0]))
        return self._renderer.render(world)

    def _show_human(self) -> None:
        """Show the frame in the window when rendering for humans (called at the end of reset and step)."""
        if self.render_mode == "human":
            self.render()

    def close(self) -> None:
        """Close the render window, if one is open, and end the environment."""
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        self.closed = True
        super().close()
