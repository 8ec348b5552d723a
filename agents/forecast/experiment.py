"""Train a forecaster on the first part of a series and score it on the last, against baselines.

The model is fitted on the readings before the test part only. It then forecasts the whole
horizon from every test origin (rolling origins, one reading apart); the seasonal naive and
persistence baselines forecast from the same origins, and all are scored on the same targets
(see :mod:`agents.forecast.metrics`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from agents.forecast.data import Series
from agents.forecast.errors import ForecastError
from agents.forecast.metrics import Scores, improvement_pct
from agents.forecast.models import Forecaster, Persistence, SeasonalNaive
from agents.forecast.registry import MODELS, make_forecaster
from agents.forecast.windows import holdout_origins, make_windows
from twin.units import format_duration

BASELINES = ("seasonal_naive", "persistence")


@dataclass(frozen=True)
class ForecastConfig:
    """What to forecast and how; durations in seconds, whole multiples of the series' interval."""

    model: str = "ridge"              # one of registry.MODELS
    horizon_s: int = 86400            # forecast horizon
    lookback_s: int = 86400           # history the learned models see
    period_s: int = 86400             # seasonal naive period
    test_fraction: float = 0.25       # last share of the readings held out for scoring
    use_features: bool = True         # calendar and weather features for the learned models
    seed: int = 0                     # neural models' initialisation and batch order


@dataclass(frozen=True)
class ForecastResult:
    """A fitted model, its forecasts and scores on the test part, and the baselines'."""

    config: ForecastConfig
    series: Series
    model: Forecaster
    horizon: int                      # readings per forecast
    test_start: int                   # index of the first test reading
    origins: np.ndarray               # (N,) test forecast origins (indices into the series)
    actual: np.ndarray                # (N, horizon)
    forecasts: dict[str, np.ndarray]  # forecaster name -> (N, horizon); the model first
    scores: dict[str, Scores]         # forecaster name -> scores, same order
    fit_s: float                      # wall time of fitting the model (s)
    details: dict[str, float | int] = field(default_factory=dict)  # e.g. ridge alpha, epochs run

    @property
    def improvement_pct(self) -> float:
        """NRMSE improvement of the model over seasonal naive (%; positive is better)."""
        return improvement_pct(self.scores[self.config.model].nrmse, self.scores["seasonal_naive"].nrmse)


def steps(duration_s: int, interval_s: int, what: str) -> int:
    """``duration_s`` as a whole number (>= 1) of readings ``interval_s`` apart, or ForecastError."""
    if duration_s <= 0 or duration_s % interval_s:
        below = duration_s // interval_s * interval_s
        near = " or ".join(format_duration(d) for d in (below, below + interval_s) if d > 0)
        raise ForecastError(f"{what}: got {format_duration(duration_s)}; must be a positive multiple of the "
                            f"series' reading interval {format_duration(interval_s)}, e.g. {near}")
    return duration_s // interval_s


def run_forecast(series: Series, config: ForecastConfig = ForecastConfig()) -> ForecastResult:
    """Fit ``config.model`` on ``series`` before its test part and score it and the baselines there."""
    if config.model not in MODELS:
        raise ForecastError(f"unknown model {config.model!r}; choose one of: {', '.join(MODELS)}")
    dt_s = series.interval_s
    horizon = steps(config.horizon_s, dt_s, "horizon")
    lookback = steps(config.lookback_s, dt_s, "lookback")
    period = steps(config.period_s, dt_s, "seasonal period")
    model = make_forecaster(config.model, horizon=horizon, lookback=lookback, period=period, seed=config.seed)
    baselines = {"seasonal_naive": SeasonalNaive(period, horizon), "persistence": Persistence(horizon)}
    test_start, origins = holdout_origins(len(series), horizon=horizon, test_fraction=config.test_fraction)
    need = max(model.lookback, period)
    if test_start < need:
        raise ForecastError(
            f"too little data: the test part starts after {format_duration(test_start * dt_s)} of readings, but "
            f"forecasting needs {format_duration(need * dt_s)} of history (lookback / seasonal period); "
            "simulate longer (--days) or shorten the lookback")
    features = series.features if config.use_features else None
    began = time.perf_counter()
    model.fit(series.values[:test_start], None if features is None else features[:test_start])
    fit_s = time.perf_counter() - began
    win = make_windows(series.values, features, origins, need, horizon)
    forecasts = {config.model: model.predict(win.history, win.features if getattr(model, "with_features", False)
                                             else None)}
    for name, baseline in baselines.items():
        forecasts.setdefault(name, baseline.predict(win.history))
    scores = {name: Scores.of(f, win.target) for name, f in forecasts.items()}
    details = {k: getattr(model, k) for k in ("alpha", "epochs_run", "best_validation_loss") if hasattr(model, k)}
    return ForecastResult(config=config, series=series, model=model, horizon=horizon, test_start=test_start,
                          origins=origins, actual=np.asarray(win.target), forecasts=forecasts, scores=scores,
                          fit_s=fit_s, details=details)


def metrics_table(result: ForecastResult) -> str:
    """A plain-text table: MAE, RMSE (series' unit), NRMSE and its improvement over seasonal naive."""
    unit = result.series.unit
    base = result.scores["seasonal_naive"].nrmse
    rows = [f"{'forecaster':<16}{'MAE ' + unit:>12}{'RMSE ' + unit:>12}{'NRMSE':>9}{'vs seasonal naive':>20}"]
    for name, s in result.scores.items():
        rows.append(f"{name:<16}{s.mae:>12.3f}{s.rmse:>12.3f}{s.nrmse:>9.4f}{improvement_pct(s.nrmse, base):>+19.1f}%")
    return "\n".join(rows)
