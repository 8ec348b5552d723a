"""Reward functions by name, or your own: what each agent is paid for the last decision interval.

Every environment computes a typed record of the last interval per agent (:class:`HomeStep` per
home, :class:`TrafficStep` per intersection; arrays laid out world by world) and passes it to its
reward function, which returns one reward per agent. A central env sums its world's agents.

- ``reward="weighted"`` (the default) sums the named, weighted terms of ``reward_weights`` that
  ``info["reward_terms"]`` reports (whatever the reward function, the terms are reported).
- Home rewards: ``"cost"`` (- energy cost, EUR), and CityLearn's ``"net-consumption"``
  (its default ``RewardFunction``: ``min(-e, 0)`` with ``e`` the net import, kWh) and ``"marl"``
  (its ``MARL``: ``sign(-e) * 0.01 * e**2 * max(0, E)`` with ``E`` the world's net import, kWh).
- Traffic rewards as sumo-rl names them: ``"diff-waiting-time"`` (the fall, over the interval, of
  the time the vehicles now at the stop lines have waited there, in units of 100 s),
  ``"average-speed"`` (the mean of speed over the speed limit of the vehicles on the approaches:
  in twin's queue model a vehicle at a stop line stands and any other drives at the limit; 1 with
  no vehicles), ``"queue"`` (- vehicles at the stop lines) and ``"pressure"`` (vehicles on the
  approaches minus vehicles on the links leaving the intersection, with sumo-rl's sign; a vehicle
  on an exit link has left the queues and counts on neither side).
- A callable ``reward(step) -> array`` gets the step record and returns one finite reward per
  agent, an array as long as the record's, e.g. ``lambda step: -step.halted_veh - step.waiting_s / 60``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from twin.errors import shown


@dataclass(frozen=True)
class HomeStep:
    """The last decision interval of every home (arrays per home; worlds laid out one after another)."""

    interval_s: int
    energy_cost_eur: np.ndarray      # import x price - export x feed-in price, EUR
    comfort_kh: np.ndarray           # degree-hours outside the comfort band while someone is up, K*h
    emissions_kg: np.ndarray         # imported energy x carbon intensity, kg CO2
    ev_unmet_kwh: np.ndarray         # EV energy still needed when an EV left (and, at the end, still owed), kWh
    net_import_kwh: np.ndarray       # import - export, kWh
    hot_water_unmet_kwh: np.ndarray  # heat the hot-water draws lacked, the tank below use temperature, kWh
    world_net_import_kwh: np.ndarray  # the same net import summed over the home's world, kWh
    terms: dict[str, np.ndarray]     # the weighted, signed terms of ``reward_weights``


@dataclass(frozen=True)
class TrafficStep:
    """The last decision interval of every intersection (arrays per intersection; worlds one after another).

    The fields after ``halted_veh`` cost a pass over the queues, so they are None under the
    ``"weighted"`` reward, which does not read them; every other reward, a callable too, gets them.
    """

    interval_s: int
    terms: dict[str, np.ndarray]     # the weighted, signed terms of ``reward_weights``
    halted_veh: np.ndarray           # vehicles standing at the stop lines now
    waiting_s: np.ndarray | None     # how long they have stood there, summed, s
    last_waiting_s: np.ndarray | None  # the same one interval ago, s
    approaching_veh: np.ndarray | None  # vehicles on the approach links now (standing or driving)
    leaving_veh: np.ndarray | None   # vehicles on the links leaving the intersection now


def _weighted(step: HomeStep | TrafficStep) -> np.ndarray:
    return sum(step.terms.values())


def _average_speed(step: TrafficStep) -> np.ndarray:
    driving = step.approaching_veh - step.halted_veh
    return np.where(step.approaching_veh > 0, driving / np.maximum(step.approaching_veh, 1), 1.0)


def _marl(step: HomeStep) -> np.ndarray:
    e = step.net_import_kwh
    return np.sign(-e) * 0.01 * e**2 * np.maximum(0.0, step.world_net_import_kwh)


HOME_REWARDS: dict[str, Callable[[HomeStep], np.ndarray]] = {
    "weighted": _weighted,
    "cost": lambda step: -step.energy_cost_eur,
    "net-consumption": lambda step: np.minimum(-step.net_import_kwh, 0.0),
    "marl": _marl,
}
TRAFFIC_REWARDS: dict[str, Callable[[TrafficStep], np.ndarray]] = {
    "weighted": _weighted,
    "diff-waiting-time": lambda step: (step.last_waiting_s - step.waiting_s) / 100.0,
    "average-speed": _average_speed,
    "queue": lambda step: -step.halted_veh.astype(np.float64),
    "pressure": lambda step: (step.approaching_veh - step.leaving_veh).astype(np.float64),
}


class InvalidReward(ValueError):
    """A reward function returned something other than one finite number per agent."""


def needs_detail(reward: str | Callable[[Any], Any]) -> bool:
    """Whether the reward reads the step fields beyond the weighted terms (all but ``"weighted"`` do)."""
    return reward != "weighted"


def reward_function(reward: str | Callable[[Any], Any], named: dict[str, Callable], env_id: str
                    ) -> Callable[[Any], np.ndarray]:
    """The function for ``reward`` (a name of ``named`` or a callable), checked on every call."""
    fn = named[reward] if isinstance(reward, str) else reward
    what = repr(reward) if isinstance(reward, str) else getattr(reward, "__name__", type(reward).__name__)

    def checked(step: Any) -> np.ndarray:
        agents = next(iter(step.terms.values())).shape
        try:
            out = np.asarray(fn(step), dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InvalidReward(f"{env_id}: reward {what} returned something that is not numbers ({exc})") from None
        if out.shape != agents or not np.isfinite(out).all():
            raise InvalidReward(f"{env_id}: reward {what} must return one finite number per agent, shape "
                                f"{agents}; got {shown(out)} of shape {out.shape}")
        return out

    return checked
