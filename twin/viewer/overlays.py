"""Boxes drawn over the map: the help overlay, passing messages and the tooltip of the node under the mouse."""

from __future__ import annotations

from twin.viewer import colors as C
from twin.viewer.pg import font, pygame, text

HELP = (
    ("space", "pause / resume"),
    ("+  -", "faster / slower (1x to 1000x simulated time)"),
    (".", "one step (pauses)"),
    ("j  J", "jump ahead an hour / a day (stops at the end)"),
    ("tab", "switch the home tiles' layer"),
    ("click", "inspect a home, feeder, transformer, intersection, road"),
    ("hover", "id and kind of what is under the mouse"),
    ("drag, arrows", "pan the map"),
    ("wheel, [  ]", "zoom"),
    ("0", "fit the whole map"),
    ("s", "save a PNG of the window"),
    ("h", "this help"),
    ("esc", "close the inspector, then quit"),
)


def _box(surface: "pygame.Surface", rect: "pygame.Rect", alpha: int = 225) -> None:
    shade = pygame.Surface(rect.size, pygame.SRCALPHA)
    shade.fill((*C.PANEL, alpha))
    surface.blit(shade, rect.topleft)
    pygame.draw.rect(surface, C.PANEL_RULE, rect, 1)


def draw_help(surface: "pygame.Surface", viewport: tuple[int, int, int, int]) -> None:
    """The key list, centred on the map."""
    line_h, pad = 24, 18
    rect = pygame.Rect(0, 0, 520, len(HELP) * line_h + 2 * pad + 30)
    rect.center = (viewport[0] + viewport[2] // 2, viewport[1] + viewport[3] // 2)
    _box(surface, rect, 235)
    y = rect.top + pad
    text(surface, "keys", (rect.left + pad, y), C.ACCENT, 24)
    y += 30
    for key, what in HELP:
        text(surface, key, (rect.left + pad, y), C.TEXT, 20)
        text(surface, what, (rect.left + pad + 120, y), C.MUTED, 20)
        y += line_h


def draw_toast(surface: "pygame.Surface", viewport: tuple[int, int, int, int], message: str) -> None:
    """A one-line message at the bottom of the map."""
    image_w = font(20).size(message)[0]
    rect = pygame.Rect(0, 0, image_w + 24, 30)
    rect.midbottom = (viewport[0] + viewport[2] // 2, viewport[1] + viewport[3] - 12)
    _box(surface, rect, 235)
    text(surface, message, rect.center, C.TEXT, 20, "center")


TOOLTIP_PX = 17           # text size
TOOLTIP_OFFSET = (14, 18)  # from the cursor, so the box does not sit under the pointer


def draw_tooltip(surface: "pygame.Surface", viewport: tuple[int, int, int, int], pos: tuple[int, int],
                 message: str) -> None:
    """A small box with ``message`` beside the cursor at ``pos`` (px), kept inside ``viewport``."""
    w, h = font(TOOLTIP_PX).size(message)
    rect = pygame.Rect(pos[0] + TOOLTIP_OFFSET[0], pos[1] + TOOLTIP_OFFSET[1], w + 12, h + 8)
    vx, vy, vw, vh = viewport
    if rect.right > vx + vw:   # near the right or bottom edge: flip to the other side of the cursor
        rect.right = pos[0] - TOOLTIP_OFFSET[0] // 2
    if rect.bottom > vy + vh:
        rect.bottom = pos[1] - TOOLTIP_OFFSET[1] // 2
    rect.clamp_ip(pygame.Rect(viewport))
    _box(surface, rect, 235)
    text(surface, message, rect.center, C.TEXT, TOOLTIP_PX, "center")
