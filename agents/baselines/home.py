"""Rule-based home controllers: the baselines every home learner is compared with.

They act through the environment like a learner does: each reads only the observation (see
:data:`envs.home_task.OBS_FEATURES`) plus constants taken from the env when built (the scenario's
comfort band, thermostat deadband, tariff and battery sizes). Every rule works on all homes of an
observation at once, so the same policy drives ``twin/SmartHome-v0`` (Box actions or
``discrete=True``) and the central ``twin/Neighborhood-v0``.

Commands are the env's action columns in [-1, 1] (:data:`envs.home_task.ACTIONS`):

- heat: -1 off, +1 full heat-pump power (the rules are on/off; 0 would be half power); where the
  scenario's heat pumps also cool (``thermostat.cooling_setpoint_c``) the column is signed: +1
  full heating, 0 off, -1 full cooling, and the rules cool by a second deadband thermostat below
  the comfort band's top (``HomeLayout.cooling_setpoint_c``);
- battery: battery power / its power limit, + charges, - discharges, 0 idle;
- ev: -1 no charging, +1 charging at full charger power (the twin stops when the EV is full).

Where the scenario's homes have hot-water tanks a fourth column drives the heater: every rule
heats the tank by a deadband thermostat on the observed tank temperature, at the scenario's
``homes.hot_water`` setpoint and deadband.

With ``discrete=True`` the commands of the home map to the nearest row of the env's discrete
actions (:attr:`envs.home_task.HomeSpaces.discrete_actions`; heat, EV and hot water exactly;
battery to -1, 0 or +1).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from gymnasium import spaces

from envs.home_task import DISCRETE_ACTIONS, OBS_FEATURES, HomeSpaces
from twin.generators.archetypes import ARCHETYPES
from twin import tariffs
from twin.scenario.schema import Scenario

FEATURE = {name: i for i, (name, _) in enumerate(OBS_FEATURES)}
TEMP, PRICE_NOW = FEATURE["indoor_temp_c"], FEATURE["price_now_eur_per_kwh"]
NET, SOC = FEATURE["net_kw"], FEATURE["battery_soc"]
EV_PRESENT, EV_NEED = FEATURE["ev_present"], FEATURE["ev_need_kwh"]
HOT_WATER_TEMP = len(OBS_FEATURES)  # where a home's features have the tank's temperature, it is next
OFF, ON = -1.0, 1.0


@dataclass(frozen=True)
class HomeLayout:
    """Where a home env puts each home in its observation and action.

    ``n_homes`` homes; each home's observation is ``obs_width`` features (14 in SmartHome-v0, 15 in
    Neighborhood-v0 with the feeder load last); ``discrete`` means one index into DISCRETE_ACTIONS.
    ``cooling_setpoint_c`` (degC) is set where the heat action is signed (heat pumps that cool): the
    rules cool above it. ``hot_water`` (setpoint degC, deadband K) is set where homes have tanks: the
    action has a fourth column, the heater, and the rules run a tank thermostat.
    """

    n_homes: int = 1
    obs_width: int = len(OBS_FEATURES)
    discrete: bool = False
    cooling_setpoint_c: float | None = None
    hot_water: tuple[float, float] | None = None

    @property
    def n_actions(self) -> int:
        """Action columns per home."""
        return 3 if self.hot_water is None else 4

    @functools.cached_property
    def discrete_actions(self) -> np.ndarray:
        """The env's discrete action table (rows of commands; built once, read every decision)."""
        return HomeSpaces(hot_water=self.hot_water is not None).discrete_actions

    def __post_init__(self):
        if self.n_homes < 1 or self.obs_width < len(OBS_FEATURES):
            raise ValueError(f"HomeLayout: need n_homes >= 1 and obs_width >= {len(OBS_FEATURES)}, "
                             f"got {self.n_homes} and {self.obs_width}")
        if self.discrete and self.n_homes != 1:
            raise ValueError("HomeLayout: discrete actions exist for one home (SmartHome-v0) only")

    @classmethod
    def of(cls, env: Any) -> "HomeLayout":
        """The layout of a SmartHome-v0 or Neighborhood-v0 env (wrapped or not)."""
        scenario = home_scenario(env)
        n = scenario.homes.count
        width = int(np.prod(env.observation_space.shape)) // n
        tank = scenario.homes.hot_water
        return cls(n_homes=n, obs_width=width, discrete=isinstance(env.action_space, spaces.Discrete),
                   cooling_setpoint_c=comfort_cooling_setpoint_c(scenario),
                   hot_water=(tank.setpoint_c, tank.deadband_k) if HomeSpaces.of(scenario).hot_water else None)

    def rows(self, obs: np.ndarray) -> np.ndarray:
        """The observation as (homes, features)."""
        a = np.asarray(obs, dtype=np.float64)
        if a.size != self.n_homes * self.obs_width:
            raise ValueError(f"observation has {a.size} values; this layout expects {self.n_homes} homes x "
                             f"{self.obs_width} features")
        return a.reshape(self.n_homes, self.obs_width)

    def emit(self, commands: np.ndarray) -> Any:
        """(homes, n_actions) commands in [-1, 1] as an action of the env: a Box row per home, or the
        index of the nearest discrete action."""
        if self.discrete:
            return nearest_discrete_action(commands[0], self.discrete_actions)
        out = commands.astype(np.float32)
        return out[0] if self.n_homes == 1 else out


