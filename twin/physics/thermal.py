"""Home thermal model: a 2R2C network per home, stepped exactly for all homes at once.

States (C): indoor air ``T_a`` and envelope/internal mass ``T_m``. Parameters per home:
``C_a``, ``C_m`` heat capacities (J/K); conductances (W/K) ``H_am`` air<->mass, ``H_ao``
air<->outdoor (windows, ventilation) and ``H_mo`` mass<->outdoor (walls, roof). Inputs: outdoor
temperature ``T_o`` (C), heat into the air ``Q_a`` (W: heating, people, appliances) and heat into
the mass ``Q_m`` (W: sun through windows)::

    C_a dT_a/dt = H_am (T_m - T_a) + H_ao (T_o - T_a) + Q_a
    C_m dT_m/dt = H_am (T_a - T_m) + H_mo (T_o - T_m) + Q_m

i.e. dx/dt = A x + B u with x = [T_a, T_m], u = [T_o, Q_a, Q_m]. Inputs are held constant over a
step (zero-order hold), so the exact discrete map is x' = Ad x + Bd u with Ad = expm(A dt) and
Bd = A^-1 (Ad - I) B. Both are computed once per home in closed form (2x2 matrices), so a step is
ten multiply-adds per home, exact for any ``dt`` and unconditionally stable.

The overall steady-state loss coefficient is UA = H_ao + (H_am H_mo)/(H_am + H_mo) (W/K).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from twin.physics.scalar import clip_between, maximum

# Sensible heat one person at home gives off (W), a common design figure.
OCCUPANT_GAIN_W = 80.0
# Share of the Carnot COP an air-source heat pump reaches (-).
CARNOT_EFFICIENCY = 0.45
# A reversed heat pump cooling: its evaporator's temperature (C) and how far its condenser runs
# above the outdoor air (K), common figures for split air-to-air units.
COOLING_EVAPORATOR_C = 7.0
COOLING_CONDENSER_APPROACH_K = 10.0


@dataclass(frozen=True)
class RCParams:
    """2R2C parameters per home (arrays of shape (n,))."""

    c_air_j_k: np.ndarray
    c_mass_j_k: np.ndarray
    h_air_mass_w_k: np.ndarray
    h_air_out_w_k: np.ndarray
    h_mass_out_w_k: np.ndarray

    def system_matrices(self) -> tuple[np.ndarray, np.ndarray]:
        """Continuous-time A (n,2,2) in 1/s and B (n,2,3) in K/s per (C, W, W)."""
        ca, cm = self.c_air_j_k, self.c_mass_j_k
        ham, hao, hmo = self.h_air_mass_w_k, self.h_air_out_w_k, self.h_mass_out_w_k
        n = ca.shape[0]
        a = np.empty((n, 2, 2))
        a[:, 0, 0] = -(ham + hao) / ca
        a[:, 0, 1] = ham / ca
        a[:, 1, 0] = ham / cm
        a[:, 1, 1] = -(ham + hmo) / cm
        b = np.zeros((n, 2, 3))
        b[:, 0, 0] = hao / ca
        b[:, 0, 1] = 1.0 / ca
        b[:, 1, 0] = hmo / cm
        b[:, 1, 2] = 1.0 / cm
        return a, b

    def ua_w_k(self) -> np.ndarray:
        """Steady-state heat loss coefficient per home (W/K)."""
        ham, hmo = self.h_air_mass_w_k, self.h_mass_out_w_k
        return self.h_air_out_w_k + ham * hmo / (ham + hmo)


@dataclass(frozen=True)
class ThermalStep:
    """Exact discrete-time coefficients for one step of ``dt_s`` seconds, per home.

    ``ad`` (n,2,2) is dimensionless; ``bd`` (n,2,3) maps [T_o (C), Q_a (W), Q_m (W)] to K.
    """

    ad: np.ndarray
    bd: np.ndarray

    @classmethod
    def from_params(cls, params: RCParams, dt_s: float) -> "ThermalStep":
        """Discretize ``params`` exactly for a step of ``dt_s`` seconds (zero-order hold)."""
        a, b = params.system_matrices()
        ad = expm_2x2(a * dt_s)
        eye = np.eye(2)[None]
        bd = np.einsum("nij,njk->nik", inv_2x2(a), np.einsum("nij,njk->nik", ad - eye, b))
        return cls(ad=ad, bd=bd)

    def step(self, t_air_c: np.ndarray, t_mass_c: np.ndarray, t_out_c: float,
             q_air_w: np.ndarray, q_mass_w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """New (T_a, T_m) in C of every home after one step; inputs held constant over it."""
        n = t_air_c.shape[0]
        air, mass = np.empty(n), np.empty(n)
        for h in range(n):
            air[h], mass[h] = rc_step(self.ad, self.bd, h, t_air_c[h], t_mass_c[h], t_out_c, q_air_w[h], q_mass_w[h])
        return air, mass


@njit(cache=True, inline="always")
def rc_step(ad: np.ndarray, bd: np.ndarray, h: int, t_air_c: float, t_mass_c: float, t_out_c: float,
            q_air_w: float, q_mass_w: float) -> tuple[float, float]:
    """Home ``h``'s new (T_a, T_m) in C after one step of :class:`ThermalStep` ``ad``, ``bd``."""
    air = (ad[h, 0, 0] * t_air_c + ad[h, 0, 1] * t_mass_c
           + bd[h, 0, 0] * t_out_c + bd[h, 0, 1] * q_air_w + bd[h, 0, 2] * q_mass_w)
    mass = (ad[h, 1, 0] * t_air_c + ad[h, 1, 1] * t_mass_c
            + bd[h, 1, 0] * t_out_c + bd[h, 1, 1] * q_air_w + bd[h, 1, 2] * q_mass_w)
    return air, mass


