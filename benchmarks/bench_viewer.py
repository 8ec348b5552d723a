"""Frame rate of the viewer: drawing the 200-home neighborhood and a 10x10 street grid.

Run headless: ``SDL_VIDEODRIVER=dummy python benchmarks/bench_viewer.py`` (the script sets the
dummy driver itself when no display is set). For each world it measures, in the same run:

- **baseline**: clear the window and flip it (what any pygame program pays per frame);
- **draw**: the full frame as the viewer draws it (map, panel, inspector) and the flip;
- **draw + step**: as the viewer runs it, advancing the world by one frame's worth of simulated
  time first (500x for homes, 5x and 50x for streets, at 60 frames per second).

It prints frames per second, milliseconds per frame and the ratio of each to the baseline. The
target is at least 30 fps (33 ms per frame) for the full draw of both worlds.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from twin.build import build_world  # noqa: E402
from twin.scenario import load_scenario  # noqa: E402
from twin.viewer.app import Viewer  # noqa: E402
from twin.viewer.pg import pygame  # noqa: E402
from twin.viewer.sim import Simulation  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GRID_10 = ["traffic.network.rows=10", "traffic.network.cols=10", "traffic.demand.od=[]"]
WORLDS = [
    # name, scenario, overrides, warm-up (simulated s), speeds to run at, node to inspect
    ("neighborhood, 200 homes", "neighborhood.yaml", [], 18 * 3600, (500,), "home-017"),
    ("traffic grid 10x10", "traffic_grid.yaml", GRID_10, 1200, (5, 50), "int-4-4"),
]


def fps(frame, seconds: float, repeats: int) -> float:
    """Best of ``repeats`` measurements of frames per second of ``frame()``, each lasting about ``seconds``."""
    rates = []
    for _ in range(repeats):
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            frame()
            n += 1
        rates.append(n / (time.perf_counter() - start))
    return max(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one measurement (s)")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per figure (best is kept)")
    args = parser.parse_args()
    print(f"pygame {pygame.version.ver}, SDL video driver {os.environ.get('SDL_VIDEODRIVER', '(default)')}, "
          f"1280x720, best of {args.repeats} x {args.seconds:g} s\n")
    print("| world | frame | fps | ms per frame | vs baseline |\n|---|---|---:|---:|---:|")
    for name, file, overrides, warm_s, speeds, selected in WORLDS:
        world = build_world(load_scenario(ROOT / "scenarios" / file, overrides))
        sim = Simulation(world)
        sim.run_for(warm_s)
        viewer = Viewer(sim, selected=selected)
        surface = viewer.surface

        def blank() -> None:
            surface.fill((0, 0, 0))
            pygame.display.flip()

        def draw() -> None:
            viewer.draw()
            pygame.display.flip()

        base = fps(blank, args.seconds, args.repeats)
        rows = [("baseline: clear + flip", base), ("draw", fps(draw, args.seconds, args.repeats))]
        for speed in speeds:
            viewer.speed = speed

            def step_and_draw() -> None:
                viewer.tick(1 / 60)
                draw()

            rows.append((f"draw + step at {speed}x", fps(step_and_draw, args.seconds, args.repeats)))
        for label, rate in rows:
            print(f"| {name} | {label} | {rate:,.0f} | {1000 / rate:.2f} | {rate / base:.3f} |")
        pygame.display.quit()
    print("\nEach figure is the best of its measurements; the machine's load moves absolute figures.")


if __name__ == "__main__":
    main()
