"""Draw a world's map on a pygame surface: stateless functions reading the live arrays in bulk.

``draw_world(world, surface, layout, camera, layer)`` draws everything inside the camera's
viewport and keeps nothing between calls (HighwayEnv's split: the model never imports pygame,
the graphics hold no state). Colours for all homes, lanes and lights come from one numpy call
each; the per-item work left is one ``fill`` or ``line`` call, and vehicles are written straight
into the surface's pixels.
"""

from __future__ import annotations

import numpy as np

from twin.engine import World
from twin.traffic import ring
from twin.viewer import colors as C
from twin.viewer import measures
from twin.viewer.camera import Camera
from twin.viewer.layout import EnergyLayout, Layout, StreetLayout
from twin.viewer.pg import pygame, text

MARKS_MIN_PX = 10        # home tiles smaller than this get no PV/battery/EV marks
LABELS_MIN_PX = 14       # transformers smaller than this get no loading label
ENTRY_LABEL_MIN_SCALE = 0.35   # px per m from which entries show how many vehicles wait outside
VEHICLE_HALF_M = 1.4           # half side of a vehicle's dot on the map, close up (m)
# Dots never shrink below 3x3 px, so vehicles stay visible on a fitted 10x10 grid (about 0.25 px/m)
# and zoomed out further; close up they stop at 9x9 px so queues still read as separate cars.
VEHICLE_MIN_RADIUS_PX, VEHICLE_MAX_RADIUS_PX = 1, 4


def vehicle_radius_px(scale: float) -> int:
    """Radius (px) of the square dot of side 2 * radius + 1 drawn for a vehicle at ``scale`` px per m."""
    return int(np.clip(round(VEHICLE_HALF_M * scale), VEHICLE_MIN_RADIUS_PX, VEHICLE_MAX_RADIUS_PX))


def draw_world(world: World, surface: "pygame.Surface", layout: Layout, camera: Camera,
               layer: str = "temperature", selected: str | None = None) -> None:
    """Draw ``world`` as laid out by ``layout`` into ``camera.viewport`` of ``surface``.

    ``layer`` colours the home tiles: ``"temperature"`` (indoor air against the comfort band) or
    ``"net_load"`` (kW, export green, import red). ``selected`` outlines one node.
    """
    clip = pygame.Rect(camera.viewport)
    surface.set_clip(clip)
    try:
        surface.fill(C.BACKGROUND, clip)
        if layout.streets is not None:
            draw_streets(world, surface, layout.streets, camera)
        if layout.energy is not None:
            draw_energy(world, surface, layout.energy, camera, layer)
        if selected is not None:
            draw_selection(surface, layout, camera, selected)
    finally:
        surface.set_clip(None)


def mapped(surface: "pygame.Surface", rgb: np.ndarray) -> list[int]:
    """Colours (n, 3) as the surface's pixel values (what ``Surface.map_rgb`` gives), for all at once.

    Plain ints rather than lists of channels: drawing loops then create no container objects per
    item, which keeps Python's garbage collector out of the frame.
    """
    if surface.get_bytesize() == 1:  # a palette surface: let pygame find each colour
        return [surface.map_rgb(c) for c in rgb.tolist()]
    shifts, masks, losses = surface.get_shifts(), surface.get_masks(), surface.get_losses()
    value = np.full(len(rgb), masks[3], dtype=np.int64)  # opaque where there is an alpha channel
    for c in range(3):
        value |= ((rgb[:, c].astype(np.int64) >> losses[c]) << shifts[c]) & masks[c]
    return value.astype(np.uint32).view(np.int32).tolist()


def _columns(xy: np.ndarray) -> tuple[list[float], list[float]]:
    """x and y of points (n, 2) as two lists of floats (no per-point lists)."""
    return xy[:, 0].tolist(), xy[:, 1].tolist()


def _visible_boxes(camera: Camera, x: np.ndarray, y: np.ndarray, w: float, h: float) -> np.ndarray:
    vx, vy, vw, vh = camera.viewport
    return (x + w >= vx) & (x <= vx + vw) & (y + h >= vy) & (y <= vy + vh)


def _visible_segments(camera: Camera, a: np.ndarray, b: np.ndarray, pad: float) -> np.ndarray:
    vx, vy, vw, vh = camera.viewport
    lo, hi = np.minimum(a, b) - pad, np.maximum(a, b) + pad
    return (hi[:, 0] >= vx) & (lo[:, 0] <= vx + vw) & (hi[:, 1] >= vy) & (lo[:, 1] <= vy + vh)


