"""What CityLearn-v0 and ``citylearn_v0`` share: a CityLearn dataset's district, its episodes,
actions, observations and reward, as CityLearn 3.0.2 defines them.

- **Episodes** are the schema's: ``episode_time_steps`` null is one episode over the simulation
  window; a number splits the window into consecutive episodes of that many rows (every start,
  with ``rolling_episode_split``); a list gives the (first, last) rows. Episodes are taken in turn,
  or, with ``random_episode_split``, drawn from the env's seeded Generator (CityLearn draws from
  its own, so the sequence differs). An episode of N rows is N - 1 steps.
- **Actions**: one per building that has a battery and the ``electrical_storage`` action active, in
  [-1, 1]: the share of the battery's nominal power to charge (+) or discharge (-) for the step.
  Other active actions are refused where the building has the device (the district does not
  model storage tanks, and only LSTM buildings take heat pump actions).
- **Reward** (CityLearn's default ``RewardFunction``): ``-max(net kWh of the last step, 0) ** exponent``
  per building; the central agent gets the sum.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from envs.citylearn_layout import NET, SOC, ObservationLayout, observation_layout
from envs.config import CityLearnEnvConfig, EnvConfigError, parse_config
from twin.citylearn.dataset import CityLearnDataset, load_dataset
from twin.citylearn.district import CityLearnDistrict
from twin.citylearn.kernel import district_run
from twin.citylearn.kpis import CityLearnKpis, building_comfort_kpis, citylearn_kpis, energy_totals
from twin.errors import ScenarioError

DEFAULT_REWARD = "citylearn.reward_function.RewardFunction"
BATTERY_ACTION = "electrical_storage"
_DEVICE_OF_ACTION = {"cooling_storage": "cooling_storage", "heating_storage": "heating_storage",
                     "dhw_storage": "dhw_storage", "cooling_device": "cooling_device",
                     "heating_device": "heating_device", "cooling_or_heating_device": "cooling_device"}


def episode_splits(d: CityLearnDataset) -> list[tuple[int, int]]:
    """The schema's episodes as (first, last) rows counted from ``simulation_start_time_step``."""
    rows = d.time_steps
    e = d.episode_time_steps
    if e is None:
        return [(0, rows - 1)]
    if isinstance(e, int):
        if e < 2 or e > rows:
            raise ScenarioError(str(d.schema_path), [("episode_time_steps", f"{e} rows cannot make an episode in "
                                                      f"a window of {rows}; allowed: 2 to {rows}")])
        starts = range(0, rows - e + 1, 1 if d.rolling_episode_split else e)
        return [(s, s + e - 1) for s in starts]
    first = d.simulation_start_time_step
    splits = [(int(a) - first, int(b) - first) for a, b in e]
    bad = [(f"episode_time_steps[{i}]", f"rows {a + first}-{b + first} are not an episode inside the simulation "
            f"window {first}-{first + rows - 1} (first < last)") for i, (a, b) in enumerate(splits)
           if not 0 <= a < b < rows]
    if bad:
        raise ScenarioError(str(d.schema_path), bad)
    return splits