def expm_2x2(m: np.ndarray) -> np.ndarray:
    """Matrix exponential of a stack of real 2x2 matrices with real eigenvalues, shape (n,2,2).

    expm(M) = e^s [cosh(q) I + sinh(q)/q (M - s I)], s = tr(M)/2, q = sqrt(s^2 - det M).
    RC networks always have real eigenvalues (q^2 >= 0); q -> 0 uses sinh(q)/q -> 1.
    """
    s = 0.5 * (m[:, 0, 0] + m[:, 1, 1])
    det = m[:, 0, 0] * m[:, 1, 1] - m[:, 0, 1] * m[:, 1, 0]
    q2 = s * s - det
    if np.any(q2 < -1e-12 * np.maximum(s * s, 1e-300)):
        raise ValueError("matrix has complex eigenvalues; not an RC network")
    q = np.sqrt(np.maximum(q2, 0.0))
    sinhc = np.where(q > 1e-8, np.sinh(q) / np.where(q > 1e-8, q, 1.0), 1.0)
    eye = np.eye(2)[None]
    shifted = m - s[:, None, None] * eye
    return np.exp(s)[:, None, None] * (np.cosh(q)[:, None, None] * eye + sinhc[:, None, None] * shifted)


def inv_2x2(m: np.ndarray) -> np.ndarray:
    """Inverse of a stack of 2x2 matrices, shape (n,2,2)."""
    det = m[:, 0, 0] * m[:, 1, 1] - m[:, 0, 1] * m[:, 1, 0]
    out = np.empty_like(m)
    out[:, 0, 0] = m[:, 1, 1] / det
    out[:, 0, 1] = -m[:, 0, 1] / det
    out[:, 1, 0] = -m[:, 1, 0] / det
    out[:, 1, 1] = m[:, 0, 0] / det
    return out


@njit(cache=True, inline="always")
def heat_pump_cop(t_out_c: float, t_sink_c: float) -> float:
    """Coefficient of performance of an air-source heat pump (heat out / electricity in, -).

    COP = eta * T_sink / (T_sink - T_out) in kelvin (a fixed fraction eta, ``CARNOT_EFFICIENCY``,
    of the Carnot COP), with the lift floored at 5 K and the result clipped to [1, 7]: it falls as
    the outdoor air gets colder, from about 5 at 7 C to about 3 at -10 C for a 35 C sink.
    """
    sink_k = t_sink_c + 273.15
    lift_k = maximum(sink_k - (t_out_c + 273.15), 5.0)
    return clip_between(CARNOT_EFFICIENCY * sink_k / lift_k, 1.0, 7.0)


@njit(cache=True, inline="always")
def cooling_cop(t_out_c: float) -> float:
    """Coefficient of performance of a reversed air-source heat pump cooling (heat removed /
    electricity in, -).

    COP = eta * T_evap / (T_out + approach - T_evap) in kelvin, the same share eta of the Carnot
    COP as heating, lift floored at 5 K, clipped to [1, 7]: it falls as the outdoor air gets hotter,
    from about 4.5 at 25 C to 3.3 at 35 C and 3.0 at 39 C.
    """
    evap_k = COOLING_EVAPORATOR_C + 273.15
    lift_k = maximum(t_out_c + COOLING_CONDENSER_APPROACH_K - COOLING_EVAPORATOR_C, 5.0)
    return clip_between(CARNOT_EFFICIENCY * evap_k / lift_k, 1.0, 7.0)
