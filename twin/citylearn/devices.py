"""A CityLearn building's devices as frozen dataclasses with units in their names.

A value left out of the schema is None: CityLearn 3.0.2 then uses its default, given in each
field's comment. Where that default is a range, CityLearn draws from it with a generator seeded
from the schema's random_seed and the device's name; twin reproduces those draws
(:mod:`twin.citylearn.draws`, :func:`twin.citylearn.params.district_devices`). With
``autosize`` true, CityLearn sizes the device from the building's demand and ignores the sizes
given; ``autosize_attributes`` are the arguments of that sizing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from twin.citylearn import device_schema as ds


@dataclass(frozen=True)
class SafetyFactorSizing:
    """Autosizing of a heat pump, heater or tank: size to the peak demand times ``safety_factor``
    (CityLearn's default 1.0; a tank's is drawn from 1.0-2.0)."""

    safety_factor: float | None


@dataclass(frozen=True)
class BatterySizing:
    """Autosizing of a battery: pick a real battery model and units to cover the average daily peak
    demand for ``duration_h`` hours (default drawn from 1.5-3.5 h)."""

    duration_h: float | None
    parallel: bool | None  # several units in parallel add their power too (default False)
    safety_factor: float | None  # capacity oversizing (default 1.0)


@dataclass(frozen=True)
class PVSizing:
    """Autosizing of a PV array to ``zero_net_energy_proportion`` of the annual demand, limited by
    the roof; CityLearn simulates its output from the EPW weather file ``epw_path``."""

    epw_path: Path | None
    use_sample_target: bool | None  # take the sampled system's size as it is (default False)
    zero_net_energy_proportion: float | None  # share of annual demand to cover (default drawn from 0.7-1.0)
    roof_area_m2: float | None  # None: no roof limit
    safety_factor: float | None  # default 1.0


@dataclass(frozen=True)
class HeatPump:
    """An air-source heat pump. Its COP is Carnot's scaled by ``efficiency``:
    heating ``efficiency * (T_heat + 273.15) / (T_heat - T_out)``, cooling
    ``efficiency * (T_cool + 273.15) / (T_out - T_cool)`` with supply temperatures in °C, capped at 20."""

    type: ClassVar[str] = ds.HEAT_PUMP
    autosize: bool
    autosize_attributes: SafetyFactorSizing | None
    nominal_power_kw: float | None  # electric input limit; default 0
    efficiency: float | None  # fraction of the Carnot COP; default drawn from 0.2-0.3
    target_heating_temperature_c: float | None  # supply temperature; default drawn from 45-50 °C
    target_cooling_temperature_c: float | None  # supply temperature; default drawn from 7-10 °C
    random_seed: int | None


@dataclass(frozen=True)
class ElectricHeater:
    """A resistive heater: heat out = ``efficiency`` × electricity in."""

    type: ClassVar[str] = ds.ELECTRIC_HEATER
    autosize: bool
    autosize_attributes: SafetyFactorSizing | None
    nominal_power_kw: float | None  # electric input limit; default 0
    efficiency: float | None  # default drawn from 0.9-0.99
    random_seed: int | None


@dataclass(frozen=True)
class StorageTank:
    """A thermal store (hot or chilled water) charged by the building's heating or cooling device."""

    type: ClassVar[str] = ds.STORAGE_TANK
    autosize: bool
    autosize_attributes: SafetyFactorSizing | None
    capacity_kwh: float | None  # thermal energy; default 0
    max_output_power_kw: float | None  # None: no limit
    max_input_power_kw: float | None  # None: no limit
    efficiency: float | None  # round-trip share kept; default drawn from 0.90-0.98
    loss_coefficient_per_h: float | None  # share of the stored energy lost per hour; default drawn from 0.001-0.009
    initial_soc: float | None  # state of charge at the start, 0-1; default 0
    random_seed: int | None


