"""Native vector environments: K replica worlds stepped by one numpy call per physics step.

The K worlds live in one batched world (:func:`twin.build.build_world` with ``seeds``); world k
is bit for bit the single environment reset with seed ``s + k``. Episodes have a fixed length
(no early termination): they end truncated, at the horizon or at ``max_episode_steps``, all worlds
on the same step, and are reset together, with Gymnasium's next-step autoreset: the step after an
episode's last returns the first observation of the next episode, reward 0 and
``terminated = truncated = False``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv

from envs.config import EnvConfigError
from envs.episodes import Episodes, EpisodeSpec, InvalidSeed, check_seed, world_seed
from envs.hooks import WorldHooks


class ReplicaVectorEnv(WorldHooks, EpisodeSpec, VectorEnv):
    """Base of the native vector environments; subclasses say what a world's agents see and do
    (:class:`envs.hooks.WorldHooks`, as :class:`envs.single.WorldEnv`'s)."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(self, num_envs: int, episodes: Episodes, max_episode_steps: int | None):
        if not isinstance(num_envs, int) or num_envs < 1:
            raise ValueError(f"num_envs must be a positive whole number, got {num_envs!r}")
        if max_episode_steps is not None and (not isinstance(max_episode_steps, int) or max_episode_steps < 1):
            raise ValueError(f"max_episode_steps must be a positive whole number or None, got {max_episode_steps!r}")
        if episodes.cfg.render_mode is not None:
            raise EnvConfigError(f"{episodes.env_id}: the native vector env does not render (render_mode="
                                 f"{episodes.cfg.render_mode!r}); render a single env made with gym.make")
        self.num_envs = num_envs
        self.episodes = episodes
        self.max_episode_steps = max_episode_steps
        self.episode_steps = min(episodes.steps_per_episode, max_episode_steps or episodes.steps_per_episode)
        self.env_rngs: list[np.random.Generator | None] = [None] * num_envs
        self.world = None
        self.steps = 0
        self._ended = False

    def _check_open(self) -> None:
        if self.closed:
            raise RuntimeError(f"{self.episodes.env_id}: the vector environment is closed; make a new one")

    # -- the Gymnasium API ---------------------------------------------------------------------
    def reset(self, *, seed: int | list[int | None] | None = None,
              options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        """Start a new episode in every world; ``seed`` as :class:`gymnasium.vector.SyncVectorEnv`."""
        self._check_open()
        if options:
            raise ValueError(f"{type(self).__name__}.reset takes no options, got {sorted(options)}")
        env_id = self.episodes.env_id
        if isinstance(seed, (list, tuple, np.ndarray)):
            seeds = [check_seed(s, env_id) for s in seed]
            if len(seeds) != self.num_envs:
                raise InvalidSeed(f"{env_id}: got {len(seeds)} seeds for num_envs={self.num_envs}; give one per "
                                  "world, an int or None")
        else:
            first = check_seed(seed, env_id)  # one int seeds world k with seed + k, as SyncVectorEnv does
            seeds = [None if first is None else first + k for k in range(self.num_envs)]
        for k, s in enumerate(seeds):
            if s is not None or self.env_rngs[k] is None:
                self.env_rngs[k] = seeding.np_random(s)[0]
        return self._new_episodes()

    def _new_episodes(self) -> tuple[np.ndarray, dict[str, Any]]:
        self.world = self.episodes.build([world_seed(g) for g in self.env_rngs])
        self.steps, self._ended = 0, False
        self._start()
        return self._observe(), {}

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Advance every world by one decision interval."""
        self._check_open()
        if self.world is None:
            raise RuntimeError("call reset() before step()")
        n = self.num_envs
        if self._ended:  # next-step autoreset: every world ended on the last step
            obs, info = self._new_episodes()
            return obs, np.zeros(n), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool), info
        self._check_and_apply(actions)
        self.world.advance(self.episodes.interval_s)
        self.steps += 1
        at_horizon = self.steps >= self.episodes.steps_per_episode
        obs, reward, terms = self._outcome(at_horizon)
        self._ended = at_horizon or (self.max_episode_steps is not None and self.steps >= self.max_episode_steps)
        info = {"reward_terms": terms, "_reward_terms": np.ones(n, dtype=bool)}
        return (obs, reward, np.zeros(n, dtype=bool), np.full(n, self._ended), info)
