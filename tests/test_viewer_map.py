"""Hovering names the node under the mouse; vehicles stay visible zoomed out. Offscreen, no display needed."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"  # headless, before pygame opens any display

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from conftest import SCENARIOS, small_scenario  # noqa: E402
from traffic_helpers import traffic_scenario  # noqa: E402
from twin.build import build_world  # noqa: E402
from twin.scenario import load_scenario  # noqa: E402
from twin.viewer import colors as C  # noqa: E402
from twin.viewer.app import Viewer  # noqa: E402
from twin.viewer.camera import MAX_ZOOM_OUT, Camera  # noqa: E402
from twin.viewer.draw import VEHICLE_MIN_RADIUS_PX, vehicle_points, vehicle_radius_px  # noqa: E402
from twin.viewer.frames import FrameDrawer, View, frame_array, split  # noqa: E402
from twin.viewer.hover import node_at, tooltip_text  # noqa: E402
from twin.viewer.layout import compute_layout  # noqa: E402
from twin.viewer.panel import Status  # noqa: E402
from twin.viewer.pg import pygame  # noqa: E402
from twin.viewer.sim import Simulation  # noqa: E402

SIZE = (1280, 720)
STATUS = Status(speed=5, paused=False, layer="temperature")


@pytest.fixture(autouse=True)
def _close_display():
    yield
    pygame.display.quit()


def fitted(world):
    layout = compute_layout(world)
    return layout, Camera.fit(layout.bounds, split(SIZE)[0])


def pixel_of(camera, layout, node_id) -> tuple[int, int]:
    x, y = np.rint(camera.to_screen(np.array(layout.centre_of(node_id)))).astype(int).tolist()
    return x, y


# -- tooltips: the pure part ---------------------------------------------------------------------
def test_the_tooltip_names_the_home_transformer_or_feeder_under_the_cursor():
    layout, camera = fitted(build_world(small_scenario()))
    assert tooltip_text(layout, camera, *pixel_of(camera, layout, "home-007")) == "home-007 (home)"
    assert tooltip_text(layout, camera, *pixel_of(camera, layout, "transformer-2")) == "transformer-2 (transformer)"
    feeder = layout.energy
    top, bottom = feeder.feeder_start[0], feeder.feeder_end[0]
    below_the_transformer = camera.to_screen(top + 0.05 * (bottom - top))   # on the line, above the first homes
    assert tooltip_text(layout, camera, *below_the_transformer) == "feeder-1 (feeder)"


def test_the_tooltip_names_intersections_and_roads():
    layout, camera = fitted(build_world(traffic_scenario()))
    assert tooltip_text(layout, camera, *pixel_of(camera, layout, "int-1-0")) == "int-1-0 (intersection)"
    road = next(r for r in layout.streets.link_ids if r.startswith("road/"))
    assert tooltip_text(layout, camera, *pixel_of(camera, layout, road)) == f"{road} (road)"


def test_no_tooltip_on_empty_ground_or_over_the_panel():
    layout, camera = fitted(build_world(small_scenario()))
    corner = camera.to_screen(np.array(layout.bounds[:2]))
    assert tooltip_text(layout, camera, *corner) is None
    vx, vy, vw, vh = camera.viewport
    assert node_at(layout, camera, vx + vw + 10, vy + vh // 2) is None, "the panel is not the map"


def test_hover_and_click_pick_the_same_node():
    viewer = Viewer(Simulation(build_world(small_scenario())))
    for node in ("home-011", "transformer-1"):
        x, y = pixel_of(viewer.camera, viewer.layout, node)
        viewer.click(x, y)
        assert viewer.view.selected == node == node_at(viewer.layout, viewer.camera, x, y)


# -- tooltips: drawn ---------------------------------------------------------------------------
def motion(pos, buttons=(0, 0, 0), rel=(0, 0)):
    return pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=rel, buttons=buttons)


def shown(viewer) -> np.ndarray:
    viewer.draw()
    return frame_array(viewer.surface).astype(int)


def test_hovering_draws_a_tooltip_beside_the_cursor_and_leaving_removes_it():
    viewer = Viewer(Simulation(build_world(small_scenario())))
    plain = shown(viewer)
    x, y = pixel_of(viewer.camera, viewer.layout, "home-007")
    viewer.handle(motion((x, y)))
    assert viewer.tooltip() == ((x, y), "home-007 (home)")
    changed = np.argwhere(np.any(shown(viewer) != plain, axis=2))   # (row, col) of changed pixels
    assert len(changed) > 200, "a box with text should appear"
    assert changed[:, 1].min() > x and changed[:, 0].min() > y, "the box sits below and right of the cursor"
    viewer.handle(pygame.event.Event(pygame.WINDOWLEAVE))
    assert viewer.tooltip() is None and np.array_equal(shown(viewer), plain)


def test_no_tooltip_while_dragging_the_map():
    viewer = Viewer(Simulation(build_world(small_scenario())))
    x, y = pixel_of(viewer.camera, viewer.layout, "home-007")
    viewer.handle(motion((x, y)))
    viewer.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1))
    viewer.handle(motion((x + 30, y), buttons=(1, 0, 0), rel=(30, 0)))
    assert viewer.tooltip() is None
    viewer.handle(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(x + 30, y), button=1))
    assert viewer.tooltip() == ((x + 30, y), "home-007 (home)"), "the map moved with the cursor; released, it shows"


def test_a_tooltip_near_the_edge_stays_inside_the_map():
    world = build_world(small_scenario())
    surface, drawer = pygame.Surface(SIZE), FrameDrawer()
    layout, camera = drawer.prepare(SIZE, world)
    vx, vy, vw, vh = camera.viewport
    corner = (vx + vw - 3, vy + vh - 3)
    drawer.draw(surface, world, Simulation(world).history, STATUS, View())
    plain = frame_array(surface).astype(int)
    drawer.draw(surface, world, Simulation(world).history, STATUS, View(tooltip=(corner, "home-019 (home)")))
    changed = np.argwhere(np.any(frame_array(surface).astype(int) != plain, axis=2))
    assert len(changed) > 200
    assert changed[:, 1].max() < vx + vw and changed[:, 0].max() < vy + vh, "drawn over the panel or off screen"


# -- vehicles zoomed out ---------------------------------------------------------------------------
def test_vehicle_dots_never_shrink_below_three_pixels():
    assert VEHICLE_MIN_RADIUS_PX >= 1
    for scale in (1e-4, 0.01, 0.06, 0.24, 0.5):
        assert vehicle_radius_px(scale) >= VEHICLE_MIN_RADIUS_PX
    assert vehicle_radius_px(100.0) == vehicle_radius_px(1000.0), "close up the dots stop growing"


@pytest.fixture(scope="module")
def grid_10x10():
    world = build_world(load_scenario(SCENARIOS / "traffic_grid.yaml", ["traffic.network.rows=10",
                                                                        "traffic.network.cols=10",
                                                                        "traffic.demand.od=[]"]))
    Simulation(world).run_for(1200)
    return world


@pytest.mark.parametrize("zoom", [1.0, MAX_ZOOM_OUT], ids=["fitted", "zoomed-out"])
def test_moving_vehicles_stay_visible_on_a_10x10_grid(grid_10x10, zoom):
    world = grid_10x10
    surface, drawer = pygame.Surface(SIZE), FrameDrawer()
    layout, camera = drawer.prepare(SIZE, world)
    camera.zoom_at(camera.viewport[2] / 2, camera.viewport[3] / 2, zoom)
    drawer.draw(surface, world, Simulation(world).history, STATUS, View())
    img = frame_array(surface)
    assert camera.scale < 0.3, "the test is about a map too small for vehicles at their true size"
    xy, stopped = vehicle_points(world, layout.streets)
    moving = np.rint(camera.to_screen(xy[~stopped])).astype(int)
    assert len(moving) > 200
    white = np.all(img == C.VEHICLE_MOVING, axis=2)
    r = VEHICLE_MIN_RADIUS_PX
    seen = [white[y - r:y + r + 1, x - r:x + r + 1].any() for x, y in moving]
    # A few stand under a light or a halted car's dot; a vanishing dot would leave none.
    assert np.mean(seen) > 0.8, f"only {np.mean(seen):.0%} of the moving vehicles can be seen"
    # A moving vehicle with nothing else within a few pixels shows as a whole 3x3 dot.
    others = np.rint(camera.to_screen(xy)).astype(int)
    lights = np.rint(camera.to_screen(layout.streets.queue_stop)).astype(int)
    whole = 0
    for x, y in moving:
        near = (np.abs(others - (x, y)).max(axis=1) <= 2 * r + 1).sum() > 1
        near |= (np.abs(lights - (x, y)).max(axis=1) <= 2 * r + 3).any()
        if not near:
            assert white[y - r:y + r + 1, x - r:x + r + 1].all(), f"the dot at {(x, y)} is not whole"
            whole += 1
    assert whole >= 10


def test_an_imported_net_is_drawn_where_sumo_puts_its_junctions(tmp_path):
    from sumo_nets import corridor_net
    from test_sumo_net import sumo_scenario

    layout, camera = fitted(build_world(sumo_scenario(corridor_net(tmp_path / "c.net.xml"))))
    (ax, ay), (bx, by) = pixel_of(camera, layout, "A"), pixel_of(camera, layout, "B")
    assert bx > ax and by == ay  # B is 300 m east of A
    assert tooltip_text(layout, camera, ax, ay) == "A (intersection)"
    road = tooltip_text(layout, camera, (ax + bx) // 2, ay + 4)
    assert road in ("A_B (road)", "B_A (road)")
    assert np.isfinite(layout.bounds).all()


def bent_corridor(path):
    """corridor_net with the road A_B (A at x 0, B at x 300) bent through (150, 60) in its lanes' shapes."""
    import re

    from sumo_nets import corridor_net

    corridor_net(path)
    text = path.read_text()
    text = re.sub(r'(<lane id="A_B_\d" [^>]*shape=")[^"]*"', r'\g<1>0.00,0.00 150.00,60.00 300.00,0.00"', text)
    path.write_text(text)
    return path


