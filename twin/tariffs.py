"""Electricity prices and grid carbon intensity as functions of simulated time.

Time is integer seconds ``t_s`` since the scenario start; the start itself is a
naive ``datetime`` in local standard time (no DST shifts). Prices are EUR/kWh,
carbon intensity gCO2/kWh. Every series is a piecewise-constant
:class:`PriceSeries`: ``value[i]`` holds on ``[change_s[i], change_s[i+1])``
and the last value holds forever (also past ``duration_s``).

Models (h = wall-clock hour of a segment, evaluated at its centre h + 0.5):

* flat:          p(t) = p0
* time of use:   p(t) = price of the period whose start second-of-day is the
                 latest one <= second-of-day(t); before the first period of
                 the day the last period (from the day before) still applies.
* real time:     p_h = m * (1 + daily_swing * S(h) + x_h), clipped >= 0.01 m.
                 S is a zero-mean daily shape (morning peak 8h, larger evening
                 peak 18-19h, night trough ~3h) scaled to max |S| = 1, so
                 ``daily_swing`` is the relative amplitude of the evening peak.
                 Negative prices are NOT modelled (hence the clip).
* carbon:        c_h = m * (1 - solar_dip * B_mid(h) + evening_peak * B_eve(h)
                 + x_h), clipped >= 0. B_mid/B_eve are half-sine bumps over
                 10-16h / 17-21h with peak 1, each centred to zero daily mean
                 so the daily mean is m up to noise and clipping.

x_h is a stationary AR(1) process, x_h = 0.8 x_{h-1} + sqrt(1-0.8^2) s e_h,
e ~ N(0,1), with marginal std s (``volatility`` resp. ``noise``, relative to
the mean). Hourly series change on every wall-clock hour (a start at 00:30
first changes at 1800 s) and keep every hourly boundary even if two
neighbouring values coincide. All randomness comes from the passed
``np.random.Generator``; the same seed gives bit-identical series.
"""
from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass
from datetime import datetime

import numpy as np

DAY_S = 86_400
HOUR_S = 3_600
_AR_PHI = 0.8
# phi**256 ~ 1e-25: truncating the AR(1) impulse response there is exact to
# float64 precision and keeps the convolution O(n) for year-long scenarios.
_AR_KERNEL_LEN = 256


@dataclass(frozen=True, eq=False)
class PriceSeries:
    """Piecewise-constant price or intensity: value[i] holds from change_s[i] until change_s[i+1]."""

    change_s: np.ndarray  # int64, strictly increasing, change_s[0] == 0, seconds since start
    value: np.ndarray  # float64, same length
    unit: str  # "EUR/kWh" or "g/kWh"

    def __post_init__(self) -> None:
        change = np.array(self.change_s, dtype=np.int64).reshape(-1)
        value = np.array(self.value, dtype=np.float64).reshape(-1)
        if change.size == 0 or change.size != value.size:
            raise ValueError("change_s and value must be non-empty and of equal length")
        if change[0] != 0 or np.any(np.diff(change) <= 0):
            raise ValueError("change_s must start at 0 and be strictly increasing")
        # Read-only copies so a shared series cannot be mutated by a consumer.
        change.setflags(write=False)
        value.setflags(write=False)
        object.__setattr__(self, "change_s", change)
        object.__setattr__(self, "value", value)
        # The same times as Python ints: a reading looks up two scalar times, where bisect takes a
        # tenth of what np.searchsorted takes.
        object.__setattr__(self, "_change_list", tuple(change.tolist()))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PriceSeries):
            return NotImplemented
        return (self.unit == other.unit and np.array_equal(self.change_s, other.change_s)
                and np.array_equal(self.value, other.value))

    __hash__ = None  # arrays are not hashable; equality is by content

    def at(self, t_s):
        """Value (EUR/kWh or g/kWh) at time(s) ``t_s`` [s]; scalar in -> float out.

        Times before 0 get the first value.
        """
        idx = np.searchsorted(self.change_s, np.asarray(t_s), side="right") - 1
        out = self.value[np.maximum(idx, 0)]
        return float(out) if np.ndim(t_s) == 0 else out

    def index_at(self, t_s: int) -> int:
        """Index of the value in force at the scalar time ``t_s`` [s] (0 before the start)."""
        return max(bisect.bisect_right(self._change_list, t_s) - 1, 0)

    def next_change_after(self, t_s: int) -> int | None:
        """First change time [s] strictly after ``t_s`` [s], or None if there is none."""
        i = bisect.bisect_right(self._change_list, t_s)
        return self._change_list[i] if i < len(self._change_list) else None

    def mean_over(self, t0_s: int, t1_s: int) -> float:
        """Time-weighted mean value over ``[t0_s, t1_s)`` [s]; requires t1_s > t0_s."""
        if t1_s <= t0_s:
            raise ValueError("mean_over needs t1_s > t0_s")
        i0 = bisect.bisect_right(self._change_list, t0_s)
        i1 = bisect.bisect_left(self._change_list, t1_s)
        if i0 == i1:  # one value throughout (every meter reading): the same sum of one product
            return float(self.value[max(i0 - 1, 0)] * np.float64(t1_s - t0_s) / (t1_s - t0_s))
        edges = np.concatenate(([t0_s], self.change_s[i0:i1], [t1_s])).astype(np.float64)
        seg = np.concatenate(([max(i0 - 1, 0)], np.arange(i0, i1)))
        return float(np.dot(self.value[seg], np.diff(edges)) / (t1_s - t0_s))


