"""What ``twin view`` imports before its first frame, and the start-up timings hook the benchmark reads.

Nothing here is timed: the import tests check which modules a fresh process holds (the structural
guarantee behind a quick start), the timings tests only that the phases are marked in order.
benchmarks/bench_viewer_startup.py measures the time.
"""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"  # headless, before pygame opens any display

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import pytest  # noqa: E402

from conftest import ROOT, SCENARIOS, cli_args, small_scenario  # noqa: E402
from twin.build import build_world  # noqa: E402
from twin.viewer.app import Viewer  # noqa: E402
from twin.viewer.command import add_view_parser, run_view_command  # noqa: E402
from twin.viewer.pg import pygame  # noqa: E402
from twin.viewer.sim import Simulation  # noqa: E402
from twin.viewer.startup import PHASES, TIMINGS_ENV, StartupTimings  # noqa: E402

# The learning stack and the heavy data libraries: none of it draws a frame.
NEVER_ON_THE_VIEW_PATH = ("torch", "stable_baselines3", "ray", "tensorboard", "agents", "envs", "gymnasium",
                          "pandas", "matplotlib")


def fresh_python(code: str, tmp_path) -> None:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    env.pop(TIMINGS_ENV, None)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]


def test_twin_view_reaches_its_first_frame_without_the_learning_stack(tmp_path):
    code = f"""
import sys
from twin.cli import main
code = main(["view", {str(SCENARIOS / 'neighborhood.yaml')!r}, "--set", "homes.count=4",
             "--record", {str(tmp_path / 'x.png')!r}, "--seconds", "1"])
assert code == 0, code
loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set({NEVER_ON_THE_VIEW_PATH!r}))
assert not loaded, f"twin view imported {{loaded}}"
assert "pygame" in sys.modules, "the test should have drawn a frame"
"""
    fresh_python(code, tmp_path)
    assert (tmp_path / "x.png").exists()


def test_twin_view_help_imports_neither_the_agents_nor_the_world(tmp_path):
    code = """
import sys
from twin.cli import main
try:
    main(["view", "--help"])
except SystemExit as exc:
    assert exc.code == 0, exc.code
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"agents", "torch", "numba", "pyarrow", "networkx", "pygame"})
assert not heavy, f"twin view --help imported {heavy}"
"""
    fresh_python(code, tmp_path)


def test_the_viewers_own_modules_import_no_pygame_numba_or_pyarrow(tmp_path):
    # Drawing brings pygame in; the compiled kernels (numba) come with the world that is built, and
    # trip tables (pyarrow) when a world with streets is shown: the viewer's start does not wait on them.
    code = """
import sys
import twin.viewer.command, twin.viewer.sim, twin.viewer.measures, twin.viewer.layout, twin.viewer.camera
import twin.viewer.hover, twin.viewer.quantities, twin.viewer.startup
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"pygame", "numba", "pyarrow", "torch", "stable_baselines3",
                                                            "ray", "agents"})
assert not loaded, f"the viewer's modules imported {loaded}"
"""
    fresh_python(code, tmp_path)


# -- the timings hook ------------------------------------------------------------------------------
def view_args(*argv: str) -> argparse.Namespace:
    return cli_args(add_view_parser, "view", *argv)


def test_a_recording_marks_its_start_up_phases_in_order(tmp_path, monkeypatch):
    marks_file = tmp_path / "timings.json"
    monkeypatch.setenv(TIMINGS_ENV, str(marks_file))
    args = view_args(str(SCENARIOS / "neighborhood.yaml"), "--set", "homes.count=4", "--record",
                     str(tmp_path / "x.png"), "--seconds", "1", "--skip", "1h")
    assert run_view_command(args) == 0
    marks = json.loads(marks_file.read_text())
    assert list(marks) == list(PHASES)
    assert marks["imported"] <= marks["built"] <= marks["skipped"] <= marks["first_frame"]


def test_without_the_variable_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.delenv(TIMINGS_ENV, raising=False)
    assert StartupTimings.from_environment() is None
    monkeypatch.chdir(tmp_path)
    assert run_view_command(view_args(str(SCENARIOS / "neighborhood.yaml"), "--set", "homes.count=4",
                                      "--record", "x.png", "--seconds", "1")) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.png"]


def test_the_window_marks_its_first_frame_once_it_is_on_the_screen(tmp_path):
    timings = StartupTimings(tmp_path / "timings.json")
    viewer = Viewer(Simulation(build_world(small_scenario())))
    viewer.run(max_frames=3, on_frame=timings.frame)
    assert list(json.loads(timings.path.read_text())) == ["first_frame"]
    assert not pygame.display.get_init(), "the window closes after its frames"


def test_an_unknown_phase_is_a_bug(tmp_path):
    with pytest.raises(ValueError, match="phases"):
        StartupTimings(tmp_path / "t.json").mark("imports")
