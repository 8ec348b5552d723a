"""Jumping ahead (j / J, ``twin view --skip``) runs the world at full speed to exactly where running it
frame by frame would take it, and stops at the scenario's end."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"  # headless, before pygame opens any display

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from conftest import SCENARIOS, cli_args, small_scenario  # noqa: E402
from traffic_helpers import traffic_scenario  # noqa: E402
from twin.build import build_world  # noqa: E402
from twin.viewer import ViewerError  # noqa: E402
from twin.viewer import app as app_module  # noqa: E402
from twin.viewer.app import Viewer  # noqa: E402
from twin.viewer.command import add_view_parser, run_view_command  # noqa: E402
from twin.viewer.pg import pygame  # noqa: E402
from twin.viewer.sim import JUMP_CHUNK_S, Simulation  # noqa: E402

HOUR, DAY = 3600, 86400


@pytest.fixture(autouse=True)
def _close_display():
    yield
    pygame.display.quit()


def digest(world) -> str:
    """sha256 of everything a world continues from: clock, wake table, random streams and every array."""
    snap = world.snapshot()
    h = hashlib.sha256(json.dumps([snap.time_s, snap.next_wake_s, snap.rng_state], sort_keys=True,
                                  default=str).encode())
    for part in sorted(snap.arrays):
        for name in sorted(snap.arrays[part]):
            arr = np.ascontiguousarray(snap.arrays[part][name])
            h.update(f"{part}.{name}{arr.dtype}{arr.shape}".encode())
            h.update(arr.tobytes())
    return h.hexdigest()


def frame_by_frame(sim: Simulation, seconds: int, speed: float, fps: int = 60) -> None:
    """Advance ``sim`` as the window does at ``speed``: a frame's worth of simulated time at a time."""
    target = sim.world.now_s + seconds
    while sim.world.now_s < target and not sim.finished:
        sim.run_for(min(speed / fps, target - sim.world.now_s))


def history(sim: Simulation) -> tuple:
    return (list(sim.history.times_s), [a.tolist() for a in sim.history.feeder_kw], list(sim.history.halted))


@pytest.mark.parametrize("make,seconds,speed", [
    (lambda: build_world(small_scenario()), 3 * HOUR + 7, 500),
    (lambda: build_world(traffic_scenario(duration="1h")), 10 * 60 + 3, 50),
], ids=["homes", "streets"])
def test_a_jump_leaves_the_world_as_running_it_frame_by_frame(make, seconds, speed):
    jumped, watched = Simulation(make()), Simulation(make())
    assert digest(jumped.world) == digest(watched.world)
    assert jumped.jump(seconds) == seconds
    frame_by_frame(watched, seconds, speed)
    assert jumped.world.now_s == watched.world.now_s == seconds
    assert digest(jumped.world) == digest(watched.world), "the jump changed the simulation"
    assert history(jumped) == history(watched), "the sparklines should hold the same samples"


def test_a_jump_advances_exactly_and_keeps_the_carried_fraction():
    sim = Simulation(build_world(small_scenario()))
    sim.run_for(10.4)                    # 10 s, 0.4 s carried
    assert sim.jump(HOUR) == HOUR and sim.world.now_s == 10 + HOUR
    sim.run_for(0.6)                     # the carried 0.4 s and this make one more second
    assert sim.world.now_s == 11 + HOUR


def test_a_jump_stops_at_the_horizon():
    sim = Simulation(build_world(small_scenario(duration="1d")))
    sim.run_for(20 * HOUR)
    assert sim.jump(DAY) == 4 * HOUR
    assert sim.world.now_s == sim.horizon_s == DAY and sim.finished
    assert sim.jump(HOUR) == 0 and sim.world.now_s == DAY


def test_a_jump_reports_progress_and_stops_when_told():
    sim = Simulation(build_world(small_scenario()))
    seen = []
    assert sim.jump(HOUR, lambda done: seen.append(done)) == HOUR
    assert seen == list(range(JUMP_CHUNK_S, HOUR + 1, JUMP_CHUNK_S))
    assert sim.jump(HOUR, lambda done: done < 2 * JUMP_CHUNK_S) == 2 * JUMP_CHUNK_S


