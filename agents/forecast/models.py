"""Forecasters with one interface, and the numpy ones: persistence, seasonal naive, ridge.

Every forecaster predicts the next ``horizon`` readings at once (direct multi-step forecasting):

* ``fit(values, features=None)`` learns from a training series: ``values`` (T,) and optionally its
  exogenous ``features`` (T, F) (see :mod:`agents.forecast.data`); returns the forecaster.
* ``predict(history, features=None)`` takes the readings observed so far, (L,) or a batch (B, L)
  with ``L >= lookback`` (only the last ``lookback`` are used), and their features (L, F) or
  (B, L, F) if it was fitted with features; returns (horizon,) or (B, horizon) in the series' unit.
* ``save(path)`` writes the fitted forecaster; :func:`agents.forecast.registry.load_forecaster`
  reads it back.

The learned models see the last ``lookback`` readings plus the features of the last one (the
calendar at the forecast origin and the latest outdoor temperature), standardised with the
training series' mean and standard deviation.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from agents.forecast.errors import ForecastError
from agents.forecast.windows import Windows, fit_origins, make_windows


@runtime_checkable
class Forecaster(Protocol):
    """What every forecaster offers (see the module docstring)."""

    name: str
    horizon: int    # readings predicted
    lookback: int   # readings of history predict() needs

    def fit(self, values: np.ndarray, features: np.ndarray | None = None) -> "Forecaster": ...

    def predict(self, history: np.ndarray, features: np.ndarray | None = None) -> np.ndarray: ...

    def save(self, path: str | Path) -> None: ...


def _positive(name: str, value: int) -> int:
    if int(value) != value or value < 1:
        raise ForecastError(f"{name}: got {value!r}; must be a whole number of readings >= 1")
    return int(value)


def as_batch(history: np.ndarray, features: np.ndarray | None, lookback: int,
             with_features: bool) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """(history (B, lookback), features (B, lookback, F) or None, whether the input was one series)."""
    h = np.asarray(history, dtype=np.float64)
    single = h.ndim == 1
    h = h[None] if single else h
    if h.ndim != 2 or h.shape[1] < lookback:
        raise ForecastError(f"history: got shape {np.shape(history)}; need (L,) or (batch, L) with L >= {lookback}")
    f = None
    if with_features:
        if features is None:
            raise ForecastError("this forecaster was fitted with features; pass the history's features too")
        f = np.asarray(features, dtype=np.float64)
        f = f[None] if single else f
        if f.ndim != 3 or f.shape[:2] != h.shape:
            raise ForecastError(f"features: got shape {np.shape(features)}; need the history's shape "
                                f"{np.shape(history)} plus a feature axis")
        f = f[:, -lookback:]
    elif features is not None:
        raise ForecastError("this forecaster was fitted without features; pass features=None")
    return h[:, -lookback:], f, single


class Persistence:
    """The last reading, held over the whole horizon."""

    name = "persistence"

    def __init__(self, horizon: int):
        self.horizon, self.lookback = _positive("horizon", horizon), 1

    def fit(self, values: np.ndarray, features: np.ndarray | None = None) -> "Persistence":
        """Nothing to learn; returns self."""
        return self

    def predict(self, history: np.ndarray, features: np.ndarray | None = None) -> np.ndarray:
        """Repeat the last reading ``horizon`` times; features are ignored."""
        h, _, single = as_batch(history, None, 1, False)
        out = np.repeat(h[:, -1:], self.horizon, axis=1)
        return out[0] if single else out

    def save(self, path: str | Path) -> None:
        """Write the configuration (an ``.npz`` file)."""
        save_npz(path, "persistence", {"horizon": self.horizon}, {})


class SeasonalNaive:
    """The reading one ``period`` earlier: step k of the horizon repeats reading ``k - period``
    (and ``k - 2 period`` ... when the horizon is longer than a period). A daily period at
    15-minute readings is 96."""

    name = "seasonal_naive"

    def __init__(self, period: int, horizon: int):
        self.period, self.horizon = _positive("period", period), _positive("horizon", horizon)
        self.lookback = self.period

    def fit(self, values: np.ndarray, features: np.ndarray | None = None) -> "SeasonalNaive":
        """Nothing to learn; returns self."""
        return self

    def predict(self, history: np.ndarray, features: np.ndarray | None = None) -> np.ndarray:
        """The last period of ``history`` repeated over the horizon; features are ignored."""
        h, _, single = as_batch(history, None, self.period, False)
        out = h[:, np.arange(self.horizon) % self.period]
        return out[0] if single else out

    def save(self, path: str | Path) -> None:
        """Write the configuration (an ``.npz`` file)."""
        save_npz(path, "seasonal_naive", {"period": self.period, "horizon": self.horizon}, {})


@dataclass(frozen=True)
class Scaler:
    """Standardisation of readings and features with a training series' mean and std."""

    value_mean: float
    value_std: float
    feature_mean: np.ndarray    # (F,), empty without features
    feature_std: np.ndarray

    @classmethod
    def fit(cls, values: np.ndarray, features: np.ndarray | None) -> "Scaler":
        """Mean and standard deviation of ``values`` and of each feature (constant ones scale by 1)."""
        std = float(np.std(values))
        f_mean = np.mean(features, axis=0) if features is not None else np.zeros(0)
        f_std = np.std(features, axis=0) if features is not None else np.zeros(0)
        return cls(float(np.mean(values)), std if std > 0 else 1.0, f_mean, np.where(f_std > 0, f_std, 1.0))

    def values(self, x: np.ndarray) -> np.ndarray:
        """Readings to standard units."""
        return (x - self.value_mean) / self.value_std

    def unscale(self, z: np.ndarray) -> np.ndarray:
        """Standard units back to readings."""
        return z * self.value_std + self.value_mean

    def features(self, f: np.ndarray) -> np.ndarray:
        """Features to standard units (last axis)."""
        return (f - self.feature_mean) / self.feature_std

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers and lists (for saving)."""
        return {"value_mean": self.value_mean, "value_std": self.value_std,
                "feature_mean": self.feature_mean.tolist(), "feature_std": self.feature_std.tolist()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Scaler":
        """Inverse of :meth:`to_dict`."""
        return cls(float(d["value_mean"]), float(d["value_std"]), np.asarray(d["feature_mean"], dtype=np.float64),
                   np.asarray(d["feature_std"], dtype=np.float64))


def flat_inputs(scaler: Scaler, history: np.ndarray, features: np.ndarray | None) -> np.ndarray:
    """(B, lookback [+ F]) scaled history followed by the scaled features of its last reading."""
    parts = [scaler.values(history)]
    if features is not None:
        parts.append(scaler.features(features[:, -1, :]))
    return np.concatenate(parts, axis=1)


class WindowModel:
    """Base of the learned forecasters: validation, scaling and windowing around ``_fit``/``_predict``."""

    name = "window_model"

    def __init__(self, horizon: int, lookback: int):
        self.horizon, self.lookback = _positive("horizon", horizon), _positive("lookback", lookback)
        self.scaler: Scaler | None = None
        self.with_features = False

    def fit(self, values: np.ndarray, features: np.ndarray | None = None) -> "WindowModel":
        """Learn from every window of the training series, the last ones validating."""
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 1:
            raise ForecastError(f"values: got shape {values.shape}; need (T,)")
        if features is not None and (np.ndim(features) != 2 or len(features) != values.size):
            raise ForecastError(f"features: got shape {np.shape(features)}; need ({values.size}, F)")
        self.with_features = features is not None
        self.scaler = Scaler.fit(values, features)
        train, val = fit_origins(values.size, lookback=self.lookback, horizon=self.horizon)
        win = [make_windows(values, features, o, self.lookback, self.horizon) for o in (train, val)]
        self._fit(*win)
        return self

    def predict(self, history: np.ndarray, features: np.ndarray | None = None) -> np.ndarray:
        """Forecast the next ``horizon`` readings after each history (see the module docstring)."""
        if self.scaler is None:
            raise ForecastError(f"{self.name}: call fit() before predict()")
        h, f, single = as_batch(history, features, self.lookback, self.with_features)
        out = self.scaler.unscale(self._predict(h, f))
        return out[0] if single else out

    def _fit(self, train: Windows, validation: Windows) -> None:
        raise NotImplementedError

    def _predict(self, history: np.ndarray, features: np.ndarray | None) -> np.ndarray:
        """Scaled (B, horizon) forecasts from raw (B, lookback) history and (B, lookback, F) features."""
        raise NotImplementedError


class Ridge(WindowModel):
    """Linear least squares with an L2 penalty, one output per horizon step (numpy closed form).

    The penalty ``alpha`` is chosen from ``alphas`` on the validation windows, then the model is
    refitted on all training windows.
    """

    name = "ridge"

    def __init__(self, horizon: int, lookback: int, alphas: tuple[float, ...] = (1e-2, 1e-1, 1, 10, 1e2, 1e3, 1e4)):
        super().__init__(horizon, lookback)
        self.alphas = tuple(float(a) for a in alphas)
        self.alpha = self.alphas[0]
        self.coef = self.intercept = None

    def _fit(self, train: Windows, validation: Windows) -> None:
        s = self.scaler
        x_tr, y_tr = flat_inputs(s, train.history, train.features), s.values(train.target)
        if len(validation):
            x_va, y_va = flat_inputs(s, validation.history, validation.features), s.values(validation.target)
            errors = [np.mean((x_va @ c + b - y_va) ** 2) for c, b in _ridge_path(x_tr, y_tr, self.alphas)]
            self.alpha = self.alphas[int(np.argmin(errors))]
            x_tr, y_tr = np.concatenate([x_tr, x_va]), np.concatenate([y_tr, y_va])
        (self.coef, self.intercept), = _ridge_path(x_tr, y_tr, (self.alpha,))

    def _predict(self, history: np.ndarray, features: np.ndarray | None) -> np.ndarray:
        return flat_inputs(self.scaler, history, features) @ self.coef + self.intercept

    def save(self, path: str | Path) -> None:
        """Write configuration, scaler and coefficients (an ``.npz`` file)."""
        config = {"horizon": self.horizon, "lookback": self.lookback, "alphas": list(self.alphas),
                  "alpha": self.alpha, "with_features": self.with_features, "scaler": self.scaler.to_dict()}
        save_npz(path, "ridge", config, {"coef": self.coef, "intercept": self.intercept})

    @classmethod
    def from_saved(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> "Ridge":
        """Rebuild a fitted ridge from :meth:`save`'s contents."""
        model = cls(config["horizon"], config["lookback"], tuple(config["alphas"]))
        model.alpha, model.with_features = config["alpha"], config["with_features"]
        model.scaler = Scaler.from_dict(config["scaler"])
        model.coef, model.intercept = arrays["coef"], arrays["intercept"]
        return model


def _ridge_path(x: np.ndarray, y: np.ndarray, alphas: tuple[float, ...]):
    """(coef, intercept) for each alpha; the intercept is not penalised. One SVD serves them all."""
    x_mean, y_mean = x.mean(axis=0), y.mean(axis=0)
    u, sv, vt = np.linalg.svd(x - x_mean, full_matrices=False)
    uty = u.T @ (y - y_mean)
    for alpha in alphas:
        coef = vt.T @ ((sv / (sv ** 2 + alpha))[:, None] * uty)
        yield coef, y_mean - x_mean @ coef


def save_npz(path: str | Path, kind: str, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Write a numpy forecaster: its kind, JSON configuration and arrays, to exactly ``path``."""
    buf = io.BytesIO()
    np.savez(buf, kind=np.array(kind), config=np.array(json.dumps(config)), **arrays)
    Path(path).write_bytes(buf.getvalue())
