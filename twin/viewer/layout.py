"""Where everything sits on the map: world geometry computed once from the world (no pygame).

Coordinates are metres on a flat map, x to the east and y to the south (screen order), so rows of
the street grid grow downwards as in :mod:`twin.traffic.network`.

- **Energy**: one column per feeder, its transformer at the top and the feeder running down the
  middle of a street with the feeder's homes as square plots on both sides, in index order. The
  number of plots per side is chosen so that the whole block is about as wide as the map area.
- **Streets**: intersections on the grid's block length; each directed road drawn on the right
  half of the carriageway (right-hand traffic), its lane groups left, through and right from the
  centre line outwards; entry and exit roads run out to the border length.

A world that holds replica worlds is laid out as its replica 0 (the only one its graph holds).
When a world has both homes and streets, the energy block stands left of the street grid,
scaled to the grid's height.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from twin.engine import World
from twin.traffic.network import ENTRY, EXIT, INTERNAL, RoadNetwork
from twin.viewer.paths import RoadPaths

PLOT_PITCH_M = 14.0        # home plot spacing; the tile is TILE_SHARE of it
TILE_SHARE = 0.86
STREET_M = 8.0             # width of the street a feeder runs down
FEEDER_GAP_M = 18.0        # between two feeders' blocks
HEADER_M = 30.0            # room above the homes for the transformer
TRANSFORMER_M = 13.0
LANE_M = 5.0               # drawn width of one lane (wider than real, so roads read at city scale)
MEDIAN_M = 0.6             # between the two directions of a road
SUMO_LANE_M = 3.2          # drawn width of a lane of an imported net, which lies along its real shape
TARGET_ASPECT = 1.35       # width / height of the map area the energy block should fill
# Directions of the headings 0 N, 1 E, 2 S, 3 W with y to the south.
HEADING_XY = np.array([(0.0, -1.0), (1.0, 0.0), (0.0, 1.0), (-1.0, 0.0)])


@dataclass(frozen=True, eq=False)
class EnergyLayout:
    """Homes, feeders and transformers of replica 0 (metres)."""

    home_ids: tuple[str, ...]
    home_xy: np.ndarray          # (H, 2) top-left corner of each home's tile
    tile_m: float                # tile side
    home_feeder: np.ndarray      # (H,) feeder index
    feeder_ids: tuple[str, ...]
    transformer_ids: tuple[str, ...]
    transformer_xy: np.ndarray   # (F, 2) centre
    transformer_m: float         # side of a transformer's square
    feeder_start: np.ndarray     # (F, 2) top of the feeder line
    feeder_end: np.ndarray       # (F, 2) bottom
    feeder_width_m: float


@dataclass(frozen=True, eq=False)
class StreetLayout:
    """Intersections, roads and their lane groups of replica 0 (metres)."""

    int_ids: tuple[str, ...]
    int_xy: np.ndarray           # (I, 2) centre
    int_half_m: float            # half side of an intersection's square
    link_ids: tuple[str, ...]
    link_start: np.ndarray       # (L, 2) start of the carriageway's middle line
    link_end: np.ndarray         # (L, 2) end of it, at the stop line
    link_dir: np.ndarray         # (L, 2) unit direction of travel
    link_width_m: np.ndarray     # (L,) carriageway width (all lanes of one direction)
    link_drawn_m: np.ndarray     # (L,) drawn length (the road minus the intersections)
    link_is_exit: np.ndarray     # (L,) bool
    queue_stop: np.ndarray       # (Q, 2) stop-line point of each movement queue's lane group
    queue_link: np.ndarray       # (Q,) its link
    queue_width_m: np.ndarray    # (Q,) drawn width of the lane group
    entry_links: np.ndarray      # link indices of entries (their outside queues are rows Q.. of the buffer)
    paths: RoadPaths | None = None  # an imported net's roads along their lane shapes; None: straight roads

    def back_from_end(self, links: np.ndarray, dist_m: np.ndarray) -> np.ndarray:
        """(n, 2) points ``dist_m`` back from the end of ``links``, along the drawn road."""
        if self.paths is None:
            return self.link_end[links] - self.link_dir[links] * dist_m[:, None]
        return self.paths.back_from_end(links, dist_m)

    def road_distance(self, p: np.ndarray) -> np.ndarray:
        """(L,) distance from map point ``p`` to each drawn road's line, m."""
        if self.paths is None:
            return _segment_distance(p, self.link_start, self.link_end)
        a, b, road = self.paths.segments()
        out = np.full(len(self.link_ids), np.inf)
        np.minimum.at(out, road, _segment_distance(p, a, b))
        return out

    def all_points(self) -> np.ndarray:
        """(n, 2) every point a road is drawn through (for bounds)."""
        if self.paths is None:
            return np.r_[self.link_start, self.link_end]
        return self.paths.points.reshape(-1, 2)