def nearest_discrete_action(command: np.ndarray, table: np.ndarray = DISCRETE_ACTIONS) -> int:
    """Index of the row of ``table`` (the env's discrete actions) closest (Euclidean) to one home's
    commands in [-1, 1]."""
    return int(np.argmin(((table - np.asarray(command, dtype=np.float32)) ** 2).sum(axis=1)))


def home_scenario(env: Any) -> Scenario:
    """The validated scenario a SmartHome-v0 or Neighborhood-v0 env builds its worlds from."""
    u = env.unwrapped
    episodes = getattr(u, "episodes", None) or getattr(getattr(u, "core", None), "episodes", None)
    if episodes is None:
        raise ValueError(f"{type(u).__name__} is not a twin environment (no scenario); home baselines need "
                         "twin/SmartHome-v0 or twin/Neighborhood-v0")
    return episodes.scenario


def comfort_setpoint_c(scenario: Scenario) -> tuple[float, float]:
    """(setpoint_c, deadband_k) for the rule thermostats: the scenario's deadband (K) and a setpoint
    that keeps the whole deadband inside the comfort band, ``low_c + deadband_k`` (degC) but at most
    its middle."""
    low, high = scenario.homes.comfort.low_c, scenario.homes.comfort.high_c
    deadband = scenario.homes.thermostat.deadband_k
    return min(low + deadband, 0.5 * (low + high)), deadband


def comfort_cooling_setpoint_c(scenario: Scenario) -> float | None:
    """The rule thermostats' cooling setpoint (degC) where the scenario's heat pumps cool, else None:
    ``high_c - deadband_k``, keeping the whole deadband inside the comfort band, but at least its
    middle."""
    if scenario.homes.thermostat.cooling_setpoint_c is None:
        return None
    low, high = scenario.homes.comfort.low_c, scenario.homes.comfort.high_c
    return max(high - scenario.homes.thermostat.deadband_k, 0.5 * (low + high))


