"""Supervised forecasters trained on the twin's telemetry, and an observation wrapper using them.

* :mod:`~agents.forecast.data`: targets (home_load, feeder_load, pv, link_flow) as regular series
  with calendar and weather features, from a telemetry record.
* :mod:`~agents.forecast.windows`: input/target windows and the split of forecast origins in time.
* :mod:`~agents.forecast.models`, :mod:`~agents.forecast.torch_models`: Persistence, SeasonalNaive,
  Ridge (numpy), MLP and LSTM (torch), all direct multi-step forecasters with one interface.
* :mod:`~agents.forecast.metrics`: MAE, RMSE, NRMSE; :mod:`~agents.forecast.experiment`: train on
  the first part, score on rolling origins of the last part against seasonal naive.
* :mod:`~agents.forecast.wrapper`: ``ForecastObservation`` appends a forecast to SmartHome-v0
  observations. :mod:`~agents.forecast.command`: the ``twin forecast`` sub-command.

torch is imported only by the neural models (``agents.forecast.torch_models``) and gymnasium only
by the wrapper, so importing this package stays light.
"""

from agents.forecast.data import FEATURES, TARGETS, Series, target_series
from agents.forecast.errors import ForecastError
from agents.forecast.experiment import ForecastConfig, ForecastResult, metrics_table, run_forecast
from agents.forecast.metrics import Scores, improvement_pct, mae, nrmse, rmse
from agents.forecast.models import Forecaster, Persistence, Ridge, SeasonalNaive
from agents.forecast.registry import MODELS, load_forecaster, make_forecaster

__all__ = [
    "FEATURES", "MODELS", "TARGETS", "ForecastConfig", "ForecastError", "ForecastResult", "Forecaster",
    "Persistence", "Ridge", "Scores", "SeasonalNaive", "Series", "improvement_pct", "load_forecaster", "mae",
    "make_forecaster", "metrics_table", "nrmse", "rmse", "run_forecast", "target_series",
]
