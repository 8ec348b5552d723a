"""Tabular Q-learning (numpy only) for discrete-action environments, and one learner per agent for
PettingZoo parallel environments.

Q(s, a) is the sum of the table rows a discretizer marks active for observation s (one row for
bins, one per tiling for tile coding). One-step Q-learning (Watkins 1989, Sutton & Barto 6.5):

    Q(s, a) += alpha * (r + gamma * max_a' Q(s', a') * (1 - terminated) - Q(s, a))

with alpha split evenly over the active rows. Behaviour is epsilon-greedy, epsilon falling linearly
from ``epsilon_start`` to ``epsilon_end`` over ``exploration_fraction`` of the training episodes.
Each agent draws from its own ``np.random.Generator`` built from its seed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from gymnasium import spaces

from agents.runlog import RunLog
from agents.tabular.discretize import (
    DEFAULT_MAX_TABLE_ENTRIES, DiscreteStates, Discretizer, check_table_size, describe, discretizer_from_config,
    signal_discretizer, smart_home_discretizer,
)
from envs.smart_home import SmartHomeEnv
from envs.traffic_grid import TrafficGridEnv
from envs.traffic_grid_v0 import TrafficGridParallelEnv

SeedLike = int | np.random.SeedSequence | None
Discretizers = Mapping[str, Discretizer] | Callable[[str, spaces.Space], Discretizer]  # per agent


class UnsupportedSpace(ValueError):
    """A space tabular Q-learning cannot work with (continuous actions, an unmapped observation)."""


@dataclass(frozen=True)
class QLearningConfig:
    """Hyperparameters of tabular Q-learning."""

    learning_rate: float = 0.1          # alpha, step size per update (split over the active rows)
    discount: float = 0.95              # gamma per decision step
    epsilon_start: float = 1.0          # exploration rate at the first training episode
    epsilon_end: float = 0.05           # exploration rate after the decay
    exploration_fraction: float = 0.5   # share of the training episodes over which epsilon falls linearly
    max_table_entries: int = DEFAULT_MAX_TABLE_ENTRIES  # rows x actions above which the agent refuses

    def __post_init__(self):
        checks = (("learning_rate", 0 < self.learning_rate <= 1, "(0, 1]"),
                  ("discount", 0 <= self.discount <= 1, "[0, 1]"),
                  ("epsilon_start", 0 <= self.epsilon_start <= 1, "[0, 1]"),
                  ("epsilon_end", 0 <= self.epsilon_end <= 1, "[0, 1]"),
                  ("exploration_fraction", 0 < self.exploration_fraction <= 1, "(0, 1]"),
                  ("max_table_entries", self.max_table_entries >= 1, "[1, inf)"))
        problems = [f"{name}={getattr(self, name)} must be in {allowed}" for name, ok, allowed in checks if not ok]
        if problems:
            raise ValueError("QLearningConfig: " + "; ".join(problems))

    def epsilon(self, episode: int, episodes: int) -> float:
        """Exploration rate for training episode ``episode`` (0-based) of ``episodes``."""
        frac = min(episode / max(self.exploration_fraction * episodes, 1e-9), 1.0)
        return self.epsilon_start + frac * (self.epsilon_end - self.epsilon_start)


class JointActions:
    """A Discrete or small MultiDiscrete action space as joint indices 0..n-1 (MultiDiscrete raveled)."""

    def __init__(self, space: spaces.Space):
        if isinstance(space, spaces.Discrete):
            self.nvec, self.start, self.multi = np.array([space.n]), np.array([space.start]), False
        elif isinstance(space, spaces.MultiDiscrete) and space.nvec.ndim == 1:
            self.nvec, self.start, self.multi = space.nvec.astype(np.int64), space.start.astype(np.int64), True
        else:
            raise UnsupportedSpace(f"qlearning needs a discrete action space (Discrete or 1-D MultiDiscrete), got "
                                   f"{describe(space)}; use SmartHome-v0 with discrete=True")
        self.space = space
        self.n = int(np.prod([int(n) for n in self.nvec], dtype=object))

    def action(self, index: int) -> Any:
        """The env action of joint index ``index``."""
        if not self.multi:
            return int(self.start[0] + index)
        return (np.array(np.unravel_index(index, tuple(self.nvec))) + self.start).astype(np.int64)

    def spec(self) -> dict[str, Any]:
        """JSON-serializable description, for ``from_spec``."""
        return {"multi": self.multi, "nvec": self.nvec.tolist(), "start": self.start.tolist()}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> "JointActions":
        """Rebuild from ``spec()``."""
        if spec["multi"]:
            return cls(spaces.MultiDiscrete(spec["nvec"], start=spec["start"]))
        return cls(spaces.Discrete(spec["nvec"][0], start=spec["start"][0]))


_IMPORTED_NET = ("no default discretizer for a signal of an imported SUMO net (its movements are its own, see "
                 "envs.signal_agents); pass one, e.g. UniformBins(low=[...], high=[...], bins_per_dim=4, features=[...])")


def default_discretizer(env: Any, max_table_entries: int = DEFAULT_MAX_TABLE_ENTRIES) -> Discretizer:
    """The discretizer ``QLearning.for_env`` uses when none is given: one row per state for Discrete or
    MultiDiscrete observations, ``smart_home_discretizer()`` for twin/SmartHome-v0,
    ``signal_discretizer()`` for twin/TrafficGrid-v0 with one intersection; for other Box
    observations an UnsupportedSpace asking for explicit ranges."""
    space, unwrapped = env.observation_space, getattr(env, "unwrapped", env)
    if isinstance(space, (spaces.Discrete, spaces.MultiDiscrete)):
        return DiscreteStates.of(space, max_table_entries)
    if isinstance(unwrapped, SmartHomeEnv):
        return smart_home_discretizer(max_table_entries)
    if isinstance(unwrapped, TrafficGridEnv):
        if unwrapped.core.net.imported:
            raise UnsupportedSpace(_IMPORTED_NET)
        if unwrapped.core.n_int == 1:
            return signal_discretizer(unwrapped.core.n_phases, max_table_entries)
        raise UnsupportedSpace(f"no default discretizer for {unwrapped.core.n_int} intersections under one agent "
                               "(the joint table grows exponentially); use one intersection, or "
                               "envs.traffic_grid_v0 with IndependentQLearning")
    raise UnsupportedSpace(f"no default discretizer for {describe(space)} observations; pass one with explicit "
                           "ranges, e.g. UniformBins(low=[...], high=[...], bins_per_dim=4, features=[...])")


class QLearning:
    """One tabular Q-learning agent; see the module docstring for the update."""

    def __init__(self, action_space: spaces.Space, discretizer: Discretizer,
                 config: QLearningConfig = QLearningConfig(), seed: SeedLike = 0):
        self.actions = JointActions(action_space)
        self.discretizer, self.config = discretizer, config
        # Values (float64) and visit counts (int64) per entry.
        check_table_size(discretizer.n_rows * self.actions.n, config.max_table_entries,
                         f"QLearning over {discretizer.n_rows:,} rows x {self.actions.n:,} joint actions",
                         "use a coarser discretizer or fewer actions")
        self.q = np.zeros((discretizer.n_rows, self.actions.n))
        self.visits = np.zeros((discretizer.n_rows, self.actions.n), dtype=np.int64)  # updates per entry
        self.rng = np.random.default_rng(seed)
        self.episodes_trained = 0
        self.steps_trained = 0

    @classmethod
    def for_env(cls, env: Any, discretizer: Discretizer | None = None, config: QLearningConfig = QLearningConfig(),
                seed: SeedLike = 0) -> "QLearning":
        """An agent for a Gymnasium env (``default_discretizer(env)`` when none is given)."""
        JointActions(env.action_space)  # refuses continuous actions before building anything
        if discretizer is None:
            discretizer = default_discretizer(env, config.max_table_entries)
        discretizer.check_space(env.observation_space)
        return cls(env.action_space, discretizer, config, seed)

    # -- acting ----------------------------------------------------------------------------------
    def q_values(self, obs: Any) -> np.ndarray:
        """Q(obs, a) for every joint action a."""
        return self.q[self.discretizer.rows(obs)].sum(axis=0)

    def greedy_index(self, obs: Any) -> int:
        """The joint action with the highest Q (the lowest index on ties)."""
        return int(np.argmax(self.q_values(obs)))

    def learned_index(self, obs: Any) -> int:
        """The greedy joint action among those tried in ``obs``'s rows during training (all actions when
        none was): a table starts at 0, so with costs as rewards an action never tried would otherwise
        look best. Exploration keeps that optimism; the learned policy does not."""
        rows = self.discretizer.rows(obs)
        q, tried = self.q[rows].sum(axis=0), self.visits[rows].sum(axis=0) > 0
        return int(np.argmax(np.where(tried, q, -np.inf))) if tried.any() else int(np.argmax(q))

    def explore_index(self, obs: Any, epsilon: float) -> int:
        """A uniform random joint action with probability ``epsilon``, else the greedy one."""
        if self.rng.random() < epsilon:
            return int(self.rng.integers(self.actions.n))
        return self.greedy_index(obs)

    def policy(self, name: str = "qlearning") -> "GreedyQPolicy":
        """The greedy policy of this agent's table (it follows later training)."""
        return GreedyQPolicy(self, name)

    # -- learning --------------------------------------------------------------------------------
    def update(self, obs: Any, action_index: int, reward: float, next_obs: Any, terminated: bool) -> float:
        """One Q-learning update; returns the TD error. ``terminated`` stops bootstrapping (a time-limit
        truncation does not)."""
        rows = self.discretizer.rows(obs)
        target = float(reward)
        if not terminated:
            target += self.config.discount * float(self.q_values(next_obs).max())
        td = target - float(self.q[rows, action_index].sum())
        self.q[rows, action_index] += self.config.learning_rate / len(rows) * td
        self.visits[rows, action_index] += 1
        return td

    def train(self, env: Any, episodes: int, log: RunLog | None = None, seed: int | None = None,
              schedule: tuple[int, int] | None = None) -> np.ndarray:
        """Train on ``env`` for ``episodes`` episodes; returns each episode's return. The first reset
        uses ``seed`` (a seed drawn from the agent's Generator when None), later ones continue the env's
        own seed stream. ``schedule=(done, total)`` places these episodes at ``done`` of a run of
        ``total`` for the epsilon decay (training in chunks between checkpoints); default ``(0, episodes)``."""
        start, total = _check_schedule(episodes, schedule)
        returns = np.zeros(episodes)
        obs, _ = env.reset(seed=int(self.rng.integers(2**31 - 1)) if seed is None else seed)
        for episode in range(episodes):
            if episode:
                obs, _ = env.reset()
            epsilon = self.config.epsilon(start + episode, total)
            ret, steps, td_abs, done = 0.0, 0, 0.0, False
            while not done:
                a = self.explore_index(obs, epsilon)
                next_obs, reward, terminated, truncated, _ = env.step(self.actions.action(a))
                td_abs += abs(self.update(obs, a, reward, next_obs, terminated))
                obs, ret, steps, done = next_obs, ret + float(reward), steps + 1, terminated or truncated
                if log is not None:
                    log.advance(1)
            returns[episode] = ret
            self.episodes_trained += 1
            self.steps_trained += steps
            if log is not None:
                log.episode(ret, steps)
                log.scalar("charts/epsilon", epsilon)
                log.losses(td_error=td_abs / max(steps, 1))
        return returns

    # -- saving ----------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the table, discretizer, action space, config and Generator state to ``path`` (.npz)."""
        path = Path(path).with_suffix(".npz")
        np.savez_compressed(path, q=self.q, visits=self.visits, meta=np.array(json.dumps(self._meta())))
        return path

    def _meta(self) -> dict[str, Any]:
        return {"discretizer": self.discretizer.config(), "actions": self.actions.spec(), "config": asdict(self.config),
                "rng": self.rng.bit_generator.state, "episodes_trained": self.episodes_trained,
                "steps_trained": self.steps_trained}

    @classmethod
    def load(cls, path: str | Path) -> "QLearning":
        """An agent saved with ``save``: it acts identically and continues training where it stopped."""
        with np.load(Path(path), allow_pickle=False) as data:
            return cls._from(data["q"], data["visits"], json.loads(str(data["meta"])))

    @classmethod
    def _from(cls, q: np.ndarray, visits: np.ndarray, meta: dict[str, Any]) -> "QLearning":
        actions = JointActions.from_spec(meta["actions"])
        agent = cls(actions.space, discretizer_from_config(meta["discretizer"]), QLearningConfig(**meta["config"]))
        if agent.q.shape != q.shape:
            raise ValueError(f"saved table has shape {q.shape}; its discretizer and actions give {agent.q.shape}")
        agent.q[...], agent.visits[...] = q, visits
        agent.rng.bit_generator.state = meta["rng"]
        agent.episodes_trained, agent.steps_trained = meta["episodes_trained"], meta["steps_trained"]
        return agent


