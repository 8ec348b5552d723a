"""Keyword arguments of the environments, validated: a mistyped key or value fails with what is allowed.

HighwayEnv's ``configure()`` accepts mistyped keys silently; here every keyword is a field of a
frozen pydantic model with ``extra="forbid"``, and the error names the keyword and the allowed
values. Durations take units like scenario files (``"15min"``, ``"5s"``, ``"1d"``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError

from twin.errors import shown
from twin.scenario.base import Model, duration_between
from twin.scenario.schema import MAX_HORIZON_S

# A decision interval or an episode: from one second to the longest horizon a scenario may have.
Duration = duration_between(1, MAX_HORIZON_S)

# The scenarios that ship with twin, the environments' defaults.
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

# A traffic reward term's weight: finite and far from overflowing, so the weighted reward is finite.
RewardWeight = Annotated[float, Field(ge=-1e9, le=1e9)]


class EnvConfigError(ValueError):
    """An environment keyword argument is unknown or has a value that is not allowed."""


class EnvConfig(Model):
    """What every environment takes."""

    scenario: str = Field(description="path of the scenario YAML file")
    overrides: tuple[str, ...] = Field((), description='scenario fields to change, "dotted.field=value" as --set')
    decision_interval: Duration = Field(description="simulated time between two actions (s; '15min', '5s')")
    duration: Duration | None = Field(None, description="episode length (s); default: the scenario's duration")
    render_mode: Literal["human", "rgb_array"] | None = Field(
        None, description="'rgb_array': render() returns the viewer's frame, (720, 1280, 3) uint8; "
                          "'human': frames are shown in a window at render_fps; None: no rendering")


class HomeEnvConfig(EnvConfig):
    """SmartHome-v0 and Neighborhood-v0 (and their PettingZoo and vector versions)."""

    scenario: str = Field(str(SCENARIOS / "smart_home.yaml"), description="path of the scenario YAML file")

    decision_interval: Duration = 900
    duration: Duration | None = 86400
    reward_weights: dict[Literal["energy_cost", "comfort", "emissions", "ev_unmet", "transformer",
                                 "hot_water_unmet"], float] = Field(
        default_factory=lambda: {"energy_cost": 1.0, "comfort": 1.0, "emissions": 0.0, "ev_unmet": 1.0,
                                 "transformer": 1.0, "hot_water_unmet": 1.0},
        description="weight per reward term: energy_cost (per EUR), comfort (per K*h), emissions (per kg), "
                    "ev_unmet (per kWh an EV still needs when it leaves or at the episode's end), "
                    "transformer (per kWh above the rating; Neighborhood only), hot_water_unmet (per kWh of heat "
                    "the hot-water draws lacked; only where homes have tanks)")
    discrete: bool = Field(False, description="SmartHome-v0: 18 discrete actions instead of a Box")
    reward: Literal["weighted", "cost", "net-consumption", "marl"] | Callable[..., Any] = Field(
        "weighted", description="reward by name (envs.rewards.HOME_REWARDS) or a function of an "
                                "envs.rewards.HomeStep returning one reward per home")


class TrafficEnvConfig(EnvConfig):
    """TrafficGrid-v0 (and its PettingZoo and vector versions)."""

    scenario: str = Field(str(SCENARIOS / "traffic_grid.yaml"), description="path of the scenario YAML file")

    decision_interval: Duration = 5
    reward_weights: dict[Literal["queue", "delay", "switch"], RewardWeight] = Field(
        default_factory=lambda: {"queue": 1.0, "delay": 0.0, "switch": 0.0},
        description="weight per reward term: queue (per vehicle-hour standing), delay (per vehicle-hour of "
                    "stop-line delay of vehicles that crossed), switch (per phase change)")
    reward: Literal["weighted", "diff-waiting-time", "average-speed", "queue", "pressure"] | Callable[..., Any] = Field(
        "weighted", description="reward by name (envs.rewards.TRAFFIC_REWARDS, as sumo-rl names them) or a "
                                "function of an envs.rewards.TrafficStep returning one reward per intersection")


class CityLearnEnvConfig(Model):
    """CityLearn-v0 and ``citylearn_v0`` (a CityLearn dataset; see docs/environments.md)."""

    dataset: str = Field(description="path of a CityLearn dataset's schema.json (or its folder)")
    buildings: tuple[str, ...] | None = Field(
        None, description="names of the buildings to simulate, as CityLearn's buildings=; default: every "
                          "building the schema includes")
    reward: Literal["schema", "net-consumption"] = Field(
        "schema", description="schema: the schema's reward_function (CityLearn's default RewardFunction, with "
                              "its exponent); net-consumption: -max(net kWh, 0) per building, whatever the "
                              "schema names")
    render_mode: None = Field(None, description="CityLearn-v0 does not render")


def parse_config(cls: type[EnvConfig], env_id: str, kwargs: dict) -> EnvConfig:
    """Validate ``kwargs`` into ``cls``; EnvConfigError naming each bad keyword and what is allowed."""
    try:
        return cls(**kwargs)
    except ValidationError as err:
        allowed = ", ".join(cls.model_fields)
        lines: dict[str, str] = {}
        for e in err.errors():
            key = ".".join(str(x) for x in e["loc"]) or "(keywords)"
            if e["type"] == "extra_forbidden":
                lines[key] = f"{key}: unknown keyword; {env_id} takes {allowed}"
            elif e["loc"] and e["loc"][0] == "reward":  # a name or a callable: one line for both branches
                old = lines.get("reward")
                msg = e["msg"].removeprefix("Input should be ")
                lines["reward"] = (f"{old}, or {msg}" if old else
                                   f"reward={shown(e.get('input'))}: should be {msg}")
            else:
                lines[key] = f"{key}={shown(e.get('input'))}: {e['msg']}"
        raise EnvConfigError(f"{env_id}: " + "; ".join(lines.values())) from None
