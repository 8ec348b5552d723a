"""``twin view``: watch a scenario live, or record it without a window.

Wired into ``twin/cli.py`` with :func:`add_view_parser` and :func:`run_view_command`. This module
imports no pygame at import time and never gymnasium, envs or agents: for ``--policy`` the CLI
passes in ``agents.watch.policy_simulation``. Once the options are checked, the command imports
what it needs at once (the world, and pygame with the drawing modules), so its start-up splits
cleanly into imports, building the world and the first frame (:mod:`twin.viewer.startup`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from collections.abc import Callable
from typing import Any

from twin.units import format_duration, parse_duration_s
from twin.viewer import FRAME_SIZE, LAYERS, ViewerError

# (run folder, scenario file, scenario overrides, seed) -> a twin.viewer.sim.PolicySimulation
PolicySimulationFactory = Callable[[Path, Path, list[str], int], Any]

EXAMPLES = """\
examples:
  twin view scenarios/neighborhood.yaml
  twin view scenarios/traffic_grid.yaml --policy runs/a2c-grid
  twin view scenarios/traffic_grid.yaml --frames frames/ --seconds 10min
  twin view scenarios/neighborhood.yaml --record shot.png --until 18:00 --select home-017
  twin view scenarios/traffic_grid.yaml --record grid.mp4 --seconds 30min   (needs imageio-ffmpeg)
  twin view scenarios/neighborhood.yaml --skip 2d          (start two simulated days in)

keys: space pause, +/- speed, . step, j/J jump ahead an hour/a day, tab layer, s save PNG,
h help, esc quit; click a node to inspect it, hover over it for its id, drag to pan, wheel to
zoom, 0 to fit. The window redraws at up to 60 frames per second.
"""
UNIX_DESKTOPS = ("linux", "freebsd", "openbsd", "netbsd")
MIN_SIZE = (480, 320)
DEFAULT_VIDEO_S = 10      # seconds of video recorded when neither --seconds nor --until is given


def add_view_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``view`` sub-command to ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    p = subparsers.add_parser(
        "view", help="watch a scenario live in a window, or record it as PNG frames or a video",
        description="Open a window on a live world: homes, feeders and transformers, streets, signals and "
                    "vehicles, with clock, KPIs and sparklines. --frames/--record draw without a window.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", type=Path, help="YAML scenario file")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE",
                   help="override a scenario field (dotted path, YAML value), e.g. homes.count=50; repeatable")
    p.add_argument("--seed", type=int, help="the scenario's seed (with --policy: the env's reset seed)")
    p.add_argument("--policy", type=Path, metavar="RUN_DIR",
                   help="drive the world with the policy trained in RUN_DIR (through its environment)")
    p.add_argument("--speed", type=float, metavar="X",
                   help="simulated seconds per wall second, 1 to 1000 (default 5 with streets, 500 for homes alone)")
    p.add_argument("--layer", choices=LAYERS, default=LAYERS[0], help="what colours the home tiles")
    p.add_argument("--select", metavar="NODE_ID", help="open the inspector on this node, e.g. home-017 or int-1-2")
    p.add_argument("--size", type=_size, default=FRAME_SIZE, metavar="WxH", help="window or frame size (1280x720)")
    p.add_argument("--frames", type=Path, metavar="DIR", help="no window: write PNG frames into DIR")
    p.add_argument("--record", type=Path, metavar="FILE",
                   help="no window: FILE.png saves the last frame, FILE.mp4 a video (needs imageio-ffmpeg)")
    p.add_argument("--fps", type=int, default=30, help="frames per second of video for --frames/--record (30)")
    p.add_argument("--seconds", metavar="DURATION",
                   help=f"simulated time to record, e.g. 600, 10min, 6h (default: {DEFAULT_VIDEO_S} s of video)")
    p.add_argument("--until", metavar="TIME",
                   help="record until this simulated time: a duration since the start (18h) or a clock time "
                        "(17:30: the next one from where --skip left the world; '2025-01-14 17:30')")
    p.add_argument("--skip", metavar="DURATION",
                   help="first run this much simulated time at full speed, drawing nothing (e.g. 6h, 2d; stops at "
                        "the scenario's end); the window or the recording starts there")
    return p


def _size(value: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in value.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"got {value!r}; give WIDTHxHEIGHT in pixels, e.g. 1280x720") from None
    if w < MIN_SIZE[0] or h < MIN_SIZE[1]:
        raise argparse.ArgumentTypeError(f"got {value!r}; at least {MIN_SIZE[0]}x{MIN_SIZE[1]} pixels")
    return w, h


def run_view_command(args: argparse.Namespace, policy_simulation: PolicySimulationFactory | None = None) -> int:
    """Run ``twin view``; returns the exit code. Anything the user can fix raises a TwinError (the
    CLI prints it and exits 2).

    ``policy_simulation(run_dir, scenario, overrides, seed)`` builds the simulation a ``--policy``
    drives (``agents.watch.policy_simulation``; the viewer itself never imports the agents).
    """
    return _run(args, policy_simulation)


def display_problem(environ: Any = None, platform: str | None = None) -> str | None:
    """Why no window can open here (None when one probably can)."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    driver = environ.get("SDL_VIDEODRIVER", "").lower()
    if driver in ("dummy", "offscreen"):
        return f"SDL_VIDEODRIVER={driver} draws to no screen"
    if platform.startswith(UNIX_DESKTOPS) and not driver and not environ.get("DISPLAY") \
            and not environ.get("WAYLAND_DISPLAY"):
        return "there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)"
    return None


