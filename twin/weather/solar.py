"""Solar geometry, clear-sky irradiance and cloud attenuation, vectorized over numpy time arrays.

All times are **local standard time** of the site (wall clock without daylight saving). Naive
``datetime`` values and ``datetime64`` arrays are read as such; numeric arrays are seconds since a
``start`` datetime that must then be given.

Model (Spencer 1971, as in Iqbal 1983 / Duffie & Beckman):

* day angle        ``g = 2 pi (d - 0.5) / L``  [rad], with ``d`` the fractional day since
  Jan 1 00:00 and ``L`` the year length (365 or 366 days)
* declination      ``delta = 0.006918 - 0.399912 cos g + 0.070257 sin g - 0.006758 cos 2g
  + 0.000907 sin 2g - 0.002697 cos 3g + 0.00148 sin 3g``  [rad]
* equation of time ``E = 229.18 (0.000075 + 0.001868 cos g - 0.032077 sin g - 0.014615 cos 2g
  - 0.040849 sin 2g)``  [min]
* solar time       ``t_sol = t_clock + (4 (lon - lon_tz) + E) / 60``  [h], with the time zone
  meridian ``lon_tz = 15 * timezone_h`` [deg], or ``15 * round(lon / 15)`` when no time zone is
  given (longitude east positive)
* hour angle       ``omega = 15 (t_sol - 12)``  [deg]
* zenith cosine    ``cos z = sin phi sin delta + cos phi cos delta cos omega``
* clear-sky GHI (Haurwitz 1945) ``GHI = 1098 cos z exp(-0.057 / cos z)`` [W/m2] for
  ``cos z > 0``, else 0
* clouds (Kasten & Czeplak 1980) ``GHI = GHI_clear (1 - 0.75 c^3.4)`` for cloud cover
  ``c`` in [0, 1]
"""

from __future__ import annotations

import datetime as _dt

import numpy as np

__all__ = [
    "as_datetime64",
    "clear_sky_ghi_w_m2",
    "cloud_attenuation",
    "cloudy_ghi_w_m2",
    "cos_zenith",
    "declination_rad",
    "equation_of_time_min",
    "solar_noon_h",
]

_US = np.timedelta64(1, "us")
_HOUR = np.timedelta64(3600, "s")


def as_datetime64(times, start: _dt.datetime | None = None) -> np.ndarray:
    """Return ``times`` as a ``datetime64[us]`` array in local standard time.

    ``times`` may be a ``datetime64`` array, a (list of) naive ``datetime``, or numbers meaning
    seconds since ``start`` (then ``start`` is required). Time zone info on a ``datetime`` is
    dropped: the wall-clock fields are used as local standard time.
    """
    arr = np.asarray(times)
    if np.issubdtype(arr.dtype, np.datetime64):
        return arr.astype("datetime64[us]")
    if arr.dtype == object:
        flat = [t.replace(tzinfo=None) if isinstance(t, _dt.datetime) else t for t in arr.ravel()]
        return np.array(flat, dtype="datetime64[us]").reshape(arr.shape)
    if np.issubdtype(arr.dtype, np.number):
        if start is None:
            raise ValueError("numeric times are seconds since `start`; pass start=datetime")
        origin = np.datetime64(start.replace(tzinfo=None), "us")
        # Round to whole microseconds so float seconds do not drift by a tick.
        return origin + np.round(arr.astype(np.float64) * 1e6).astype(np.int64) * _US
    raise TypeError(f"cannot interpret times of dtype {arr.dtype} as datetimes")


