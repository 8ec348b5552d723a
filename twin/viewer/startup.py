"""Start-up timings of ``twin view``, for ``benchmarks/bench_viewer_startup.py`` (no pygame).

With ``TWIN_VIEW_TIMINGS=FILE`` in its environment, ``twin view`` writes FILE (JSON: phase -> wall
clock time, ``time.time()`` in s since the epoch) as each start-up phase ends, so the process that
launched it, noting the time it did, can split the time to the first frame:

- ``imported``: every module the command needs is imported (Python's own start-up included);
- ``built``: the scenario is loaded and the world built (``skipped``: ``--skip`` has run as well);
- ``first_frame``: the first frame is drawn (in a window: flipped onto the screen).

A window closes right after its first frame; recordings run to their end (``--record FILE.png``
draws one frame only). The file is rewritten at every mark, so a run that fails part-way still
shows how far it got. Epoch times rather than a monotonic clock: only they compare across processes.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path

TIMINGS_ENV = "TWIN_VIEW_TIMINGS"
PHASES = ("imported", "built", "skipped", "first_frame")


class StartupTimings:
    """When each start-up phase of ``twin view`` ended (s since the epoch), written to ``path`` at each mark."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.marks: dict[str, float] = {}

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> "StartupTimings | None":
        """Timings to the file ``TWIN_VIEW_TIMINGS`` names, or None when it is not set (the usual case)."""
        path = (os.environ if environ is None else environ).get(TIMINGS_ENV, "")
        return cls(Path(path)) if path else None

    def mark(self, phase: str) -> None:
        """Note that ``phase`` (one of PHASES) ended now; the first mark of a phase counts."""
        if phase not in PHASES:
            raise ValueError(f"unknown start-up phase {phase!r}; phases: {', '.join(PHASES)}")
        self.marks.setdefault(phase, time.time())
        self.path.write_text(json.dumps(self.marks), encoding="utf-8")

    def frame(self, k: int) -> None:
        """``on_frame`` hook of the viewer and the recorder: frame ``k`` was drawn."""
        if k == 0:
            self.mark("first_frame")


__all__ = ["PHASES", "TIMINGS_ENV", "StartupTimings"]