@dataclass(frozen=True, eq=False)
class Layout:
    """The map of one world: energy and street parts (either may be None) and their bounds."""

    energy: EnergyLayout | None
    streets: StreetLayout | None
    bounds: tuple[float, float, float, float]   # x0, y0, x1, y1 (m)

    def pick(self, x_m: float, y_m: float, tolerance_m: float = 0.0) -> str | None:
        """The id of the graph node drawn at map point (x, y), or None.

        Homes, transformers and intersections are hit inside their squares (grown by
        ``tolerance_m``); feeders and roads within half their width plus ``tolerance_m`` of their line.
        """
        p = np.array([x_m, y_m])
        e, s = self.energy, self.streets
        if e is not None and e.home_xy.size:
            inside = np.all((p >= e.home_xy - tolerance_m) & (p <= e.home_xy + e.tile_m + tolerance_m), axis=1)
            if inside.any():
                return e.home_ids[int(np.flatnonzero(inside)[0])]
        if e is not None:
            half = e.transformer_m / 2 + tolerance_m
            inside = np.all(np.abs(p - e.transformer_xy) <= half, axis=1)
            if inside.any():
                return e.transformer_ids[int(np.flatnonzero(inside)[0])]
        if s is not None:
            inside = np.all(np.abs(p - s.int_xy) <= s.int_half_m + tolerance_m, axis=1)
            if inside.any():
                return s.int_ids[int(np.flatnonzero(inside)[0])]
        if e is not None:
            d = _segment_distance(p, e.feeder_start, e.feeder_end)
            k = int(np.argmin(d))
            if d[k] <= e.feeder_width_m / 2 + tolerance_m:
                return e.feeder_ids[k]
        if s is not None:
            d = s.road_distance(p)
            k = int(np.argmin(d))
            if d[k] <= s.link_width_m[k] / 2 + tolerance_m:
                return s.link_ids[k]
        return None

    def kind_of(self, node_id: str) -> str | None:
        """The device-graph kind of a node drawn on the map (home, transformer, feeder, intersection, road),
        or None if it is not on the map."""
        e, s = self.energy, self.streets
        groups: list[tuple[str, tuple[str, ...]]] = []
        if e is not None:
            groups += [("home", e.home_ids), ("transformer", e.transformer_ids), ("feeder", e.feeder_ids)]
        if s is not None:
            groups += [("intersection", s.int_ids), ("road", s.link_ids)]
        return next((kind for kind, ids in groups if node_id in ids), None)

    def centre_of(self, node_id: str) -> tuple[float, float] | None:
        """Map point (m) where ``node_id`` is drawn, or None if it is not on the map."""
        e, s = self.energy, self.streets
        if e is not None:
            if node_id in e.home_ids:
                xy = e.home_xy[e.home_ids.index(node_id)] + e.tile_m / 2
                return float(xy[0]), float(xy[1])
            for ids, xy in ((e.transformer_ids, e.transformer_xy), (e.feeder_ids, (e.feeder_start + e.feeder_end) / 2)):
                if node_id in ids:
                    return float(xy[ids.index(node_id), 0]), float(xy[ids.index(node_id), 1])
        if s is not None:
            for ids, xy in ((s.int_ids, s.int_xy), (s.link_ids, (s.link_start + s.link_end) / 2)):
                if node_id in ids:
                    return float(xy[ids.index(node_id), 0]), float(xy[ids.index(node_id), 1])
        return None


