"""Forecasters by name: build one for a horizon, and read a saved one back.

torch is imported only when a neural model is built or loaded.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from agents.forecast.errors import ForecastError
from agents.forecast.models import Forecaster, Persistence, Ridge, SeasonalNaive

MODELS: dict[str, str] = {
    "persistence": "the last reading held over the horizon",
    "seasonal_naive": "the reading one period (default 1 day) earlier",
    "ridge": "linear least squares with an L2 penalty on lagged readings and features (numpy)",
    "mlp": "two-layer perceptron on lagged readings and features (torch)",
    "lstm": "one-layer LSTM over the lagged readings and their features (torch)",
}


def make_forecaster(name: str, *, horizon: int, lookback: int, period: int, seed: int = 0) -> Forecaster:
    """An unfitted forecaster ``name`` (see :data:`MODELS`) for ``horizon`` readings.

    ``lookback`` is the history the learned models see (readings), ``period`` the seasonal naive
    period (readings), ``seed`` seeds the neural models' training.
    """
    if name == "persistence":
        return Persistence(horizon)
    if name == "seasonal_naive":
        return SeasonalNaive(period, horizon)
    if name == "ridge":
        return Ridge(horizon, lookback)
    if name in ("mlp", "lstm"):
        from agents.forecast.torch_models import LSTM, MLP, TrainConfig

        return (MLP if name == "mlp" else LSTM)(horizon, lookback, train=TrainConfig(seed=seed))
    raise ForecastError(f"unknown model {name!r}; choose one of: {', '.join(MODELS)}")


def model_filename(name: str) -> str:
    """The file name a fitted model of kind ``name`` is saved under (``model.pt`` or ``model.npz``)."""
    return "model.pt" if name in ("mlp", "lstm") else "model.npz"


def load_forecaster(path: str | Path) -> Forecaster:
    """Read a forecaster written by its ``save`` method (``.npz`` numpy models, ``.pt`` torch ones)."""
    path = Path(path)
    if not path.is_file():
        raise ForecastError(f"{path}: no such model file")
    if path.suffix == ".pt":
        import torch

        from agents.forecast.torch_models import LSTM, MLP

        saved = torch.load(path, weights_only=True)
        return {"mlp": MLP, "lstm": LSTM}[saved["kind"]].from_saved(saved)
    with np.load(path) as data:
        kind, config = str(data["kind"]), json.loads(str(data["config"]))
        arrays = {k: data[k] for k in data.files if k not in ("kind", "config")}
    if kind == "persistence":
        return Persistence(config["horizon"])
    if kind == "seasonal_naive":
        return SeasonalNaive(config["period"], config["horizon"])
    if kind == "ridge":
        return Ridge.from_saved(config, arrays)
    raise ForecastError(f"{path}: unknown model kind {kind!r}")
