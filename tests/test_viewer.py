"""The viewer draws the world as it is, reacts to keys and clicks, renders the envs, and ``twin view`` runs headless.

All of it runs without a display: pygame's dummy video driver for windows, offscreen surfaces for frames.
"""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"  # headless, before pygame opens any display

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from gymnasium.utils.env_checker import check_env  # noqa: E402

import envs  # noqa: E402, F401
from conftest import SCENARIOS, cli_args, small_scenario  # noqa: E402
from envs import neighborhood_v0, traffic_grid_v0  # noqa: E402
from traffic_helpers import traffic_scenario  # noqa: E402
from twin.build import build_world  # noqa: E402
from twin.cli import main as twin  # noqa: E402
from twin.traffic.network import SIDES, THROUGH  # noqa: E402
from twin.traffic.signals import GREEN, YELLOW  # noqa: E402
from twin.viewer import ViewerError  # noqa: E402
from twin.viewer import colors as C  # noqa: E402
from twin.viewer.app import Viewer  # noqa: E402
from twin.viewer.command import add_view_parser, display_problem, parse_until, run_view_command  # noqa: E402
from twin.viewer.frames import FrameDrawer, View, frame_array  # noqa: E402
from twin.viewer.measures import inspector_lines  # noqa: E402
from twin.viewer.panel import Status  # noqa: E402
from twin.viewer.pg import pygame  # noqa: E402
from twin.viewer.sim import Simulation  # noqa: E402

SIZE = (1280, 720)
STATUS = Status(speed=10, paused=False, layer="temperature")
SMALL_TRAFFIC = {"duration": "10min", "overrides": ("traffic.network.rows=2", "traffic.network.cols=3",
                                                     "traffic.demand.od=[]")}
SMALL_HOMES = {"duration": "2h", "overrides": ("homes.count=6", "grid.transformer_rating_kva=8")}


@pytest.fixture(autouse=True)
def _close_display():
    yield
    pygame.display.quit()


def homes_world():
    return build_world(small_scenario())


def streets_world():
    return build_world(traffic_scenario(signals={"controller": "external"}))


def frame(world, view=View()) -> tuple[np.ndarray, FrameDrawer]:
    """One offscreen frame of ``world`` as (H, W, 3), and the drawer (its layout and camera)."""
    surface = pygame.Surface(SIZE)
    drawer = FrameDrawer()
    drawer.draw(surface, world, Simulation(world).history, STATUS, view)
    return frame_array(surface), drawer


def pixel(img: np.ndarray, camera, xy_m) -> tuple[int, int, int]:
    x, y = np.rint(camera.to_screen(np.asarray(xy_m, dtype=float))).astype(int)
    return tuple(int(c) for c in img[y, x])