def test_an_imported_road_is_drawn_picked_and_driven_along_its_lane_shape(tmp_path):
    from test_sumo_net import sumo_scenario

    world = build_world(sumo_scenario(bent_corridor(tmp_path / "bent.net.xml")))
    layout, camera = fitted(world)
    s = layout.streets
    k = s.link_ids.index("A_B")
    bend = s.paths.polyline(k)
    assert len(bend) == 3
    # The map flips y (south is down): the bend is 60 m above the chord.
    np.testing.assert_allclose(bend[1] - (bend[0] + bend[2]) / 2, [0.0, -60.0])
    length = 2 * np.hypot(150.0, 60.0)
    assert s.link_drawn_m[k] == pytest.approx(length)
    links = np.full(3, k)
    along = s.back_from_end(links, np.array([0.0, length / 2, length]))
    np.testing.assert_allclose(along, [bend[2], bend[1], bend[0]], atol=1e-9)
    quarter = s.back_from_end(np.array([k]), np.array([length / 4]))[0]
    np.testing.assert_allclose(quarter, (bend[1] + bend[2]) / 2, atol=1e-9)
    # Picked at the bend, not at the chord's middle 60 m below it.
    on_bend = np.rint(camera.to_screen(bend[1])).astype(int).tolist()
    assert tooltip_text(layout, camera, *on_bend) == "A_B (road)"
    chord = np.rint(camera.to_screen((bend[0] + bend[2]) / 2)).astype(int).tolist()
    assert tooltip_text(layout, camera, *chord) != "A_B (road)"
    # And drawn there.
    drawer = FrameDrawer()
    surface = pygame.Surface(SIZE)
    drawer.draw(surface, world, Simulation(world).history, STATUS)
    x, y = on_bend
    assert tuple(frame_array(surface)[y, x]) == C.ROAD