def test_under_a_policy_a_jump_stops_where_the_episode_ends():
    import gymnasium as gym

    import envs  # noqa: F401  (registers the ids)
    from agents.policy import RandomPolicy
    from twin.viewer.sim import PolicySimulation

    env = gym.make("twin/TrafficGrid-v0", duration="10min", overrides=("traffic.network.rows=2",
                                                                       "traffic.network.cols=2",
                                                                       "traffic.demand.od=[]"))
    sim = PolicySimulation(env, RandomPolicy(env.action_space), seed=0)
    assert sim.jump(62) == 60, "in whole 5 s decisions"
    first = sim.world
    assert sim.jump(HOUR) == 10 * 60 - 60 and sim.world is not first and sim.episode == 1


# -- the keys ------------------------------------------------------------------------------------
def key(k: int, char: str = "", mod: int = 0) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, unicode=char, mod=mod)


def test_j_jumps_an_hour_and_shift_j_a_day_up_to_the_end():
    viewer = Viewer(Simulation(build_world(small_scenario(duration="2d"))))
    viewer.handle(key(pygame.K_j, "j"))
    assert viewer.sim.world.now_s == HOUR and "jumped 1h" in viewer.status().message
    viewer.handle(key(pygame.K_j, "J", pygame.KMOD_SHIFT))
    assert viewer.sim.world.now_s == HOUR + DAY
    viewer.handle(key(pygame.K_j, "", pygame.KMOD_SHIFT))   # no text for the key: shift still means a day
    assert viewer.sim.world.now_s == 2 * DAY and viewer.sim.finished
    assert "end of scenario" in viewer.status().message
    viewer.handle(key(pygame.K_j, "j"))
    assert viewer.sim.world.now_s == 2 * DAY and "nothing left" in viewer.status().message
    viewer.draw()


def test_escape_stops_a_jump_where_it_has_got_to(monkeypatch):
    monkeypatch.setattr(app_module, "JUMP_MESSAGE_S", 0.0)   # look at the events after every chunk
    viewer = Viewer(Simulation(build_world(small_scenario(duration="2d"))))
    pygame.event.post(key(pygame.K_ESCAPE))
    viewer.handle(key(pygame.K_j, "J", pygame.KMOD_SHIFT))
    assert viewer.sim.world.now_s == JUMP_CHUNK_S, "the jump should stop after its first chunk"
    assert viewer.running, "esc during a jump stops the jump, not the viewer"


# -- twin view --skip ----------------------------------------------------------------------------
def view_args(*argv: str) -> argparse.Namespace:
    return cli_args(add_view_parser, "view", *argv)


HOMES_12 = (str(SCENARIOS / "neighborhood.yaml"), "--set", "homes.count=12")


def test_skip_starts_the_recording_later(tmp_path, capsys):
    shot = tmp_path / "shot.png"
    assert run_view_command(view_args(*HOMES_12, "--record", str(shot), "--skip", "17h", "--seconds", "10min")) == 0
    assert "the frame at t + 1030min, 2025-01-13 17:10:00" in capsys.readouterr().out  # 17 h + 10 min
    assert pygame.image.load(str(shot)).get_size() == (1280, 720)


def test_until_a_clock_time_counts_from_where_the_skip_left_the_world(tmp_path, capsys):
    shot = str(tmp_path / "shot.png")
    assert run_view_command(view_args(*HOMES_12, "--record", shot, "--skip", "19h", "--until", "18:00")) == 0
    assert "2025-01-14 18:00:00" in capsys.readouterr().out, "the next 18:00 after 19:00 is the next day's"
    with pytest.raises(ViewerError, match="already at 2025-01-13 19:00"):
        run_view_command(view_args(*HOMES_12, "--record", shot, "--skip", "19h", "--until", "18h"))


def test_a_skip_past_the_end_stops_there_and_says_so(tmp_path, capsys):
    shot = str(tmp_path / "shot.png")
    assert run_view_command(view_args(*HOMES_12, "--set", "duration=1d", "--record", shot, "--skip", "30d",
                                      "--seconds", "1h")) == 0
    out = capsys.readouterr()
    assert "skipped 1d (the scenario ends there)" in out.err
    assert "t + 1d" in out.out


def test_a_skip_that_is_not_a_duration_is_refused_before_anything_runs():
    with pytest.raises(ViewerError, match="--skip: got 'soon'"):
        run_view_command(view_args(*HOMES_12, "--record", "x.png", "--skip", "soon"))
