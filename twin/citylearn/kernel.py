"""The CityLearn district step, compiled: every building through one or many time steps per call.

The equations are CityLearn 3.0.2's for a demand-driven building (``citylearn.building.Building``
and ``citylearn.energy_model``), in its order and its floating-point order, so the same actions
give the same kWh (``benchmarks/citylearn_agreement.py``). Per building and time step ``t`` of
``dt_h`` hours, energies in kWh:

- thermal devices serve the measured demand ``D``: a heat pump delivers
  ``min(D, P_nom * COP(T_out) * dt_h)`` for ``/ COP`` of electricity (:func:`cop`), a heater
  ``min(D, P_nom * eff * dt_h)`` for ``/ eff``; what they cannot deliver is counted unmet;
- the battery first loses ``loss`` of its state of charge (not at the first step), then takes the
  action ``a`` in [-1, 1] as ``a * P_nom * dt_h`` requested, limited by the power its
  state-of-charge curve allows, the room left (degraded capacity) or the energy above the depth of
  discharge, and by its efficiency at that power (two fixed-point rounds, CityLearn's); the kWh it
  draws from the building is ``dE / sqrt(eff)`` charging and ``dE * sqrt(eff)`` discharging, and
  its capacity degrades by ``c_loss * C * |that| / (2 * C_degraded)``;
- net = non-shiftable load + cooling + heating + hot water + battery - PV
  (``P_pv * generation_W_per_kW / 1000 * dt_h``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

ZERO_DIVISION = 1e-6  # CityLearn's ZERO_DIVISION_PLACEHOLDER


@njit(cache=True, inline="always", error_model="numpy")
def cop(efficiency: float, supply_c: float, outdoor_c: float, heating: bool) -> float:
    """CityLearn's heat pump COP at ``outdoor_c`` (see :func:`twin.citylearn.params.carnot_cop`)."""
    lift = supply_c - outdoor_c if heating else outdoor_c - supply_c
    if lift == 0.0:
        return 20.0
    c = efficiency * (supply_c + 273.15) / lift
    return 20.0 if c < 0.0 or c > 20.0 else c


@njit(cache=True, inline="always", error_model="numpy")
def _segment(x: np.ndarray, b: int, n: int, v: float) -> int:
    # CityLearn's index (numpy's searchsorted, side left, less one): the segment left of v, the
    # first or last one extrapolated. Curves have a handful of points: a scan beats a bisection.
    i = 0
    while i < n and x[b, i] < v:
        i += 1
    return min(n - 2, max(0, i - 1))


@njit(cache=True, inline="always", error_model="numpy")
def _efficiency_at(x: np.ndarray, y: np.ndarray, b: int, n: int, power_kw: float, nominal_kw: float) -> float:
    # Curves are indexed (building, point) rather than sliced: a row view per call costs more than the math.
    p = min(max(abs(power_kw) / max(nominal_kw, ZERO_DIVISION), 0.0), 1.0)
    i = _segment(x, b, n, p)
    return y[b, i] + (p - x[b, i]) * (y[b, i + 1] - y[b, i]) / (x[b, i + 1] - x[b, i])


@njit(cache=True, inline="always", error_model="numpy")
def _power_at(x: np.ndarray, y: np.ndarray, b: int, n: int, soc: float, nominal_kw: float) -> float:
    i = _segment(x, b, n, soc)
    return nominal_kw * (y[b, i] + (y[b, i + 1] - y[b, i]) * (soc - x[b, i]) / (x[b, i + 1] - x[b, i]))


@njit(cache=True, inline="always", error_model="numpy")
def _served(kind: int, demand: float, power_kw: float, efficiency: float, supply_c: float, outdoor_c: float,
            heating: bool, dt_h: float) -> tuple[float, float]:
    """(electricity kWh, unmet kWh) of a thermal device serving ``demand`` kWh."""
    if kind == 0:
        return 0.0, max(demand, 0.0)
    if demand <= 0.0:
        return 0.0, 0.0
    ratio = cop(efficiency, supply_c, outdoor_c, heating) if kind == 1 else efficiency
    out = min(demand, power_kw * ratio * dt_h)
    return out / ratio, demand - out


