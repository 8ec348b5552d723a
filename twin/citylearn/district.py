"""A CityLearn dataset as a district twin steps: its buildings' measured loads, their devices, and
the compiled step (:mod:`twin.citylearn.kernel`) that CityLearn's own equations run in.

:class:`CityLearnDistrict` owns the state (each battery's state of charge and degraded capacity)
and the records of every simulated step; :meth:`~CityLearnDistrict.step` advances one time step
under one action per building, :meth:`~CityLearnDistrict.run` many in one compiled call.
An episode over dataset rows ``first`` … ``last`` is ``last - first`` steps, as in CityLearn (it
never simulates an episode's last row): a whole year of 8,760 rows is 8,759 steps. Step ``t``
reads row ``t`` (counted from ``simulation_start_time_step``) and records at row ``t``.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from twin.citylearn.kernel import district_run, district_step
from twin.citylearn.params import DistrictDevices, district_devices
from twin.compiled import bind

if TYPE_CHECKING:  # the dataset reader pulls in pandas, which runs here need not load
    from twin.citylearn.dataset import CityLearnDataset

#: The device parameters, as the kernel reads them (built by field name from DistrictDevices).
DeviceArrays = namedtuple("DeviceArrays", [f.name for f in fields(DistrictDevices) if f.name != "names"])
#: The measured series, (T, B) float64 (CityLearn reads them as float32: so are they rounded here).
Series = namedtuple("Series", ["load_kwh", "cooling_kwh", "heating_kwh", "dhw_kwh", "solar_w_per_kw", "outdoor_c"])
#: What every step records, (T, B), kWh unless named.
Records = namedtuple("Records", ["net_kwh", "battery_kwh", "soc", "cooling_kwh", "heating_kwh", "dhw_kwh",
                                 "pv_kwh", "unmet_kwh"])


def _float32(values: np.ndarray | None, rows: int) -> np.ndarray:
    if values is None:
        return np.zeros(rows)
    return np.asarray(values, dtype=np.float32).astype(np.float64)


@dataclass(frozen=True, eq=False)
class Tariffs:
    """Price (currency/kWh) and carbon intensity (kg/kWh) per step and building, (T, B)."""

    price_per_kwh: np.ndarray
    carbon_kg_per_kwh: np.ndarray


class CityLearnDistrict:
    """Every building of a CityLearn dataset, stepped by CityLearn's equations.

    ``t`` is the next step to run, ``first`` and ``last`` the rows of the episode (by default the
    whole simulation window).
    """

    def __init__(self, dataset: CityLearnDataset) -> None:
        self.dataset = dataset
        self.devices = district_devices(dataset)
        self.names = self.devices.names
        rows = dataset.time_steps
        bs = dataset.buildings
        col = lambda get: np.stack([_float32(get(b), rows) for b in bs], axis=1)  # noqa: E731
        e = lambda name: col(lambda b: getattr(b.energy_simulation, name))  # noqa: E731
        self.series = Series(
            load_kwh=e("non_shiftable_load_kwh"), cooling_kwh=e("cooling_demand_kwh"),
            heating_kwh=e("heating_demand_kwh"), dhw_kwh=e("dhw_demand_kwh"),
            solar_w_per_kw=e("solar_generation_w_per_kw"),
            outdoor_c=col(lambda b: b.weather.outdoor_dry_bulb_temperature_c))
        self.tariffs = Tariffs(
            price_per_kwh=col(lambda b: None if b.pricing is None else b.pricing.electricity_pricing_per_kwh),
            carbon_kg_per_kwh=col(lambda b: None if b.carbon_intensity is None
                                  else b.carbon_intensity.carbon_intensity_kg_per_kwh))
        self.arrays = DeviceArrays(**{k: getattr(self.devices, k) for k in DeviceArrays._fields})
        self.dt_h = dataset.seconds_per_time_step / 3600.0
        self.rows = rows
        n = len(bs)
        self.records = Records(*(np.zeros((rows, n)) for _ in Records._fields))
        self.soc = np.zeros(n)
        self.capacity_kwh = np.zeros(n)
        self.reset()
        # The arrays live as long as the district (filled in place), so the step's types resolve once.
        self._step = bind(district_step, (0, 0, np.zeros(n), self.dt_h, self.arrays, self.series, self.soc,
                                          self.capacity_kwh, self.records))

    @property
    def n_buildings(self) -> int:
        """Number of buildings."""
        return len(self.names)

    @property
    def has_battery(self) -> np.ndarray:
        """Which buildings have a battery to act on, (B,) bool."""
        return (self.devices.battery_capacity_kwh > 0) & (self.devices.battery_power_kw > 0)

    @property
    def steps(self) -> int:
        """Steps of the episode (its rows - 1)."""
        return self.last - self.first

    def reset(self, first: int = 0, last: int | None = None) -> None:
        """Start an episode over rows ``first`` … ``last`` (default: to the window's end), batteries
        at their initial state of charge and full capacity, records cleared."""
        last = self.rows - 1 if last is None else last
        if not 0 <= first < last < self.rows:
            raise ValueError(f"an episode needs rows 0 <= first < last < {self.rows}; got {first}, {last}")
        self.first, self.last, self.t = first, last, first
        self.soc[:] = self.devices.battery_initial_soc
        self.capacity_kwh[:] = self.devices.battery_capacity_kwh
        for r in self.records:
            r.fill(0.0)

    def step(self, action: np.ndarray) -> None:
        """Run step ``t`` with ``action`` (B,) float64 in [-1, 1]: each battery's share of its
        nominal power (charging +); buildings without one ignore theirs."""
        if self.t >= self.last:
            raise RuntimeError(f"the episode is over ({self.steps} steps); reset() to start again")
        action = np.ascontiguousarray(action, dtype=np.float64)
        if action.shape != (self.n_buildings,):
            raise ValueError(f"action must have shape ({self.n_buildings},); got {action.shape}")
        self._step(self.t, self.first, action, self.dt_h, self.arrays, self.series, self.soc, self.capacity_kwh,
                   self.records)
        self.t += 1

    def run(self, actions: np.ndarray) -> None:
        """Run the next ``len(actions)`` steps under ``actions`` (steps, B) in one compiled call."""
        actions = np.ascontiguousarray(actions, dtype=np.float64)
        if actions.ndim != 2 or actions.shape[1] != self.n_buildings or self.t + len(actions) > self.last:
            raise ValueError(f"actions must be (steps, {self.n_buildings}) with at most {self.last - self.t} steps "
                             f"left; got {actions.shape}")
        district_run(self.t, self.first, actions, self.dt_h, self.arrays, self.series, self.soc, self.capacity_kwh,
                     self.records)
        self.t += len(actions)
