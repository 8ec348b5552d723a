"""Headless recording: frames drawn offscreen (no display needed) and written as PNGs or a video.

- ``frames_dir``: numbered PNG frames ``frame_00000.png``... (always works; ``ffmpeg -framerate 30
  -i DIR/frame_%05d.png out.mp4`` turns them into a video);
- ``output`` ending in ``.png``: one picture, the last frame (the frames before it are not drawn);
- ``output`` ending in ``.mp4``: a video, through imageio with its ffmpeg plugin when installed.

Each frame stands for ``speed / fps`` simulated seconds.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from twin.viewer import FRAME_SIZE, LAYERS, ViewerError
from twin.viewer.frames import FrameDrawer, View, frame_array
from twin.viewer.panel import Status
from twin.viewer.pg import pygame
from twin.viewer.sim import Simulation

PICTURE_SUFFIX = ".png"
VIDEO_SUFFIX = ".mp4"
MP4_HELP = ("--record FILE.mp4 needs imageio and imageio-ffmpeg (pip install imageio imageio-ffmpeg), which are "
            "not installed here. Without them: --frames DIR writes PNG frames (ffmpeg -framerate 30 -i "
            "DIR/frame_%05d.png out.mp4 makes them a video), and --record FILE.png saves the last frame.")


def check_output(output: Path | None) -> None:
    """Refuse (ViewerError) an output whose format twin cannot write here, before anything runs."""
    if output is None:
        return
    suffix = output.suffix.lower()
    if suffix not in (PICTURE_SUFFIX, VIDEO_SUFFIX):
        raise ViewerError(f"--record: {output} has suffix {suffix or '(none)'!r}; give FILE.png (the last frame) "
                          f"or FILE.mp4 (a video), or use --frames DIR for PNG frames")
    if suffix == VIDEO_SUFFIX and not mp4_available():
        raise ViewerError(MP4_HELP)


def mp4_available() -> bool:
    """Whether imageio and its ffmpeg plugin are installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("imageio", "imageio_ffmpeg"))


@dataclass(frozen=True)
class Recording:
    """What to record: where to, how much simulated time, at what speed and frame rate."""

    seconds: float                    # simulated time to record (s)
    speed: float                      # simulated seconds per second of video
    fps: int = 30
    frames_dir: Path | None = None
    output: Path | None = None        # .png (last frame) or .mp4
    size: tuple[int, int] = FRAME_SIZE
    layer: str = LAYERS[0]
    selected: str | None = None

    @property
    def n_frames(self) -> int:
        """Frames written to a frames folder or video: the first one at the start, then one per frame step."""
        return int(math.floor(self.seconds * self.fps / self.speed + 1e-9)) + 1


@dataclass(frozen=True)
class RecordResult:
    """What a recording wrote."""

    frames: int
    files: tuple[Path, ...]
    end_s: int                        # simulated time of the last frame (s since the world's start)


def record(sim: Simulation, rec: Recording, *, progress: bool = True,
           on_frame: Callable[[int], None] | None = None) -> RecordResult:
    """Run ``sim`` for ``rec.seconds`` of simulated time and write its frames (see the module docstring);
    ``on_frame(k)`` is called once frame k is drawn, before it is written."""
    check_output(rec.output)
    surface = pygame.Surface(rec.size)
    drawer = FrameDrawer()
    view = View(layer=rec.layer, selected=rec.selected)
    drawn = [0]

    def draw() -> None:
        status = Status(speed=rec.speed, paused=False, layer=rec.layer, lines=tuple(sim.status_lines()),
                        finished=sim.finished)
        drawer.draw(surface, sim.world, sim.history, status, view)
        if on_frame is not None:
            on_frame(drawn[0])
        drawn[0] += 1

    files: list[Path] = []
    if rec.frames_dir is None and rec.output is not None and rec.output.suffix.lower() == PICTURE_SUFFIX:
        sim.run_for(rec.seconds)
        draw()
        _save_png(surface, rec.output)
        return RecordResult(frames=1, files=(rec.output,), end_s=sim.world.now_s)

    writer = None
    if rec.output is not None and rec.output.suffix.lower() == VIDEO_SUFFIX:
        import imageio.v2 as imageio  # optional: check_output made sure it is there

        rec.output.parent.mkdir(parents=True, exist_ok=True)
        writer = imageio.get_writer(str(rec.output), fps=rec.fps)
    if rec.frames_dir is not None:
        rec.frames_dir.mkdir(parents=True, exist_ok=True)
    from tqdm import tqdm  # here, not at the top: a single picture needs no progress bar

    frame_s = rec.speed / rec.fps
    written = 0
    try:
        for k in tqdm(range(rec.n_frames), desc="frames", unit="frame", disable=not progress):
            if k:
                sim.run_for(frame_s)
            draw()
            if rec.frames_dir is not None:
                files.append(_save_png(surface, rec.frames_dir / f"frame_{k:05d}.png"))
            if writer is not None:
                writer.append_data(frame_array(surface))
            written += 1
            if sim.finished:
                break
    finally:
        if writer is not None:
            writer.close()
    if rec.output is not None:
        if rec.output.suffix.lower() == PICTURE_SUFFIX:
            _save_png(surface, rec.output)
        files.append(rec.output)
    return RecordResult(frames=written, files=tuple(files), end_s=sim.world.now_s)


def _save_png(surface: "pygame.Surface", path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pygame.image.save(surface, str(path))
    return path
