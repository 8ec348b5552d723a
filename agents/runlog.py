"""Training progress for every learner: a tqdm bar and TensorBoard scalars with cleanRL's tags.

Tags: ``charts/episodic_return``, ``charts/episodic_length``, ``charts/SPS`` and ``losses/<name>``.
``tensorboard --logdir runs`` shows every run written under ``runs/``.
"""

from __future__ import annotations

import time
from pathlib import Path

from tqdm.auto import tqdm


class RunLog:
    """Logs scalars to TensorBoard under ``log_dir`` and shows steps, return and steps/s on a bar
    (of ``total_steps``, or open-ended when None)."""

    def __init__(self, log_dir: Path | None, total_steps: int | None, *, progress: bool = True,
                 start_step: int = 0):
        self.writer = None
        if log_dir is not None:
            from torch.utils.tensorboard import SummaryWriter  # torch is an agents dependency

            self.writer = SummaryWriter(str(log_dir))
        self.bar = tqdm(total=total_steps, initial=start_step, disable=not progress, unit="step",
                        dynamic_ncols=True)
        self.step = start_step
        self._t0, self._s0 = time.perf_counter(), start_step
        self.last_return: float | None = None

    def advance(self, steps: int) -> None:
        """Count ``steps`` environment steps (summed over vector worlds)."""
        self.step += steps
        self.bar.update(steps)

    def episode(self, episodic_return: float, length: int) -> None:
        """Record one finished episode's return and length (steps)."""
        self.last_return = float(episodic_return)
        self.scalar("charts/episodic_return", episodic_return)
        self.scalar("charts/episodic_length", length)
        self.bar.set_postfix(ret=f"{episodic_return:.3g}", sps=f"{self.sps():.0f}", refresh=False)

    def losses(self, **values: float) -> None:
        """Record losses as ``losses/<name>`` and the current steps per second as ``charts/SPS``."""
        for name, value in values.items():
            self.scalar(f"losses/{name}", value)
        self.scalar("charts/SPS", self.sps())

    def sps(self) -> float:
        """Environment steps per wall-clock second since this log started."""
        return (self.step - self._s0) / max(time.perf_counter() - self._t0, 1e-9)

    def scalar(self, tag: str, value: float) -> None:
        """One TensorBoard scalar at the current step (no-op without a log folder)."""
        if self.writer is not None:
            self.writer.add_scalar(tag, float(value), self.step)

    def close(self) -> None:
        """Flush TensorBoard and close the bar."""
        self.bar.close()
        if self.writer is not None:
            self.writer.close()


__all__ = ["RunLog"]
