"""State and parameter arrays of the homes subsystem (structure of arrays, one entry per home).

Devices a home lacks are present with zero size (0 kWp, 0 kWh, 0 kW) so every step is one numpy
expression over all homes; the device graph only holds nodes for devices that exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from twin.engine import ArrayState

if TYPE_CHECKING:  # the thermal module compiles (numba); the viewer reads these states without it
    from twin.physics.thermal import RCParams, ThermalStep

AWAY, AWAKE, ASLEEP = 0, 1, 2  # occupancy states


@dataclass(frozen=True)
class HomeParams:
    """Fixed parameters per home, shape (n,) each; units in the names."""

    archetype: np.ndarray          # int8 index into ARCHETYPE_NAMES
    feeder: np.ndarray             # int32 feeder index
    persons: np.ndarray            # int8
    worker: np.ndarray             # bool: out at work on weekdays
    rc: RCParams
    thermal: ThermalStep           # exact step for the scenario's resolution
    solar_aperture_m2: np.ndarray
    has_heat_pump: np.ndarray      # bool; homes without one heat with a (non-metered) gas boiler
    hp_elec_max_kw: np.ndarray
    hp_sink_c: np.ndarray
    boiler_heat_max_kw: np.ndarray
    standby_kw: np.ndarray
    active_kw: np.ndarray
    pv_kwp: np.ndarray
    bat_capacity_kwh: np.ndarray
    bat_power_kw: np.ndarray
    bat_soc_min: np.ndarray
    bat_soc_max: np.ndarray
    bat_eff_charge: np.ndarray
    bat_eff_discharge: np.ndarray
    ev_charger_kw: np.ndarray
    ev_capacity_kwh: np.ndarray
    ev_kwh_per_km: np.ndarray
    ev_efficiency: float
    setpoint_c: float
    setback_c: float | None
    deadband_k: float
    comfort_low_c: float
    comfort_high_c: float
    cooling_setpoint_c: float | None  # heat pumps cool above it; None: they only heat
    # Hot-water tanks (zero volume and heater where a home has none; see twin.physics.hot_water).
    dhw_volume_l: np.ndarray
    dhw_heater_kw: np.ndarray      # heater's electric power
    dhw_ua_w_k: np.ndarray         # loss to the indoor air
    dhw_draw_w_k: np.ndarray       # tap demand while someone is awake at home (litres/s x 4,186 J/(L K))
    dhw_heat_pump: bool            # heaters are heat pumps (else electric elements)
    dhw_setpoint_c: float
    dhw_deadband_k: float
    dhw_max_c: float
    dhw_use_c: float
    dhw_cold_c: float

    @property
    def n(self) -> int:
        """Number of homes."""
        return int(self.archetype.shape[0])

    @property
    def has_hot_water(self) -> np.ndarray:
        """(n,) bool: which homes have a hot-water tank (a volume above zero)."""
        return self.dhw_volume_l > 0


@dataclass
class HomeState(ArrayState):
    """Live state per home, shape (n,) each. ``*_cmd`` fields are what external controllers set."""

    temp_air_c: np.ndarray
    temp_mass_c: np.ndarray
    heating_on: np.ndarray         # bool: thermostat relay
    cooling_on: np.ndarray         # bool: thermostat's cooling relay (reversible heat pumps)
    occupancy: np.ndarray          # int8: AWAY, AWAKE or ASLEEP
    activity: np.ndarray           # multiplier on active load, redrawn with occupancy
    soc: np.ndarray                # battery state of charge, fraction of capacity
    ev_present: np.ndarray         # bool
    ev_need_kwh: np.ndarray        # energy the present EV still wants (battery side)
    ev_depart_s: np.ndarray        # int64 departure of the present EV
    ev_next_arrive_s: np.ndarray   # int64 next arrival, -1 if none drawn
    ev_next_depart_s: np.ndarray
    ev_next_need_kwh: np.ndarray
    heat_cmd: np.ndarray           # external heat-pump command, fraction of max (0..1; -1..0 cools)
    dhw_temp_c: np.ndarray         # hot-water tank temperature (C; homes without one: cold_c)
    dhw_on: np.ndarray             # bool: tank thermostat relay
    dhw_cmd: np.ndarray            # external hot-water heater command, fraction of its power (0..1)
    battery_cmd_kw: np.ndarray     # external battery command, kW (+ charge)
    ev_cmd_kw: np.ndarray          # external EV charging command, kW
    # Powers over the last step (kW; heat in W), kept for controllers, tests and the viewer.
    base_kw: np.ndarray
    appliance_kw: np.ndarray
    hp_kw: np.ndarray
    heat_w: np.ndarray             # heat into the air from heating (+) or cooling (-)
    dhw_kw: np.ndarray             # hot-water heater's electricity
    pv_kw: np.ndarray
    battery_kw: np.ndarray
    ev_kw: np.ndarray
    net_kw: np.ndarray


@dataclass(frozen=True)
class ApplianceParams:
    """Deferrable appliances (washer, dishwasher, dryer), shape (m,) each."""

    home: np.ndarray               # int32 home index
    kind: np.ndarray               # int8 index into APPLIANCE_KINDS
    names: tuple[str, ...]         # node-id suffix per appliance, e.g. "washer"


@dataclass
class ApplianceState(ArrayState):
    """Cycle start per appliance (s since start; -1 idle) and when the user asked for it."""

    start_s: np.ndarray
    requested_s: np.ndarray


@dataclass
class HomeRegisters(ArrayState):
    """Energy registers per home, accumulated every step and cleared at each meter reading."""

    import_kwh: np.ndarray
    export_kwh: np.ndarray
    load_kwh: np.ndarray           # base load and appliances
    hp_kwh: np.ndarray             # heating and cooling
    pv_kwh: np.ndarray
    pv_export_kwh: np.ndarray      # export that PV accounts for: min(export, PV) each step
    charge_kwh: np.ndarray         # battery, AC side
    discharge_kwh: np.ndarray
    ev_kwh: np.ndarray
    ev_unmet_kwh: np.ndarray       # need left when an EV departed
    discomfort_kh: np.ndarray      # degree-hours outside the comfort band while someone is up at home
    occupied_h: np.ndarray         # hours with someone up at home
    dhw_kwh: np.ndarray            # hot-water heater's electricity
    dhw_draw_kwh: np.ndarray       # heat drawn from the tank (above mains temperature)
    dhw_unmet_kwh: np.ndarray      # heat the draws lacked, the tank being below use temperature


@dataclass
class GridRegisters(ArrayState):
    """Per-feeder registers (shape (f,)) and the step counter of the current reading interval."""

    energy_kwh: np.ndarray         # net import through the feeder's transformer
    peak_kw: np.ndarray            # largest |power| in one step
    overload_s: np.ndarray         # seconds above the transformer rating
    steps: np.ndarray              # shape (): physics steps since the last reading


@dataclass
class HomeTotals(ArrayState):
    """Per-home totals since the start, never cleared: what environments turn into rewards."""

    cost_eur: np.ndarray           # import x price - export x feed-in price
    emissions_kg: np.ndarray       # import x carbon intensity (exports earn no credit)
    import_kwh: np.ndarray
    export_kwh: np.ndarray
    discomfort_kh: np.ndarray      # as HomeRegisters.discomfort_kh
    ev_unmet_kwh: np.ndarray       # EV energy still needed when the EV left
    dhw_unmet_kwh: np.ndarray      # as HomeRegisters.dhw_unmet_kwh


@dataclass
class FeederTotals(ArrayState):
    """Per-feeder totals since the start, never cleared."""

    overload_kwh: np.ndarray       # energy through the transformer above its rating
    overload_s: np.ndarray         # seconds above the transformer rating (what the overload KPI counts)


def zeros_like_fields(cls, n: int, int_fields=(), bool_fields=(), minus_one=()):
    """An ArrayState of zeros (float64 unless named as int64/bool; -1 where named)."""
    values = {}
    for name in cls.__dataclass_fields__:
        if name in bool_fields:
            values[name] = np.zeros(n, dtype=bool)
        elif name in int_fields or name in minus_one:
            values[name] = np.full(n, -1 if name in minus_one else 0, dtype=np.int64)
        else:
            values[name] = np.zeros(n)
    return cls(**values)
