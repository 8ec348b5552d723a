"""Forecasting: metrics, baselines, windows without leakage, learned models beating seasonal naive
on synthetic and simulated series, the ``twin forecast`` command, and the observation wrapper."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import envs  # noqa: F401  (registers twin/SmartHome-v0)
from agents.forecast import (FEATURES, ForecastConfig, ForecastError, Persistence, Ridge, SeasonalNaive, Series,
                             improvement_pct, load_forecaster, mae, nrmse, rmse, run_forecast, target_series)
from agents.forecast.command import add_forecast_parser, run_forecast_command
from agents.forecast.data import calendar_features
from agents.forecast.metrics import Scores
from agents.forecast.torch_models import LSTM, MLP, TrainConfig
from agents.forecast.windows import fit_origins, holdout_origins, make_windows
from agents.forecast.wrapper import ForecastObservation
from tests.conftest import SCENARIOS, cli_args
from twin.cli import main as twin
from twin.runner import simulate
from twin.scenario import load_scenario

START = dt.datetime(2025, 1, 13)  # a Monday


def synthetic(values: np.ndarray, interval_s: int = 900, temp: np.ndarray | None = None) -> Series:
    """A Series of ``values`` read every ``interval_s`` from START, with calendar features."""
    time_s = (np.arange(values.size) + 1) * interval_s
    temp = np.zeros(values.size) if temp is None else temp
    return Series(target="feeder_load", node="synthetic", unit="kW", start=START, interval_s=interval_s,
                  time_s=time_s, values=np.asarray(values, dtype=float),
                  features=np.column_stack([calendar_features(START, time_s), temp]))


def trend_season_noise(n: int, period: int, seed: int) -> np.ndarray:
    """Level 10 + trend 0.02/step + a sine of ``period`` steps (amplitude 3) + N(0, 1) noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 10 + 0.02 * t + 3 * np.sin(2 * np.pi * t / period) + rng.normal(0, 1, n)


# -- metrics ---------------------------------------------------------------------------------
def test_metrics_match_hand_computed_values():
    forecast, actual = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 2.0, 2.0, 6.0])  # errors -1, 0, 1, -2
    assert mae(forecast, actual) == pytest.approx(1.0)
    assert rmse(forecast, actual) == pytest.approx(np.sqrt(6 / 4))
    assert nrmse(forecast, actual) == pytest.approx(np.sqrt(1.5) / 3.0)   # mean actual = 3
    assert Scores.of(forecast[None], actual[None]).nrmse == pytest.approx(np.sqrt(1.5) / 3.0)
    assert improvement_pct(0.8, 1.0) == pytest.approx(20.0)
    assert np.isnan(nrmse(np.ones(2), np.array([-1.0, 1.0])))             # mean zero: undefined
    with pytest.raises(ValueError):
        mae(np.ones(3), np.ones(4))


# -- baselines -------------------------------------------------------------------------------
def test_seasonal_naive_is_exact_on_a_periodic_series():
    period = 24
    rng = np.random.default_rng(0)
    values = np.tile(rng.normal(size=period), 10)          # any shape, repeated exactly
    for horizon in (6, 24, 40):                            # shorter than, equal to and beyond a period
        origins = np.arange(period, values.size - horizon + 1)
        win = make_windows(values, None, origins, period, horizon)
        forecast = SeasonalNaive(period, horizon).predict(win.history)
        assert forecast.shape == (origins.size, horizon)
        np.testing.assert_array_equal(forecast, win.target)
        assert rmse(forecast, win.target) == 0.0
    # Persistence is exact on a constant series only.
    assert np.array_equal(Persistence(5).predict(np.array([3.0, 7.0])), np.full(5, 7.0))


# -- windows and leakage ---------------------------------------------------------------------
def test_windows_take_only_the_past_as_inputs():
    values = np.arange(200, dtype=float)                   # value == index: positions are visible
    features = np.column_stack([values, -values])
    lookback, horizon = 12, 5
    origins = np.array([12, 50, 195])
    win = make_windows(values, features, origins, lookback, horizon)
    for i, o in enumerate(origins):
        np.testing.assert_array_equal(win.history[i], np.arange(o - lookback, o))
        np.testing.assert_array_equal(win.features[i][:, 0], np.arange(o - lookback, o))
        np.testing.assert_array_equal(win.target[i], np.arange(o, o + horizon))
    assert np.all(win.history.max(axis=1) < win.target.min(axis=1))
    with pytest.raises(ForecastError, match="origins must lie"):
        make_windows(values, None, np.array([196]), lookback, horizon)   # target would run past the end

    train, val = fit_origins(150, lookback=lookback, horizon=horizon)
    assert train.max() + horizon <= val.min()              # no validation target is a training target
    assert val.max() + horizon <= 150                      # every target inside the fitting series
    start, test = holdout_origins(200, horizon=horizon, test_fraction=0.25)
    assert start == 150 and test[0] == 150 and test[-1] == 200 - horizon


