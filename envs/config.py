"""Keyword arguments of the environments, validated: a mistyped key or value fails with what is allowed.

HighwayEnv's ``configure()`` accepts mistyped keys silently; here every keyword is a field of a
frozen pydantic model with ``extra="forbid"``, and the error names the keyword and the allowed
values. Durations take units like scenario files (``"15min"``, ``"5s"``, ``"1d"``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from twin.scenario.base import Model, duration_between
from twin.scenario.schema import MAX_HORIZON_S

# A decision interval or an episode: from one second to the longest horizon a scenario may have.
Duration = duration_between(1, MAX_HORIZON_S)

# The scenarios that ship with twin, the environments' defaults.
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


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
    reward_weights: dict[Literal["energy_cost", "comfort", "emissions", "ev_unmet", "transformer"], float] = Field(
        default_factory=lambda: {"energy_cost": 1.0, "comfort": 1.0, "emissions": 0.0, "ev_unmet": 1.0,
                                 "transformer": 1.0},
        description="weight per reward term: energy_cost (per EUR), comfort (per K*h), emissions (per kg), "
                    "ev_unmet (per kWh an EV still needs when it leaves or at the episode's end), "
                    "transformer (per kWh above the rating; Neighborhood only)")
    discrete: bool = Field(False, description="SmartHome-v0: 18 discrete actions instead of a Box")


class TrafficEnvConfig(EnvConfig):
    """TrafficGrid-v0 (and its PettingZoo and vector versions)."""

    scenario: str = Field(str(SCENARIOS / "traffic_grid.yaml"), description="path of the scenario YAML file")

    decision_interval: Duration = 5
    reward_weights: dict[Literal["queue", "delay", "switch"], float] = Field(
        default_factory=lambda: {"queue": 1.0, "delay": 0.0, "switch": 0.0},
        description="weight per reward term: queue (per vehicle-hour standing), delay (per vehicle-hour of "
                    "stop-line delay of vehicles that crossed), switch (per phase change)")


def parse_config(cls: type[EnvConfig], env_id: str, kwargs: dict) -> EnvConfig:
    """Validate ``kwargs`` into ``cls``; EnvConfigError naming each bad keyword and what is allowed."""
    try:
        return cls(**kwargs)
    except ValidationError as err:
        allowed = ", ".join(cls.model_fields)
        lines = []
        for e in err.errors():
            key = ".".join(str(x) for x in e["loc"]) or "(keywords)"
            if e["type"] == "extra_forbidden":
                lines.append(f"{key}: unknown keyword; {env_id} takes {allowed}")
            else:
                lines.append(f"{key}={e.get('input')!r}: {e['msg']}")
        raise EnvConfigError(f"{env_id}: " + "; ".join(lines)) from None
