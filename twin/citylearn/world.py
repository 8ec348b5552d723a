"""A CityLearn dataset's buildings in a twin world (``homes.source: citylearn``).

The buildings are demand-driven (their loads are the dataset's measurements) and step on the
dataset's own time step through :class:`~twin.citylearn.district.CityLearnDistrict`, beside the
world's synthetic RC homes and its streets, on the one SimPy clock: row ``k`` of the dataset's
simulation window is the step from ``k x dt`` to ``(k + 1) x dt`` after the scenario start. They
use the dataset's weather, pricing and carbon series (already in their loads and tariffs), not the
scenario's. Their batteries are driven by ``homes.citylearn_control``: idle (``none``) or
CityLearn's BasicRBC (``basic_rbc``, :mod:`twin.citylearn.rbc`).

Each step publishes, per building (node id: the building's name; kind ``building`` in the device
graph, its ``battery``, ``pv`` and ``heat_pump`` devices under it), at the step's start:
``building_net_kwh`` and ``building_battery_kwh`` (kWh of the step; drawn +), ``building_soc``
(after the step) and ``building_cost`` (max(net, 0) x the dataset's price). ``twin run`` adds the
district's totals and CityLearn's KPIs to ``kpis.json`` as ``citylearn_*`` (:func:`district_kpis`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.citylearn.district import CityLearnDistrict
from twin.citylearn.kpis import building_comfort_kpis, citylearn_kpis, energy_totals
from twin.citylearn.rbc import basic_rbc_action
from twin.engine import ArrayState, Periodic
from twin.errors import ScenarioError
from twin.graph import DeviceGraph
from twin.scenario.schema import Homes
from twin.telemetry.bus import TelemetryBus
from twin.units import format_duration

QUANTITIES = (("building_net_kwh", "kWh"), ("building_battery_kwh", "kWh"), ("building_soc", "1"),
              ("building_cost", "currency"))


@dataclass
class DistrictState(ArrayState):
    """The buildings' live state: the district's own arrays (B,), so a snapshot restores them.
    The records need no saving: a step writes its row again when it runs again."""

    soc: np.ndarray
    capacity_kwh: np.ndarray


class DistrictStep(Periodic):
    """Steps every CityLearn building once per dataset time step, under the scenario's control."""

    name = "citylearn"
    priority = 3  # a physics step, after the homes' (1) and the streets' (2)

    def __init__(self, district: CityLearnDistrict, control: str, bus: TelemetryBus, node_ix: np.ndarray):
        self.district = district
        self.period_s = int(round(district.dataset.seconds_per_time_step))
        hour = district.dataset.buildings[0].energy_simulation.hour
        # The whole episode's actions are known up front (the rules read only the calendar).
        self.actions = (np.repeat(basic_rbc_action(hour)[:, None], district.n_buildings, axis=1)
                        if control == "basic_rbc" else np.zeros((district.rows, district.n_buildings)))
        self.actions = self.actions * district.has_battery
        self.bus = bus
        self.layout = bus.layout([(q, unit, node_ix) for q, unit in QUANTITIES])

    def step(self, now_s: int) -> None:
        """Run the dataset row that starts at ``now_s`` and publish it."""
        d = self.district
        row = now_s // self.period_s
        if row >= d.last:
            return
        d.t = row
        d.step(self.actions[row])
        r = d.records
        net = r.net_kwh[row]
        cost = np.maximum(net, 0.0) * d.tariffs.price_per_kwh[row]
        self.bus.publish(now_s, self.layout, np.concatenate([net, r.battery_kwh[row], r.soc[row], cost]))