def _second_of_day(start: datetime) -> int:
    return start.hour * HOUR_S + start.minute * 60 + start.second


def _check_duration(duration_s: int) -> None:
    if duration_s <= 0:
        raise ValueError("duration_s must be > 0")


def flat_price(*, price_eur_per_kwh: float) -> PriceSeries:
    """Constant price [EUR/kWh] for all time; it never changes."""
    return PriceSeries(np.zeros(1, np.int64), np.array([price_eur_per_kwh], np.float64), "EUR/kWh")


def time_of_use_price(*, start: datetime, duration_s: int,
                      periods: list[tuple[int, float]]) -> PriceSeries:
    """Daily-repeating time-of-use tariff over ``[0, duration_s)`` [s].

    ``periods`` are ``(start second-of-day [s], price [EUR/kWh])`` sorted by
    second-of-day; the last period wraps past midnight into the next day's
    first period. Consecutive equal prices are merged into one segment.
    The series is immutable and draws nothing, so the same arguments share one
    (an environment builds a world per episode).
    """
    return _time_of_use_price(start, duration_s, tuple((int(s), float(p)) for s, p in periods))


@functools.lru_cache(maxsize=8)
def _time_of_use_price(start: datetime, duration_s: int, periods: tuple[tuple[int, float], ...]) -> PriceSeries:
    _check_duration(duration_s)
    if not periods:
        raise ValueError("periods must not be empty")
    sods = np.array([p[0] for p in periods], dtype=np.int64)
    prices = np.array([p[1] for p in periods], dtype=np.float64)
    if sods[0] < 0 or sods[-1] >= DAY_S or np.any(np.diff(sods) <= 0):
        raise ValueError("period starts must be strictly increasing within [0, 86400)")
    sod0 = _second_of_day(start)
    # Index -1 picks the last period: before the day's first boundary the
    # previous day's last period is still running.
    first = prices[np.searchsorted(sods, sod0, side="right") - 1]
    n_days = (sod0 + duration_s) // DAY_S + 1
    t = (np.arange(n_days, dtype=np.int64)[:, None] * DAY_S + sods[None, :] - sod0).ravel()
    v = np.tile(prices, n_days)
    keep = (t > 0) & (t < duration_s)
    change = np.concatenate(([0], t[keep]))
    value = np.concatenate(([first], v[keep]))
    distinct = np.concatenate(([True], value[1:] != value[:-1]))
    return PriceSeries(change[distinct], value[distinct], "EUR/kWh")


def _hourly_grid(start: datetime, duration_s: int) -> tuple[np.ndarray, np.ndarray]:
    """Change times [s] on wall-clock hours and each segment's centre hour-of-day."""
    _check_duration(duration_s)
    offset = _second_of_day(start) % HOUR_S
    first = HOUR_S - offset  # == HOUR_S when starting exactly on the hour
    changes = np.arange(first, duration_s, HOUR_S, dtype=np.int64)
    change_s = np.concatenate(([0], changes)).astype(np.int64)
    hour = (start.hour + np.arange(change_s.size)) % 24 + 0.5
    return change_s, hour


def _ar1(n: int, std: float, rng: np.random.Generator) -> np.ndarray:
    """Stationary AR(1) series (phi 0.8) of marginal std ``std``, without a Python loop."""
    z = rng.standard_normal(n)
    e = z * (std * np.sqrt(1.0 - _AR_PHI**2))
    e[0] = z[0] * std  # start in the stationary distribution, no burn-in needed
    kernel = _AR_PHI ** np.arange(min(n, _AR_KERNEL_LEN))
    return np.convolve(e, kernel)[:n]


def _circ_gauss(h: np.ndarray, centre: float, width: float) -> np.ndarray:
    d = (h - centre + 12.0) % 24.0 - 12.0  # circular so the night trough spans midnight
    return np.exp(-0.5 * (d / width) ** 2)


def _rtp_shape(h: np.ndarray) -> np.ndarray:
    """Zero-mean (over the 24 hour centres) daily price shape with max |S| = 1."""
    def raw(x):
        return (0.5 * _circ_gauss(x, 8.0, 1.5) + 1.0 * _circ_gauss(x, 18.5, 1.8)
                - 0.6 * _circ_gauss(x, 3.0, 2.5))
    ref = raw(np.arange(24) + 0.5)
    centre, scale = ref.mean(), np.abs(ref - ref.mean()).max()
    return (raw(h) - centre) / scale


