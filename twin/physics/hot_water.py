"""Domestic hot-water tank: one fully mixed node per home, stepped exactly over a step.

State: the tank temperature ``T`` (C) of a tank holding ``V`` litres, heat capacity
``C = V x WATER_J_PER_L_K`` (J/K). Over a step the heater's heat ``P`` (W), the loss to the
indoor air through ``UA`` (W/K, at the air temperature ``T_i``) and the draws are held, so::

    C dT/dt = P - UA (T - T_i) - D(T)

is linear with constant coefficients and its exact solution is used. Draws are mixed at the tap to
the use temperature ``T_u`` from tank water and mains water at ``T_c``: a demand of ``G`` W/K
(litres per second at the tap x WATER_J_PER_L_K) takes the constant heat ``D = G (T_u - T_c)``
while the tank is at least ``T_u`` at the start of the step; below that the tap gets tank water
only, ``D(T) = G (T - T_c)``, and the shortfall ``G (T_u - mean T) dt`` is the step's unmet hot
water. (The regime is the one at the step's start: with one-minute steps a tank crossing ``T_u``
mid-step is off by at most a step of draw.) Either way ``C (T' - T) = P dt - loss - draw`` holds
exactly for the energies returned.
"""

from __future__ import annotations

import math

from numba import njit

#: Heat capacity of a litre of water (J/K): 1 kg x 4,186 J/(kg K).
WATER_J_PER_L_K = 4186.0
#: Hours a day someone is awake at home, over which a day's hot-water draws are spread (h).
AWAKE_AT_HOME_H = 10.0


@njit(cache=True, inline="always")
def tank_step(temp_c: float, capacity_j_k: float, ua_w_k: float, heat_w: float, indoor_c: float,
              draw_w_k: float, use_c: float, cold_c: float, dt_s: float) -> tuple[float, float, float, float]:
    """One step of a tank at ``temp_c`` (C): returns (new temperature C, heat lost to the indoor
    air J, heat drawn J, heat the draws lacked J). ``draw_w_k`` is the tap's demand (W/K of mixed
    water at ``use_c``); ``capacity_j_k`` must be positive (the homes step skips homes without a tank)."""
    if temp_c >= use_c:  # a mixing valve: the draw is a constant heat sink
        g, sink_w = 0.0, draw_w_k * (use_c - cold_c)
    else:  # tank water only, at whatever temperature it has
        g, sink_w = draw_w_k, draw_w_k * (0.0 - cold_c)
    # C dT/dt = r - k T with r = P + UA T_i - sink, k = UA + g. Written around T (rather than around
    # the settled r / k) so a tank with almost no loss or draw keeps its precision:
    # T' = T + (r - k T) dt / C x phi(x) and mean T = T + (r - k T) dt / C x psi(x), x = k dt / C.
    k = ua_w_k + g
    rate_k = (heat_w + ua_w_k * indoor_c - sink_w - k * temp_c) * dt_s / capacity_j_k
    x = k * dt_s / capacity_j_k
    if x < 1e-4:  # series of phi = (1 - e^-x) / x and psi = (x - 1 + e^-x) / x^2
        phi, psi = 1.0 - x / 2.0 + x * x / 6.0, 0.5 - x / 6.0 + x * x / 24.0
    else:
        phi, psi = -math.expm1(-x) / x, (x + math.expm1(-x)) / (x * x)
    new_c = temp_c + rate_k * phi
    mean_c = temp_c + rate_k * psi
    loss_j = ua_w_k * (mean_c - indoor_c) * dt_s
    drawn_j = (sink_w + g * mean_c) * dt_s
    unmet_j = max(draw_w_k * (use_c - mean_c), 0.0) * dt_s if g > 0.0 else 0.0
    return new_c, loss_j, drawn_j, unmet_j
