"""The physics equations on their own: exact 2R2C stepping, COP, PV and battery limits."""

from __future__ import annotations

import numpy as np
import pytest

from twin.physics.electric import battery_apply, battery_limits_kw, pv_power_kw, self_consumption_kw
from twin.physics.thermal import RCParams, ThermalStep, expm_2x2, heat_pump_cop


def _rc(n: int = 5, seed: int = 0) -> RCParams:
    rng = np.random.default_rng(seed)
    ua = rng.uniform(80, 250, n)
    return RCParams(c_air_j_k=rng.uniform(2e6, 9e6, n), c_mass_j_k=rng.uniform(2e7, 8e7, n),
                    h_air_mass_w_k=15 * ua, h_air_out_w_k=0.35 * ua, h_mass_out_w_k=0.7 * ua)


def _expm_by_eig(m: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eig(m)
    return np.real(vecs @ np.diag(np.exp(vals)) @ np.linalg.inv(vecs))


def test_closed_form_expm_matches_eigendecomposition():
    a, _ = _rc().system_matrices()
    for dt in (1.0, 60.0, 3600.0):
        ours = expm_2x2(a * dt)
        for i in range(a.shape[0]):
            np.testing.assert_allclose(ours[i], _expm_by_eig(a[i] * dt), rtol=1e-10, atol=1e-13)


def test_step_follows_analytic_relaxation_for_constant_inputs():
    rc = _rc()
    a, b = rc.system_matrices()
    u = np.array([-3.0, 400.0, 150.0])  # outdoor C, W to air, W to mass
    x0 = np.array([21.0, 19.0])
    step = ThermalStep.from_params(rc, 300.0)
    ta, tm = np.full(5, x0[0]), np.full(5, x0[1])
    for _ in range(288):  # one day of 5-minute steps
        ta, tm = step.step(ta, tm, u[0], np.full(5, u[1]), np.full(5, u[2]))
    for i in range(5):
        x_ss = -np.linalg.solve(a[i], b[i] @ u)
        expected = x_ss + _expm_by_eig(a[i] * 86400.0) @ (x0 - x_ss)
        np.testing.assert_allclose([ta[i], tm[i]], expected, rtol=1e-9)


def test_steady_state_loss_equals_ua():
    rc = _rc()
    a, b = rc.system_matrices()
    heat_w = 1000.0
    for i in range(5):
        x_ss = -np.linalg.solve(a[i], b[i] @ np.array([0.0, heat_w, 0.0]))
        assert x_ss[0] == pytest.approx(heat_w / rc.ua_w_k()[i], rel=1e-9)


def test_cop_falls_as_outdoor_air_gets_colder():
    temps = np.array([15.0, 7.0, 0.0, -7.0, -15.0])
    cop = np.array([heat_pump_cop(t, 35.0) for t in temps])
    assert np.all(np.diff(cop) < 0)
    assert 4.0 < cop[1] < 6.0 and 2.5 < cop[3] < 4.0


def test_pv_zero_in_the_dark_and_derated_when_hot():
    kwp = 5.0
    assert pv_power_kw(kwp, 0.0, 10.0) == 0.0
    cool, hot = pv_power_kw(kwp, 1000.0, 0.0), pv_power_kw(kwp, 1000.0, 35.0)
    assert 3.5 < hot < cool < 5.0


def test_battery_limits_keep_soc_inside_bounds_exactly():
    cap, p_max, lo, hi, eff = 10.0, 5.0, 0.1, 0.9, 0.95
    soc = 0.88
    charge, discharge = battery_limits_kw(soc, cap, p_max, lo, hi, eff, eff, 1.0)
    assert charge == pytest.approx(0.02 * 10 / 0.95)
    assert battery_apply(soc, charge, cap, eff, eff, 1.0) == pytest.approx(0.9)
    soc = 0.12
    charge, discharge = battery_limits_kw(soc, cap, p_max, lo, hi, eff, eff, 1.0)
    assert battery_apply(soc, -discharge, cap, eff, eff, 1.0) == pytest.approx(0.1)


def test_self_consumption_charges_on_surplus_and_covers_deficit_only():
    power = [self_consumption_kw(net, 5.0, 1.0) for net in (-3.0, 2.0, 0.0)]
    np.testing.assert_allclose(power, [3.0, -1.0, 0.0])


def test_a_coarse_step_lands_where_fine_steps_do_while_the_inputs_hold():
    # Zero-order hold is exact: one hourly step, four 15-minute steps and sixty 1-minute steps of the
    # same held inputs reach the same state, so `resolution: 1h` loses nothing in the RC model itself.
    rc = _rc()
    u_out, q_air, q_mass = 2.0, np.full(5, 1500.0), np.full(5, 200.0)
    ends = []
    for dt_s, steps in ((3600.0, 1), (900.0, 4), (60.0, 60)):
        step = ThermalStep.from_params(rc, dt_s)
        ta, tm = np.full(5, 20.0), np.full(5, 18.0)
        for _ in range(steps):
            ta, tm = step.step(ta, tm, u_out, q_air, q_mass)
        ends.append(np.r_[ta, tm])
    np.testing.assert_allclose(ends[1], ends[0], rtol=1e-11)
    np.testing.assert_allclose(ends[2], ends[0], rtol=1e-11)
