"""Supervised windows of a series and the split of forecast origins in time.

A forecast *origin* ``o`` is the number of readings observed so far: the inputs are readings
``o - lookback .. o - 1`` (and their features), the target is readings ``o .. o + horizon - 1``.
Inputs therefore never contain a reading the target holds. Test origins cover the last
``test_fraction`` of the series and models are fitted on the readings before it only (test inputs
may reach back into the training part: that is history, not leakage). Within the fitting part,
the last windows validate (early stopping, ridge penalty).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from agents.forecast.errors import ForecastError


@dataclass(frozen=True)
class Windows:
    """Input/target windows at a set of origins (arrays are read-only views where possible)."""

    origins: np.ndarray          # (N,) int origin indices
    history: np.ndarray          # (N, lookback) readings before each origin
    features: np.ndarray | None  # (N, lookback, F) their features, or None
    target: np.ndarray           # (N, horizon) readings from each origin on

    def __len__(self) -> int:
        return int(self.origins.size)


def make_windows(values: np.ndarray, features: np.ndarray | None, origins: np.ndarray,
                 lookback: int, horizon: int) -> Windows:
    """Windows of ``values`` (T,) and ``features`` (T, F) at ``origins``; each origin needs
    ``lookback <= o <= T - horizon``."""
    values = np.asarray(values, dtype=np.float64)
    origins = np.asarray(origins, dtype=np.int64)
    if origins.size and (origins.min() < lookback or origins.max() > values.size - horizon):
        raise ForecastError(f"origins must lie in [{lookback}, {values.size - horizon}] for a lookback of "
                            f"{lookback} and a horizon of {horizon} steps over {values.size} readings")
    past = sliding_window_view(values, lookback)[origins - lookback]
    future = sliding_window_view(values, horizon)[origins]
    feats = None
    if features is not None:
        feats = sliding_window_view(np.asarray(features, dtype=np.float64), lookback, axis=0)
        feats = np.swapaxes(feats[origins - lookback], 1, 2)
    return Windows(origins=origins, history=past, features=feats, target=future)


def fit_origins(n: int, *, lookback: int, horizon: int,
                validation_fraction: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """(training, validation) origins of a fitting series of ``n`` readings, validation last.

    Validation targets start where the last training target ends, so they are unseen in fitting.
    Below 16 windows there is no validation set. Raises :class:`ForecastError` when fewer than 8
    windows fit.
    """
    last = n - horizon
    n_fit = last - lookback + 1
    if n_fit < 8:
        raise ForecastError(
            f"too little data: {n} training readings give {max(n_fit, 0)} windows for a lookback of {lookback} "
            f"and a horizon of {horizon} steps (at least 8 needed, so at least {lookback + horizon + 7} readings); "
            "simulate longer (--days), or shorten the horizon or lookback")
    fit = np.arange(lookback, last + 1)
    n_val = int(round(n_fit * validation_fraction)) if n_fit >= 16 else 0
    if n_val == 0:
        return fit, fit[:0]
    val_start = last - n_val + 1
    train = fit[fit + horizon <= val_start]
    if train.size < 8:
        return fit, fit[:0]
    return train, fit[fit >= val_start]


def holdout_origins(n: int, *, horizon: int, test_fraction: float = 0.25, stride: int = 1) -> tuple[int, np.ndarray]:
    """(first test reading, test origins): the test part is the last ``test_fraction`` of ``n``
    readings and at least one horizon; origins start at its first reading and step by ``stride``
    (rolling forecast origins)."""
    if not 0 < test_fraction < 1:
        raise ForecastError(f"test fraction: got {test_fraction}; must lie strictly between 0 and 1")
    if n < 2 * horizon:
        raise ForecastError(f"too little data: {n} readings cannot hold a training part and a test part of "
                            f"one {horizon}-step horizon each; simulate longer (--days) or shorten the horizon")
    test_start = min(int(round(n * (1 - test_fraction))), n - horizon)
    return test_start, np.arange(test_start, n - horizon + 1, max(1, int(stride)))