def _segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from point ``p`` to each segment ``a[k]``-``b[k]``."""
    ab = b - a
    t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-12), 0.0, 1.0)
    return np.linalg.norm(a + t[:, None] * ab - p, axis=1)


def compute_layout(world: World) -> Layout:
    """Lay out ``world`` (replica 0): energy block left, street grid right, either may be absent."""
    streets = _street_layout(world) if world.traffic is not None else None
    energy_height = None
    if streets is not None:
        ys = streets.all_points()[:, 1]
        energy_height = float(ys.max() - ys.min())
    energy = _energy_layout(world, height_m=energy_height)
    boxes = []
    if energy is not None:
        xs = np.r_[energy.home_xy[:, 0], energy.home_xy[:, 0] + energy.tile_m, energy.transformer_xy[:, 0]]
        ys = np.r_[energy.home_xy[:, 1] + energy.tile_m, energy.transformer_xy[:, 1] - energy.transformer_m]
        boxes.append((xs.min() - energy.tile_m / 2, ys.min() - energy.tile_m / 2,
                      xs.max() + energy.tile_m / 2, ys.max() + energy.tile_m / 2))
    if streets is not None:
        shift = 0.0
        if energy is not None:
            shift = boxes[0][2] + 3 * FEEDER_GAP_M
            streets = _shift_streets(streets, shift)
        pts = streets.all_points()
        boxes.append((pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()))
    if not boxes:
        boxes.append((0.0, 0.0, 100.0, 100.0))
    b = np.array(boxes)
    return Layout(energy=energy, streets=streets,
                  bounds=(float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())))


def _energy_layout(world: World, height_m: float | None) -> EnergyLayout | None:
    graph = world.graph
    homes = sorted(graph.nodes("home"), key=lambda h: graph.node(h)["index"])
    if not homes:
        return None
    feeders = sorted(graph.nodes("feeder"), key=lambda f: graph.node(f)["index"])
    transformers = sorted(graph.nodes("transformer"), key=lambda t: graph.node(t)["index"])
    feeder_of = world.energy.homes.params.feeder[: len(homes)].astype(np.int64)
    n_f = len(feeders)
    per_feeder = np.bincount(feeder_of, minlength=n_f)
    side = _plots_per_side(int(per_feeder.max()), n_f)
    column_w = 2 * side * PLOT_PITCH_M + STREET_M
    rank = np.zeros(len(homes), dtype=np.int64)  # position of each home within its feeder
    for f in range(n_f):
        rank[feeder_of == f] = np.arange(per_feeder[f])
    slot, row = rank % (2 * side), rank // (2 * side)
    x0 = feeder_of * (column_w + FEEDER_GAP_M)
    x = x0 + slot * PLOT_PITCH_M + np.where(slot >= side, STREET_M, 0.0)
    y = HEADER_M + row * PLOT_PITCH_M
    unit = 1.0
    if height_m is not None:  # beside a street grid: as tall as the grid
        rows = int(math.ceil(per_feeder.max() / (2 * side)))
        unit = height_m / (HEADER_M + rows * PLOT_PITCH_M)
    margin = PLOT_PITCH_M * (1 - TILE_SHARE) / 2
    street_x = np.arange(n_f) * (column_w + FEEDER_GAP_M) + side * PLOT_PITCH_M + STREET_M / 2
    rows_f = np.ceil(per_feeder / (2 * side))
    return EnergyLayout(
        home_ids=tuple(homes), home_xy=unit * np.c_[x + margin, y + margin], tile_m=unit * TILE_SHARE * PLOT_PITCH_M,
        home_feeder=feeder_of, feeder_ids=tuple(feeders), transformer_ids=tuple(transformers),
        transformer_xy=unit * np.c_[street_x, np.full(n_f, HEADER_M / 2)], transformer_m=unit * TRANSFORMER_M,
        feeder_start=unit * np.c_[street_x, np.full(n_f, HEADER_M / 2 + TRANSFORMER_M / 2)],
        feeder_end=unit * np.c_[street_x, HEADER_M + np.maximum(rows_f, 1) * PLOT_PITCH_M],
        feeder_width_m=unit * STREET_M / 3)


def _plots_per_side(homes_per_feeder: int, feeders: int) -> int:
    """Plots per side of a street that bring the whole energy block closest to TARGET_ASPECT."""
    best, best_err = 1, math.inf
    for side in range(1, max(1, math.ceil(homes_per_feeder / 2)) + 1):
        width = feeders * (2 * side * PLOT_PITCH_M + STREET_M) + (feeders - 1) * FEEDER_GAP_M
        height = HEADER_M + math.ceil(homes_per_feeder / (2 * side)) * PLOT_PITCH_M
        err = abs(math.log(width / height / TARGET_ASPECT))
        if err < best_err:
            best, best_err = side, err
    return best


def _street_layout(world: World) -> StreetLayout:
    traffic = world.traffic
    net = traffic.net
    k = net.replicas
    n_int, n_links, n_q = net.n_int // k, net.n_links // k, net.n_queues // k
    kind = net.link_kind[:n_links]
    l_from, l_to = net.link_from[:n_links], net.link_to[:n_links]
    d = HEADING_XY[net.link_heading[:n_links].astype(int)]
    if not net.imported:
        cfg = world.scenario.traffic.network
        block, border = float(cfg.block_length_m), float(cfg.border_length_m)
        int_xy = border + net.int_rc[:n_int, ::-1].astype(float) * block  # (col, row) -> (x, y)
    else:  # an imported net: junctions where SUMO puts them (y turned to point south), border links by heading
        border = float(min(200.0, np.median(net.length_m[:n_links][kind != INTERNAL])))
        xy = net.int_xy_m[:n_int]
        int_xy = border + np.c_[xy[:, 0] - xy[:, 0].min(), xy[:, 1].max() - xy[:, 1]]
        inner = kind == INTERNAL
        run = int_xy[np.maximum(l_to, 0)] - int_xy[np.maximum(l_from, 0)]
        span = np.linalg.norm(run, axis=1)
        d = np.where((inner & (span > 0))[:, None], run / np.maximum(span, 1e-9)[:, None], d)
    normal = np.c_[-d[:, 1], d[:, 0]]  # to the right of the direction of travel (y points south)
    lanes = net.lanes[:n_links].astype(float)
    width = lanes * LANE_M
    half_box = float(lanes.max()) * LANE_M + 2 * MEDIAN_M
    start = np.where((kind == ENTRY)[:, None], int_xy[np.maximum(l_to, 0)] - d * border, int_xy[np.maximum(l_from, 0)])
    end = np.where((kind == EXIT)[:, None], int_xy[np.maximum(l_from, 0)] + d * border, int_xy[np.maximum(l_to, 0)])
    start = start + np.where((kind != ENTRY)[:, None], d * half_box, 0.0)
    end = end - np.where((kind != EXIT)[:, None], d * half_box, 0.0)
    offset = (MEDIAN_M + width / 2)[:, None] * normal  # the carriageway's middle line
    q_link = net.q_link[:n_q].astype(np.int64)
    q_turn = net.q_turn[:n_q].astype(float)
    lane_group_w = width[q_link] / 3
    # Left-turn lane groups next to the centre line, right turns at the kerb.
    q_offset = (MEDIAN_M + (q_turn + 0.5) * lane_group_w)[:, None] * normal[q_link]
    link_start, link_end = start + offset, end + offset
    entry_links = net.entries[: net.entries.size // k].astype(np.int64)
    if net.imported and net.link_shape_m is not None:
        return _shaped_layout(net, n_int, n_links, n_q, int_xy, xy, border, entry_links)
    return StreetLayout(
        int_ids=tuple(net.int_ids[:n_int]), int_xy=int_xy, int_half_m=half_box,
        link_ids=tuple(net.link_ids[:n_links]), link_start=link_start, link_end=link_end, link_dir=d,
        link_width_m=width, link_drawn_m=np.linalg.norm(end - start, axis=1), link_is_exit=kind == EXIT,
        queue_stop=end[q_link] + q_offset, queue_link=q_link, queue_width_m=lane_group_w,
        entry_links=entry_links)


def _shaped_layout(net: RoadNetwork, n_int: int, n_links: int, n_q: int, int_xy: np.ndarray, xy: np.ndarray, border: float,
                   entry_links: np.ndarray) -> StreetLayout:
    """An imported net with its lanes' shapes: each road along its middle car lane's shape (moved
    and flipped as the junctions are), its lanes their real width wide, lane groups across it (left
    turns on the left), stop lines where the shapes end."""
    origin = np.array([xy[:, 0].min(), xy[:, 1].max()])
    shapes = [np.c_[sh[:, 0] - origin[0], origin[1] - sh[:, 1]] + border for sh in net.link_shape_m[:n_links]]
    paths = RoadPaths.of(shapes)
    d = paths.end_direction()
    normal = np.c_[-d[:, 1], d[:, 0]]  # to the right of the direction of travel (y points south)
    width = net.lanes[:n_links].astype(float) * SUMO_LANE_M
    q_link = net.q_link[:n_q].astype(np.int64)
    group_w = width[q_link] / 3
    across = (net.q_turn[:n_q].astype(float) + 0.5) * group_w - width[q_link] / 2
    end = paths.points[np.arange(n_links), paths.count - 1]
    return StreetLayout(
        int_ids=tuple(net.int_ids[:n_int]), int_xy=int_xy, int_half_m=float(width.max()) / 2 + MEDIAN_M,
        link_ids=tuple(net.link_ids[:n_links]), link_start=paths.points[:, 0], link_end=end, link_dir=d,
        link_width_m=width, link_drawn_m=paths.length_m, link_is_exit=net.link_kind[:n_links] == EXIT,
        queue_stop=end[q_link] + across[:, None] * normal[q_link], queue_link=q_link, queue_width_m=group_w,
        entry_links=entry_links, paths=paths)


def _shift_streets(s: StreetLayout, dx: float) -> StreetLayout:
    """The same street layout moved ``dx`` metres east."""
    shift = np.array([dx, 0.0])
    return dataclasses.replace(s, int_xy=s.int_xy + shift, link_start=s.link_start + shift,
                               link_end=s.link_end + shift, queue_stop=s.queue_stop + shift,
                               paths=None if s.paths is None else s.paths.shifted(shift))