def _calendar(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fractional day since Jan 1 00:00 [d], year length [d] and clock hour [h] of datetime64s."""
    year0 = t.astype("datetime64[Y]")
    year_len = ((year0 + 1).astype("datetime64[D]") - year0.astype("datetime64[D]")).astype(np.float64)
    day_frac = (t - year0.astype("datetime64[us]")) / np.timedelta64(86400, "s")
    hour = (t - t.astype("datetime64[D]").astype("datetime64[us]")) / _HOUR
    return day_frac, year_len, hour


def _day_angle(t: np.ndarray) -> np.ndarray:
    day_frac, year_len, _ = _calendar(t)
    # Spencer's (doy - 1 + (hour - 12)/24) equals the fractional day minus half a day.
    return 2.0 * np.pi * (day_frac - 0.5) / year_len


def declination_rad(times, start: _dt.datetime | None = None) -> np.ndarray:
    """Solar declination [rad] (Spencer series) at each time."""
    g = _day_angle(as_datetime64(times, start))
    return (0.006918 - 0.399912 * np.cos(g) + 0.070257 * np.sin(g) - 0.006758 * np.cos(2 * g)
            + 0.000907 * np.sin(2 * g) - 0.002697 * np.cos(3 * g) + 0.00148 * np.sin(3 * g))


def equation_of_time_min(times, start: _dt.datetime | None = None) -> np.ndarray:
    """Equation of time [min] (Spencer series): apparent minus mean solar time."""
    g = _day_angle(as_datetime64(times, start))
    return 229.18 * (0.000075 + 0.001868 * np.cos(g) - 0.032077 * np.sin(g)
                     - 0.014615 * np.cos(2 * g) - 0.040849 * np.sin(2 * g))


def _tz_meridian_deg(longitude_deg: float, timezone_h: float | None) -> float:
    if timezone_h is None:
        return 15.0 * round(longitude_deg / 15.0)
    return 15.0 * float(timezone_h)


def solar_noon_h(times, longitude_deg: float, timezone_h: float | None = None,
                 start: _dt.datetime | None = None) -> np.ndarray:
    """Local standard clock hour [h] of solar noon on the day of each time."""
    t = as_datetime64(times, start)
    eot = equation_of_time_min(t)
    return 12.0 - (4.0 * (longitude_deg - _tz_meridian_deg(longitude_deg, timezone_h)) + eot) / 60.0


def cos_zenith(times, latitude_deg: float, longitude_deg: float, timezone_h: float | None = None,
               start: _dt.datetime | None = None) -> np.ndarray:
    """Cosine of the solar zenith angle [-] at each local standard time; negative at night.

    ``latitude_deg`` north positive, ``longitude_deg`` east positive; ``timezone_h`` is the
    offset of local standard time from UTC [h] (default: nearest 15-degree meridian).
    """
    t = as_datetime64(times, start)
    _, _, clock_h = _calendar(t)
    solar_h = clock_h + (4.0 * (longitude_deg - _tz_meridian_deg(longitude_deg, timezone_h))
                         + equation_of_time_min(t)) / 60.0
    omega = np.radians(15.0 * (solar_h - 12.0))
    phi = np.radians(latitude_deg)
    delta = declination_rad(t)
    return np.sin(phi) * np.sin(delta) + np.cos(phi) * np.cos(delta) * np.cos(omega)


def clear_sky_ghi_w_m2(times, latitude_deg: float, longitude_deg: float,
                       timezone_h: float | None = None,
                       start: _dt.datetime | None = None) -> np.ndarray:
    """Clear-sky global horizontal irradiance [W/m2] by the Haurwitz model; 0 when the sun is down.

    ``times``: ``datetime64`` array / datetimes in local standard time, or seconds since ``start``.
    Returns float64 of the same shape as ``times``.
    """
    cz = cos_zenith(times, latitude_deg, longitude_deg, timezone_h, start)
    up = cz > 0.0
    # Guard the division so night samples do not raise warnings; they are zeroed anyway.
    safe = np.where(up, cz, 1.0)
    return np.where(up, 1098.0 * safe * np.exp(-0.057 / safe), 0.0)


def cloud_attenuation(cloud_cover) -> np.ndarray:
    """Kasten-Czeplak factor ``1 - 0.75 c^3.4`` [-] for cloud cover ``c`` (clipped to [0, 1])."""
    c = np.clip(np.asarray(cloud_cover, dtype=np.float64), 0.0, 1.0)
    return 1.0 - 0.75 * c ** 3.4


def cloudy_ghi_w_m2(ghi_clear_w_m2, cloud_cover) -> np.ndarray:
    """GHI under clouds [W/m2]: clear-sky GHI [W/m2] times the Kasten-Czeplak factor."""
    return np.asarray(ghi_clear_w_m2, dtype=np.float64) * cloud_attenuation(cloud_cover)