def test_fitting_never_sees_the_test_part():
    values = trend_season_noise(96 * 8, 96, seed=1)
    config = ForecastConfig(model="ridge", horizon_s=4 * 3600, lookback_s=86400)
    first = run_forecast(synthetic(values), config)
    changed = values.copy()
    changed[first.test_start:] *= 1000                     # rewrite the future
    second = run_forecast(synthetic(changed), config)
    assert second.test_start == first.test_start
    np.testing.assert_array_equal(first.model.coef, second.model.coef)
    np.testing.assert_array_equal(first.model.intercept, second.model.intercept)


# -- learned models on synthetic series ------------------------------------------------------
def test_ridge_and_mlp_beat_seasonal_naive_on_trend_plus_noise():
    period, horizon, lookback = 24, 12, 48
    values = trend_season_noise(period * 40, period, seed=3)
    features = calendar_features(START, (np.arange(values.size) + 1) * 3600)  # hourly: period = 1 day
    test_start, origins = holdout_origins(values.size, horizon=horizon)
    win = make_windows(values, features, origins, lookback, horizon)
    naive = rmse(SeasonalNaive(period, horizon).predict(win.history), win.target)
    ridge = Ridge(horizon, lookback).fit(values[:test_start], features[:test_start])
    mlp = MLP(horizon, lookback, hidden=32, train=TrainConfig(max_epochs=150, patience=15, seed=0))
    mlp.fit(values[:test_start], features[:test_start])
    ridge_rmse = rmse(ridge.predict(win.history, win.features), win.target)
    mlp_rmse = rmse(mlp.predict(win.history, win.features), win.target)
    # Seasonal naive pays the noise twice (sqrt 2 ~ 1.41) plus a period of trend; averaging can reach ~1.
    assert naive > 1.35
    assert ridge_rmse < 0.8 * naive
    assert mlp_rmse < 0.85 * naive


def test_torch_models_are_seeded_and_round_trip_through_files(tmp_path):
    values = trend_season_noise(24 * 12, 24, seed=4)
    cfg = TrainConfig(max_epochs=5, patience=5, seed=7)
    history = values[-24:]
    for cls in (MLP, LSTM):
        a = cls(6, 24, hidden=8, train=cfg).fit(values)
        b = cls(6, 24, hidden=8, train=cfg).fit(values)
        np.testing.assert_array_equal(a.predict(history), b.predict(history))   # same seed, same model
        a.save(tmp_path / f"{cls.name}.pt")
        loaded = load_forecaster(tmp_path / f"{cls.name}.pt")
        np.testing.assert_allclose(loaded.predict(history), a.predict(history), rtol=1e-6)
        assert loaded.predict(np.tile(history, (3, 1))).shape == (3, 6)


# -- a real twin run -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def feeder_series() -> Series:
    scenario = load_scenario(SCENARIOS / "neighborhood.yaml",
                             ["duration=10d", "homes.count=40", "grid.feeders=1", "seed=42"])
    _, telemetry = simulate(scenario, progress=False)
    return target_series(telemetry, "feeder_load")


def test_ridge_beats_seasonal_naive_on_a_simulated_feeder(feeder_series):
    assert feeder_series.interval_s == 900 and len(feeder_series) == 960
    assert np.all(np.isfinite(feeder_series.features))
    result = run_forecast(feeder_series, ForecastConfig(model="ridge", horizon_s=6 * 3600, seed=0))
    assert result.actual.shape == (len(result.origins), 24)
    assert result.scores["ridge"].nrmse < result.scores["seasonal_naive"].nrmse
    assert result.improvement_pct > 10.0