@dataclass(frozen=True)
class Battery:
    """An electrical battery. Curves are ``(x, y)`` points, x and y fractions 0-1."""

    type: ClassVar[str] = ds.BATTERY
    autosize: bool
    autosize_attributes: BatterySizing | None
    capacity_kwh: float | None  # default 0
    nominal_power_kw: float | None  # charge and discharge limit; default 0
    efficiency: float | None  # default drawn from 0.90-0.98
    capacity_loss_coefficient: float | None  # capacity share lost per full cycle; default drawn from 1e-5-1e-4
    loss_coefficient_per_h: float | None  # stored share lost per hour; default drawn from 0.001-0.009
    initial_soc: float | None  # 0-1; default 1 - depth_of_discharge
    depth_of_discharge: float | None  # usable share of the capacity; default 1.0
    power_efficiency_curve: tuple[tuple[float, float], ...] | None  # (power / nominal, efficiency); default drawn
    capacity_power_curve: tuple[tuple[float, float], ...] | None  # (soc, power / nominal); default drawn
    phase_connection: str | None  # CityLearn's electrical-service phase; not used without one
    random_seed: int | None


@dataclass(frozen=True)
class PV:
    """A PV array: output kWh per step = ``nominal_power_kw`` × ``solar_generation_w_per_kw`` / 1000
    × step hours (CityLearn's ``generation_mode: per_kw``, the only mode the reader accepts)."""

    type: ClassVar[str] = ds.PV
    autosize: bool
    autosize_attributes: PVSizing | None
    nominal_power_kw: float | None  # default 0
    random_seed: int | None


HeatingDevice = HeatPump | ElectricHeater


def _sizing(a: ds.SafetyFactorAutosize | None) -> SafetyFactorSizing | None:
    return None if a is None else SafetyFactorSizing(a.safety_factor)


def heat_pump(s: ds.HeatPumpSchema) -> HeatPump:
    """The :class:`HeatPump` of a validated schema entry."""
    a = s.attributes or ds.HeatPumpAttributes()
    return HeatPump(s.autosize, _sizing(s.autosize_attributes), a.nominal_power, a.efficiency,
                    a.target_heating_temperature, a.target_cooling_temperature, a.random_seed)


def heating_device(s: ds.HeatPumpSchema | ds.ElectricHeaterSchema) -> HeatingDevice:
    """The heat pump or electric heater of a validated heating or hot-water device entry."""
    if isinstance(s, ds.HeatPumpSchema):
        return heat_pump(s)
    a = s.attributes or ds.ElectricHeaterAttributes()
    return ElectricHeater(s.autosize, _sizing(s.autosize_attributes), a.nominal_power, a.efficiency, a.random_seed)


def storage_tank(s: ds.StorageTankSchema) -> StorageTank:
    """The :class:`StorageTank` of a validated schema entry."""
    a = s.attributes or ds.StorageTankAttributes()
    return StorageTank(s.autosize, _sizing(s.autosize_attributes), a.capacity, a.max_output_power,
                       a.max_input_power, a.efficiency, a.loss_coefficient, a.initial_soc, a.random_seed)


def _curve(points: list[tuple[float, float]] | None) -> tuple[tuple[float, float], ...] | None:
    return None if points is None else tuple((float(x), float(y)) for x, y in points)


def battery(s: ds.BatterySchema) -> Battery:
    """The :class:`Battery` of a validated schema entry."""
    a = s.attributes or ds.BatteryAttributes()
    z = s.autosize_attributes
    sizing = None if z is None else BatterySizing(z.duration, z.parallel, z.safety_factor)
    return Battery(s.autosize, sizing, a.capacity, a.nominal_power, a.efficiency, a.capacity_loss_coefficient,
                   a.loss_coefficient, a.initial_soc, a.depth_of_discharge, _curve(a.power_efficiency_curve),
                   _curve(a.capacity_power_curve), a.phase_connection, a.random_seed)


def pv(s: ds.PVSchema, root: Path) -> PV:
    """The :class:`PV` of a validated schema entry; the sizing EPW path resolved against ``root``."""
    a = s.attributes or ds.PVAttributes()
    z = s.autosize_attributes
    sizing = None if z is None else PVSizing(
        None if z.epw_filepath is None else (root / z.epw_filepath).resolve(), z.use_sample_target,
        z.zero_net_energy_proportion, z.roof_area, z.safety_factor)
    return PV(s.autosize, sizing, a.nominal_power, a.random_seed)
