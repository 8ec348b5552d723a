"""Controllers, learners and forecasters that act through ``envs`` (imports run agents -> envs -> twin).

- ``agents.baselines``: rule-based controllers (thermostat, time-of-use battery, PV self-consumption;
  fixed-time, actuated and max-pressure signals), the yardstick every learner is compared to;
- ``agents.tabular``: Q-learning over discretized observations; ``agents.a2c``: our actor-critic in
  torch; ``agents.sb3``: stable-baselines3's PPO, A2C, SAC and DQN through one adapter;
- ``agents.forecast``: load, PV and traffic forecasters trained on the twin's telemetry;
- ``agents.train``: train any of them into a run folder, resume it, and :func:`load_policy` back;
- ``agents.evaluate``: play policies on the same seeded episodes and tabulate their KPIs.
"""

from typing import Any

__all__ = ["load_policy"]


def __getattr__(name: str) -> Any:
    # Importing ``agents`` stays cheap (the CLI builds its parsers from agents.forecast.command);
    # load_policy and what it needs come in on first use.
    if name == "load_policy":
        from agents.train import load_policy

        return load_policy
    raise AttributeError(f"module 'agents' has no attribute {name!r}")
