"""The side panel: simulated clock, speed, key KPIs so far, sparklines and the tile colour legend.

``draw_panel`` is stateless like the map: what it shows comes from the world, the simulation's
:class:`~twin.viewer.sim.History` and a :class:`Status` the caller fills in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.engine import World
from twin.viewer import colors as C
from twin.viewer import measures
from twin.viewer.pg import font, pygame, text
from twin.viewer.sim import History

PANEL_WIDTH_PX = 300
PAD = 14
SPARK_HEIGHT_PX = 52
FEEDER_LINE_COLOURS = ((110, 190, 255), (255, 170, 80), (170, 230, 120), (230, 120, 200), (250, 230, 120),
                       (140, 140, 255))
INSPECTOR_TEXT_PX = 16
LAYER_TITLES = {"temperature": "indoor temperature", "net_load": "net load"}


@dataclass(frozen=True)
class Status:
    """What the panel says about the viewer itself: speed (x real time, None when an env sets the pace),
    pause, the tile layer, the simulation's own lines and a passing message."""

    speed: float | None
    paused: bool
    layer: str
    lines: tuple[str, ...] = ()
    message: str = ""
    finished: bool = False


def _elapsed(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return (f"{days}d " if days else "") + f"{hours:02d}:{minutes:02d}:{secs:02d}"


def draw_panel(surface: "pygame.Surface", rect: "pygame.Rect", world: World, history: History,
               status: Status, selected: str | None = None) -> None:
    """Draw the side panel into ``rect`` of ``surface``; with ``selected``, the inspector fills its lower part."""
    surface.fill(C.PANEL, rect)
    pygame.draw.line(surface, C.PANEL_RULE, rect.topleft, rect.bottomleft, 1)
    x, right = rect.left + PAD, rect.right - PAD
    y = rect.top + PAD
    y = text(surface, f"twin \u00b7 {world.scenario.name}", (x, y), C.TEXT, 26).bottom + 6
    y = text(surface, f"{world.now:%a %Y-%m-%d  %H:%M:%S}", (x, y), C.TEXT, 22).bottom + 2
    y = text(surface, f"t + {_elapsed(world.now_s)}", (x, y), C.MUTED, 18).bottom + 4
    if status.finished:
        pace, colour = "end of scenario", C.SIGNAL_YELLOW
    elif status.paused:
        pace, colour = "paused", C.SIGNAL_YELLOW
    elif status.speed is None:
        pace, colour = "one frame per env step", C.MUTED
    else:
        pace, colour = f"speed {status.speed:g}x", C.ACCENT
    y = text(surface, pace, (x, y), colour, 20).bottom + 2
    if measures.n_homes(world):
        y = text(surface, f"tiles: {LAYER_TITLES.get(status.layer, status.layer)}", (x, y), C.MUTED, 18).bottom + 2
    for line in status.lines:
        y = text(surface, line, (x, y), C.MUTED, 18).bottom + 2
    y += 4
    pygame.draw.line(surface, C.PANEL_RULE, (x, y), (right, y), 1)
    y = text(surface, "so far", (x, y + 6), C.MUTED, 16).bottom + 4
    for label, value in measures.live_kpis(world):
        text(surface, label, (x, y), C.MUTED, 18)
        y = text(surface, value, (right, y), C.TEXT, 18, "topright").bottom + 3
    y += 6
    if history.feeder_kw:
        load = np.stack(list(history.feeder_kw))
        if load.shape[1] > len(FEEDER_LINE_COLOURS):
            series, title = [np.abs(load).max(axis=1)], "highest feeder load (kW)"
        else:
            series, title = list(load.T), "feeder load (kW)"
        rating = world.energy.transformer_rating_kw
        y = sparkline(surface, pygame.Rect(x, y, right - x, SPARK_HEIGHT_PX), series, FEEDER_LINE_COLOURS, title,
                      history.times_s.maxlen, reference=rating if np.isfinite(rating) else None) + 8
    if history.halted:
        y = sparkline(surface, pygame.Rect(x, y, right - x, SPARK_HEIGHT_PX), [np.array(history.halted)],
                      (C.VEHICLE_HALTED,), "network delay (vehicles halted)", history.times_s.maxlen) + 8
    if measures.n_homes(world):
        y = legend(surface, pygame.Rect(x, y, right - x, 10), world, status.layer) + 8
    if world.traffic is not None:
        y = street_legend(surface, pygame.Rect(x, y, right - x, 10)) + 8
    keys = "h help   space pause   +/- speed   " + ("tab layer" if measures.n_homes(world) else ". step")
    footer = status.message or keys
    footer_rect = text(surface, footer, (x, rect.bottom - PAD), C.ACCENT if status.message else C.MUTED, 17,
                       "bottomleft")
    if selected is not None:
        pygame.draw.line(surface, C.PANEL_RULE, (x, y), (right, y), 1)
        inspector(surface, pygame.Rect(x, y + 6, right - x, footer_rect.top - 6 - (y + 6)),
                  measures.inspector_lines(world, selected))


def inspector(surface: "pygame.Surface", rect: "pygame.Rect", lines: list[str]) -> None:
    """The inspector's lines (the first is the node id) wrapped to ``rect``'s width; what does not fit is cut."""
    size = INSPECTOR_TEXT_PX
    rows: list[tuple[str, tuple[int, int, int], int]] = [(lines[0], C.ACCENT, size + 4)]
    for line in lines[1:]:
        colour = C.MUTED if line.startswith(" ") else C.TEXT
        rows += [(part, colour, size) for part in wrap(line, rect.width, size)]
    y = rect.top
    for k, (line, colour, px) in enumerate(rows):
        line_h = px - 2
        if y + 2 * line_h > rect.bottom and k < len(rows) - 1:
            text(surface, "...", (rect.left, y), C.MUTED, size)
            return
        text(surface, line, (rect.left, y), colour, px)
        y += line_h


def wrap(line: str, width_px: int, size_px: int) -> list[str]:
    """``line`` broken at spaces into pieces no wider than ``width_px``; continuations are indented."""
    measure = font(size_px).size
    if measure(line)[0] <= width_px:
        return [line]
    indent = " " * (len(line) - len(line.lstrip()) + 4)
    out, current = [], ""
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and measure(candidate)[0] > width_px:
            out.append(current)
            candidate = indent + word
        current = candidate
    out.append(current)
    if line.startswith(" "):
        out[0] = " " * (len(line) - len(line.lstrip())) + out[0]
    return out


def sparkline(surface: "pygame.Surface", rect: "pygame.Rect", series: list[np.ndarray], colours, title: str,
              capacity: int | None, reference: float | None = None) -> int:
    """Title, then lines of ``series`` (newest at the right edge) in ``rect``; returns the bottom y.

    ``reference`` (e.g. the transformer rating) is drawn as a dashed red line when in range.
    """
    text(surface, title, (rect.left, rect.top), C.MUTED, 16)
    last = series[0][-1] if series and series[0].size else 0.0
    text(surface, f"{last:,.0f}", (rect.right, rect.top), C.TEXT, 16, "topright")
    box = pygame.Rect(rect.left, rect.top + 16, rect.width, rect.height - 16)
    pygame.draw.rect(surface, C.BACKGROUND, box)
    values = np.concatenate([s for s in series if s.size]) if series else np.zeros(1)
    lo, hi = min(0.0, float(values.min())), max(float(values.max()), 1e-9)
    if reference is not None:
        hi = max(hi, reference * 1.05)
    span = hi - lo or 1.0
    slots = max((capacity or values.size) - 1, 1)

    def ys(v: np.ndarray) -> np.ndarray:
        return box.bottom - 2 - (v - lo) / span * (box.height - 4)

    if reference is not None:
        ref_y = int(ys(np.array([reference]))[0])
        for dash_x in range(box.left, box.right, 8):
            pygame.draw.line(surface, C.SIGNAL_RED, (dash_x, ref_y), (min(dash_x + 4, box.right), ref_y), 1)
    if lo < 0:
        zero_y = int(ys(np.array([0.0]))[0])
        pygame.draw.line(surface, C.PANEL_RULE, (box.left, zero_y), (box.right, zero_y), 1)
    for k, s in enumerate(series):
        if s.size < 2:
            continue
        xs = box.right - 1 - (s.size - 1 - np.arange(s.size)) * (box.width - 2) / slots
        pygame.draw.lines(surface, colours[k % len(colours)], False, np.c_[xs, ys(s)].tolist(), 1)
    return box.bottom


def legend(surface: "pygame.Surface", rect: "pygame.Rect", world: World, layer: str) -> int:
    """Colour bar of the home tiles' layer with its scale; returns the bottom y."""
    p = world.energy.homes.params
    if layer == "temperature":
        stops, unit = C.temperature_stops(p.comfort_low_c, p.comfort_high_c), "\u00b0C"
    else:
        stops, unit = C.NET_LOAD_STOPS, "kW"
    lo, hi = stops[0][0], stops[-1][0]
    colours = C.ramp(np.linspace(lo, hi, rect.width), stops)
    bar = pygame.surfarray.make_surface(np.repeat(colours[:, None, :], rect.height, axis=1))
    surface.blit(bar, rect.topleft)
    y = rect.bottom + 2
    text(surface, f"{lo:g} {unit}", (rect.left, y), C.MUTED, 15)
    text(surface, f"{hi:g} {unit}", (rect.right, y), C.MUTED, 15, "topright")
    if layer == "temperature":
        band = f"comfort {p.comfort_low_c:g}-{p.comfort_high_c:g}"
        text(surface, band, (rect.centerx, y), C.MUTED, 15, "midtop")
    return y + 14


def street_legend(surface: "pygame.Surface", rect: "pygame.Rect") -> int:
    """Colour bar of the lanes' queues and the meaning of dots and lights; returns the bottom y."""
    colours = C.ramp(np.linspace(0.0, 1.0, rect.width), C.QUEUE_STOPS)
    surface.blit(pygame.surfarray.make_surface(np.repeat(colours[:, None, :], rect.height, axis=1)), rect.topleft)
    y = rect.bottom + 2
    text(surface, "lane empty", (rect.left, y), C.MUTED, 15)
    text(surface, "queue fills its lane", (rect.right, y), C.MUTED, 15, "topright")
    y += 16
    x = rect.left
    for colour, label in ((C.VEHICLE_MOVING, "moving"), (C.VEHICLE_HALTED, "halted"), (C.SIGNAL_GREEN, "green"),
                          (C.SIGNAL_YELLOW, "yellow"), (C.SIGNAL_RED, "red")):
        surface.fill(colour, (x, y + 4, 7, 7))
        x = text(surface, label, (x + 10, y), C.MUTED, 15).right + 9
    return y + 14
