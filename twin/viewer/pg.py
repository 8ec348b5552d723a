"""The one place twin imports pygame (modules that draw import it from here, and are imported lazily).

pygame prints a greeting on import unless told not to; a simulator's output should not carry it.
Fonts are loaded once per size: loading one costs far more than drawing with it.
"""

from __future__ import annotations

import functools
import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402


@functools.lru_cache(maxsize=None)
def font(size_px: int) -> "pygame.font.Font":
    """pygame's default font at ``size_px`` (pygame.font is initialised on first use; no display needed)."""
    if not pygame.font.get_init():
        pygame.font.init()
    return pygame.font.Font(None, size_px)


def text(surface: "pygame.Surface", value: str, pos: tuple[int, int], colour: tuple[int, int, int],
         size_px: int = 18, anchor: str = "topleft") -> "pygame.Rect":
    """Draw ``value`` with its ``anchor`` point (a pygame.Rect attribute name) at ``pos``; returns its rect."""
    image = font(size_px).render(value, True, colour)
    rect = image.get_rect(**{anchor: pos})
    surface.blit(image, rect)
    return rect


__all__ = ["font", "pygame", "text"]
