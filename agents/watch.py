"""The viewer's ``--policy``: a trained agent driving the world it is shown on (``twin view ... --policy RUN``).

The CLI hands :func:`policy_simulation` to the viewer, which never imports the agents itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import envs  # noqa: F401  (registers the twin/ ids)
from agents.train import load_policy
from twin.errors import TwinError
from twin.viewer import ViewerError
from twin.viewer.sim import PolicySimulation


def policy_simulation(run_dir: Path, scenario: Path, overrides: list[str], seed: int) -> PolicySimulation:
    """The policy trained in ``run_dir`` acting in the env it was trained on, built on ``scenario``
    (plus ``overrides``) instead of the run's own copy; ViewerError if it cannot load or does not fit."""
    try:
        policy, task = load_policy(run_dir)
    except TwinError:
        raise
    except Exception as exc:  # a folder without a model, a model of another version: say so, not a traceback
        raise ViewerError(f"--policy: cannot load a policy from {run_dir}: {exc}") from None
    kwargs = {**task.env_kwargs, "scenario": str(scenario)}
    if overrides:
        kwargs["overrides"] = tuple(kwargs.get("overrides", ())) + tuple(overrides)
    try:
        env = gym.make(task.env_id, **kwargs)
        sim = PolicySimulation(env, policy, seed=seed)
        if not env.action_space.contains(_as_action(policy.act(sim.obs), env.action_space)):
            raise ValueError("its action is not in the env's action space")
        policy.reset(seed=seed)  # forget the trial action above
    except (ValueError, TypeError, KeyError, gym.error.Error) as exc:
        raise ViewerError(f"--policy: the policy in {run_dir} (trained on {task.env_id}) does not fit {scenario}: "
                          f"{exc}") from None
    return sim


def _as_action(action: Any, space: gym.Space) -> Any:
    return np.asarray(action, dtype=space.dtype) if getattr(space, "shape", None) else action