class _HomeRules:
    """Shared part of the home rules: layout, an on/off thermostat per home, and the action output.

    Thermostat (hysteresis): heat turns on when the indoor temperature is below
    ``setpoint_c - deadband_k / 2`` (degC), off at or above ``setpoint_c + deadband_k / 2``, and keeps
    its last state in between.
    """

    name = "home_rules"

    def __init__(self, setpoint_c: float, deadband_k: float, layout: HomeLayout | None):
        if deadband_k <= 0:
            raise ValueError(f"{self.name}: deadband_k must be > 0 K, got {deadband_k}")
        self.setpoint_c, self.deadband_k = float(setpoint_c), float(deadband_k)
        self.layout = layout or HomeLayout()
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        """Start a new episode with heating and cooling off (the rules are deterministic; ``seed`` is unused)."""
        self._heating = np.zeros(self.layout.n_homes, dtype=bool)
        self._cooling = np.zeros(self.layout.n_homes, dtype=bool)
        self._tank_heating = np.zeros(self.layout.n_homes, dtype=bool)

    def act(self, obs: np.ndarray) -> Any:
        """The env action for one observation."""
        rows = self.layout.rows(obs)
        commands = np.empty((rows.shape[0], self.layout.n_actions))
        heating = self._thermostat(rows[:, TEMP])
        if self.layout.cooling_setpoint_c is None:
            commands[:, 0] = np.where(heating, ON, OFF)
        else:  # a signed column: 0 is off
            commands[:, 0] = np.where(heating, ON, np.where(self._cooler(rows[:, TEMP]), -1.0, 0.0))
        commands[:, 1] = self._battery(rows)
        commands[:, 2] = np.where(self._ev_charges(rows), ON, OFF)
        if self.layout.hot_water is not None:
            commands[:, 3] = np.where(self._tank_thermostat(rows[:, HOT_WATER_TEMP]), ON, OFF)
        return self.layout.emit(commands)

    def _thermostat(self, temp_c: np.ndarray) -> np.ndarray:
        half = 0.5 * self.deadband_k
        self._heating = (temp_c < self.setpoint_c - half) | (self._heating & (temp_c < self.setpoint_c + half))
        return self._heating

    def _cooler(self, temp_c: np.ndarray) -> np.ndarray:
        """The cooling relay: on above ``cooling_setpoint_c + deadband_k / 2``, off at or below
        ``cooling_setpoint_c - deadband_k / 2`` (degC)."""
        half, setpoint = 0.5 * self.deadband_k, self.layout.cooling_setpoint_c
        self._cooling = (temp_c > setpoint + half) | (self._cooling & (temp_c > setpoint - half))
        return self._cooling

    def _tank_thermostat(self, temp_c: np.ndarray) -> np.ndarray:
        """The tank heater's relay: on below its setpoint - deadband/2, off at or above setpoint + deadband/2 (degC)."""
        setpoint, deadband = self.layout.hot_water
        half = 0.5 * deadband
        self._tank_heating = (temp_c < setpoint - half) | (self._tank_heating & (temp_c < setpoint + half))
        return self._tank_heating

    def _battery(self, rows: np.ndarray) -> np.ndarray:
        return np.zeros(rows.shape[0])

    def _ev_charges(self, rows: np.ndarray) -> np.ndarray:
        """Charge whenever the EV is plugged in and still wants energy (kWh > 0)."""
        return (rows[:, EV_PRESENT] > 0.5) & (rows[:, EV_NEED] > 0)


class ThermostatPolicy(_HomeRules):
    """The deadband thermostat alone: heat on/off by indoor temperature (see ``_HomeRules``), battery
    idle, EV charged at full power as soon as it is plugged in."""

    name = "thermostat"

    def __init__(self, setpoint_c: float = 21.0, deadband_k: float = 1.0, layout: HomeLayout | None = None):
        super().__init__(setpoint_c, deadband_k, layout)

    @classmethod
    def from_env(cls, env: Any) -> "ThermostatPolicy":
        """Setpoint and deadband from the scenario's comfort band (``comfort_setpoint_c``)."""
        return cls(*comfort_setpoint_c(home_scenario(env)), layout=HomeLayout.of(env))


