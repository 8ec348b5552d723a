"""What a home agent sees, does and is rewarded for, computed for every home of a world at once.

One ``HomeTask`` serves SmartHome-v0 (one home), its native vector env (one home per replica
world), Neighborhood-v0 and its PettingZoo version (all homes of a world). Arrays are per home,
homes laid out replica by replica. See ``docs/environments.md`` for the table of features.

Where the scenario gives homes hot-water tanks (``homes.penetration.hot_water > 0``) every home
gains a feature (its tank's temperature), an action (its heater) and a reward term (hot water
unmet): :class:`HomeSpaces` says which a world's envs have.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numba import njit

from envs.rewards import HomeStep
from twin.engine import World
from twin.homes.state import AWAKE
from twin.scenario.schema import Scenario

# Observation features per home, in order, with units.
OBS_FEATURES = (
    ("indoor_temp_c", "degC"), ("outdoor_temp_c", "degC"), ("occupied", "0/1 someone awake at home"),
    ("price_now_eur_per_kwh", "EUR/kWh"), ("price_1h_eur_per_kwh", "EUR/kWh"), ("price_4h_eur_per_kwh", "EUR/kWh"),
    ("pv_kw", "kW over the last step"), ("net_kw", "kW over the last step, + import"),
    ("battery_soc", "fraction of capacity"), ("ev_present", "0/1"), ("ev_need_kwh", "kWh still wanted"),
    ("hour_sin", "sin(2 pi hour/24)"), ("hour_cos", "cos(2 pi hour/24)"), ("weekend", "0/1"),
)
# Physical bounds, wide enough never to bind in a valid world; observations are clipped to them.
OBS_LOW = np.array([-60, -60, 0, 0, 0, 0, 0, -500, 0, 0, 0, -1, -1, 0], dtype=np.float32)
OBS_HIGH = np.array([80, 60, 1, 10, 10, 10, 500, 500, 1, 1, 500, 1, 1, 1], dtype=np.float32)
ACTIONS = (("heat", "heat-pump power: -1 off .. 1 full; where heat pumps cool (thermostat.cooling_setpoint_c "
                   "set): -1 full cooling .. 0 off .. 1 full heating"),
           ("battery", "battery power: -1 full discharge .. 1 full charge"),
           ("ev", "EV charging: -1 off .. 1 full charger power"))
# Discrete actions: every combination of heat {off, half, full} x battery {discharge, idle, charge} x EV {off, on}.
DISCRETE_ACTIONS = np.array([(h, b, e) for h in (-1.0, 0.0, 1.0) for b in (-1.0, 0.0, 1.0) for e in (-1.0, 1.0)],
                            dtype=np.float32)
PRICE_AHEAD_S = (3600, 4 * 3600)
# Where homes have hot-water tanks: the feature, action and reward term every home gains (last).
HOT_WATER_FEATURE = ("hot_water_temp_c", "degC, the tank's (the mains temperature where a home has none)")
HOT_WATER_BOUNDS_C = (-10.0, 100.0)
HOT_WATER_ACTION = ("hot_water", "hot-water heater: -1 off .. 1 full power (nothing above the tank's max_c)")
# Reward term -> the HomeStep field it weighs.
TERMS = {"energy_cost": "energy_cost_eur", "comfort": "comfort_kh", "emissions": "emissions_kg",
         "ev_unmet": "ev_unmet_kwh"}
HOT_WATER_TERM = {"hot_water_unmet": "hot_water_unmet_kwh"}
# The HomeStep fields of an interval, in their order there: the rows of HomeTask's totals.
STEP_FIELDS = ("energy_cost_eur", "comfort_kh", "emissions_kg", "ev_unmet_kwh", "net_import_kwh",
               "hot_water_unmet_kwh")
_EV_UNMET, _NET = STEP_FIELDS.index("ev_unmet_kwh"), STEP_FIELDS.index("net_import_kwh")


@dataclass(frozen=True)
class HomeSpaces:
    """The per-home features, actions and reward terms of a world's home envs: OBS_FEATURES,
    ACTIONS and TERMS, each with the hot water's appended where ``hot_water`` (computed once: envs
    read them every step)."""

    hot_water: bool = False

    @classmethod
    def of(cls, scenario: Scenario) -> "HomeSpaces":
        """The spaces of ``scenario``'s homes: with hot water where any home may have a tank."""
        return cls(hot_water=scenario.homes.penetration.hot_water > 0)

    @functools.cached_property
    def features(self) -> tuple[tuple[str, str], ...]:
        """(name, unit) of each feature of a home, in order."""
        return OBS_FEATURES + ((HOT_WATER_FEATURE,) if self.hot_water else ())

    @functools.cached_property
    def actions(self) -> tuple[tuple[str, str], ...]:
        """(name, meaning) of each action column of a home, in order."""
        return ACTIONS + ((HOT_WATER_ACTION,) if self.hot_water else ())

    @functools.cached_property
    def terms(self) -> dict[str, str]:
        """Reward term -> the HomeStep field it weighs."""
        return TERMS | (HOT_WATER_TERM if self.hot_water else {})

    @functools.cached_property
    def obs_low(self) -> np.ndarray:
        """Lower bound of each feature (float32)."""
        return np.r_[OBS_LOW, HOT_WATER_BOUNDS_C[:1] if self.hot_water else []].astype(np.float32)

    @functools.cached_property
    def obs_high(self) -> np.ndarray:
        """Upper bound of each feature (float32)."""
        return np.r_[OBS_HIGH, HOT_WATER_BOUNDS_C[1:] if self.hot_water else []].astype(np.float32)

    @functools.cached_property
    def discrete_actions(self) -> np.ndarray:
        """SmartHome-v0's discrete actions: DISCRETE_ACTIONS, each with the heater off and on where hot water."""
        if not self.hot_water:
            return DISCRETE_ACTIONS
        return np.array([(*row, w) for row in DISCRETE_ACTIONS for w in (-1.0, 1.0)], dtype=np.float32)