# -- drawing -------------------------------------------------------------------------------------
def test_importing_the_viewer_and_envs_does_not_import_pygame():
    code = ("import sys, envs, twin.viewer, twin.viewer.command, twin.viewer.layout, twin.viewer.sim, "
            "twin.viewer.measures, twin.viewer.camera; assert 'pygame' not in sys.modules, 'pygame imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize("make", [homes_world, streets_world], ids=["homes", "streets"])
def test_a_frame_is_not_blank(make):
    world = make()
    Simulation(world).run_for(900)
    img, drawer = frame(world)
    assert img.shape == (720, 1280, 3) and img.dtype == np.uint8
    vx, vy, vw, vh = drawer.camera.viewport
    map_part = img[vy:vy + vh, vx:vx + vw]
    background = np.all(map_part == C.BACKGROUND, axis=2).mean()
    assert background < 0.95, "the map is (almost) only background"
    assert len(np.unique(map_part.reshape(-1, 3), axis=0)) > 8
    panel = img[:, vx + vw:]
    assert len(np.unique(panel.reshape(-1, 3), axis=0)) > 20, "the side panel shows no text"


def test_a_home_tile_changes_colour_with_its_temperature():
    world = homes_world()
    homes, p = world.state["homes"], world.energy.homes.params
    img, drawer = frame(world)
    centre = drawer.layout.centre_of
    before_3, before_4 = pixel(img, drawer.camera, centre("home-003")), pixel(img, drawer.camera, centre("home-004"))
    homes.temp_air_c[3] = p.comfort_low_c - 4.0
    cold = pixel(frame(world)[0], drawer.camera, centre("home-003"))
    homes.temp_air_c[3] = p.comfort_high_c + 3.0
    img_hot = frame(world)[0]
    hot = pixel(img_hot, drawer.camera, centre("home-003"))
    assert cold != before_3 and hot != cold
    assert cold[2] > cold[0] + 80, f"a cold home should be blue, got {cold}"
    assert hot[0] > hot[2] + 80, f"a hot home should be red, got {hot}"
    assert pixel(img_hot, drawer.camera, centre("home-004")) == before_4, "another home's tile changed"


def test_the_net_load_layer_colours_homes_by_their_net_load():
    world = homes_world()
    homes = world.state["homes"]
    homes.net_kw[5] = -4.0
    img, drawer = frame(world, View(layer="net_load"))
    exporting = pixel(img, drawer.camera, drawer.layout.centre_of("home-005"))
    homes.net_kw[5] = 6.0
    importing = pixel(frame(world, View(layer="net_load"))[0], drawer.camera, drawer.layout.centre_of("home-005"))
    assert exporting[1] > exporting[0] + 80, f"exporting should be green, got {exporting}"
    assert importing[0] > importing[1] + 80, f"importing should be red, got {importing}"


def test_signal_lights_follow_the_phase():
    world = streets_world()
    t = world.traffic
    net, sig, bits = t.net, t.signals, t.plan.q_bits
    north = int(np.flatnonzero((net.q_int == 0) & (net.q_side == SIDES.index("N")) & (net.q_turn == THROUGH))[0])
    east = int(np.flatnonzero((net.q_int == 0) & (net.q_side == SIDES.index("E")) & (net.q_turn == THROUGH))[0])
    assert bits[north] & 1 and not bits[east] & 1, "phase 0 should serve north-south, phase 1 east-west"
    _, drawer = frame(world)
    stop = drawer.layout.streets.queue_stop

    def lights(phase: int, interval: int) -> tuple:
        sig.phase[0], sig.interval[0] = phase, interval
        img = frame(world)[0]
        return pixel(img, drawer.camera, stop[north]), pixel(img, drawer.camera, stop[east])

    assert lights(0, GREEN) == (C.SIGNAL_GREEN, C.SIGNAL_RED)
    assert lights(1, GREEN) == (C.SIGNAL_RED, C.SIGNAL_GREEN)
    assert lights(1, YELLOW) == (C.SIGNAL_RED, C.SIGNAL_YELLOW)


@pytest.mark.parametrize("flags,depth", [(0, 32), (pygame.SRCALPHA, 32), (0, 16)], ids=["32", "32-alpha", "16"])
def test_colours_mapped_in_bulk_match_pygames_own_mapping(flags, depth):
    from twin.viewer.draw import mapped

    surface = pygame.Surface((4, 4), flags, depth)
    rgb = np.random.default_rng(0).integers(0, 256, (50, 3)).astype(np.uint8)
    assert mapped(surface, rgb) == [surface.map_rgb(tuple(c)) for c in rgb.tolist()]


def test_vehicles_are_drawn_on_their_lanes():
    world = streets_world()
    Simulation(world).run_for(600)
    img, drawer = frame(world)
    moving = np.all(img == C.VEHICLE_MOVING, axis=2).sum() + np.all(img == C.VEHICLE_HALTED, axis=2).sum()
    in_network = int(world.traffic.queues.occupancy.sum())
    assert in_network > 0 and moving >= in_network // 2, "vehicles on the streets should show as dots"


# -- the interactive viewer ------------------------------------------------------------------------
def key(k: int, char: str = "") -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, unicode=char, mod=0)


def click(viewer: Viewer, node_id: str) -> None:
    x, y = np.rint(viewer.camera.to_screen(np.array(viewer.layout.centre_of(node_id)))).astype(int).tolist()
    viewer.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1))
    viewer.handle(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(x, y), button=1))


def test_clicking_a_home_tile_selects_that_home_and_the_inspector_shows_it():
    viewer = Viewer(Simulation(homes_world()))
    click(viewer, "home-007")
    assert viewer.view.selected == "home-007"
    lines = inspector_lines(viewer.sim.world, "home-007")
    assert lines[:2] == ["home-007", "kind: home"]
    assert any("temp_air_c" in line for line in lines), "the zone's temperature should be in the inspector"
    assert any(line.strip().startswith("<- supplies feeder-") for line in lines), "neighbours should list the feeder"
    click(viewer, "transformer-2")
    assert viewer.view.selected == "transformer-2"
    viewer.click(*viewer.camera.to_screen(np.array(viewer.layout.bounds[:2])).tolist())
    assert viewer.view.selected is None, "clicking empty ground deselects"
    viewer.draw()


