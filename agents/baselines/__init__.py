"""Rule-based baselines for every twin environment, and a registry to compare a policy against them.

``BASELINES[env_id][name](env)`` builds one baseline for an env of that id; ``baselines_for(env)``
builds all of them, so ``twin eval`` can put a trained policy next to every rule of its env family.
The rules read only the observation (plus constants of the env's scenario); see
:mod:`agents.baselines.home` and :mod:`agents.baselines.traffic`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agents.baselines.citylearn import CityLearnBasicRBC, NoControl
from agents.baselines.home import HomeLayout, PVSelfConsumption, ThermostatPolicy, TimeOfUseBattery
from agents.baselines.signal_layout import SignalLayout
from agents.baselines.traffic import ActuatedPolicy, FixedTimePolicy, MaxPressurePolicy
from agents.policy import Policy

_HOME: dict[str, Callable[[Any], Policy]] = {
    "thermostat": ThermostatPolicy.from_env,
    "time_of_use": TimeOfUseBattery.from_env,
    "pv_self_consumption": PVSelfConsumption.from_env,
}
_TRAFFIC: dict[str, Callable[[Any], Policy]] = {
    "fixed_time": FixedTimePolicy.from_env,
    "actuated": ActuatedPolicy.from_env,
    "max_pressure": MaxPressurePolicy.from_env,
}
_CITYLEARN: dict[str, Callable[[Any], Policy]] = {
    "citylearn_basic_rbc": CityLearnBasicRBC.from_env,
    "no_control": NoControl.from_env,
}
# Env id -> baseline name -> factory(env) -> Policy.
BASELINES: dict[str, dict[str, Callable[[Any], Policy]]] = {
    "twin/SmartHome-v0": _HOME,
    "twin/Neighborhood-v0": _HOME,
    "twin/TrafficGrid-v0": _TRAFFIC,
    "twin/CityLearn-v0": _CITYLEARN,
}


def env_family(env: Any) -> str:
    """The registered id (``twin/SmartHome-v0`` ...) of ``env``, wrapped or not; ValueError for other envs."""
    from envs.citylearn import CityLearnEnv
    from envs.neighborhood import NeighborhoodEnv
    from envs.smart_home import SmartHomeEnv
    from envs.traffic_grid import TrafficGridEnv

    kinds = {SmartHomeEnv: "twin/SmartHome-v0", NeighborhoodEnv: "twin/Neighborhood-v0",
             TrafficGridEnv: "twin/TrafficGrid-v0", CityLearnEnv: "twin/CityLearn-v0"}
    family = kinds.get(type(env.unwrapped))
    if family is None:
        raise ValueError(f"no baselines for {type(env.unwrapped).__name__}; baselines exist for {', '.join(BASELINES)}")
    return family


def baselines_for(env: Any) -> list[Policy]:
    """Every baseline of ``env``'s family, built for ``env`` (its scenario, spaces and decision interval)."""
    return [make(env) for make in BASELINES[env_family(env)].values()]


__all__ = ["BASELINES", "baselines_for", "env_family", "ThermostatPolicy", "TimeOfUseBattery", "PVSelfConsumption",
           "FixedTimePolicy", "ActuatedPolicy", "MaxPressurePolicy", "HomeLayout", "SignalLayout"]