# The noise-free parts of the hourly series, (change times [s], relative level [-]), read-only: they
# draw nothing, and an environment builds a world from the same scenario every episode.
@functools.lru_cache(maxsize=8)
def _rtp_profile(start: datetime, duration_s: int, daily_swing: float) -> tuple[np.ndarray, np.ndarray]:
    change_s, hour = _hourly_grid(start, duration_s)
    return _read_only(change_s), _read_only(1.0 + daily_swing * _rtp_shape(hour))


@functools.lru_cache(maxsize=8)
def _carbon_profile(start: datetime, duration_s: int, solar_dip: float,
                    evening_peak: float) -> tuple[np.ndarray, np.ndarray]:
    change_s, hour = _hourly_grid(start, duration_s)
    shape = 1.0 - solar_dip * _centred_bump(hour, 10.0, 16.0) + evening_peak * _centred_bump(hour, 17.0, 21.0)
    return _read_only(change_s), _read_only(shape)


def _read_only(arr: np.ndarray) -> np.ndarray:
    arr.setflags(write=False)
    return arr


def real_time_price(*, start: datetime, duration_s: int, mean_eur_per_kwh: float,
                    daily_swing: float, volatility: float,
                    rng: np.random.Generator) -> PriceSeries:
    """Hourly real-time price [EUR/kWh] over ``[0, duration_s)`` [s].

    ``mean_eur_per_kwh`` [EUR/kWh] > 0; ``daily_swing`` and ``volatility``
    are dimensionless fractions of the mean (shape amplitude, AR(1) std).
    Prices are clipped at >= 0.01 * mean: negative prices are not modelled.
    """
    if mean_eur_per_kwh <= 0 or volatility < 0:
        raise ValueError("need mean_eur_per_kwh > 0 and volatility >= 0")
    change_s, shape = _rtp_profile(start, duration_s, daily_swing)
    rel = shape + _ar1(change_s.size, volatility, rng)
    value = np.maximum(mean_eur_per_kwh * rel, 0.01 * mean_eur_per_kwh)
    return PriceSeries(change_s, value, "EUR/kWh")


def _half_sine_bump(h: np.ndarray, lo: float, hi: float) -> np.ndarray:
    inside = (h >= lo) & (h <= hi)
    return np.where(inside, np.sin(np.pi * np.clip((h - lo) / (hi - lo), 0.0, 1.0)), 0.0)


def _centred_bump(h: np.ndarray, lo: float, hi: float) -> np.ndarray:
    # Centre on the daily mean so the shape does not shift the long-run mean.
    return _half_sine_bump(h, lo, hi) - _half_sine_bump(np.arange(24) + 0.5, lo, hi).mean()


def carbon_intensity(*, start: datetime, duration_s: int, mean_g_per_kwh: float,
                     solar_dip: float, evening_peak: float, noise: float,
                     rng: np.random.Generator) -> PriceSeries:
    """Hourly grid carbon intensity [gCO2/kWh] over ``[0, duration_s)`` [s].

    ``mean_g_per_kwh`` [g/kWh] >= 0; ``solar_dip``, ``evening_peak`` and
    ``noise`` are dimensionless fractions of the mean (midday 10-16h dip,
    evening 17-21h peak, AR(1) std). Values are clipped at >= 0.
    """
    if mean_g_per_kwh < 0 or noise < 0:
        raise ValueError("need mean_g_per_kwh >= 0 and noise >= 0")
    change_s, shape = _carbon_profile(start, duration_s, solar_dip, evening_peak)
    rel = shape + _ar1(change_s.size, noise, rng)
    return PriceSeries(change_s, np.maximum(mean_g_per_kwh * rel, 0.0), "g/kWh")


def price_thresholds(tariff) -> tuple[float, float]:
    """(cheap_below, expensive_above) in EUR/kWh for a scenario's ``tariff``: the lower and upper third
    of its price range, which the time-of-use battery and EV controllers act on.

    Time of use: the range of the period prices. Real time: mean x (1 -/+ daily_swing), the shape's
    extremes. Flat: no price is cheap or expensive (-inf, +inf), so those controllers stay idle.
    """
    if tariff.kind == "time_of_use":
        prices = [p.price_eur_per_kwh for p in tariff.periods]
        low, high = min(prices), max(prices)
    elif tariff.kind == "real_time":
        low = tariff.price_eur_per_kwh * (1 - tariff.daily_swing)
        high = tariff.price_eur_per_kwh * (1 + tariff.daily_swing)
    else:
        low = high = tariff.price_eur_per_kwh
    if high <= low:
        return -np.inf, np.inf
    third = (high - low) / 3.0
    return low + third, high - third