class TimeOfUseBattery(_HomeRules):
    """Price arbitrage with the battery; thermostat heating.

    - battery: charge at full power while ``price_now <= cheap_below_eur_per_kwh``, discharge at full
      power while ``price_now >= expensive_above_eur_per_kwh``, idle otherwise (prices EUR/kWh, the
      observation's ``price_now_eur_per_kwh``; the twin stops at the SoC bounds);
    - EV: charge only in cheap hours (price at or below ``cheap_below_eur_per_kwh``) while plugged in;
      an EV that leaves before cheap hours leaves short (the ``ev_unmet_kwh`` KPI shows it);
    - heat: the deadband thermostat.
    """

    name = "time_of_use"

    def __init__(self, cheap_below_eur_per_kwh: float, expensive_above_eur_per_kwh: float,
                 setpoint_c: float = 21.0, deadband_k: float = 1.0, layout: HomeLayout | None = None):
        if cheap_below_eur_per_kwh >= expensive_above_eur_per_kwh:
            raise ValueError(f"time_of_use: cheap_below_eur_per_kwh ({cheap_below_eur_per_kwh}) must be below "
                             f"expensive_above_eur_per_kwh ({expensive_above_eur_per_kwh})")
        self.cheap_below = float(cheap_below_eur_per_kwh)
        self.expensive_above = float(expensive_above_eur_per_kwh)
        super().__init__(setpoint_c, deadband_k, layout)

    @classmethod
    def from_env(cls, env: Any) -> "TimeOfUseBattery":
        """Thresholds from the scenario's tariff (``price_thresholds``), thermostat from its comfort band."""
        sc = home_scenario(env)
        return cls(*price_thresholds(sc), *comfort_setpoint_c(sc), layout=HomeLayout.of(env))

    def _battery(self, rows: np.ndarray) -> np.ndarray:
        price = rows[:, PRICE_NOW]
        return np.where(price <= self.cheap_below, ON, np.where(price >= self.expensive_above, -1.0, 0.0))

    def _ev_charges(self, rows: np.ndarray) -> np.ndarray:
        return super()._ev_charges(rows) & (rows[:, PRICE_NOW] <= self.cheap_below)


def price_thresholds(scenario: Scenario) -> tuple[float, float]:
    """(cheap_below, expensive_above) in EUR/kWh of the scenario's tariff (see :func:`twin.tariffs.price_thresholds`)."""
    return tariffs.price_thresholds(scenario.tariff)


class PVSelfConsumption(_HomeRules):
    """The battery absorbs PV surplus and covers net load (zero net import as far as it can);
    thermostat heating; EV charged as soon as it is plugged in.

    The observation holds the net load *with* the battery (``net_kw``, kW, + import), so the rule
    integrates: the battery power that would have zeroed it is the last command minus the observed
    net load, ``u = clip(u_last - net_kw / battery_power_kw, -1, 1)`` (fraction of the power limit,
    + charging). When the twin clipped the last command (SoC bound), the integrator is clipped at
    +-1 and unwinds within a step or two. Discrete actions quantize ``u`` to -1, 0 or +1 (idle when
    |u| < 0.5) and the integrator keeps the quantized command.
    """

    name = "pv_self_consumption"

    def __init__(self, battery_power_kw: float, setpoint_c: float = 21.0, deadband_k: float = 1.0,
                 layout: HomeLayout | None = None):
        if battery_power_kw <= 0:
            raise ValueError(f"pv_self_consumption: battery_power_kw must be > 0 kW, got {battery_power_kw}")
        self.battery_power_kw = float(battery_power_kw)
        super().__init__(setpoint_c, deadband_k, layout)

    @classmethod
    def from_env(cls, env: Any) -> "PVSelfConsumption":
        """Battery power: the mean of the scenario's archetype battery power ranges (kW), weighted by
        the archetype mix; thermostat from the comfort band."""
        sc = home_scenario(env)
        mix = sc.homes.archetypes
        power = sum(w * 0.5 * sum(ARCHETYPES[a].battery_kw) for a, w in mix.items()) / sum(mix.values())
        return cls(power, *comfort_setpoint_c(sc), layout=HomeLayout.of(env))

    def reset(self, seed: int | None = None) -> None:
        """New episode: heating off, battery command idle."""
        super().reset(seed)
        self._command = np.zeros(self.layout.n_homes)

    def _battery(self, rows: np.ndarray) -> np.ndarray:
        u = np.clip(self._command - rows[:, NET] / self.battery_power_kw, -1.0, 1.0)
        if self.layout.discrete:
            u = np.where(np.abs(u) < 0.5, 0.0, np.sign(u))
        self._command = u
        return u


__all__ = ["HomeLayout", "ThermostatPolicy", "TimeOfUseBattery", "PVSelfConsumption", "nearest_discrete_action",
           "price_thresholds", "comfort_setpoint_c", "comfort_cooling_setpoint_c", "home_scenario"]