def test_clicking_an_intersection_selects_it():
    viewer = Viewer(Simulation(streets_world()))
    click(viewer, "int-1-0")
    assert viewer.view.selected == "int-1-0"
    assert any("signal: phase" in line for line in inspector_lines(viewer.sim.world, "int-1-0"))
    viewer.draw()


def test_dragging_pans_instead_of_selecting():
    viewer = Viewer(Simulation(homes_world()))
    centre = viewer.camera.centre
    viewer.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(300, 300), button=1))
    viewer.handle(pygame.event.Event(pygame.MOUSEMOTION, pos=(340, 300), rel=(40, 0), buttons=(1, 0, 0)))
    viewer.handle(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(340, 300), button=1))
    assert viewer.view.selected is None
    assert viewer.camera.centre[0] == pytest.approx(centre[0] - 40 / viewer.camera.scale)


def test_pause_stops_simulated_time_and_dot_steps_once():
    viewer = Viewer(Simulation(homes_world()), speed=500)
    viewer.handle(key(pygame.K_SPACE, " "))
    assert viewer.paused
    for _ in range(5):
        viewer.tick(0.1)
    assert viewer.sim.world.now_s == 0
    viewer.handle(key(pygame.K_SPACE, " "))
    viewer.tick(0.1)
    assert viewer.sim.world.now_s == 50  # 500x for 0.1 s of wall time
    viewer.handle(key(pygame.K_PERIOD, "."))
    assert viewer.paused and viewer.sim.world.now_s == 50 + viewer.sim.world.steps.homes_s


def test_speed_keys_stay_between_1x_and_1000x():
    viewer = Viewer(Simulation(streets_world()))
    assert viewer.speed == 5
    for _ in range(20):
        viewer.handle(key(pygame.K_PLUS, "+"))
    assert viewer.speed == 1000
    for _ in range(20):
        viewer.handle(key(pygame.K_MINUS, "-"))
    assert viewer.speed == 1
    with pytest.raises(ViewerError, match="between 1 and 1000"):
        Viewer(Simulation(streets_world()), speed=5000)


def test_tab_help_save_and_escape(tmp_path):
    viewer = Viewer(Simulation(homes_world()), png_dir=tmp_path)
    viewer.handle(key(pygame.K_TAB))
    assert viewer.view.layer == "net_load"
    viewer.handle(key(pygame.K_h, "h"))
    assert viewer.view.show_help
    viewer.handle(key(pygame.K_s, "s"))
    saved = list(tmp_path.glob("*.png"))
    assert len(saved) == 1 and pygame.image.load(str(saved[0])).get_size() == SIZE
    viewer.handle(key(pygame.K_ESCAPE))
    assert not viewer.view.show_help and viewer.running, "esc first closes the overlays"
    viewer.handle(key(pygame.K_ESCAPE))
    assert not viewer.running


def test_the_window_resizes_and_the_map_zooms_about_the_cursor():
    viewer = Viewer(Simulation(homes_world()))
    pygame.display.set_mode((900, 600), pygame.RESIZABLE)
    viewer.handle(pygame.event.Event(pygame.VIDEORESIZE, size=(900, 600), w=900, h=600))
    viewer.draw()
    assert viewer.camera.viewport[2:] == (900 - 300, 600)
    camera = viewer.camera
    before = camera.to_map(200, 150)
    camera.zoom_at(200, 150, 2.0)
    assert camera.to_map(200, 150) == pytest.approx(before)
    click(viewer, "home-002")
    assert viewer.view.selected == "home-002", "clicks still hit after resize and zoom"


def test_a_full_run_loop_draws_frames_headless():
    import time

    viewer = Viewer(Simulation(streets_world()), speed=100)
    shown: list[tuple[int, np.ndarray]] = []

    def grab(k: int) -> None:  # what is on the screen once frame k is flipped
        shown.append((viewer.sim.world.now_s, pygame.surfarray.array3d(pygame.display.get_surface())))

    began = time.monotonic()
    viewer.run(max_frames=5, on_frame=grab)
    wall_s = time.monotonic() - began
    assert len(shown) == 5
    times = [t for t, _ in shown]
    # The clock runs forward at the speed asked (100 simulated s per wall s), never ahead of it.
    assert times == sorted(times) and 0 < times[-1] <= 100 * wall_s + 1
    first, last = shown[0][1], shown[-1][1]
    assert first.std() > 5, "the frame should show the map and panel, not a blank window"
    assert not np.array_equal(first, last), "the clock (at least) should change between frames"