# -- homes, feeders, transformers ---------------------------------------------------------------
def home_colours(world: World, n: int, layer: str) -> np.ndarray:
    """(n, 3) uint8 tile colour of each home for ``layer``."""
    s, p = world.state["homes"], world.energy.homes.params
    if layer == "temperature":
        return C.ramp(s.temp_air_c[:n], C.temperature_stops(p.comfort_low_c, p.comfort_high_c))
    if layer == "net_load":
        return C.ramp(s.net_kw[:n], C.NET_LOAD_STOPS)
    raise ValueError(f"unknown layer {layer!r}; layers: temperature, net_load")


def draw_energy(world: World, surface: "pygame.Surface", e: EnergyLayout, camera: Camera, layer: str) -> None:
    """Feeders and transformers coloured by loading, homes as tiles coloured by ``layer``, device marks."""
    loading_colours = mapped(surface, C.ramp(measures.transformer_loading(world), C.LOADING_STOPS))
    (ax, ay), (bx, by) = _columns(camera.to_screen(e.feeder_start)), _columns(camera.to_screen(e.feeder_end))
    width = max(1, round(e.feeder_width_m * camera.scale))
    for k in range(len(e.feeder_ids)):
        pygame.draw.line(surface, loading_colours[k], (ax[k], ay[k]), (bx[k], by[k]), width)

    n = len(e.home_ids)
    xy = camera.to_screen(e.home_xy)
    side = max(1, int(round(e.tile_m * camera.scale)))
    x, y = np.floor(xy[:, 0]).astype(np.int64), np.floor(xy[:, 1]).astype(np.int64)
    vis = _visible_boxes(camera, x, y, side, side)
    fill = surface.fill
    for xi, yi, colour in zip(x[vis].tolist(), y[vis].tolist(), mapped(surface, home_colours(world, n, layer)[vis])):
        fill(colour, (xi, yi, side, side))
    if side >= MARKS_MIN_PX:
        _device_marks(world, surface, n, x, y, side, vis)

    cx, cy = _columns(np.rint(camera.to_screen(e.transformer_xy)))
    size = max(3, int(round(e.transformer_m * camera.scale)))
    loading = measures.transformer_loading(world)
    for k in range(len(cx)):
        rect = pygame.Rect(0, 0, size, size)
        rect.center = (int(cx[k]), int(cy[k]))
        fill(loading_colours[k], rect)
        pygame.draw.rect(surface, C.TEXT, rect, 1)
        if size >= LABELS_MIN_PX:
            text(surface, f"{100 * loading[k]:.0f}%", (rect.centerx, rect.top - 2), C.TEXT, 16, "midbottom")


