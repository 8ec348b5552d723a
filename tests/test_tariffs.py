"""Tests for twin.tariffs."""
from datetime import datetime

import numpy as np
import pytest

from twin.tariffs import (PriceSeries, carbon_intensity, flat_price, real_time_price,
                          time_of_use_price)

H = 3600
DAY = 86400
MIDNIGHT = datetime(2024, 1, 1, 0, 0)
PERIODS = [(7 * H, 0.25), (17 * H, 0.40), (21 * H, 0.25), (23 * H, 0.15)]


def _tou(start=MIDNIGHT, days=2):
    return time_of_use_price(start=start, duration_s=days * DAY, periods=PERIODS)


def _rtp(seed, days=14, start=MIDNIGHT):
    return real_time_price(start=start, duration_s=days * DAY, mean_eur_per_kwh=0.25,
                           daily_swing=0.3, volatility=0.1, rng=np.random.default_rng(seed))


def _co2(seed, days=14):
    return carbon_intensity(start=MIDNIGHT, duration_s=days * DAY, mean_g_per_kwh=300.0,
                            solar_dip=0.4, evening_peak=0.3, noise=0.1,
                            rng=np.random.default_rng(seed))


def _hour_mask(t, hours):
    return np.isin((t // H) % 24, hours)


def test_flat_scalar_array_and_no_change():
    p = flat_price(price_eur_per_kwh=0.3)
    v = p.at(1234)
    assert isinstance(v, float) and v == 0.3
    arr = p.at(np.array([0, 10, 10**9]))
    assert isinstance(arr, np.ndarray) and np.all(arr == 0.3)
    assert p.next_change_after(0) is None
    assert p.unit == "EUR/kWh"


def test_tou_values_and_wrap():
    p = _tou()
    assert p.at(3 * H) == pytest.approx(0.15)  # wrap from 23:00 previous day
    assert p.at(18 * H) == pytest.approx(0.40)
    assert p.at(22 * H) == pytest.approx(0.25)
    assert p.at(12 * H) == pytest.approx(0.25)
    assert p.at(7 * H) == pytest.approx(0.25)  # boundary belongs to the new period
    assert p.at(7 * H - 1) == pytest.approx(0.15)
    assert p.at(23 * H + 30 * 60) == pytest.approx(0.15)
    assert p.next_change_after(0) == 7 * H


def test_tou_change_list_two_days():
    p = _tou()
    day = [7 * H, 17 * H, 21 * H, 23 * H]
    expected = [0] + day + [DAY + t for t in day]
    assert p.change_s.tolist() == expected
    assert p.change_s.dtype == np.int64
    assert p.value.tolist() == pytest.approx([0.15] + [0.25, 0.40, 0.25, 0.15] * 2)


def test_tou_daily_mean():
    p = _tou()
    hand = (7 * 0.15 + 10 * 0.25 + 4 * 0.40 + 2 * 0.25 + 1 * 0.15) / 24
    assert p.mean_over(0, DAY) == pytest.approx(hand)
    assert p.mean_over(DAY, 2 * DAY) == pytest.approx(hand)


def test_tou_start_at_noon_shifts():
    p = _tou(start=datetime(2024, 1, 1, 12, 0))
    assert p.at(0) == pytest.approx(0.25)  # 12:00
    assert p.next_change_after(0) == 5 * H  # 17:00
    assert p.at(6 * H) == pytest.approx(0.40)  # 18:00
    assert p.at(15 * H) == pytest.approx(0.15)  # 03:00 next day
    assert p.change_s[:5].tolist() == [0, 5 * H, 9 * H, 11 * H, 19 * H]


def test_tou_merges_equal_consecutive_prices():
    p = time_of_use_price(start=MIDNIGHT, duration_s=DAY,
                          periods=[(0, 0.2), (6 * H, 0.2), (12 * H, 0.3)])
    assert p.change_s.tolist() == [0, 12 * H]
    assert p.value.tolist() == pytest.approx([0.2, 0.3])


def test_mean_over_partial_interval_spanning_change():
    p = _tou()
    # 06:00-08:00: one hour at 0.15, one hour at 0.25
    assert p.mean_over(6 * H, 8 * H) == pytest.approx(0.20)
    # 06:30-09:00: 30 min at 0.15, 120 min at 0.25
    assert p.mean_over(6 * H + 1800, 9 * H) == pytest.approx((30 * 0.15 + 120 * 0.25) / 150)
    # 16:00-22:00 spans two changes: 1h 0.25, 4h 0.40, 1h 0.25
    assert p.mean_over(16 * H, 22 * H) == pytest.approx((2 * 0.25 + 4 * 0.40) / 6)
    assert p.mean_over(8 * H, 9 * H) == pytest.approx(0.25)  # no change inside
    with pytest.raises(ValueError):
        p.mean_over(10, 10)


def test_price_series_validation():
    with pytest.raises(ValueError):
        PriceSeries(np.array([1, 2]), np.array([0.1, 0.2]), "EUR/kWh")
    with pytest.raises(ValueError):
        PriceSeries(np.array([0, 0]), np.array([0.1, 0.2]), "EUR/kWh")


def test_rtp_reproducible_and_seed_sensitive():
    a, b, c = _rtp(1), _rtp(1), _rtp(2)
    assert np.array_equal(a.value, b.value) and np.array_equal(a.change_s, b.change_s)
    assert a == b
    assert not np.array_equal(a.value, c.value)


def test_rtp_changes_on_hours():
    p = _rtp(3)
    assert p.change_s.tolist() == list(range(0, 14 * DAY, H))
    q = _rtp(3, days=1, start=datetime(2024, 1, 1, 0, 30))
    assert q.change_s[1] == 1800
    assert np.all(q.change_s[1:] % H == 1800)


def test_rtp_evening_above_night_and_positive():
    p = _rtp(4)
    t = p.change_s
    evening = p.value[_hour_mask(t, [18, 19])].mean()
    night = p.value[_hour_mask(t, [1, 2, 3, 4])].mean()
    assert evening > night
    assert np.all(p.value > 0)
    # heavy noise still never yields a non-positive price
    q = real_time_price(start=MIDNIGHT, duration_s=14 * DAY, mean_eur_per_kwh=0.2,
                        daily_swing=1.0, volatility=1.0, rng=np.random.default_rng(5))
    assert np.all(q.value >= 0.002 - 1e-15)


def test_carbon_reproducible_shape_nonnegative():
    a, b = _co2(7), _co2(7)
    assert np.array_equal(a.value, b.value)
    assert a.unit == "g/kWh"
    t = a.change_s
    midday = a.value[_hour_mask(t, [12, 13])].mean()
    evening = a.value[_hour_mask(t, [18, 19])].mean()
    assert midday < evening
    assert np.all(a.value >= 0)
    heavy = carbon_intensity(start=MIDNIGHT, duration_s=14 * DAY, mean_g_per_kwh=300.0,
                             solar_dip=1.5, evening_peak=0.3, noise=1.0,
                             rng=np.random.default_rng(8))
    assert np.all(heavy.value >= 0)
    assert np.all(heavy.change_s % H == 0)


def test_at_vectorized_matches_scalar():
    p = _rtp(9, days=2)
    ts = np.array([0, 1, H - 1, H, 5 * H + 17, 2 * DAY + 10])
    assert np.array_equal(p.at(ts), np.array([p.at(int(x)) for x in ts]))


def test_series_built_again_equal_the_formula_bit_for_bit():
    """The noise-free shapes are kept between calls (an env builds a world per episode); what is
    built the second time is still the module's formula with this call's noise."""
    from twin.tariffs import _ar1, _rtp_shape

    for seed in (1, 2):
        got = _rtp(seed)
        hour = (np.arange(got.change_s.size) % 24) + 0.5
        rel = 1.0 + 0.3 * _rtp_shape(hour) + _ar1(got.change_s.size, 0.1, np.random.default_rng(seed))
        assert np.array_equal(got.value, np.maximum(0.25 * rel, 0.0025))
    assert time_of_use_price(start=MIDNIGHT, duration_s=DAY, periods=PERIODS) == \
        time_of_use_price(start=MIDNIGHT, duration_s=DAY, periods=tuple(PERIODS))