def _check_schedule(episodes: int, schedule: tuple[int, int] | None) -> tuple[int, int]:
    """(done, total) of a training call, checked."""
    if episodes < 1:
        raise ValueError(f"episodes: got {episodes}; must be at least 1")
    done, total = schedule if schedule is not None else (0, episodes)
    if not (0 <= done and done + episodes <= total):
        raise ValueError(f"schedule=(done, total)={schedule}: need 0 <= done and done + episodes ({episodes}) <= total")
    return done, total


class GreedyQPolicy:
    """The greedy action of a Q-learning agent's table, as an ``agents.policy.Policy``."""

    def __init__(self, agent: QLearning, name: str = "qlearning"):
        self.agent, self.name = agent, name

    def reset(self, seed: int | None = None) -> None:
        """The greedy policy keeps no episode memory."""

    def act(self, obs: Any) -> Any:
        """The env action with the highest Q for ``obs`` among the actions tried there in training."""
        return self.agent.actions.action(self.agent.learned_index(obs))


class IndependentQLearning:
    """One Q-learning agent per agent of a PettingZoo parallel env, each learning from its own reward
    as if the others were part of its environment. The agents' Generators (and the env seeds of
    training) are spawned from one ``seed``. Default discretizers: one row per state for discrete
    observations, ``signal_discretizer`` for ``envs.traffic_grid_v0``; others must be given."""

    def __init__(self, env: Any, discretizers: Discretizers | None = None,
                 config: QLearningConfig = QLearningConfig(), seed: SeedLike = 0):
        self.agent_ids = list(env.possible_agents)
        seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        *agent_seeds, env_seed = seq.spawn(len(self.agent_ids) + 1)
        self.rng = np.random.default_rng(env_seed)
        self.agents: dict[str, QLearning] = {}
        for agent_id, agent_seed in zip(self.agent_ids, agent_seeds):
            obs_space, act_space = env.observation_space(agent_id), env.action_space(agent_id)
            JointActions(act_space)  # refuses continuous actions first
            d = self._discretizer(env, agent_id, obs_space, discretizers, config.max_table_entries)
            d.check_space(obs_space)
            self.agents[agent_id] = QLearning(act_space, d, config, agent_seed)

    @staticmethod
    def _discretizer(env: Any, agent_id: str, space: spaces.Space, given: Discretizers | None,
                     max_entries: int) -> Discretizer:
        """The given discretizer of ``agent_id``, else one row per state (Discrete observations) or
        ``signal_discretizer`` (traffic_grid_v0)."""
        if isinstance(given, Mapping):
            return given[agent_id]
        if given is not None:
            return given(agent_id, space)
        if isinstance(space, (spaces.Discrete, spaces.MultiDiscrete)):
            return DiscreteStates.of(space, max_entries)
        if isinstance(env, TrafficGridParallelEnv):
            if env.core.net.imported:
                raise UnsupportedSpace(f"agent {agent_id}: {_IMPORTED_NET}")
            return signal_discretizer(env.core.n_phases, max_entries)
        raise UnsupportedSpace(f"agent {agent_id}: no default discretizer for {describe(space)} observations; "
                               "pass discretizers={agent: UniformBins(...)} or a function(agent, space)")

    def policies(self) -> dict[str, GreedyQPolicy]:
        """The greedy policy of every agent."""
        return {a: q.policy(f"qlearning/{a}") for a, q in self.agents.items()}

    def train(self, env: Any, episodes: int, log: RunLog | None = None, seed: int | None = None,
              schedule: tuple[int, int] | None = None) -> np.ndarray:
        """Train every agent for ``episodes`` episodes of ``env``; returns (episodes, agents) returns in
        ``possible_agents`` order. The log records the summed return. ``seed`` and ``schedule`` as in
        ``QLearning.train``."""
        start, total = _check_schedule(episodes, schedule)
        returns = np.zeros((episodes, len(self.agent_ids)))
        obs, _ = env.reset(seed=int(self.rng.integers(2**31 - 1)) if seed is None else seed)
        col = {a: i for i, a in enumerate(self.agent_ids)}
        for episode in range(episodes):
            if episode:
                obs, _ = env.reset()
            epsilon = next(iter(self.agents.values())).config.epsilon(start + episode, total)
            steps = 0
            while env.agents:
                chosen = {a: self.agents[a].explore_index(obs[a], epsilon) for a in env.agents}
                next_obs, rewards, terms, truncs, _ = env.step({a: self.agents[a].actions.action(i)
                                                                for a, i in chosen.items()})
                for a, i in chosen.items():
                    self.agents[a].update(obs[a], i, rewards[a], next_obs.get(a, obs[a]), terms[a])
                    returns[episode, col[a]] += rewards[a]
                    self.agents[a].steps_trained += 1
                obs, steps = next_obs, steps + 1
                if log is not None:
                    log.advance(1)
            for q in self.agents.values():
                q.episodes_trained += 1
            if log is not None:
                log.episode(float(returns[episode].sum()), steps)
                log.scalar("charts/epsilon", epsilon)
        return returns

    def save(self, path: str | Path) -> Path:
        """Every agent's table and settings in one .npz."""
        path = Path(path).with_suffix(".npz")
        arrays = {f"q{i}": self.agents[a].q for i, a in enumerate(self.agent_ids)}
        arrays.update({f"visits{i}": self.agents[a].visits for i, a in enumerate(self.agent_ids)})
        meta = {"agents": self.agent_ids, "rng": self.rng.bit_generator.state,
                "each": [self.agents[a]._meta() for a in self.agent_ids]}
        np.savez_compressed(path, meta=np.array(json.dumps(meta)), **arrays)
        return path

    @classmethod
    def load(cls, path: str | Path) -> "IndependentQLearning":
        """Agents saved with ``save``; they act identically."""
        with np.load(Path(path), allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            self = cls.__new__(cls)
            self.agent_ids = meta["agents"]
            self.agents = {a: QLearning._from(data[f"q{i}"], data[f"visits{i}"], m)
                           for i, (a, m) in enumerate(zip(self.agent_ids, meta["each"]))}
        self.rng = np.random.default_rng()
        self.rng.bit_generator.state = meta["rng"]
        return self


__all__ = ["QLearning", "QLearningConfig", "IndependentQLearning", "GreedyQPolicy", "JointActions",
           "UnsupportedSpace", "default_discretizer"]