def _device_marks(world: World, surface: "pygame.Surface", n: int, x: np.ndarray, y: np.ndarray, side: int,
                  vis: np.ndarray) -> None:
    """PV (yellow when producing), battery (bar filled to its state of charge), EV charger (violet when charging)."""
    p, s = world.energy.homes.params, world.state["homes"]
    fill = surface.fill
    mark, inset = max(2, side // 4), max(1, side // 10)
    pv = np.flatnonzero(vis & (p.pv_kwp[:n] > 0))
    producing = (s.pv_kw[pv] > 0.01).tolist()
    for xi, yi, on in zip(x[pv].tolist(), y[pv].tolist(), producing):
        fill(C.PV_PRODUCING if on else C.PV_IDLE, (xi + inset, yi + inset, mark, mark))
    bar_w, bar_h = max(2, side // 6), side - 2 * inset
    bat = np.flatnonzero(vis & (p.bat_capacity_kwh[:n] > 0))
    levels = np.rint(bar_h * np.clip(s.soc[bat], 0.0, 1.0)).astype(int).tolist()
    for xi, yi, level in zip((x[bat] + side - inset - bar_w).tolist(), (y[bat] + inset).tolist(), levels):
        fill(C.BATTERY_FRAME, (xi, yi, bar_w, bar_h))
        fill(C.BATTERY_FILL, (xi, yi + bar_h - level, bar_w, level))
    ev = np.flatnonzero(vis & (p.ev_charger_kw[:n] > 0))
    state = np.where(s.ev_kw[ev] > 0, 0, np.where(s.ev_present[ev], 1, 2)).tolist()
    ev_colours = (C.EV_CHARGING, C.EV_PLUGGED, C.EV_ABSENT)
    for xi, yi, k in zip((x[ev] + inset).tolist(), (y[ev] + side - inset - mark).tolist(), state):
        fill(ev_colours[k], (xi, yi, mark, mark))


# -- streets ------------------------------------------------------------------------------------
def draw_streets(world: World, surface: "pygame.Surface", s: StreetLayout, camera: Camera) -> None:
    """Roads, lane groups coloured by their queue, intersections, signal lights and vehicles."""
    t = world.traffic
    line, fill, scale = pygame.draw.line, surface.fill, camera.scale
    a, b = camera.to_screen(s.link_start), camera.to_screen(s.link_end)
    widths = np.maximum(1, np.rint(s.link_width_m * scale)).astype(int)
    vis = _visible_segments(camera, a, b, widths.max())
    (ax, ay), (bx, by), w_px = _columns(a), _columns(b), widths.tolist()
    road = surface.map_rgb(C.ROAD)
    if s.paths is None:
        for i in np.flatnonzero(vis).tolist():
            line(surface, road, (ax[i], ay[i]), (bx[i], by[i]), w_px[i])
    else:  # along the lane shapes (a road is visible if its chord is, near enough at city scale)
        screen = camera.to_screen(s.paths.points.reshape(-1, 2)).reshape(s.paths.points.shape)
        for i in np.flatnonzero(vis).tolist():
            pygame.draw.lines(surface, road, False, screen[i, :s.paths.count[i]].tolist(), w_px[i])

    halted = measures.halted_per_queue(world)
    lane_storage = np.maximum(t.net.storage[s.queue_link] / 3.0, 1.0)
    q_dir = s.link_dir[s.queue_link]
    qa = camera.to_screen(s.queue_stop)
    (qax, qay) = _columns(qa)
    (qbx, qby) = _columns(camera.to_screen(s.queue_stop - q_dir * s.link_drawn_m[s.queue_link, None]))
    lane_w = max(1, int(round(float(s.queue_width_m.mean()) * scale)))
    busy = np.flatnonzero((halted > 0) & vis[s.queue_link])
    colours = mapped(surface, C.ramp(halted[busy] / lane_storage[busy], C.QUEUE_STOPS))
    for k, i in enumerate(busy.tolist()):
        if s.paths is None:
            line(surface, colours[k], (qax[i], qay[i]), (qbx[i], qby[i]), lane_w)
        else:  # the lane group beside its road's shape, as far as the stop line
            road_i = int(s.queue_link[i])
            across = s.queue_stop[i] - s.link_end[road_i]
            pts = camera.to_screen(s.paths.polyline(road_i) + across)
            pygame.draw.lines(surface, colours[k], False, pts.tolist(), lane_w)

    half = max(2, int(round(s.int_half_m * scale)))
    corners = np.rint(camera.to_screen(s.int_xy) - half).astype(int)
    shown = _visible_boxes(camera, corners[:, 0], corners[:, 1], 2 * half, 2 * half)
    box = surface.map_rgb(C.INTERSECTION)
    for x, y in zip(*_columns(corners[shown])):
        fill(box, (x, y, 2 * half, 2 * half))

    xy, stopped = vehicle_points(world, s)
    radius = vehicle_radius_px(scale)
    _dots(surface, camera.to_screen(xy), stopped.astype(np.int64), (C.VEHICLE_MOVING, C.VEHICLE_HALTED), radius,
          camera.viewport)

    light = lane_w + 2  # drawn after the vehicles: a car waiting at the line must not hide its light
    spot_x, spot_y = _columns(np.rint(qa - light / 2).astype(int))
    palette = [surface.map_rgb(c) for c in C.SIGNAL_COLOURS]
    for x, y, state in zip(spot_x, spot_y, measures.signal_lights(world).tolist()):
        fill(palette[state], (x, y, light, light))

    if scale >= ENTRY_LABEL_MIN_SCALE:
        outside = measures.waiting_outside(world)
        sx, sy = _columns(np.rint(camera.to_screen(s.link_start[s.entry_links] - s.link_dir[s.entry_links] * 8.0)))
        for k in np.flatnonzero(outside > 0).tolist():
            text(surface, str(int(outside[k])), (int(sx[k]), int(sy[k])), C.VEHICLE_HALTED, 15, "center")


def vehicle_points(world: World, s: StreetLayout) -> tuple[np.ndarray, np.ndarray]:
    """Map positions (n, 2) of the vehicles on the streets, and whether each stands still.

    A vehicle in a lane group's queue stands at its place in the queue (the first half a jam
    spacing behind the line, each next one a jam spacing further back) or, while it still drives
    towards the line, as far back as its remaining free-flow time at the road's speed. Vehicles
    leaving by an exit road drive out at that speed.
    """
    t = world.traffic
    q, v, net, now = t.queues, t.vehicles, t.net, world.now_s
    jam_m = float(world.scenario.traffic.jam_spacing_m)
    n_q = s.queue_link.size
    depth = int(q.count[:n_q].max(initial=0))
    points, stopped = [np.zeros((0, 2))], [np.zeros(0, dtype=bool)]
    if depth:
        ids = ring.in_line(q.buf[:n_q], q.head[:n_q], depth)
        rows, rank = np.nonzero(np.arange(depth)[None, :] < q.count[:n_q, None])
        vid = ids[rows, rank]
        remaining_s = v.ready_s[vid] - now
        link = s.queue_link[rows]
        dist = np.minimum(np.maximum((rank + 0.5) * jam_m, remaining_s * net.speed_mps[link]), s.link_drawn_m[link])
        if s.paths is None:
            points.append(s.queue_stop[rows] - s.link_dir[link] * dist[:, None])
        else:  # along the road's shape, beside it by the lane group's place across the road
            points.append(s.back_from_end(link, dist) + (s.queue_stop[rows] - s.link_end[link]))
        stopped.append(remaining_s <= 0)
    n = int(v.n)
    leaving = np.flatnonzero((v.dest[:n] >= 0) & (v.arrive_s[:n] > now) & (v.dest[:n] < len(s.link_ids)))
    if leaving.size:
        link = v.dest[leaving].astype(np.int64)
        dist = np.minimum((v.arrive_s[leaving] - now) * net.speed_mps[link], s.link_drawn_m[link])
        points.append(s.back_from_end(link, dist))
        stopped.append(np.zeros(leaving.size, dtype=bool))
    return np.concatenate(points), np.concatenate(stopped)


def _dots(surface: "pygame.Surface", xy_px: np.ndarray, colour_ix: np.ndarray, palette, radius: int,
          viewport: tuple[int, int, int, int]) -> None:
    """Square dots of side 2 * radius + 1 written straight into the pixels (one numpy store per offset)."""
    if xy_px.size == 0:
        return
    px = np.rint(xy_px).astype(np.int64)
    vx, vy, vw, vh = viewport
    vw, vh = min(vw, surface.get_width() - vx), min(vh, surface.get_height() - vy)
    keep = ((px[:, 0] >= vx + radius) & (px[:, 0] < vx + vw - radius)
            & (px[:, 1] >= vy + radius) & (px[:, 1] < vy + vh - radius))
    if not keep.any():
        return
    xs, ys, ix = px[keep, 0], px[keep, 1], colour_ix[keep]
    if surface.get_bytesize() != 4:  # pixels2d needs 32-bit pixels; other surfaces take the slow path
        for x, y, k in zip(xs.tolist(), ys.tolist(), ix.tolist()):
            surface.fill(palette[k], (x - radius, y - radius, 2 * radius + 1, 2 * radius + 1))
        return
    pixels = pygame.surfarray.pixels2d(surface)
    try:
        values = np.array([surface.map_rgb(c) for c in palette], dtype=np.int64).astype(pixels.dtype)[ix]
        for dx in range(-radius, radius + 1):
            for dy in range(-radius, radius + 1):
                pixels[xs + dx, ys + dy] = values
    finally:
        del pixels  # releases the surface lock


# -- selection ----------------------------------------------------------------------------------
def draw_selection(surface: "pygame.Surface", layout: Layout, camera: Camera, node_id: str) -> None:
    """Outline the selected node (homes, transformers, intersections) or trace it (feeders, roads)."""
    e, s, scale = layout.energy, layout.streets, camera.scale
    box = None
    if e is not None and node_id in e.home_ids:
        corner = camera.to_screen(e.home_xy[e.home_ids.index(node_id)])
        side = e.tile_m * scale
        box = (corner[0], corner[1], side, side)
    elif e is not None and node_id in e.transformer_ids:
        centre, side = camera.to_screen(e.transformer_xy[e.transformer_ids.index(node_id)]), e.transformer_m * scale
        box = (centre[0] - side / 2, centre[1] - side / 2, side, side)
    elif s is not None and node_id in s.int_ids:
        centre, side = camera.to_screen(s.int_xy[s.int_ids.index(node_id)]), 2 * s.int_half_m * scale
        box = (centre[0] - side / 2, centre[1] - side / 2, side, side)
    if box is not None:
        pygame.draw.rect(surface, C.HIGHLIGHT, pygame.Rect(round(box[0]) - 2, round(box[1]) - 2,
                                                            round(box[2]) + 4, round(box[3]) + 4), 2)
        return
    if e is not None and node_id in e.feeder_ids:
        k, width = e.feeder_ids.index(node_id), e.feeder_width_m
        a, b = e.feeder_start[k], e.feeder_end[k]
    elif s is not None and node_id in s.link_ids:
        k, width = s.link_ids.index(node_id), s.link_width_m[s.link_ids.index(node_id)]
        if s.paths is not None:
            pts = camera.to_screen(s.paths.polyline(k)).tolist()
            pygame.draw.lines(surface, C.HIGHLIGHT, False, pts, max(2, int(round(width * scale * 0.5))))
            return
        a, b = s.link_start[k], s.link_end[k]
    else:
        return
    pa, pb = camera.to_screen(np.array([a, b]))
    pygame.draw.line(surface, C.HIGHLIGHT, pa, pb, max(2, int(round(width * scale * 0.5))))