# -- environments ----------------------------------------------------------------------------------
ENVS = [("twin/SmartHome-v0", {"duration": "2h"}), ("twin/Neighborhood-v0", SMALL_HOMES),
        ("twin/TrafficGrid-v0", SMALL_TRAFFIC)]


@pytest.mark.parametrize("env_id,kwargs", ENVS, ids=lambda x: x if isinstance(x, str) else "")
def test_env_rgb_array_frames_have_the_documented_shape_and_follow_the_world(env_id, kwargs):
    env = gym.make(env_id, render_mode="rgb_array", **kwargs)
    env.reset(seed=1)
    first = env.render()
    assert first.shape == (720, 1280, 3) and first.dtype == np.uint8
    env.step(env.action_space.sample())
    assert not np.array_equal(env.render(), first), "a step later the frame should differ (at least the clock)"
    env.close()


@pytest.mark.parametrize("env_id,kwargs", ENVS, ids=lambda x: x if isinstance(x, str) else "")
def test_gymnasium_check_env_passes_with_its_render_checks(env_id, kwargs):
    env = gym.make(env_id, render_mode="rgb_array", **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)  # also makes the env in every declared mode ("human" on the dummy display)
    env.close()


def test_render_collection_records_one_frame_per_step():
    env = gym.wrappers.RenderCollection(gym.make("twin/TrafficGrid-v0", render_mode="rgb_array", **SMALL_TRAFFIC))
    env.reset(seed=0)
    for _ in range(3):
        env.step(env.action_space.sample())
    frames = env.render()
    assert len(frames) == 4 and all(f.shape == (720, 1280, 3) for f in frames)


def test_record_video_writes_a_video(tmp_path):
    env = gym.wrappers.RecordVideo(gym.make("twin/TrafficGrid-v0", render_mode="rgb_array", **SMALL_TRAFFIC),
                                   str(tmp_path), episode_trigger=lambda e: True)
    env.reset(seed=0)
    for _ in range(5):
        env.step(env.action_space.sample())
    env.close()
    assert list(tmp_path.glob("*.mp4"))


