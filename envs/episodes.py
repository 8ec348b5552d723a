"""Where episodes come from: a scenario file, keyword overrides, and seeds for each world.

An episode is one world built from the scenario with a world seed. ``reset(seed=s)`` seeds the
environment's Generator with ``s`` (Gymnasium's ``np_random``); every episode, the first included,
takes its world seed from that Generator. A vector environment keeps one such Generator per
world, seeded ``s + k`` for world k as Gymnasium's ``SyncVectorEnv`` seeds its copies, so world k
of a vector environment runs exactly the episodes of a single environment reset with ``s + k``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from envs.config import EnvConfig, EnvConfigError
from twin.build import build_world
from twin.engine import World
from twin.errors import shown
from twin.scenario.loader import load_scenario
from twin.scenario.schema import Scenario
from twin.units import format_duration

WORLD_SEED_BOUND = 2**31 - 1


class EpisodeSpec:
    """Mixin: ``env.spec.max_episode_steps`` is the episode length the env's keywords give.

    The length depends on ``duration`` and ``decision_interval``, so it cannot be registered once.
    ``gym.make`` sets the spec after construction with no length and so adds no TimeLimit wrapper;
    the setter fills in the env's own length, at which the env truncates its episodes itself.
    Subclasses set ``episode_steps``.
    """

    episode_steps: int
    _spec: Any = None

    @property
    def spec(self) -> Any:
        """The env's Gymnasium ``EnvSpec``, with ``max_episode_steps`` this env's episode length."""
        return self._spec

    @spec.setter
    def spec(self, value: Any) -> None:
        self._spec = value if value is None else dataclasses.replace(value, max_episode_steps=self.episode_steps)


class InvalidSeed(ValueError):
    """A seed given to ``reset`` is neither None nor a whole number >= 0."""


def check_seed(seed: object, env_id: str) -> int | None:
    """``seed`` as an ``int`` (None stays None); InvalidSeed for anything else, bools and floats included."""
    if seed is None:
        return None
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)) and seed >= 0:
        return int(seed)
    raise InvalidSeed(f"{env_id}: seed must be None or a whole number >= 0, got {shown(seed)} "
                      f"({type(seed).__name__})")


def world_seed(rng: np.random.Generator) -> int:
    """The seed of the next episode's world, drawn from an environment's Generator."""
    return int(rng.integers(WORLD_SEED_BOUND))


class Episodes:
    """The validated scenario of an environment, and worlds built from it."""

    def __init__(self, env_id: str, cfg: EnvConfig, *, controllers: dict[str, str] | None = None,
                 traffic: bool = False, homes: tuple[int, int | None] = (0, None)):
        self.env_id, self.cfg = env_id, cfg
        overrides = list(cfg.overrides)
        if cfg.duration is not None:
            overrides.append(f"duration={cfg.duration}s")
        for name, mode in (controllers or {}).items():
            overrides.append(f"controllers.{name}={mode}")
        sc = load_scenario(cfg.scenario, overrides)
        if traffic and sc.traffic is not None:
            signals = sc.traffic.signals.model_copy(update={"controller": "external"})
            sc = sc.model_copy(update={"traffic": sc.traffic.model_copy(update={"signals": signals})})
        self.scenario: Scenario = sc
        dt = cfg.decision_interval
        self.interval_s = dt
        if traffic and sc.traffic is None:
            raise EnvConfigError(f"{env_id}: scenario {cfg.scenario} has no traffic: section; {env_id} controls signals")
        step = sc.traffic.resolution if traffic else sc.resolution
        problems = []
        lo, hi = homes
        if not lo <= sc.homes.count <= (hi if hi is not None else sc.homes.count):
            want = f"exactly {lo}" if lo == hi else f"at least {lo}"
            problems.append(f"scenario {cfg.scenario} has {sc.homes.count} homes; {env_id} needs {want}")
        if dt <= 0 or dt % step:
            problems.append(f"decision_interval={format_duration(dt)} must be a positive multiple of the "
                            f"physics step {format_duration(step)}")
        elif sc.duration % dt:
            problems.append(f"decision_interval={format_duration(dt)} must divide the episode duration "
                            f"{format_duration(sc.duration)}")
        if problems:
            raise EnvConfigError(f"{env_id}: " + "; ".join(problems))
        self.steps_per_episode = sc.duration // dt
        self._memory_checked: set[int] = set()  # replica counts whose worlds are known to fit

    def build(self, seeds: list[int]) -> World:
        """One world holding a replica per seed (a plain world for one seed).

        The memory check runs at the first world of each size: the scenario does not change between
        episodes, and reading the system's free memory took a tenth of each reset.
        """
        checked = len(seeds) in self._memory_checked
        if len(seeds) == 1:
            world = build_world(self.scenario.model_copy(update={"seed": seeds[0]}), memory_checked=checked)
        else:
            world = build_world(self.scenario, seeds=seeds, memory_checked=checked)
        self._memory_checked.add(len(seeds))
        return world