def test_bad_forecast_settings_name_what_is_allowed(feeder_series):
    with pytest.raises(ForecastError, match="multiple of the series' reading interval 15min"):
        run_forecast(feeder_series, ForecastConfig(horizon_s=20 * 60))
    with pytest.raises(ForecastError, match="choose one of: persistence, seasonal_naive, ridge, mlp, lstm"):
        run_forecast(feeder_series, ForecastConfig(model="arima"))
    with pytest.raises(ForecastError, match="too little data"):
        run_forecast(feeder_series, ForecastConfig(horizon_s=4 * 86400, lookback_s=4 * 86400))
    short = synthetic(np.ones(96 * 2))
    with pytest.raises(ForecastError, match="too little data"):
        run_forecast(short, ForecastConfig(model="ridge"))
    assert issubclass(ForecastError, ValueError)


# -- the command -----------------------------------------------------------------------------
def parse(*argv: str) -> argparse.Namespace:
    return cli_args(add_forecast_parser, "forecast", *argv)


def test_forecast_command_writes_metrics_and_model(tmp_path, capsys):
    out = tmp_path / "forecast"
    args = parse(str(SCENARIOS / "neighborhood.yaml"), "--days", "3", "--set", "homes.count=8", "--set",
                 "grid.feeders=1", "--model", "ridge", "--horizon", "2h", "--out", str(out), "--quiet")
    assert run_forecast_command(args) == 0
    assert sorted(p.name for p in out.iterdir()) == ["forecast.png", "metrics.json", "model.npz", "run.json"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["target"] == "feeder_load" and metrics["horizon_steps"] == 8
    assert set(metrics["scores"]) == {"ridge", "seasonal_naive", "persistence"}
    assert metrics["features"] == list(FEATURES)
    nrmse_ = {k: v["nrmse"] for k, v in metrics["scores"].items()}
    assert metrics["nrmse_improvement_pct"] == pytest.approx(improvement_pct(nrmse_["ridge"], nrmse_["seasonal_naive"]))
    assert "NRMSE" in capsys.readouterr().out
    model = load_forecaster(out / "model.npz")
    assert model.horizon == 8 and model.predict(np.ones(96), np.zeros((96, len(FEATURES)))).shape == (8,)
    assert run_forecast_command(args) == 0                 # an earlier result folder may be replaced


def test_forecast_command_exits_2_naming_the_allowed_values(tmp_path, capsys):
    scenario = str(SCENARIOS / "neighborhood.yaml")
    assert twin(["forecast", scenario, "--target", "voltage", "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert "unknown target 'voltage'" in err and "home_load, feeder_load, pv, link_flow" in err
    assert twin(["forecast", scenario, "--model", "prophet", "--out", str(tmp_path / "b")]) == 2
    assert "ridge, mlp, lstm" in capsys.readouterr().err
    assert twin(["forecast", scenario, "--horizon", "soon", "--out", str(tmp_path / "c")]) == 2
    assert "--horizon" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())                     # nothing written


# -- the observation wrapper -----------------------------------------------------------------
def make_home_env(forecaster, feature="net_kw"):
    return ForecastObservation(gym.make("twin/SmartHome-v0", duration="1d"), forecaster, feature=feature)


def test_wrapper_passes_check_env_with_a_ridge_fitted_on_telemetry():
    scenario = load_scenario(SCENARIOS / "smart_home.yaml", ["duration=4d"])
    _, telemetry = simulate(scenario, progress=False)
    series = target_series(telemetry, "home_load")
    ridge = Ridge(horizon=8, lookback=16).fit(series.values, series.features)
    env = make_home_env(ridge)
    assert env.observation_space.shape == (14 + 8,)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*different from the unwrapped version.*")
        check_env(env)
    obs, _ = env.reset(seed=0)
    for _ in range(3):
        obs, *_ = env.step(env.action_space.sample())
    assert obs.shape == (22,) and obs.dtype == np.float32 and env.observation_space.contains(obs)
    assert obs[env.forecast_slice].shape == (8,)


def test_wrapper_forecasts_from_the_history_it_observed():
    env = make_home_env(SeasonalNaive(period=4, horizon=6), feature="net_kw")
    obs, _ = env.reset(seed=1)
    seen = [obs[7]]
    np.testing.assert_array_equal(obs[env.forecast_slice], np.full(6, obs[7]))  # padded with the first one
    for _ in range(6):
        obs, *_ = env.step(env.action_space.sample())
        seen.append(obs[7])
    expected = np.array(seen[-4:])[np.arange(6) % 4]       # the last four observed net_kw, repeated
    np.testing.assert_allclose(obs[env.forecast_slice], expected)
    assert not np.allclose(expected, expected[0])          # the history really moved
    with pytest.raises(ForecastError, match="choose one of"):
        make_home_env(SeasonalNaive(4, 6), feature="voltage")
