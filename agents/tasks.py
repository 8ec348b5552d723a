"""Which environment a scenario file is trained on.

A scenario with one home and no streets is a SmartHome task, with several homes a Neighborhood
task, with streets and no homes a TrafficGrid task. The environment keywords are what ``twin
train`` records in the run folder, so ``twin eval`` and the viewer rebuild the same environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.errors import AgentError
from twin.scenario import load_scenario

SMART_HOME, NEIGHBORHOOD, TRAFFIC_GRID = "twin/SmartHome-v0", "twin/Neighborhood-v0", "twin/TrafficGrid-v0"


@dataclass(frozen=True)
class Task:
    """An environment id and its keywords (``gym.make(env_id, **env_kwargs)``)."""

    env_id: str
    env_kwargs: dict[str, Any] = field(default_factory=dict)

    def make(self, **extra: Any):
        """A fresh single environment (``gymnasium.make``)."""
        import gymnasium as gym

        import envs  # noqa: F401  (registers the ids)

        return gym.make(self.env_id, **{**self.env_kwargs, **extra})

    def make_vec(self, num_envs: int):
        """``num_envs`` worlds: the native vector env where the id has one, else SyncVectorEnv."""
        import gymnasium as gym

        import envs  # noqa: F401

        spec = gym.spec(self.env_id)
        mode = "vector_entry_point" if spec.vector_entry_point is not None else "sync"
        return gym.make_vec(self.env_id, num_envs=num_envs, vectorization_mode=mode, **self.env_kwargs)

    def to_json(self) -> dict[str, Any]:
        """The task as plain JSON data."""
        return {"env_id": self.env_id, "env_kwargs": dict(self.env_kwargs)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Task:
        """Inverse of :meth:`to_json` (lists become tuples, as the env keywords take them)."""
        kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in data["env_kwargs"].items()}
        return cls(data["env_id"], kwargs)


def task_for_scenario(path: str | Path, overrides: tuple[str, ...] = (), **env_kwargs: Any) -> Task:
    """The task a scenario file describes; ScenarioError for a bad file, AgentError if no env fits it."""
    scenario = load_scenario(path, list(overrides))
    homes, streets = scenario.homes.count, scenario.traffic is not None
    if streets and homes == 0:
        env_id = TRAFFIC_GRID
    elif homes == 1 and not streets:
        env_id = SMART_HOME
    elif homes > 1 and not streets:
        env_id = NEIGHBORHOOD
    else:
        raise AgentError(f"{path}: {homes} homes {'with' if streets else 'without'} streets; agents train on "
                         "one home (SmartHome-v0), several homes (Neighborhood-v0) or streets without homes "
                         "(TrafficGrid-v0)")
    kwargs: dict[str, Any] = {"scenario": str(path), **env_kwargs}
    if overrides:
        kwargs["overrides"] = tuple(overrides)
    return Task(env_id, kwargs)


__all__ = ["Task", "task_for_scenario", "SMART_HOME", "NEIGHBORHOOD", "TRAFFIC_GRID"]
