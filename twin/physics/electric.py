"""Electric devices in a home, one home at a time (compiled; the homes step inlines them): rooftop
PV, home battery, EV charging.

Sign convention: powers in kW are positive when the home draws them from its meter; PV output is
reported positive as generation; battery power is positive when charging, negative discharging.
The functions take and return floats and can be called from Python too.
"""

from __future__ import annotations

from numba import njit

from twin.physics.scalar import clip_to, maximum, minimum

PV_PERFORMANCE_RATIO = 0.85   # inverter, wiring, soiling and mismatch losses (-)
PV_TEMP_COEFF_PER_K = 0.004   # crystalline silicon power loss per K above 25 C cell temperature
PV_NOCT_RISE_K = 25.0         # cell temperature rise above ambient at 800 W/m2 (NOCT 45 C)


@njit(cache=True, inline="always")
def pv_power_kw(kwp: float, ghi_w_m2: float, t_out_c: float) -> float:
    """AC output of a PV system (kW) rated ``kwp`` (kW peak) under ``ghi_w_m2`` irradiance.

    P = kWp * G/1000 * PR * (1 - 0.004 (T_cell - 25)), T_cell = T_out + 25 K * G/800. Modules are
    taken as facing the sky (plane-of-array = global horizontal): a simplification that
    underestimates winter yield of tilted south-facing roofs.
    """
    t_cell = t_out_c + PV_NOCT_RISE_K * ghi_w_m2 / 800.0
    derate = PV_PERFORMANCE_RATIO * (1.0 - PV_TEMP_COEFF_PER_K * (t_cell - 25.0))
    return kwp * (ghi_w_m2 / 1000.0) * derate


@njit(cache=True, inline="always", error_model="numpy")
def battery_limits_kw(soc: float, capacity_kwh: float, power_max_kw: float, soc_min: float, soc_max: float,
                      eff_charge: float, eff_discharge: float, dt_h: float) -> tuple[float, float]:
    """Largest charging and discharging powers (kW, both >= 0) for one step of ``dt_h`` hours.

    Limited by the inverter rating and by the energy room left before ``soc_max`` / ``soc_min``
    after the one-way efficiencies: charging P for dt adds eff_c P dt to the store; discharging P
    removes P dt / eff_d.
    """
    room_kwh = maximum(soc_max - soc, 0.0) * capacity_kwh
    stored_kwh = maximum(soc - soc_min, 0.0) * capacity_kwh
    charge = minimum(power_max_kw, room_kwh / (eff_charge * dt_h))
    discharge = minimum(power_max_kw, stored_kwh * eff_discharge / dt_h)
    return charge, discharge


@njit(cache=True, inline="always", error_model="numpy")
def battery_apply(soc: float, power_kw: float, capacity_kwh: float, eff_charge: float, eff_discharge: float,
                  dt_h: float) -> float:
    """State of charge (fraction of capacity) after drawing ``power_kw`` for ``dt_h`` hours.

    ``power_kw`` must already respect :func:`battery_limits_kw`. A home without a battery has
    capacity 0 and power 0 and keeps its SoC.
    """
    stored = eff_charge * maximum(power_kw, 0.0) - maximum(-power_kw, 0.0) / eff_discharge
    safe_capacity = capacity_kwh if capacity_kwh > 0 else 1.0
    return soc + stored * dt_h / safe_capacity


@njit(cache=True, inline="always")
def self_consumption_kw(net_before_kw: float, charge_max_kw: float, discharge_max_kw: float) -> float:
    """The self-consumption battery rule: soak up PV surplus, cover deficit, never touch the grid.

    Returns battery power (kW, + charging) = -net load before the battery, within the limits.
    """
    return clip_to(-net_before_kw, -discharge_max_kw, charge_max_kw)