@njit(cache=True, nogil=True, error_model="numpy")
def district_step(t: int, t_first: int, action: np.ndarray, dt_h: float, d, s, soc: np.ndarray,
                  capacity_kwh: np.ndarray, out) -> None:
    """Advance every building through time step ``t`` under ``action`` (B,) in [-1, 1] (battery).

    ``t_first``: the episode's first step (batteries lose nothing before it). ``d``:
    :class:`~twin.citylearn.district.DeviceArrays`; ``s``: the series (T, B);
    ``soc`` and ``capacity_kwh`` (degraded) the live state (B,); ``out``: records written at row ``t``.
    """
    for b in range(soc.shape[0]):
        t_out = s.outdoor_c[t, b]
        cool, cool_unmet = _served(d.cooling_kind[b], s.cooling_kwh[t, b], d.cooling_power_kw[b],
                                   d.cooling_efficiency[b], d.cooling_supply_c[b], t_out, False, dt_h)
        heat, heat_unmet = _served(d.heating_kind[b], s.heating_kwh[t, b], d.heating_power_kw[b],
                                   d.heating_efficiency[b], d.heating_supply_c[b], t_out, True, dt_h)
        dhw, dhw_unmet = _served(d.dhw_kind[b], s.dhw_kwh[t, b], d.dhw_power_kw[b], d.dhw_efficiency[b],
                                 d.dhw_supply_c[b], t_out, True, dt_h)
        balance = 0.0
        cap = d.battery_capacity_kwh[b]
        if cap > 0.0 and d.battery_power_kw[b] > 0.0:
            balance = _battery(b, t > t_first, min(max(action[b], -1.0), 1.0), dt_h, d, soc, capacity_kwh)
        pv = d.pv_kw[b] * s.solar_w_per_kw[t, b] / 1000.0 * dt_h
        net = s.load_kwh[t, b] + cool + heat + dhw + balance - pv
        out.net_kwh[t, b] = net
        out.battery_kwh[t, b] = balance
        out.soc[t, b] = soc[b]
        out.cooling_kwh[t, b] = cool
        out.heating_kwh[t, b] = heat
        out.dhw_kwh[t, b] = dhw
        out.pv_kwh[t, b] = pv
        out.unmet_kwh[t, b] = cool_unmet + heat_unmet + dhw_unmet


@njit(cache=True, inline="always", error_model="numpy")
def _battery(b: int, leaks: bool, a: float, dt_h: float, d, soc: np.ndarray, capacity_kwh: np.ndarray) -> float:
    """One battery's step (CityLearn's ``Battery.charge``); returns the kWh it drew (+) or gave (-)."""
    c = d.battery_capacity_kwh[b]
    p_nom = d.battery_power_kw[b]
    floor = 1.0 - d.battery_depth_of_discharge[b]
    if leaks:
        soc[b] = min(max(soc[b] * (1.0 - d.battery_loss_per_step[b]), min(max(floor, 0.0), 1.0)), 1.0)
    e0 = max(soc[b] * c, floor * c)
    degraded = capacity_kwh[b]
    requested = a * p_nom * dt_h
    p_max = max(_power_at(d.battery_power_x, d.battery_power_y, b, d.battery_power_n[b], e0 / max(c, ZERO_DIVISION),
                          p_nom), 0.0)
    e_max = p_max * dt_h
    ex, ey, en = d.battery_efficiency_x, d.battery_efficiency_y, d.battery_efficiency_n[b]
    if requested >= 0.0:
        limited = min(requested, e_max)
        eff = 1.0
        for _ in range(2):
            eff = _efficiency_at(ex, ey, b, en, abs(limited) / dt_h, p_nom)
            rte = max(math.sqrt(eff), ZERO_DIVISION)
            limited = min(requested, e_max, max(degraded - e0, 0.0) / rte)
        rte = math.sqrt(eff)
        e1 = min(e0 + limited * rte, c)
    else:
        limited = min(-requested, e_max)
        eff = 1.0
        for _ in range(2):
            eff = _efficiency_at(ex, ey, b, en, limited / dt_h, p_nom)
            limited = min(-requested, e_max, max(e0 - floor * c, 0.0) * math.sqrt(eff))
        rte = math.sqrt(eff)
        e1 = max(floor * c, e0 - limited / rte)
    soc[b] = e1 / max(c, ZERO_DIVISION)
    delta = e1 - e0
    balance = delta / rte if delta >= 0.0 else delta * rte
    capacity_kwh[b] = max(degraded - d.battery_capacity_loss_coefficient[b] * c * abs(balance)
                          / (2.0 * max(degraded, ZERO_DIVISION)), 0.0)
    return balance


@njit(cache=True, nogil=True, error_model="numpy")
def district_run(t0: int, t_first: int, actions: np.ndarray, dt_h: float, d, s, soc: np.ndarray,
                 capacity_kwh: np.ndarray, out) -> None:
    """Steps ``t0`` … ``t0 + len(actions) - 1`` of the episode starting at ``t_first``, under
    ``actions`` (steps, B), in one call."""
    for k in range(actions.shape[0]):
        district_step(t0 + k, t_first, actions[k], dt_h, d, s, soc, capacity_kwh, out)