@njit(cache=True, nogil=True)
def fill_observation(out, replica, temp_air_c, outdoor_c, occupancy, awake, prices, pv_kw, net_kw, soc, ev_present,
                     ev_need_kwh, hour_sin, hour_cos, weekend, dhw_temp_c, low, high):
    """Row i of ``out``: home i's features in OBS_FEATURES order (``outdoor_c`` and ``prices``, with
    a column per look-ahead, per replica), then its tank temperature where ``out`` has a 15th
    column, each clipped to [low, high] as ``np.clip`` would (NaN stays NaN). One compiled pass:
    fourteen column writes were most of an observation."""
    for i in range(out.shape[0]):
        k = replica[i]
        row = out[i]
        row[0] = temp_air_c[i]
        row[1] = outdoor_c[k]
        row[2] = 1.0 if occupancy[i] == awake else 0.0
        row[3] = prices[k, 0]
        row[4] = prices[k, 1]
        row[5] = prices[k, 2]
        row[6] = pv_kw[i]
        row[7] = net_kw[i]
        row[8] = soc[i]
        row[9] = 1.0 if ev_present[i] else 0.0
        row[10] = ev_need_kwh[i]
        row[11] = hour_sin
        row[12] = hour_cos
        row[13] = 1.0 if weekend else 0.0
        if row.size > 14:
            row[14] = dhw_temp_c[i]
        for j in range(row.size):
            if row[j] < low[j]:
                row[j] = low[j]
            elif row[j] > high[j]:
                row[j] = high[j]


@njit(cache=True, nogil=True)
def cumulative_totals(cost_eur, discomfort_kh, emissions_kg, ev_unmet_kwh, import_kwh, export_kwh, dhw_unmet_kwh,
                      out):
    """Rows of ``out`` in STEP_FIELDS order: each home's totals since the start (net import = import - export)."""
    for i in range(out.shape[1]):
        out[0, i] = cost_eur[i]
        out[1, i] = discomfort_kh[i]
        out[2, i] = emissions_kg[i]
        out[3, i] = ev_unmet_kwh[i]
        out[4, i] = import_kwh[i] - export_kwh[i]
        out[5, i] = dhw_unmet_kwh[i]


@njit(cache=True, nogil=True)
def interval_deltas(now, last, signed_weights, term_rows, delta, weighted):
    """``delta = now - last`` (the interval's STEP_FIELDS rows per home) and each reward term's row,
    ``weighted[j] = signed_weights[j] * delta[term_rows[j]]``, in one pass."""
    for r in range(now.shape[0]):
        for i in range(now.shape[1]):
            delta[r, i] = now[r, i] - last[r, i]
    for j in range(term_rows.size):
        for i in range(now.shape[1]):
            weighted[j, i] = signed_weights[j] * delta[term_rows[j], i]


@njit(cache=True, nogil=True)
def apply_commands(actions, signed_heat, bat_power_kw, ev_charger_kw, heat_cmd, battery_cmd_kw, ev_cmd_kw, dhw_cmd):
    """Home i's commands from its (heat, battery, ev[, hot_water]) action row in [-1, 1]: heat-pump
    fraction (a + 1) / 2 (``signed_heat``, where heat pumps also cool: a itself, negative cooling),
    battery power a x its rating (kW), EV charging (a + 1) / 2 x the charger's power (kW), and
    where the row has a fourth column the hot-water heater's fraction (a + 1) / 2."""
    for i in range(actions.shape[0]):
        heat_cmd[i] = actions[i, 0] if signed_heat else 0.5 * (actions[i, 0] + 1.0)
        battery_cmd_kw[i] = actions[i, 1] * bat_power_kw[i]
        ev_cmd_kw[i] = 0.5 * (actions[i, 2] + 1.0) * ev_charger_kw[i]
        if actions.shape[1] > 3:
            dhw_cmd[i] = 0.5 * (actions[i, 3] + 1.0)