class CityLearnCore:
    """One CityLearn dataset as an environment's world: the district, episodes, actions, reward."""

    def __init__(self, env_id: str, kwargs: dict[str, Any]):
        self.env_id = env_id
        self.cfg: CityLearnEnvConfig = parse_config(CityLearnEnvConfig, env_id, kwargs)  # type: ignore[assignment]
        self.district = CityLearnDistrict(load_dataset(self.cfg.dataset, buildings=self.cfg.buildings))
        d = self.district
        self.splits = episode_splits(d.dataset)
        self.exponent = self._reward_exponent()
        self.acting = self._acting_buildings()
        self.idle_net_kwh = self._idle_net_kwh()
        self.last_net_kwh = np.zeros(d.n_buildings)
        self._action = np.zeros(d.n_buildings)
        self.episode = -1

    # -- construction --------------------------------------------------------------------------
    def _reward_exponent(self) -> float:
        rf = self.district.dataset.reward_function
        if self.cfg.reward == "net-consumption":
            return 1.0
        if rf.type != DEFAULT_REWARD:
            raise EnvConfigError(f"{self.env_id}: the schema's reward_function.type {rf.type!r} is not "
                                 f"modelled; allowed: {DEFAULT_REWARD}, or pass reward='net-consumption'")
        unknown = set(rf.attributes) - {"exponent", "charging_constraint_penalty_coefficient"}
        if unknown:
            raise EnvConfigError(f"{self.env_id}: reward_function.attributes {sorted(unknown)} are not modelled; "
                                 "allowed: exponent, charging_constraint_penalty_coefficient (which CityLearn's "
                                 "default reward accepts and does not use)")
        exponent = rf.attributes.get("exponent")
        return 1.0 if exponent is None else float(exponent)

    def _acting_buildings(self) -> np.ndarray:
        d = self.district
        problems = []
        acting = []
        for i, b in enumerate(d.dataset.buildings):
            for name in b.active_actions:
                device = _DEVICE_OF_ACTION.get(name)
                if device is not None and getattr(b, device, None) is not None:
                    problems.append((f"buildings.{b.name}.{device}", f"the {name} action is not modelled by "
                                     f"twin's CityLearn env; allowed: {BATTERY_ACTION}"))
            if BATTERY_ACTION in b.active_actions and d.has_battery[i]:
                acting.append(i)
        if problems:
            raise ScenarioError(str(d.dataset.schema_path), problems)
        return np.array(acting, dtype=np.int64)

    def _idle_net_kwh(self) -> np.ndarray:
        """Every row's net kWh with the batteries idle (the reset observation, the bounds, the baseline)."""
        d = self.district
        d.reset()
        district_run(0, 0, np.zeros((d.rows, d.n_buildings)), d.dt_h, d.arrays, d.series, d.soc.copy(),
                     d.capacity_kwh.copy(), d.records)
        return d.records.net_kwh.copy()

    def layout(self, columns: list[tuple[int, str]]) -> ObservationLayout:
        """The observation layout of ``columns`` ((building, name) pairs)."""
        return observation_layout(self.district, columns, self.idle_net_kwh)

    # -- episodes ------------------------------------------------------------------------------
    def start(self, rng: np.random.Generator) -> None:
        """Begin the next episode (or a random one, as the schema says)."""
        self.episode += 1
        random = self.district.dataset.random_episode_split and len(self.splits) > 1
        first, last = self.splits[int(rng.integers(len(self.splits))) if random else
                                  self.episode % len(self.splits)]
        self.district.reset(first, last)
        self.last_net_kwh[:] = self.idle_net_kwh[first]

    @property
    def done(self) -> bool:
        """Whether the episode's last step has run."""
        return self.district.t >= self.district.last

    def advance(self, acting_actions: np.ndarray) -> np.ndarray:
        """Run one step with one action per acting building; returns each building's reward (B,)."""
        self._action[self.acting] = acting_actions
        d = self.district
        t = d.t
        d.step(self._action)
        self.last_net_kwh[:] = d.records.net_kwh[t]
        return -np.maximum(self.last_net_kwh, 0.0) ** self.exponent

    def observe(self, layout: ObservationLayout) -> np.ndarray:
        """The observation of the current row in ``layout``."""
        return layout.at(self.district.t, self.district.soc, self.last_net_kwh)

    # -- results -------------------------------------------------------------------------------
    def kpis(self) -> CityLearnKpis:
        """CityLearn's KPIs of the episode so far (control over the same steps with batteries idle)."""
        d = self.district
        rows = slice(d.first, d.t)
        r = d.records
        comfort = {b.name: building_comfort_kpis(b, rows) for b in d.dataset.buildings}
        return citylearn_kpis(d.names, r.net_kwh[rows], r.net_kwh[rows] - r.battery_kwh[rows],
                              d.tariffs.price_per_kwh[rows], d.tariffs.carbon_kg_per_kwh[rows], d.dt_h, comfort)

    def info(self) -> dict[str, Any]:
        """The end-of-episode info: CityLearn's KPIs and each building's and the district's totals."""
        d = self.district
        rows = slice(d.first, d.t)
        net, price, co2 = d.records.net_kwh[rows], d.tariffs.price_per_kwh[rows], d.tariffs.carbon_kg_per_kwh[rows]
        totals = {name: energy_totals(net[:, i], price[:, i], co2[:, i]) for i, name in enumerate(d.names)}
        return {"kpis": self.kpis(), "totals": totals}


__all__ = ["CityLearnCore", "episode_splits", "SOC", "NET"]
