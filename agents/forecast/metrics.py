"""Forecast error metrics, pooled over every forecast origin and every step of the horizon.

* MAE = mean(|forecast - actual|), in the target's unit.
* RMSE = sqrt(mean((forecast - actual)^2)), in the target's unit.
* NRMSE = RMSE / |mean(actual)|, dimensionless (so 0.1 is an error of 10 % of the mean level).
  Normalised by the mean rather than the range so that one spike does not shrink it; it is
  undefined (NaN) when the actual values average to zero, e.g. a home exporting as much as it
  imports.
* Improvement (%) = 100 * (1 - NRMSE_model / NRMSE_baseline): positive when the model is better.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

METRIC_DEFINITIONS = {
    "mae": "mean(|forecast - actual|) over all test origins and horizon steps, in the target's unit",
    "rmse": "sqrt(mean((forecast - actual)^2)) over all test origins and horizon steps, in the target's unit",
    "nrmse": "RMSE / |mean(actual)| (dimensionless)",
    "nrmse_improvement_pct": "100 * (1 - NRMSE_model / NRMSE_seasonal_naive); positive when the model is better",
}


def mae(forecast: np.ndarray, actual: np.ndarray) -> float:
    """Mean absolute error (unit of the series)."""
    return float(np.mean(np.abs(_err(forecast, actual))))


def rmse(forecast: np.ndarray, actual: np.ndarray) -> float:
    """Root mean squared error (unit of the series)."""
    return float(np.sqrt(np.mean(_err(forecast, actual) ** 2)))


def nrmse(forecast: np.ndarray, actual: np.ndarray) -> float:
    """RMSE / |mean(actual)| (dimensionless); NaN when the actual values average to zero."""
    level = abs(float(np.mean(actual)))
    return rmse(forecast, actual) / level if level > 0 else float("nan")


def improvement_pct(model_nrmse: float, baseline_nrmse: float) -> float:
    """How much lower the model's NRMSE is than the baseline's, in % of the baseline's."""
    return 100.0 * (1.0 - model_nrmse / baseline_nrmse) if baseline_nrmse > 0 else float("nan")


@dataclass(frozen=True)
class Scores:
    """Error of one forecaster over a test set (MAE, RMSE in the target's unit; NRMSE unitless)."""

    mae: float
    rmse: float
    nrmse: float

    @classmethod
    def of(cls, forecast: np.ndarray, actual: np.ndarray) -> "Scores":
        """Scores of ``forecast`` against ``actual`` (same shape, e.g. origins x horizon)."""
        return cls(mae=mae(forecast, actual), rmse=rmse(forecast, actual), nrmse=nrmse(forecast, actual))

    def as_dict(self) -> dict[str, float]:
        """The scores as a plain dict (for JSON)."""
        return asdict(self)


def _err(forecast: np.ndarray, actual: np.ndarray) -> np.ndarray:
    forecast, actual = np.asarray(forecast, dtype=np.float64), np.asarray(actual, dtype=np.float64)
    if forecast.shape != actual.shape or actual.size == 0:
        raise ValueError(f"forecast {forecast.shape} and actual {actual.shape} must have one non-empty shape")
    return forecast - actual
