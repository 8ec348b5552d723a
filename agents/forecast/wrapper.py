"""``ForecastObservation``: append a forecast of one observed quantity to SmartHome-v0 observations.

The wrapper keeps the history of one observation feature (``net_kw`` by default, or ``pv_kw``; see
``envs.home_task.OBS_FEATURES``) from the observations it has seen this episode, and appends the
forecaster's prediction of its next ``forecaster.horizon`` values, one per env step. The
observation becomes ``Box((14 + horizon,))``: the env's features followed by the forecast, clipped
to the forecast feature's bounds.

A forecaster fitted with features gets, for every history step, the four
:data:`agents.forecast.data.FEATURES` read from the same observation (``hour_sin``, ``hour_cos``,
``weekend``, ``outdoor_temp_c``), so one fitted on telemetry readings (e.g. ``home_load`` of
``scenarios/smart_home.yaml``) can be used here. Its reading interval should equal the env's
``decision_interval`` (15 min by default); note that telemetry readings are interval means while
observations show the last physics step. Until ``forecaster.lookback`` observations have been seen,
the history is padded with the first observation of the episode.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from agents.forecast.data import FEATURES
from agents.forecast.errors import ForecastError
from agents.forecast.models import Forecaster
from envs.home_task import OBS_FEATURES

OBS_NAMES = tuple(name for name, _ in OBS_FEATURES)


class ForecastObservation(gym.ObservationWrapper, gym.utils.RecordConstructorArgs):
    """Observation = the env's observation followed by a ``horizon``-step forecast of ``feature``.

    Records its constructor arguments (as Gymnasium's own wrappers do), so ``env.spec`` can rebuild it.
    """

    def __init__(self, env: gym.Env, forecaster: Forecaster, feature: str = "net_kw"):
        gym.utils.RecordConstructorArgs.__init__(self, forecaster=forecaster, feature=feature)
        gym.ObservationWrapper.__init__(self, env)
        base = env.observation_space
        if not isinstance(base, spaces.Box) or base.shape != (len(OBS_NAMES),):
            raise ForecastError(f"ForecastObservation wraps SmartHome-v0 observations, Box(({len(OBS_NAMES)},)); "
                                f"got {base}")
        if feature not in OBS_NAMES:
            raise ForecastError(f"feature: unknown {feature!r}; choose one of: {', '.join(OBS_NAMES)}")
        self.forecaster, self.feature = forecaster, feature
        self.index = OBS_NAMES.index(feature)
        self.feature_index = np.array([OBS_NAMES.index(name) for name in FEATURES])
        self.with_features = bool(getattr(forecaster, "with_features", False))
        self.horizon, self.lookback = int(forecaster.horizon), int(forecaster.lookback)
        low, high = base.low[self.index], base.high[self.index]
        self._low, self._high = low, high
        self.observation_space = spaces.Box(
            np.concatenate([base.low, np.full(self.horizon, low, dtype=base.dtype)]),
            np.concatenate([base.high, np.full(self.horizon, high, dtype=base.dtype)]), dtype=base.dtype)
        self._history: np.ndarray | None = None   # (lookback,) last observed values of ``feature``
        self._features: np.ndarray | None = None  # (lookback, len(FEATURES)) their features

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Reset the env and start a new history from its first observation."""
        self._history = self._features = None
        return super().reset(seed=seed, options=options)

    def observation(self, observation: np.ndarray) -> np.ndarray:
        """Record ``observation`` in the history and append the forecast of the next ``horizon`` steps."""
        obs = np.asarray(observation)
        value, feats = float(obs[self.index]), obs[self.feature_index].astype(np.float64)
        if self._history is None:
            self._history = np.full(self.lookback, value)
            self._features = np.repeat(feats[None], self.lookback, axis=0)
        else:
            self._history = np.append(self._history[1:], value)
            self._features = np.concatenate([self._features[1:], feats[None]])
        forecast = self.forecaster.predict(self._history, self._features if self.with_features else None)
        forecast = np.clip(forecast, self._low, self._high).astype(obs.dtype)
        return np.concatenate([obs, forecast])

    @property
    def forecast_slice(self) -> slice:
        """Where the forecast sits in the wrapped observation."""
        return slice(len(OBS_NAMES), len(OBS_NAMES) + self.horizon)
