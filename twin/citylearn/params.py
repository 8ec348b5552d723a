"""The devices of a CityLearn dataset as numbers: every defaulted attribute drawn as CityLearn draws
it (:mod:`twin.citylearn.draws`) and every autosized device sized as CityLearn sizes it.

One :class:`DistrictDevices` holds, per building (arrays of shape ``(B,)``, curves ``(B, K)``),
the battery, PV and the three thermal devices that serve the measured cooling, heating and
hot-water demand. A building without a device has zeros there (and ``*_kind`` NONE), which the
compiled step reads as "nothing to do". What the district model does not model yet is refused by
:func:`district_devices` with a :class:`~twin.errors.ScenarioError` naming the key: LSTM-dynamics
and occupant buildings, storage tanks, autosized batteries and PV (CityLearn sizes them from
tables it downloads), and series noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from twin.citylearn.devices import PV, Battery, ElectricHeater, HeatPump
from twin.citylearn.draws import device_fraction, device_seed, drawn
from twin.citylearn.schema import PLAIN_BUILDING
from twin.errors import ScenarioError

if TYPE_CHECKING:  # the dataset reader pulls in pandas, which runs here need not load
    from twin.citylearn.dataset import CityLearnDataset

#: ``*_kind`` codes of the thermal devices.
NONE, HEAT_PUMP, ELECTRIC_HEATER = 0, 1, 2
#: Points of CityLearn's default battery curves; a schema's own curves may have more (padded).
SEED_BUILDING_TYPE = "citylearn.citylearn.Building"  # what CityLearn seeds with when the schema gives no type
_TYPES = {"electrical_storage": "citylearn.energy_model.Battery", "pv": "citylearn.energy_model.PV"}


@dataclass(frozen=True, eq=False)
class DistrictDevices:
    """Per-building device parameters (shape ``(B,)`` unless noted); units in the names.

    Battery curves are CityLearn's: ``(power / nominal, efficiency)`` and ``(soc, power / nominal)``
    points, ``*_n`` of them used per building (rows padded with their last point).
    """

    names: tuple[str, ...]
    battery_capacity_kwh: np.ndarray
    battery_power_kw: np.ndarray
    battery_capacity_loss_coefficient: np.ndarray  # capacity share lost per kWh cycled / (2 x capacity)
    battery_loss_per_step: np.ndarray  # stored share lost per time step
    battery_initial_soc: np.ndarray
    battery_depth_of_discharge: np.ndarray
    battery_efficiency_x: np.ndarray  # (B, K)
    battery_efficiency_y: np.ndarray  # (B, K)
    battery_efficiency_n: np.ndarray  # int64
    battery_power_x: np.ndarray  # (B, K)
    battery_power_y: np.ndarray  # (B, K)
    battery_power_n: np.ndarray  # int64
    pv_kw: np.ndarray
    cooling_kind: np.ndarray  # int64: NONE or HEAT_PUMP
    cooling_power_kw: np.ndarray  # electric input limit
    cooling_efficiency: np.ndarray  # share of the Carnot COP
    cooling_supply_c: np.ndarray  # target cooling supply temperature
    heating_kind: np.ndarray  # int64: NONE, HEAT_PUMP or ELECTRIC_HEATER
    heating_power_kw: np.ndarray
    heating_efficiency: np.ndarray  # heat pump: share of Carnot COP; heater: heat out per kWh in
    heating_supply_c: np.ndarray  # heat pump's target heating supply temperature (heater: unused)
    dhw_kind: np.ndarray
    dhw_power_kw: np.ndarray
    dhw_efficiency: np.ndarray
    dhw_supply_c: np.ndarray


def carnot_cop(efficiency: float | np.ndarray, supply_c: float | np.ndarray, outdoor_c: float | np.ndarray,
               heating: bool) -> np.ndarray:
    """CityLearn's heat pump COP: ``efficiency`` x the Carnot COP between the supply temperature and
    outdoors (heating ``(T_s + 273.15) / (T_s - T_out)``, cooling ``(T_s + 273.15) / (T_out - T_s)``),
    set to 20 where that is negative or above 20. Temperatures in °C."""
    supply = np.asarray(supply_c, dtype=np.float64)
    lift = supply - outdoor_c if heating else outdoor_c - supply
    with np.errstate(divide="ignore", invalid="ignore"):
        cop = np.asarray(efficiency * (supply + 273.15) / lift, dtype=np.float64)
    return np.where((cop < 0) | (cop > 20), 20.0, cop)


def district_devices(dataset: CityLearnDataset) -> DistrictDevices:
    """Every building's devices as CityLearn 3.0.2 realises them for ``dataset``; ScenarioError for
    what the district model does not model (see the module docstring)."""
    problems = [p for b in dataset.buildings for p in _unsupported(b)]
    if problems:
        raise ScenarioError(str(dataset.schema_path), problems)
    seed = 0 if dataset.random_seed is None else dataset.random_seed
    rows = [_building_row(b, seed) for b in dataset.buildings]
    k_eff = max([len(r["eff"]) for r in rows] + [2])
    k_pow = max([len(r["pow"]) for r in rows] + [2])
    columns = {key: np.array([r[key] for r in rows], dtype=np.float64)
               for key in rows[0] if key not in ("eff", "pow") and not key.endswith("_kind")}
    kinds = {key: np.array([r[key] for r in rows], dtype=np.int64) for key in rows[0] if key.endswith("_kind")}
    ex, ey, en = _curves([r["eff"] for r in rows], k_eff)
    px, py, pn = _curves([r["pow"] for r in rows], k_pow)
    return DistrictDevices(names=tuple(b.name for b in dataset.buildings), battery_efficiency_x=ex,
                           battery_efficiency_y=ey, battery_efficiency_n=en, battery_power_x=px,
                           battery_power_y=py, battery_power_n=pn, **columns, **kinds)


def _unsupported(b) -> list[tuple[str, str]]:
    where = f"buildings.{b.name}"
    out = []
    if b.type != PLAIN_BUILDING:
        out.append((f"{where}.type", f"{b.type} is not modelled by twin's CityLearn district yet; "
                                     f"allowed: {PLAIN_BUILDING} (demand-driven loads)"))
    for key in ("cooling_storage", "heating_storage", "dhw_storage"):
        tank = getattr(b, key)
        if tank is not None and (tank.autosize or (tank.capacity_kwh or 0.0) > 0.0):
            out.append((f"{where}.{key}", "storage tanks are not modelled by twin's CityLearn district yet; "
                                          "remove the entry or give it capacity 0"))
    for key, device in (("electrical_storage", b.electrical_storage), ("pv", b.pv)):
        if device is not None and device.autosize:
            out.append((f"{where}.{key}.autosize", "CityLearn sizes this device from tables it downloads, which "
                                                   "twin does not; set autosize: false and give its size "
                                                   "(capacity and nominal_power / nominal_power)"))
    if b.noise_std:
        out.append((f"{where}.noise_std", "series noise is not modelled by twin's CityLearn district; allowed: 0"))
    return out


def _fraction(b, key: str, device_type: str, seed: int, own_seed: int | None) -> float:
    building_type = b.type_as_written or SEED_BUILDING_TYPE
    return device_fraction(own_seed if own_seed is not None else
                           device_seed(b.name, building_type, key, device_type, seed))


def _pick(value: float | None, low: float, high: float, u: float) -> float:
    return float(value) if value is not None else drawn(low, high, u)


def _building_row(b, seed: int) -> dict:
    row: dict = {}
    row.update(_battery(b, b.electrical_storage, seed))
    pv: PV | None = b.pv
    row["pv_kw"] = 0.0 if pv is None else float(pv.nominal_power_kw or 0.0)
    t_out = np.asarray(b.weather.outdoor_dry_bulb_temperature_c, dtype=np.float32).astype(np.float64)
    e = b.energy_simulation
    row.update(_thermal(b, "cooling", b.cooling_device, seed, t_out, e.cooling_demand_kwh, heating=False))
    row.update(_thermal(b, "heating", b.heating_device, seed, t_out, e.heating_demand_kwh, heating=True))
    row.update(_thermal(b, "dhw", b.dhw_device, seed, t_out, e.dhw_demand_kwh, heating=True))
    return row


def _battery(b, bat: Battery | None, seed: int) -> dict:
    if bat is None:
        return {"battery_capacity_kwh": 0.0, "battery_power_kw": 0.0, "battery_capacity_loss_coefficient": 0.0,
                "battery_loss_per_step": 0.0, "battery_initial_soc": 0.0, "battery_depth_of_discharge": 1.0,
                "eff": [(0.0, 1.0), (1.0, 1.0)], "pow": [(0.0, 1.0), (1.0, 1.0)]}
    u = _fraction(b, "electrical_storage", _TYPES["electrical_storage"], seed, bat.random_seed)
    eff = _pick(bat.efficiency, 0.9, 0.98, u)
    dod = 1.0 if bat.depth_of_discharge is None else float(bat.depth_of_discharge)
    eff_curve = bat.power_efficiency_curve or (
        (0.0, drawn(eff * 0.85, eff * 0.90, u)), (drawn(0.25, 0.35, u), drawn(eff * 0.90, eff * 0.95, u)),
        (drawn(0.65, 0.75, u), drawn(eff * 0.98, eff * 1.0, u)), (drawn(0.75, 0.85, u), eff),
        (1.0, drawn(eff * 0.95, eff * 0.98, u)))
    pow_curve = bat.capacity_power_curve or (
        (0.0, drawn(0.95, 1.0, u)), (drawn(0.75, 0.85, u), drawn(0.90, 0.95, u)), (1.0, drawn(0.20, 0.30, u)))
    return {"battery_capacity_kwh": float(bat.capacity_kwh or 0.0), "battery_power_kw": float(bat.nominal_power_kw or 0.0),
            "battery_capacity_loss_coefficient": _pick(bat.capacity_loss_coefficient, 1e-5, 1e-4, u),
            "battery_loss_per_step": _pick(bat.loss_coefficient_per_h, 0.001, 0.009, u),
            "battery_initial_soc": 1.0 - dod if bat.initial_soc is None else float(bat.initial_soc),
            "battery_depth_of_discharge": dod, "eff": list(eff_curve), "pow": list(pow_curve)}


def _thermal(b, use: str, device: HeatPump | ElectricHeater | None, seed: int, t_out: np.ndarray,
             demand_kwh: np.ndarray, heating: bool) -> dict:
    out = {f"{use}_kind": NONE, f"{use}_power_kw": 0.0, f"{use}_efficiency": 1.0, f"{use}_supply_c": 0.0}
    if device is None:
        return out
    key = f"{use}_device"
    demand = np.asarray(demand_kwh, dtype=np.float32).astype(np.float64)
    safety = 1.0 if device.autosize_attributes is None or device.autosize_attributes.safety_factor is None \
        else float(device.autosize_attributes.safety_factor)
    u = _fraction(b, key, device.type, seed, device.random_seed)
    if isinstance(device, HeatPump):
        eff = _pick(device.efficiency, 0.2, 0.3, u)
        supply_h = _pick(device.target_heating_temperature_c, 45.0, 50.0, u)
        supply_c = _pick(device.target_cooling_temperature_c, 7.0, 10.0, u)
        supply = supply_h if heating else supply_c
        power = float(np.nanmax(demand / carnot_cop(eff, supply, t_out, heating)) * safety) if device.autosize \
            else float(device.nominal_power_kw or 0.0)
        out.update({f"{use}_kind": HEAT_PUMP, f"{use}_efficiency": eff, f"{use}_supply_c": supply})
    else:
        eff = _pick(device.efficiency, 0.9, 0.99, u)
        power = float(np.nanmax(demand / eff) * safety) if device.autosize else float(device.nominal_power_kw or 0.0)
        out.update({f"{use}_kind": ELECTRIC_HEATER, f"{use}_efficiency": eff})
    out[f"{use}_power_kw"] = power
    return out


def _curves(curves: list, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.zeros((len(curves), k))
    y = np.zeros((len(curves), k))
    n = np.zeros(len(curves), dtype=np.int64)
    for i, points in enumerate(curves):
        pts = [tuple(map(float, p)) for p in points]
        pts += [pts[-1]] * (k - len(pts))
        x[i], y[i] = zip(*pts)
        n[i] = len(points)
    return x, y, n
