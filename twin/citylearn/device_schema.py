"""pydantic models of the device entries of a CityLearn 3.0.2 building (``buildings.<name>.<device>``).

Each entry is ``{type, autosize, autosize_attributes, attributes}``. ``type`` is the CityLearn
class; ``attributes`` are that class's constructor arguments (CityLearn's own names, no units:
powers in kW, capacities in kWh, temperatures in °C, fractions 0-1) and ``autosize_attributes`` the
arguments of its ``autosize`` method. An attribute left out takes CityLearn's default, which for
efficiencies and loss coefficients is a draw from a range (see :mod:`twin.citylearn.devices`).
Unknown keys, other device classes and negative powers or capacities are refused.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field

from twin.scenario.base import Model

HEAT_PUMP = "citylearn.energy_model.HeatPump"
ELECTRIC_HEATER = "citylearn.energy_model.ElectricHeater"
STORAGE_TANK = "citylearn.energy_model.StorageTank"
BATTERY = "citylearn.energy_model.Battery"
PV = "citylearn.energy_model.PV"

PowerKw = Annotated[float, Field(ge=0, description="kW")]
EnergyKwh = Annotated[float, Field(ge=0, description="kWh")]
Fraction = Annotated[float, Field(ge=0, le=1, description="a fraction from 0 to 1")]
Efficiency = Annotated[float, Field(gt=0, description="a fraction above 0")]
StorageEfficiency = Annotated[float, Field(gt=0, le=1, description="a fraction above 0, at most 1")]
Factor = Annotated[float, Field(gt=0, description="a multiplier above 0")]
CurvePoint = tuple[Annotated[float, Field(ge=0, le=1)], Annotated[float, Field(ge=0, le=1)]]

#: CityLearn 3.0.2's names for PV ``generation_mode`` that mean "solar_generation is W per kW".
PV_PER_KW_MODES = ("per_kw", "w_per_kw", "profile")
PV_ABSOLUTE_MODES = ("absolute", "absolute_kwh", "kwh", "kwh_step", "energy")


class SafetyFactorAutosize(Model):
    """``autosize_attributes`` of a heat pump, electric heater or storage tank."""

    safety_factor: Factor | None = None


class HeatPumpAttributes(Model):
    nominal_power: PowerKw | None = None
    efficiency: Efficiency | None = None
    target_heating_temperature: float | None = None
    target_cooling_temperature: float | None = None
    random_seed: int | None = None


class HeatPumpSchema(Model):
    type: Literal["citylearn.energy_model.HeatPump"]
    autosize: bool = False
    autosize_attributes: SafetyFactorAutosize | None = None
    attributes: HeatPumpAttributes | None = None


class ElectricHeaterAttributes(Model):
    nominal_power: PowerKw | None = None
    efficiency: Efficiency | None = None
    random_seed: int | None = None


class ElectricHeaterSchema(Model):
    type: Literal["citylearn.energy_model.ElectricHeater"]
    autosize: bool = False
    autosize_attributes: SafetyFactorAutosize | None = None
    attributes: ElectricHeaterAttributes | None = None


#: A heating or hot-water device: CityLearn takes a heat pump or an electric heater there
#: (a cooling device must be a heat pump).
HeatingDeviceSchema = Annotated[Union[HeatPumpSchema, ElectricHeaterSchema], Field(discriminator="type")]


class StorageTankAttributes(Model):
    capacity: EnergyKwh | None = None
    max_output_power: PowerKw | None = None
    max_input_power: PowerKw | None = None
    efficiency: StorageEfficiency | None = None
    loss_coefficient: Fraction | None = None
    initial_soc: Fraction | None = None
    random_seed: int | None = None


class StorageTankSchema(Model):
    type: Literal["citylearn.energy_model.StorageTank"]
    autosize: bool = False
    autosize_attributes: SafetyFactorAutosize | None = None
    attributes: StorageTankAttributes | None = None


class BatteryAttributes(Model):
    capacity: EnergyKwh | None = None
    nominal_power: PowerKw | None = None
    efficiency: StorageEfficiency | None = None
    capacity_loss_coefficient: Fraction | None = None
    loss_coefficient: Fraction | None = None
    initial_soc: Fraction | None = None
    depth_of_discharge: Fraction | None = None
    power_efficiency_curve: list[CurvePoint] | None = None
    capacity_power_curve: list[CurvePoint] | None = None
    phase_connection: str | None = None
    random_seed: int | None = None


class BatteryAutosize(Model):
    duration: Annotated[float, Field(gt=0, description="hours")] | None = None
    parallel: bool | None = None
    safety_factor: Factor | None = None


class BatterySchema(Model):
    type: Literal["citylearn.energy_model.Battery"]
    autosize: bool = False
    autosize_attributes: BatteryAutosize | None = None
    attributes: BatteryAttributes | None = None


class PVAttributes(Model):
    nominal_power: PowerKw | None = None
    generation_mode: str | None = None
    random_seed: int | None = None


class PVAutosize(Model):
    epw_filepath: str | None = None
    use_sample_target: bool | None = None
    zero_net_energy_proportion: Fraction | None = None
    roof_area: Annotated[float, Field(ge=0, description="m²")] | None = None
    safety_factor: Factor | None = None


class PVSchema(Model):
    type: Literal["citylearn.energy_model.PV"]
    autosize: bool = False
    autosize_attributes: PVAutosize | None = None
    attributes: PVAttributes | None = None


def pv_generation_mode(value: str | None) -> str | None:
    """CityLearn's normal form of a PV ``generation_mode`` ("per_kw" or "absolute"), None if unknown."""
    mode = "per_kw" if value is None else str(value).strip().lower().replace("-", "_")
    if mode in PV_PER_KW_MODES:
        return "per_kw"
    return "absolute" if mode in PV_ABSOLUTE_MODES else None


#: Every device class string the reader accepts, for stripping pydantic's union tags from key paths.
DEVICE_TYPES = frozenset({HEAT_PUMP, ELECTRIC_HEATER, STORAGE_TANK, BATTERY, PV})