def test_render_needs_a_mode_and_a_reset():
    env = gym.make("twin/TrafficGrid-v0", render_mode="rgb_array", **SMALL_TRAFFIC)
    with pytest.raises(RuntimeError, match="reset"):
        env.unwrapped.render()
    with pytest.raises(envs.EnvConfigError, match="render_mode"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gymnasium warns about the unknown mode before the env refuses it
        gym.make("twin/TrafficGrid-v0", render_mode="ansi", **SMALL_TRAFFIC)


def test_human_mode_shows_frames_in_a_window():
    env = gym.make("twin/TrafficGrid-v0", render_mode="human", **SMALL_TRAFFIC)
    env.reset(seed=0)
    env.step(env.action_space.sample())
    assert pygame.display.get_surface() is not None and pygame.display.get_surface().get_size() == SIZE
    env.close()
    assert not pygame.display.get_init()


@pytest.mark.parametrize("make", [lambda: neighborhood_v0.parallel_env(render_mode="rgb_array", **SMALL_HOMES),
                                  lambda: traffic_grid_v0.parallel_env(render_mode="rgb_array", **SMALL_TRAFFIC)],
                         ids=["neighborhood", "traffic"])
def test_pettingzoo_envs_render_rgb_arrays(make):
    env = make()
    env.reset(seed=0)
    assert env.render().shape == (720, 1280, 3)


def test_a_policy_drives_the_world_through_its_env_one_decision_at_a_time():
    from agents.policy import RandomPolicy
    from twin.viewer.sim import PolicySimulation

    env = gym.make("twin/TrafficGrid-v0", **SMALL_TRAFFIC)
    sim = PolicySimulation(env, RandomPolicy(env.action_space), seed=3)
    sim.run_for(12)
    assert sim.world.now_s == 10, "5 s decisions: 12 s of time is two steps, 2 s carried"
    sim.run_for(3)
    assert sim.world.now_s == 15
    first_world = sim.world
    sim.run_for(600)  # past the 10-minute episode: a new one starts
    assert sim.episode == 1 and sim.world is not first_world and sim.last_return is not None
    viewer = Viewer(sim)
    viewer.draw()
    assert viewer.layout.streets is not None


# -- twin view ------------------------------------------------------------------------------------
def view_args(*argv: str) -> argparse.Namespace:
    return cli_args(add_view_parser, "view", *argv)


STREETS_2X2 = ("--set", "traffic.network.rows=2", "--set", "traffic.network.cols=2", "--set", "traffic.demand.od=[]")


def test_without_a_display_twin_view_says_how_to_run_it(monkeypatch, capsys):
    assert display_problem({}, "linux") is not None
    assert display_problem({"DISPLAY": ":0"}, "linux") is None
    assert display_problem({}, "darwin") is None
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    assert twin(["view", str(SCENARIOS / "traffic_grid.yaml")]) == 2
    err = capsys.readouterr().err
    assert "xvfb-run" in err and "--frames" in err and "--record" in err


def test_twin_view_writes_png_frames_headless(tmp_path, capsys):
    args = view_args(str(SCENARIOS / "traffic_grid.yaml"), *STREETS_2X2, "--frames", str(tmp_path / "frames"),
                     "--seconds", "20", "--speed", "10", "--fps", "2", "--size", "640x360")
    assert run_view_command(args) == 0, capsys.readouterr().err
    frames = sorted((tmp_path / "frames").glob("frame_*.png"))
    assert [f.name for f in frames] == [f"frame_{k:05d}.png" for k in range(5)]  # t = 0, 5, 10, 15, 20 s
    assert pygame.image.load(str(frames[-1])).get_size() == (640, 360)
    assert "wrote 5 frame(s)" in capsys.readouterr().out


def test_twin_view_saves_one_picture_with_the_inspector_open(tmp_path):
    shot = tmp_path / "shot.png"
    args = view_args(str(SCENARIOS / "neighborhood.yaml"), "--set", "homes.count=12", "--record", str(shot),
                     "--until", "06:00", "--select", "home-003")
    assert run_view_command(args) == 0
    assert pygame.image.load(str(shot)).get_size() == SIZE


@pytest.mark.parametrize("argv,message", [
    (("--record", "out.gif"), "FILE.png"),
    (("--seconds", "10"), "bound a recording"),
    (("--frames", "x", "--seconds", "10", "--until", "1h"), "not both"),
    (("--frames", "x", "--speed", "0.5"), "between 1 and 1000"),
    (("--frames", "x", "--until", "soon"), "--until"),
    (("--frames", "x", "--select", "home-999"), "--select"),
    (("--policy", "no/such/run"), "not a folder"),
])
def test_twin_view_refuses_bad_options_with_a_clear_message(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISPLAY", ":0")  # pretend a display exists: the option is what must fail
    assert twin(["view", str(SCENARIOS / "traffic_grid.yaml"), *STREETS_2X2, *argv]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_twin_view_says_when_a_policy_cannot_load(tmp_path, monkeypatch, capsys):
    # A policy that loads and plays: tests/test_train_cli.py trains one and views it.
    import agents.watch

    def load_policy(run_dir):
        raise FileNotFoundError(f"{run_dir}/run.json not found")

    monkeypatch.setattr(agents.watch, "load_policy", load_policy)
    argv = [str(SCENARIOS / "traffic_grid.yaml"), "--policy", str(tmp_path), "--record", str(tmp_path / "x.png")]
    assert twin(["view", *argv]) == 2
    assert "cannot load a policy" in capsys.readouterr().err
    with pytest.raises(ViewerError, match="twin view"):  # the viewer alone cannot load agents: it says where to go
        run_view_command(view_args(*argv))


def test_record_writes_an_mp4(tmp_path):
    import imageio.v3 as iio

    out = tmp_path / "out.mp4"
    args = view_args(str(SCENARIOS / "traffic_grid.yaml"), *STREETS_2X2, "--record", str(out), "--seconds", "20")
    assert run_view_command(args) == 0
    frames = iio.imread(out)
    assert frames.ndim == 4 and frames.shape[0] > 1 and frames.shape[-1] == 3
    assert frames.std() > 0  # not a blank video


def test_the_panel_shows_overload_in_minutes_as_the_kpi_counts_it():
    from twin.kpis import compute_kpis
    from twin.telemetry.recorder import Recorder
    from twin.viewer.measures import live_kpis

    scenario = small_scenario(duration="1d", grid={"transformer_rating_kva": 15})  # overloaded at times
    world = build_world(scenario)
    recorder = Recorder(world.bus, scenario.start)
    world.run(scenario.duration)
    kpi = compute_kpis(recorder.telemetry())["transformer_overload_min"]
    shown = dict(live_kpis(world))["transformer overload"]
    assert kpi > 0 and shown == f"{kpi:,.1f} min"
