"""Tests for twin.weather: solar geometry, synthetic generator, EPW reader and resampling."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest

from twin.weather import (
    EpwError,
    WeatherSeries,
    clear_sky_ghi_w_m2,
    cloud_attenuation,
    cos_zenith,
    declination_rad,
    deterministic_temp_c,
    epw_weather,
    equation_of_time_min,
    read_epw,
    solar_noon_h,
    synthetic_weather,
)
from twin.weather.synthetic import _ar1, _cloud_cover

BASE = dict(latitude_deg=52.0, longitude_deg=13.4, mean_temp_c=10.0, seasonal_amplitude_k=8.0,
            daily_amplitude_k=4.0, noise_k=1.5, noise_hours=12.0, cloudiness=0.4)


def _weather(seed=1, start=dt.datetime(2023, 1, 1), days=30.0, step_s=900, **over):
    kw = {**BASE, **over}
    return synthetic_weather(start=start, duration_s=int(days * 86400), step_s=step_s,
                             rng=np.random.default_rng(seed), **kw)


def _times(start, n, step_s):
    return np.datetime64(start, "s") + np.arange(n) * np.timedelta64(step_s, "s")


# --- WeatherSeries -------------------------------------------------------------------------

def test_series_length_and_index_at():
    w = _weather(days=1.0, step_s=3600)
    assert len(w) == 25 and w.step_s == 3600
    w2 = _weather(days=1.0 + 1 / 86400, step_s=3600)  # partial last step adds one sample
    assert len(w2) == 26
    assert w.index_at(0) == 0 and w.index_at(3599) == 0 and w.index_at(3600) == 1
    assert w.index_at(10**9) == len(w) - 1
    assert w.temp_c.dtype == np.float64 and w.ghi_w_m2.dtype == np.float64
    with pytest.raises(ValueError):
        w.temp_c[0] = 0.0  # read-only
    with pytest.raises(ValueError):
        WeatherSeries(step_s=60, temp_c=np.zeros(3), ghi_w_m2=np.array([0.0, -1.0, 0.0]))


# --- determinism ----------------------------------------------------------------------------

def test_same_seed_identical_different_seed_differs():
    a, b, c = _weather(seed=7), _weather(seed=7), _weather(seed=8)
    assert np.array_equal(a.temp_c, b.temp_c) and np.array_equal(a.ghi_w_m2, b.ghi_w_m2)
    assert not np.array_equal(a.temp_c, c.temp_c)
    assert not np.array_equal(a.ghi_w_m2, c.ghi_w_m2)


def test_the_noise_free_part_is_shared_and_the_series_equal_the_formula_uncached():
    """Only the noise depends on the seed; the rest is computed once per scenario and kept."""
    start, step, days = dt.datetime(2023, 3, 1), 600, 2.0
    a, b = _weather(seed=3, start=start, days=days, step_s=step), _weather(seed=4, start=start, days=days, step_s=step)
    t = _times(start, len(a), step)
    rng = np.random.default_rng(3)
    noise = _ar1(rng.normal(size=len(a)), math.exp(-step / (12.0 * 3600.0)), 1.5)
    det = deterministic_temp_c(t, latitude_deg=52.0, mean_temp_c=10.0, seasonal_amplitude_k=8.0,
                               daily_amplitude_k=4.0)
    assert np.array_equal(a.temp_c, det + noise)  # bit for bit the uncached sum
    offsets = np.arange(len(a), dtype=np.int64) * step
    ghi = clear_sky_ghi_w_m2(t, 52.0, 13.4) * cloud_attenuation(_cloud_cover(offsets, 0.4, rng))
    assert np.array_equal(a.ghi_w_m2, ghi)
    assert not np.shares_memory(a.temp_c, b.temp_c)


def test_global_random_state_is_not_used():
    np.random.seed(1)
    a = _weather(seed=3)
    np.random.seed(2)
    b = _weather(seed=3)
    assert np.array_equal(a.temp_c, b.temp_c) and np.array_equal(a.ghi_w_m2, b.ghi_w_m2)


# --- temperature ----------------------------------------------------------------------------

def test_january_cold_july_warm():
    jan = _weather(start=dt.datetime(2023, 1, 13), days=14.0)
    jul = _weather(start=dt.datetime(2023, 7, 13), days=14.0)
    assert abs(jan.temp_c.mean() - 2.0) <= 2.5
    assert jul.temp_c.mean() - jan.temp_c.mean() >= 10.0


def test_southern_hemisphere_flips_season():
    jan = _weather(start=dt.datetime(2023, 1, 13), days=14.0, latitude_deg=-35.0)
    jul = _weather(start=dt.datetime(2023, 7, 13), days=14.0, latitude_deg=-35.0)
    assert jan.temp_c.mean() - jul.temp_c.mean() >= 10.0


def test_daily_cycle_afternoon_warmer_than_dawn():
    w = _weather(start=dt.datetime(2023, 3, 1), days=20.0, step_s=900, daily_amplitude_k=4.0)
    per_day = 86400 // 900
    temps = w.temp_c[: 20 * per_day].reshape(20, per_day)
    diff = temps[:, 15 * 4].mean() - temps[:, 5 * 4].mean()
    assert diff == pytest.approx(2 * 4.0, abs=1.5)
    hourly = temps.mean(axis=0)
    assert 4 * 13 <= int(np.argmax(hourly)) <= 4 * 17 and 4 * 3 <= int(np.argmin(hourly)) <= 4 * 7


def test_ar_noise_std_and_correlation():
    start, step = dt.datetime(2023, 1, 1), 900
    noisy = _weather(start=start, days=365.0, step_s=step, noise_k=2.0, noise_hours=6.0)
    quiet = _weather(start=start, days=365.0, step_s=step, noise_k=0.0, noise_hours=6.0)
    resid = noisy.temp_c - quiet.temp_c
    assert resid.std() == pytest.approx(2.0, rel=0.2)
    lag = 3600 // step  # one hour
    rho = np.corrcoef(resid[:-lag], resid[lag:])[0, 1]
    assert rho == pytest.approx(math.exp(-1 / 6), abs=0.06)
    det = deterministic_temp_c(_times(start, len(quiet), step), latitude_deg=52.0, mean_temp_c=10.0,
                               seasonal_amplitude_k=8.0, daily_amplitude_k=4.0)
    np.testing.assert_allclose(quiet.temp_c, det, atol=1e-12)


def test_blocked_ar1_matches_plain_recursion():
    e = np.random.default_rng(5).normal(size=5000)
    phi, sigma = math.exp(-60 / 3600), 1.7  # block length 3000: exercises two blocks
    x = _ar1(e, phi, sigma)
    ref = np.empty_like(e)
    ref[0] = sigma * e[0]
    for k in range(1, e.size):
        ref[k] = phi * ref[k - 1] + sigma * math.sqrt(1 - phi * phi) * e[k]
    np.testing.assert_allclose(x, ref, rtol=1e-9, atol=1e-12)


# --- solar and clouds -----------------------------------------------------------------------

def test_clear_sky_noon_solstices_at_52n():
    for day, lo, hi in ((dt.datetime(2023, 6, 21), 800, 1000), (dt.datetime(2023, 12, 21), 100, 300)):
        noon = float(solar_noon_h(np.array([np.datetime64(day)]), 13.4)[0])
        t = np.array([np.datetime64(day) + np.timedelta64(int(noon * 3600), "s")])
        ghi = clear_sky_ghi_w_m2(t, 52.0, 13.4)[0]
        assert lo <= ghi <= hi
        # solar noon is where the sun is highest
        around = t[0] + np.arange(-7200, 7201, 60) * np.timedelta64(1, "s")
        assert abs(int(np.argmax(cos_zenith(around, 52.0, 13.4))) - 120) <= 1


def test_declination_equation_of_time_and_noon():
    t = np.array(["2023-06-21T12:00", "2023-12-21T12:00", "2023-11-03T12:00", "2023-02-11T12:00"],
                 dtype="datetime64[m]")
    np.testing.assert_allclose(np.degrees(declination_rad(t[:2])), [23.44, -23.44], atol=0.3)
    np.testing.assert_allclose(equation_of_time_min(t[2:]), [16.4, -14.2], atol=1.0)
    # Berlin (13.4 E) keeps 15 E time: solar noon about 6 min late plus the equation of time.
    np.testing.assert_allclose(solar_noon_h(t[2:], 13.4), [12.0 + (6.4 - 16.4) / 60, 12.0 + (6.4 + 14.2) / 60],
                               atol=0.02)
    # An explicit UTC clock moves solar noon to about 11:06.
    assert solar_noon_h(t[3:], 13.4, timezone_h=0.0)[0] == pytest.approx(12.0 - (53.6 - 14.2) / 60, abs=0.02)


def test_haurwitz_formula():
    t = np.datetime64("2023-04-15T00:00") + np.arange(0, 24 * 60, 7) * np.timedelta64(1, "m")
    cz = cos_zenith(t, 40.0, -3.7)
    ghi = clear_sky_ghi_w_m2(t, 40.0, -3.7)
    day = cz > 0
    np.testing.assert_allclose(ghi[day], 1098.0 * cz[day] * np.exp(-0.057 / cz[day]))
    assert np.all(ghi[~day] == 0.0) and ghi.shape == t.shape


def test_numeric_seconds_equal_datetime64_times():
    start = dt.datetime(2023, 5, 3, 4, 0)
    secs = np.arange(0, 86400, 600, dtype=np.float64)
    a = clear_sky_ghi_w_m2(secs, 48.0, 2.3, start=start)
    b = clear_sky_ghi_w_m2(_times(start, secs.size, 600), 48.0, 2.3)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError):
        clear_sky_ghi_w_m2(secs, 48.0, 2.3)


def test_ghi_zero_at_night_positive_at_noon_when_clear():
    start, step = dt.datetime(2023, 4, 1), 600
    w = _weather(start=start, days=5.0, step_s=step, cloudiness=0.0)
    t = _times(start, len(w), step)
    cz = cos_zenith(t, 52.0, 13.4)
    assert np.all(w.ghi_w_m2[cz <= 0] == 0.0) and np.any(cz <= 0)
    assert np.all(w.ghi_w_m2[cz > 0.01] > 0.0)
    np.testing.assert_array_equal(w.ghi_w_m2, clear_sky_ghi_w_m2(t, 52.0, 13.4))
    noon = float(solar_noon_h(t[:1], 13.4)[0])
    assert w.ghi_w_m2[w.index_at(int(noon * 3600))] > 300.0


def test_cloud_attenuation_and_overcast():
    np.testing.assert_allclose(cloud_attenuation([0.0, 0.5, 1.0]), [1.0, 1 - 0.75 * 0.5 ** 3.4, 0.25])
    start = dt.datetime(2023, 6, 1)
    clear = _weather(start=start, days=3.0, cloudiness=0.0)
    overcast = _weather(start=start, days=3.0, cloudiness=1.0)
    np.testing.assert_allclose(overcast.ghi_w_m2, 0.25 * clear.ghi_w_m2)
    np.testing.assert_array_equal(overcast.temp_c, clear.temp_c)  # same draws regardless of clouds


@pytest.mark.parametrize("cloudiness", [0.2, 0.5, 0.8])
def test_cloud_cover_mean_follows_cloudiness(cloudiness):
    offsets = np.arange(0, 3 * 365 * 86400 + 1, 3600)
    c = _cloud_cover(offsets, cloudiness, np.random.default_rng(11))
    assert np.all((c >= 0) & (c <= 1))
    assert c.mean() == pytest.approx(cloudiness, abs=0.06)
    assert c.std() > 0.1  # it actually varies


# --- EPW ------------------------------------------------------------------------------------

EPW_YEAR = 2019
HEADER = [
    "LOCATION,Testville,TS,XYZ,SYN,123456,52.47,13.40,1.0,49.0",
    "DESIGN CONDITIONS,0",
    "TYPICAL/EXTREME PERIODS,0",
    "GROUND TEMPERATURES,0",
    "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0",
    "COMMENTS 1,synthetic test file",
    "COMMENTS 2,",
    "DATA PERIODS,1,1,Data,Tuesday, 1/ 1,12/31",
]


def _epw_values():
    k = np.arange(8760)
    # The slow trend (0.12 K/day) keeps every day's values distinct after rounding to 0.1 K.
    temp = np.round(-15.0 + 10.0 * np.sin(2 * np.pi * k / 24.0) + k / 200.0, 1)
    mid = np.datetime64(f"{EPW_YEAR}-01-01T00:30") + k * np.timedelta64(60, "m")
    ghi = np.round(clear_sky_ghi_w_m2(mid, 52.47, 13.40, timezone_h=1.0))
    return temp, ghi


def _epw_lines():
    temp, ghi = _epw_values()
    rows = []
    for k in range(8760):
        t = dt.datetime(EPW_YEAR, 1, 1) + dt.timedelta(hours=k)
        fields = [EPW_YEAR, t.month, t.day, t.hour + 1, 60, "?9?9?9?9E0?9?9?9?9?9?9?9?9?9?9?9?9?9?9?9*9*9?9",
                  f"{temp[k]:.1f}", 0.0, 70, 101325, 0, 1415, 300, int(ghi[k]), 0, 0]
        fields += [0] * (35 - len(fields))
        rows.append(",".join(str(f) for f in fields))
    return HEADER + rows


def _write(tmp_path, lines, name="test.epw"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    return path


@pytest.fixture(scope="module")
def epw(tmp_path_factory):
    return read_epw(_write(tmp_path_factory.mktemp("epw"), _epw_lines()))


def test_read_epw_location_and_rows(epw):
    assert epw.city == "Testville"
    assert (epw.latitude_deg, epw.longitude_deg, epw.timezone_h) == (52.47, 13.40, 1.0)
    temp, ghi = _epw_values()
    np.testing.assert_allclose(epw.temp_c, temp)
    np.testing.assert_allclose(epw.ghi_w_m2, ghi)
    assert epw.hour.min() == 1 and epw.hour.max() == 24 and len(epw.month) == 8760
    assert (epw.month[-1], epw.day[-1], epw.hour[-1]) == (12, 31, 24)


def test_epw_weather_half_hours_and_interpolation(epw):
    w = epw_weather(epw, start=dt.datetime(2023, 3, 10), duration_s=2 * 86400, step_s=900)
    row0 = (31 + 28 + 9) * 24  # Mar 10, hour ending 1
    for h in range(47):
        assert w.temp_c[4 * h + 2] == pytest.approx(epw.temp_c[row0 + h])  # HH:30 = hour ending HH+1
        assert w.ghi_w_m2[4 * h + 2] == pytest.approx(epw.ghi_w_m2[row0 + h])
        a, b = epw.temp_c[row0 + h], epw.temp_c[row0 + h + 1]
        assert w.temp_c[4 * h + 4] == pytest.approx(0.5 * (a + b))
        assert w.temp_c[4 * h + 3] == pytest.approx(0.75 * a + 0.25 * b)
    assert np.all(w.ghi_w_m2 >= 0) and len(w) == 2 * 96 + 1
    assert w.ghi_w_m2.max() > 200  # daytime sun survives the resampling


def test_epw_weather_wraps_at_year_end(epw):
    w = epw_weather(epw, start=dt.datetime(2022, 12, 31, 20, 0), duration_s=10 * 3600, step_s=1800)
    assert w.temp_c[1] == pytest.approx(epw.temp_c[8760 - 4])  # Dec 31 20:30 = hour ending 21
    assert w.temp_c[9] == pytest.approx(epw.temp_c[0])  # Jan 1 00:30
    assert w.temp_c[8] == pytest.approx(0.5 * (epw.temp_c[-1] + epw.temp_c[0]))
    assert w.temp_c[13] == pytest.approx(epw.temp_c[2])  # Jan 1 02:30


def test_epw_weather_leap_day_uses_feb_28(epw):
    w = epw_weather(epw, start=dt.datetime(2024, 2, 29), duration_s=2 * 86400, step_s=1800)
    feb28, mar1 = (31 + 27) * 24, (31 + 28) * 24
    assert epw.temp_c[feb28] != epw.temp_c[mar1]
    assert w.temp_c[1] == pytest.approx(epw.temp_c[feb28])
    assert w.temp_c[48 + 1] == pytest.approx(epw.temp_c[mar1])


def test_epw_truncated_file(tmp_path):
    path = _write(tmp_path, _epw_lines()[:8 + 100])
    with pytest.raises(EpwError, match="8760") as info:
        read_epw(path)
    assert str(path) in str(info.value) and "100" in str(info.value)


def test_epw_non_numeric_temperature_names_line(tmp_path):
    lines = _epw_lines()
    fields = lines[58].split(",")  # file line 59
    fields[6] = "warm"
    lines[58] = ",".join(fields)
    path = _write(tmp_path, lines)
    with pytest.raises(EpwError) as info:
        read_epw(path)
    assert f"{path}:59:" in str(info.value) and "temperature" in str(info.value)


@pytest.mark.parametrize("field, marker, what", [(13, "9999", "radiation"), (6, "99.9", "temperature")])
def test_epw_missing_value_marker_names_line(tmp_path, field, marker, what):
    lines = _epw_lines()
    fields = lines[1000].split(",")
    fields[field] = marker
    lines[1000] = ",".join(fields)
    path = _write(tmp_path, lines)
    with pytest.raises(EpwError, match="missing") as info:
        read_epw(path)
    assert f"{path}:1001:" in str(info.value) and what in str(info.value)


def test_epw_missing_location_line(tmp_path):
    path = _write(tmp_path, _epw_lines()[1:])
    with pytest.raises(EpwError, match="LOCATION") as info:
        read_epw(path)
    assert f"{path}:1:" in str(info.value)


def test_epw_short_row_and_out_of_order_rows(tmp_path):
    lines = _epw_lines()
    short = list(lines)
    short[20] = ",".join(short[20].split(",")[:10])
    with pytest.raises(EpwError, match=r":21: .*fields"):
        read_epw(_write(tmp_path, short, "short.epw"))
    swapped = list(lines)
    swapped[30], swapped[31] = swapped[31], swapped[30]
    with pytest.raises(EpwError, match=":31: "):
        read_epw(_write(tmp_path, swapped, "swapped.epw"))


def test_epw_missing_file_is_epw_error(tmp_path):
    with pytest.raises(EpwError, match="nope.epw"):
        read_epw(tmp_path / "nope.epw")


def test_epw_weather_clips_negative_ghi_and_rejects_gaps(epw):
    night_negative = dataclasses.replace(epw, ghi_w_m2=epw.ghi_w_m2 - 5.0)
    w = epw_weather(night_negative, start=dt.datetime(2023, 1, 5), duration_s=86400, step_s=600)
    assert w.ghi_w_m2.min() == 0.0 and w.ghi_w_m2.max() > 0.0
    gappy = dataclasses.replace(epw, month=epw.month[:4000], day=epw.day[:4000], hour=epw.hour[:4000])
    with pytest.raises(EpwError, match="no data"):
        epw_weather(gappy, start=dt.datetime(2023, 12, 1), duration_s=3600, step_s=600)
