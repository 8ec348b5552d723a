"""Synthetic outdoor weather: temperature and global horizontal irradiance on a regular grid.

Times are **local standard time** (no daylight saving); ``start`` is a naive ``datetime`` (tzinfo,
if any, is ignored). Sample ``k`` is at ``start + k * step_s``; there are
``n = ceil(duration_s / step_s) + 1`` samples so the end of the run is always covered.

Temperature [deg C] ``T = T_mean + T_season + T_day + x``:

* ``T_season = -h A_s cos(2 pi (d - 19.5) / L)``: ``d`` fractional day since Jan 1 [d], ``L`` year
  length [d], coldest at Jan 20 noon; ``h = +1`` for latitude >= 0, ``-1`` south of the equator
* ``T_day``: minimum ``-A_d`` at 05:00, maximum ``+A_d`` at 15:00 local clock time, joined by a
  rising half-cosine (10 h) and a falling half-cosine (14 h); its daily mean is zero
* ``x``: AR(1) noise ``x_k = phi x_{k-1} + noise_k sqrt(1 - phi^2) e_k``,
  ``phi = exp(-step_s / (3600 noise_hours))``, ``x_0 = noise_k e_0``, so the process is stationary
  with standard deviation ``noise_k`` [K] and correlation time ``noise_hours`` [h]

Cloud cover ``c`` [-]: latent hourly AR(1) Gaussian ``z`` (unit variance, correlation time 6 h),
linearly interpolated to the samples and mapped ``c = 1 / (1 + exp(-(mu + s z)))`` with ``s = 1.5``
and ``mu = logit(cloudiness) sqrt(1 + pi s^2 / 8)`` (the probit approximation of the
logistic-normal mean), so the mean of ``c`` is approximately ``cloudiness``.
GHI [W/m2] = Haurwitz clear sky times Kasten-Czeplak ``1 - 0.75 c^3.4`` (see ``solar``).

Random numbers come only from the ``rng`` argument, in a fixed order: ``n`` normals for the
temperature noise, then ``n_hours`` normals for clouds; the same seed gives identical output.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
from dataclasses import dataclass

import numpy as np

from .solar import _calendar, clear_sky_ghi_w_m2, cloud_attenuation

__all__ = ["WeatherSeries", "synthetic_weather"]

CLOUD_CORRELATION_H = 6.0
_CLOUD_SCALE = 1.5
_COLDEST_DAY = 19.5  # days after Jan 1 00:00, i.e. Jan 20 noon
_T_MIN_H, _T_MAX_H = 5.0, 15.0


@dataclass(frozen=True, eq=False)
class WeatherSeries:
    """Outdoor weather sampled on a regular grid starting at the scenario start.

    ``step_s`` sample spacing [s]; ``temp_c`` dry-bulb air temperature [deg C]; ``ghi_w_m2``
    global horizontal irradiance [W/m2], >= 0. Arrays are float64, shape (n,), read-only.
    Equality is identity (``eq=False``) because element-wise array comparison has no truth value.
    """

    step_s: int
    temp_c: np.ndarray
    ghi_w_m2: np.ndarray

    def __post_init__(self) -> None:
        if int(self.step_s) != self.step_s or self.step_s <= 0:
            raise ValueError(f"step_s must be a positive whole number of seconds, got {self.step_s!r}")
        temp = np.array(self.temp_c, dtype=np.float64)
        ghi = np.array(self.ghi_w_m2, dtype=np.float64)
        if temp.ndim != 1 or temp.shape != ghi.shape or temp.size == 0:
            raise ValueError(f"temp_c and ghi_w_m2 must be non-empty 1-D arrays of equal length, "
                             f"got shapes {temp.shape} and {ghi.shape}")
        if np.any(ghi < 0):
            raise ValueError("ghi_w_m2 must be >= 0")
        temp.flags.writeable = False
        ghi.flags.writeable = False
        object.__setattr__(self, "step_s", int(self.step_s))
        object.__setattr__(self, "temp_c", temp)
        object.__setattr__(self, "ghi_w_m2", ghi)

    def index_at(self, t_s: int) -> int:
        """Sample index for ``t_s`` seconds since start: ``floor(t_s / step_s)`` clipped to [0, n-1]."""
        return int(min(max(t_s // self.step_s, 0), len(self.temp_c) - 1))

    def __len__(self) -> int:
        return len(self.temp_c)


def _grid(start: _dt.datetime, duration_s: int, step_s: int) -> tuple[np.ndarray, np.ndarray]:
    """Sample offsets [s] (int64, n = ceil(duration/step) + 1) and their datetime64 times."""
    if int(step_s) != step_s or step_s <= 0:
        raise ValueError(f"step_s must be a positive whole number of seconds, got {step_s!r}")
    if duration_s < 0:
        raise ValueError(f"duration_s must be >= 0, got {duration_s!r}")
    n = int(math.ceil(duration_s / step_s)) + 1
    offsets = np.arange(n, dtype=np.int64) * int(step_s)
    t0 = np.datetime64(start.replace(tzinfo=None), "us")
    return offsets, t0 + offsets * np.timedelta64(1, "s")


def _ar1(e: np.ndarray, phi: float, sigma: float) -> np.ndarray:
    """Stationary AR(1) path with std ``sigma`` from standard normals ``e`` (see module doc).

    Vectorized in blocks: within a block ``x_{s+i} = phi^i (phi x_{s-1} + sum_j phi^-j w_{s+j})``,
    one cumulative sum per block. Blocks are cut so that ``phi^-j`` stays below e^50, which keeps
    the sum free of overflow and rounding error near machine precision.
    """
    x = np.empty_like(e)
    if e.size == 0:
        return x
    x[0] = sigma * e[0]
    w = sigma * math.sqrt(max(1.0 - phi * phi, 0.0)) * e
    if phi <= 0.0:
        x[1:] = w[1:]
        return x
    rate = -math.log(phi)
    block = e.size if rate == 0.0 else max(1, min(e.size, int(50.0 / rate)))
    j = np.arange(block, dtype=np.float64)
    grow, decay = np.exp(rate * j), np.exp(-rate * j)
    prev = x[0]
    for s in range(1, e.size, block):  # at most n * rate / 50 + 1 iterations
        m = min(block, e.size - s)
        x[s:s + m] = decay[:m] * (phi * prev + np.cumsum(grow[:m] * w[s:s + m]))
        prev = x[s + m - 1]
    return x


def deterministic_temp_c(t: np.ndarray, *, latitude_deg: float, mean_temp_c: float,
                         seasonal_amplitude_k: float, daily_amplitude_k: float) -> np.ndarray:
    """Noise-free temperature [deg C] (mean + seasonal + daily cycle) at datetime64 times ``t``."""
    day_frac, year_len, hour = _calendar(np.asarray(t, dtype="datetime64[us]"))
    hemi = 1.0 if latitude_deg >= 0 else -1.0
    seasonal = -hemi * seasonal_amplitude_k * np.cos(2 * np.pi * (day_frac - _COLDEST_DAY) / year_len)
    rising = (hour >= _T_MIN_H) & (hour < _T_MAX_H)
    rise_len, fall_len = _T_MAX_H - _T_MIN_H, 24.0 - (_T_MAX_H - _T_MIN_H)
    daily = np.where(rising,
                     -np.cos(np.pi * (hour - _T_MIN_H) / rise_len),
                     np.cos(np.pi * np.mod(hour - _T_MAX_H, 24.0) / fall_len))
    return mean_temp_c + seasonal + daily_amplitude_k * daily


def _cloud_mu(cloudiness: float) -> float:
    return math.log(cloudiness / (1.0 - cloudiness)) * math.sqrt(1.0 + math.pi * _CLOUD_SCALE ** 2 / 8.0)


def _cloud_cover(offsets_s: np.ndarray, cloudiness: float, rng: np.random.Generator) -> np.ndarray:
    """Cloud cover [-] at ``offsets_s``; always draws the same count of normals from ``rng``."""
    n_hours = int(math.ceil(offsets_s[-1] / 3600.0)) + 2
    z_hourly = _ar1(rng.normal(size=n_hours), math.exp(-1.0 / CLOUD_CORRELATION_H), 1.0)
    if cloudiness <= 0.0 or cloudiness >= 1.0:
        return np.full(offsets_s.shape, float(cloudiness >= 1.0))
    z = np.interp(offsets_s / 3600.0, np.arange(n_hours, dtype=np.float64), z_hourly)
    return 1.0 / (1.0 + np.exp(-(_cloud_mu(cloudiness) + _CLOUD_SCALE * z)))


@functools.lru_cache(maxsize=8)
def _noise_free(start: _dt.datetime, duration_s: int, step_s: int, latitude_deg: float, longitude_deg: float,
                mean_temp_c: float, seasonal_amplitude_k: float, daily_amplitude_k: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample offsets [s], noise-free temperature [deg C] and clear-sky GHI [W/m2], read-only.

    Kept for the last few scenarios: an environment resets with a new seed many times a second and
    only the noise depends on the seed.
    """
    offsets, t = _grid(start, duration_s, step_s)
    temp = deterministic_temp_c(t, latitude_deg=latitude_deg, mean_temp_c=mean_temp_c,
                                seasonal_amplitude_k=seasonal_amplitude_k, daily_amplitude_k=daily_amplitude_k)
    clear = clear_sky_ghi_w_m2(t, latitude_deg, longitude_deg)
    for arr in (offsets, temp, clear):
        arr.flags.writeable = False
    return offsets, temp, clear