def no_display_help(scenario: Path, problem: str) -> str:
    """How to run the viewer when no window can open."""
    return (f"twin view opens a window, but {problem}. Either:\n"
            f"  - run it on a desktop (or over ssh -X), or under a virtual display:\n"
            f"      xvfb-run -s '-screen 0 1280x720x24' twin view {scenario}\n"
            f"  - or draw without a window:\n"
            f"      twin view {scenario} --frames frames/ --seconds 10min   (PNG frames)\n"
            f"      twin view {scenario} --record shot.png --until 6h       (one picture)\n"
            f"      twin view {scenario} --record out.mp4 --seconds 1h      (video; needs imageio-ffmpeg)")


def parse_seconds(value: str) -> int:
    """A duration with units ('10min') or plain seconds ('600') as whole seconds; ValueError otherwise."""
    return parse_duration_s(int(value) if value.strip().isdigit() else value)


def parse_until(value: str, start: dt.datetime, after: dt.datetime | None = None) -> int:
    """``--until`` as seconds since ``start``: a duration since the start ('18h'), a clock time ('17:30',
    the first one at or after ``after``, by default the start) or a date and time ('2025-01-14 17:30')."""
    try:
        return parse_seconds(value)
    except ValueError:
        pass
    when = None
    after = start if after is None else after
    try:
        clock = dt.datetime.strptime(value.strip(), "%H:%M").time()
        when = dt.datetime.combine(after.date(), clock)
        if when < after:
            when += dt.timedelta(days=1)
    except ValueError:
        try:
            when = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    if when is None or when <= start:
        raise ViewerError(f"--until: got {value!r}; give a duration since the start ('18h', '90min') or a "
                          f"simulated time after the start {start:%Y-%m-%d %H:%M} ('17:30', '2025-01-14 17:30')")
    return int((when.replace(tzinfo=None) - start).total_seconds())


def parse_skip(value: str | None) -> int:
    """``--skip`` as whole seconds (0 without it); ViewerError for anything but a duration."""
    if value is None:
        return 0
    try:
        return parse_seconds(value)
    except ValueError as exc:
        raise ViewerError(f"--skip: got {value!r}; {exc}") from None


def skip_ahead(sim, seconds: int, *, progress: bool) -> int:
    """Advance ``sim`` by ``seconds`` at full speed before anything is shown (:meth:`Simulation.jump`),
    with a progress bar on stderr if ``progress`` and it takes more than a second; returns the seconds
    skipped (fewer when the scenario, or a policy's episode, ends first)."""
    from tqdm import tqdm

    with tqdm(total=seconds / 3600, desc="skipping", delay=1.0, disable=not progress, leave=False,
              bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} simulated h [{elapsed}<{remaining}]") \
            as bar:
        def advanced(done_s: int) -> None:
            bar.update(done_s / 3600 - bar.n)

        return sim.jump(seconds, advanced)