class HomeTask:
    """Observations, actions and reward terms of every home in ``world`` (``spaces``: which)."""

    def __init__(self, world: World, weights: dict[str, float], interval_s: int, spaces: HomeSpaces = HomeSpaces()):
        self.world = world
        energy = world.energy
        self.p, self.s = energy.homes.params, energy.homes.state
        self.physics, self.totals = energy.physics, energy.totals
        self.clock = world.processes["tariff_clock"]
        self.k = world.replicas
        self.n = self.p.n
        self.replica = np.repeat(np.arange(self.k, dtype=np.int64), self.n // self.k)
        self.weights, self.interval_s = weights, interval_s
        self.signed_heat = self.p.cooling_setpoint_c is not None  # the heat action also cools (ACTIONS)
        self.spaces = spaces
        self.terms = spaces.terms
        self._obs_low, self._obs_high = spaces.obs_low, spaces.obs_high
        self._signed_weights = np.array([-weights.get(term, 0.0) for term in self.terms])
        self._term_rows = np.array([STEP_FIELDS.index(field) for field in self.terms.values()], dtype=np.int64)
        self._last = self._cumulative()

    # -- observations ------------------------------------------------------------------------
    def observe(self) -> np.ndarray:
        """(homes, features) float32, see :attr:`HomeSpaces.features`."""
        w, s = self.world, self.s
        now = w.now_s
        out = np.empty((self.n, self._obs_low.size), dtype=np.float32)
        angle = 2 * np.pi * w.calendar.seconds_of_day(now) / 86400
        outdoor_c = self.physics.temp_c[:, self.physics.weather.index_at(now)]
        fill_observation(out, self.replica, s.temp_air_c, outdoor_c, s.occupancy, AWAKE, self._prices(now),
                         s.pv_kw, s.net_kw, s.soc, s.ev_present, s.ev_need_kwh, np.sin(angle), np.cos(angle),
                         w.calendar.weekday(now) >= 5, s.dhw_temp_c, self._obs_low, self._obs_high)
        return out

    def _prices(self, now_s: int) -> np.ndarray:
        """(replicas, 3) import prices (EUR/kWh) in force now and PRICE_AHEAD_S later; the last
        price holds past the horizon."""
        series = self.clock.price
        times = (now_s, now_s + PRICE_AHEAD_S[0], now_s + PRICE_AHEAD_S[1])
        if isinstance(series, tuple):  # every replica changes at replica 0's times
            _, values = series
            first = self.clock.markets[0].price
            return values[:, [first.index_at(t) for t in times]]
        return np.array([[one.at(t) for t in times] for one in series])

    # -- actions -----------------------------------------------------------------------------
    def act(self, actions: np.ndarray) -> None:
        """Apply (homes, actions) actions in [-1, 1] (see :attr:`HomeSpaces.actions`) as the homes' external commands."""
        p, s = self.p, self.s
        apply_commands(actions.astype(np.float64, copy=False), self.signed_heat, p.bat_power_kw, p.ev_charger_kw,
                       s.heat_cmd, s.battery_cmd_kw, s.ev_cmd_kw, s.dhw_cmd)

    # -- rewards -----------------------------------------------------------------------------
    def _cumulative(self) -> np.ndarray:
        """(STEP_FIELDS, homes) totals since the start, rows in STEP_FIELDS order."""
        t = self.totals
        now = np.empty((len(STEP_FIELDS), self.n))
        cumulative_totals(t.cost_eur, t.discomfort_kh, t.emissions_kg, t.ev_unmet_kwh, t.import_kwh, t.export_kwh,
                          t.dhw_unmet_kwh, now)
        return now

    def outcome(self, episode_end: bool = False) -> tuple[np.ndarray, HomeStep]:
        """The observation now and what every home did since the last call (see :meth:`measure`)."""
        obs = self.observe()
        return obs, self.measure(episode_end)

    def measure(self, episode_end: bool = False) -> HomeStep:
        """What every home did since the last call, with the weighted, signed reward terms.

        ``ev_unmet`` counts the EV energy still needed when an EV leaves; at the end of an episode it
        also counts what EVs still plugged in need, so that leaving a car short at the horizon is
        not free.
        """
        now = self._cumulative()
        if episode_end:
            now[_EV_UNMET] += self.ev_need_now_kwh()
        delta, weighted = np.empty_like(now), np.empty((len(self.terms), self.n))
        interval_deltas(now, self._last, self._signed_weights, self._term_rows, delta, weighted)
        self._last = now
        world_net = delta[_NET].reshape(self.k, -1).sum(axis=1).repeat(self.n // self.k)
        return HomeStep(interval_s=self.interval_s, world_net_import_kwh=world_net, terms=dict(zip(self.terms, weighted)),
                        **dict(zip(STEP_FIELDS, delta)))

    def ev_need_now_kwh(self) -> np.ndarray:
        """Energy (kWh) the EVs plugged in now still need, per home (0 where no EV is present)."""
        return np.where(self.s.ev_present, self.s.ev_need_kwh, 0.0)