@dataclass(frozen=True, eq=False)
class CityLearnSystem:
    """The CityLearn buildings of a world: the district, its process and its state."""

    district: CityLearnDistrict
    process: DistrictStep
    state: DistrictState

    def steps_run(self, now_s: int) -> int:
        """Rows simulated by ``now_s``: those that started before it (a step runs whole at its start,
        so a horizon inside a step counts that step)."""
        return min(-(-now_s // self.process.period_s), self.district.last)


def build_citylearn(homes: Homes, duration_s: int, bus: TelemetryBus) -> CityLearnSystem:
    """The dataset's buildings for a world of ``duration_s`` seconds; ScenarioError if the dataset is
    refused or is shorter than the world."""
    from twin.citylearn.dataset import load_dataset  # pandas loads only for worlds that read a dataset

    dataset = load_dataset(homes.dataset, buildings=homes.buildings)
    district = CityLearnDistrict(dataset)
    step_s = dataset.seconds_per_time_step
    if step_s != int(step_s):
        raise ScenarioError(str(dataset.schema_path), [("seconds_per_time_step", "must be whole seconds")])
    window_s = district.steps * step_s
    if duration_s > window_s:
        raise ScenarioError(str(dataset.schema_path), [("simulation_end_time_step", (
            f"the dataset simulates {district.steps} steps of {format_duration(int(step_s))} "
            f"({format_duration(int(window_s))}); the scenario's duration is {format_duration(duration_s)}: "
            "shorten the duration or widen the dataset's window"))])
    node_ix = bus.register(list(district.names))
    process = DistrictStep(district, homes.citylearn_control, bus, node_ix)
    return CityLearnSystem(district, process, DistrictState(district.soc, district.capacity_kwh))


def add_building_nodes(graph: DeviceGraph, district: CityLearnDistrict) -> None:
    """The dataset's buildings (kind ``building``, ``index`` into the district's arrays) and their devices."""
    names = list(district.names)
    dev = district.devices
    graph.add_nodes("building", names, index=list(range(len(names))), model=["citylearn"] * len(names),
                    dataset=[district.dataset.schema_path.parent.name] * len(names))
    graph.add_edges("contains", [("city", n) for n in names])

    def devices(kind: str, mask: np.ndarray, **columns: np.ndarray) -> None:
        rows = np.flatnonzero(mask)
        ids = [f"{names[i]}/{kind}" for i in rows]
        graph.add_nodes(kind, ids, **{k: np.round(v[rows], 3).tolist() for k, v in columns.items()})
        graph.add_edges("contains", [(names[i], d) for i, d in zip(rows, ids)])

    devices("battery", district.has_battery, capacity_kwh=dev.battery_capacity_kwh, power_kw=dev.battery_power_kw)
    devices("pv", dev.pv_kw > 0, kwp=dev.pv_kw)
    devices("heat_pump", (dev.cooling_kind == 1) | (dev.heating_kind == 1), cooling_kw=dev.cooling_power_kw,
            heating_kw=dev.heating_power_kw)


def district_kpis(system: CityLearnSystem, now_s: int) -> dict[str, float | None]:
    """The buildings' totals and CityLearn's district KPIs over the rows run by ``now_s``."""
    d = system.district
    rows = slice(0, system.steps_run(now_s))
    r = d.records
    net = r.net_kwh[rows]
    if not len(net):
        return {}
    price, carbon = d.tariffs.price_per_kwh[rows], d.tariffs.carbon_kg_per_kwh[rows]
    per_building = [energy_totals(net[:, i], price[:, i], carbon[:, i]) for i in range(d.n_buildings)]
    cost, co2 = sum(b.cost for b in per_building), sum(b.co2_kg for b in per_building)
    t = energy_totals(net.sum(axis=1), np.zeros(len(net)), np.zeros(len(net)))  # the district's meter
    comfort = {b.name: building_comfort_kpis(b, rows) for b in d.dataset.buildings}
    k = citylearn_kpis(d.names, net, net - r.battery_kwh[rows], price, carbon, d.dt_h, comfort)
    out: dict[str, float | None] = {"citylearn_net_kwh": t.net_kwh, "citylearn_import_kwh": t.import_kwh,
                                    "citylearn_export_kwh": t.export_kwh, "citylearn_cost": cost,
                                    "citylearn_co2_kg": co2}
    out.update({f"citylearn_{name}": value for name, value in k.district.items()})
    return out