def _run(args: argparse.Namespace, policy_simulation: PolicySimulationFactory | None) -> int:
    from twin.viewer.startup import StartupTimings

    timings = StartupTimings.from_environment()
    headless = args.frames is not None or args.record is not None
    if not headless and (args.seconds is not None or args.until is not None):
        raise ViewerError("--seconds and --until bound a recording; add --frames DIR or --record FILE")
    if args.seconds is not None and args.until is not None:
        raise ViewerError("give --seconds or --until, not both")
    if args.fps < 1:
        raise ViewerError(f"--fps: got {args.fps}; must be a whole number of frames per second above 0")
    skip_s = parse_skip(args.skip)
    if args.policy is not None:
        check_run_dir(args.policy)
    if not headless:
        problem = display_problem()
        if problem is not None:
            raise ViewerError(no_display_help(args.scenario, problem))
    # Everything else this command needs, imported before anything runs: the world and, through
    # the drawing modules, pygame.
    from twin.scenario import load_scenario
    from twin.viewer.record import check_output
    from twin.viewer.sim import Simulation, check_speed

    if not headless:
        from twin.viewer.app import Viewer  # noqa: F401  (what _window needs)
    if args.policy is None:
        from twin.build import build_world
    if timings is not None:
        timings.mark("imported")
    if args.speed is not None:
        check_speed(args.speed)
    check_output(args.record)
    overrides = list(args.overrides)
    if args.seed is not None and args.policy is None:
        overrides.append(f"seed={args.seed}")
    scenario = load_scenario(args.scenario, overrides)
    if args.policy is not None:
        if policy_simulation is None:
            raise ViewerError("--policy plays a trained agent, which the twin command line sets up: "
                              f"twin view {args.scenario} --policy {args.policy}")
        sim = policy_simulation(args.policy, args.scenario, args.overrides, args.seed or 0)
    else:
        sim = Simulation(build_world(scenario))
    if timings is not None:
        timings.mark("built")
    if skip_s:
        skipped = skip_ahead(sim, skip_s, progress=sys.stderr.isatty())
        if skipped < skip_s:
            why = ("the scenario ends there" if sim.finished else "the episode ended there"
                   if skipped < skip_s // sim.quantum_s * sim.quantum_s else "in whole decision intervals")
            print(f"--skip {args.skip}: skipped {format_duration(skipped)} ({why})", file=sys.stderr)
        if timings is not None:
            timings.mark("skipped")
    if headless:
        return _record(args, sim, timings)
    return _window(args, sim, timings)


def _window(args: argparse.Namespace, sim, timings=None) -> int:
    from twin.viewer.app import Viewer
    from twin.viewer.pg import pygame

    try:
        viewer = Viewer(sim, size=args.size, speed=args.speed, layer=args.layer, selected=args.select)
    except pygame.error as exc:
        raise ViewerError(no_display_help(args.scenario, f"no window could open ({exc})")) from None
    if timings is None:
        viewer.run()
    else:  # a start-up measurement: the first frame is all it waits for
        viewer.run(max_frames=1, on_frame=timings.frame)
    return 0


def _record(args: argparse.Namespace, sim, timings=None) -> int:
    from twin.viewer.record import Recording, record
    from twin.viewer.sim import default_speed

    speed = args.speed if args.speed is not None else default_speed(sim.world)
    if args.seconds is not None:
        try:
            seconds = parse_seconds(args.seconds)
        except ValueError as exc:
            raise ViewerError(f"--seconds: got {args.seconds!r}; {exc}") from None
    elif args.until is not None:
        # From where --skip left the world: a clock time is the next one from there.
        seconds = parse_until(args.until, sim.world.start, after=sim.world.now) - sim.world.now_s
        if seconds <= 0:
            raise ViewerError(f"--until {args.until}: the world is already at {sim.world.now:%Y-%m-%d %H:%M} "
                              f"after --skip {args.skip}; give a later time or a shorter skip")
    else:
        seconds = DEFAULT_VIDEO_S * speed
    if args.select is not None:
        from twin.viewer.layout import compute_layout

        if compute_layout(sim.world).centre_of(args.select) is None:
            raise ViewerError(f"--select: no {args.select!r} on the map; pick a home, feeder, transformer, "
                              "intersection or road id")
    rec = Recording(seconds=seconds, speed=speed, fps=args.fps, frames_dir=args.frames, output=args.record,
                    size=args.size, layer=args.layer, selected=args.select)
    result = record(sim, rec, progress=sys.stderr.isatty(), on_frame=timings.frame if timings else None)
    if args.frames is None and args.record.suffix.lower() == ".png":
        when = f"t + {format_duration(result.end_s)}, {sim.world.now:%Y-%m-%d %H:%M:%S}"
        print(f"wrote {args.record}: the frame at {when}")
        return 0
    where = ", ".join(str(p) for p in ([args.frames] if args.frames else []) + ([args.record] if args.record else []))
    print(f"wrote {result.frames} frame(s) to {where}: {format_duration(int(seconds))} simulated at {speed:g}x, "
          f"{args.fps} fps; last frame at t + {format_duration(result.end_s)}")
    return 0


def check_run_dir(run_dir: Path) -> None:
    """Refuse (ViewerError) a ``--policy`` that is not a folder."""
    if not run_dir.is_dir():
        raise ViewerError(f"--policy: {run_dir} is not a folder; give the run folder a learner wrote, "
                          "e.g. runs/a2c-grid")