def synthetic_weather(*, start: _dt.datetime, duration_s: int, step_s: int,
                      latitude_deg: float, longitude_deg: float,
                      mean_temp_c: float, seasonal_amplitude_k: float, daily_amplitude_k: float,
                      noise_k: float, noise_hours: float, cloudiness: float,
                      rng: np.random.Generator) -> WeatherSeries:
    """Generate synthetic weather from ``start`` (local standard time) for ``duration_s`` [s].

    Units: ``step_s`` [s]; latitude/longitude [deg], north/east positive; ``mean_temp_c`` [deg C];
    amplitudes and ``noise_k`` [K]; ``noise_hours`` [h] (0 gives white noise); ``cloudiness`` [-]
    in [0, 1] is the approximate mean cloud cover. The time zone is the 15-degree meridian nearest
    to ``longitude_deg``. Returns a ``WeatherSeries`` of ``ceil(duration_s/step_s) + 1`` samples.
    """
    if not 0.0 <= cloudiness <= 1.0:
        raise ValueError(f"cloudiness must be in [0, 1], got {cloudiness!r}")
    if noise_k < 0 or noise_hours < 0:
        raise ValueError(f"noise_k and noise_hours must be >= 0, got {noise_k!r}, {noise_hours!r}")
    offsets, temp_free_c, clear_sky = _noise_free(  # _grid checks the step and duration
        start.replace(tzinfo=None), duration_s, step_s, float(latitude_deg), float(longitude_deg),
        float(mean_temp_c), float(seasonal_amplitude_k), float(daily_amplitude_k))
    phi = math.exp(-step_s / (noise_hours * 3600.0)) if noise_hours > 0 else 0.0
    noise = _ar1(rng.normal(size=offsets.size), phi, float(noise_k))
    cover = _cloud_cover(offsets, cloudiness, rng)
    return WeatherSeries(step_s=int(step_s), temp_c=temp_free_c + noise,
                         ghi_w_m2=clear_sky * cloud_attenuation(cover))
