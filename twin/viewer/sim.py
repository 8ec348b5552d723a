"""What the viewer watches: a world advanced in whole seconds, or an env driven by a policy (no pygame).

The viewer asks for simulated time in fractions of a second (speed x wall time); a
:class:`Simulation` carries the fraction over and advances the world in whole quanta (1 s for a
plain world, one decision interval under a policy), stopping at the history's sample times on the
way so the sparklines get evenly spaced points whatever the speed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

from twin.engine import World
from twin.viewer import ViewerError, measures

SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)   # simulated seconds per wall second, + and - keys
JUMP_CHUNK_S = 900           # a jump runs in pieces this long (simulated s), so a progress bar can follow it
SPARK_POINTS = 240           # points a sparkline keeps
HOME_SAMPLE_S = 900          # sparkline spacing with homes (one meter interval)
TRAFFIC_SAMPLE_S = 15        # spacing of a streets-only world


class History:
    """Evenly spaced samples of feeder load (kW per feeder) and vehicles halted, for the sparklines."""

    def __init__(self, interval_s: int, capacity: int = SPARK_POINTS):
        self.interval_s = interval_s
        self.times_s: deque[int] = deque(maxlen=capacity)
        self.feeder_kw: deque[np.ndarray] = deque(maxlen=capacity)
        self.halted: deque[float] = deque(maxlen=capacity)
        self.next_s = 0

    @classmethod
    def for_world(cls, world: World) -> "History":
        """Sample every meter interval when the world has homes, every 15 s for streets alone."""
        return cls(HOME_SAMPLE_S if measures.n_homes(world) else TRAFFIC_SAMPLE_S)

    def clear(self) -> None:
        """Forget every sample (a new episode)."""
        for series in (self.times_s, self.feeder_kw, self.halted):
            series.clear()
        self.next_s = 0

    def record(self, world: World) -> None:
        """Sample ``world`` now and set the next sample time."""
        self.times_s.append(world.now_s)
        if measures.n_homes(world):
            self.feeder_kw.append(measures.feeder_load_kw(world))
        if world.traffic is not None:
            self.halted.append(measures.vehicles_halted(world))
        self.next_s = (world.now_s // self.interval_s + 1) * self.interval_s


class Simulation:
    """A world watched under its scenario's own controllers; it stops at the scenario's horizon."""

    def __init__(self, world: World, label: str = "built-in controllers"):
        self._world = world
        self.label = label
        self.history = History.for_world(world)
        self.history.record(world)
        self._carry_s = 0.0

    @property
    def world(self) -> World:
        """The world being shown (a policy's env builds a new one each episode)."""
        return self._world

    @property
    def quantum_s(self) -> int:
        """Simulated time advanced at once (s)."""
        return 1

    @property
    def step_s(self) -> int:
        """One single step ('.' key): the homes' physics step, or the traffic step for streets alone."""
        w = self.world
        if measures.n_homes(w) or w.steps.traffic_s is None:
            return w.steps.homes_s
        return w.steps.traffic_s

    @property
    def horizon_s(self) -> int:
        """End of the scenario (s since start)."""
        return int(self.world.scenario.duration)

    @property
    def finished(self) -> bool:
        """The world reached its horizon and will not advance further."""
        return self.world.now_s >= self.horizon_s

    def status_lines(self) -> list[str]:
        """Lines about who controls the world, for the panel."""
        return [f"control: {self.label}"]

    def run_for(self, seconds: float) -> None:
        """Advance by ``seconds`` of simulated time; fractions of a quantum carry over to the next call."""
        if seconds < 0:
            raise ValueError(f"seconds must be >= 0, got {seconds}")
        self._carry_s += seconds
        quanta = int(self._carry_s // self.quantum_s)
        if quanta == 0:
            return
        self._carry_s -= quanta * self.quantum_s
        self._run_quanta(quanta)

    def jump(self, seconds: int, progress: Callable[[int], bool | None] | None = None) -> int:
        """Advance by ``seconds`` of simulated time as fast as the world runs (nothing is drawn); returns the
        simulated seconds advanced.

        The jump stops at the scenario's horizon (under a policy: where its episode ends and a new one
        starts). It moves in whole quanta (1 s; decision intervals under a policy, so a jump is rounded down
        to one) and leaves the fraction the viewer carries for its next frame alone. The world ends up
        exactly as advancing it frame by frame would leave it: both stop at the same sparkline sample
        times, and stopping a world elsewhere does not change it. It runs in chunks of JUMP_CHUNK_S;
        ``progress(seconds_done)`` is called after each, and a False from it ends the jump there.
        """
        if seconds < 0:
            raise ValueError(f"seconds must be >= 0, got {seconds}")
        world, start, quantum = self.world, self.world.now_s, self.quantum_s
        target = min(start + seconds // quantum * quantum, self.horizon_s)
        chunk = max(1, JUMP_CHUNK_S // quantum)   # quanta per chunk
        while self.world is world and world.now_s < target:
            before = world.now_s
            self._run_quanta(min(chunk, -(-(target - before) // quantum)))
            if world.now_s == before or (progress is not None and progress(world.now_s - start) is False):
                break
        return world.now_s - start

    def _run_quanta(self, quanta: int) -> None:
        """Advance by ``quanta`` whole quanta (or to the horizon), sampling the history on the way."""
        target = min(self.world.now_s + quanta * self.quantum_s, self.horizon_s)
        while self.world.now_s < target:
            history = self.history
            stop = min(target, history.next_s) if history.next_s > self.world.now_s else target
            if not self._advance_to(stop):
                self._carry_s = 0.0
                return
            if self.world.now_s >= history.next_s:
                history.record(self.world)
        if self.finished:
            self._carry_s = 0.0

    def step(self) -> None:
        """Advance by one single step (whatever fraction was carried is dropped)."""
        self._carry_s = 0.0
        self.run_for(max(self.step_s, self.quantum_s))

    def _advance_to(self, t_s: int) -> bool:
        """Run the world to ``t_s``; False if the world was replaced on the way (a new episode)."""
        self.world.run(t_s)
        return True


class PolicySimulation(Simulation):
    """An environment stepped by a policy, one decision interval at a time; episodes restart at their end."""

    def __init__(self, env: Any, policy: Any, seed: int = 0):
        self.env, self.policy, self.seed = env, policy, seed
        self.episode, self.episode_return = 0, 0.0
        self.last_return: float | None = None
        self.obs = self._reset()
        super().__init__(env.unwrapped.rendered_world, label=f"policy {getattr(policy, 'name', type(policy).__name__)}")

    def _reset(self) -> Any:
        obs, _ = self.env.reset(seed=self.seed + self.episode)
        self.policy.reset(seed=self.seed + self.episode)
        return obs

    @property
    def world(self) -> World:
        """The env's current world (twin envs name it ``rendered_world``)."""
        return self.env.unwrapped.rendered_world

    @property
    def quantum_s(self) -> int:
        """One decision interval (s)."""
        return _interval_s(self.env)

    @property
    def horizon_s(self) -> int:
        """The episode's end: episodes restart there, so the viewer never stops on its own."""
        return np.iinfo(np.int64).max

    def status_lines(self) -> list[str]:
        """Policy, episode and returns."""
        lines = [f"control: {self.label}", f"episode {self.episode + 1}, return {self.episode_return:,.2f}"]
        if self.last_return is not None:
            lines.append(f"last episode return {self.last_return:,.2f}")
        return lines

    def _advance_to(self, t_s: int) -> bool:
        while self.world.now_s < t_s:
            self.obs, reward, terminated, truncated, _ = self.env.step(self.policy.act(self.obs))
            self.episode_return += float(reward)
            if terminated or truncated:
                self.last_return, self.episode_return = self.episode_return, 0.0
                self.episode += 1
                self.obs = self._reset()
                self.history.clear()
                self.history.record(self.world)
                return False
        return True


def _interval_s(env: Any) -> int:
    """The decision interval (s) of a twin environment."""
    unwrapped = env.unwrapped
    episodes = getattr(unwrapped, "episodes", None) or getattr(getattr(unwrapped, "core", None), "episodes", None)
    if episodes is None:
        raise TypeError(f"{type(unwrapped).__name__} is not a twin environment (no episodes to read the interval from)")
    return int(episodes.interval_s)


def default_speed(world: World) -> float:
    """5x for worlds with streets (vehicles move visibly), 500x for homes alone (a day in about 3 minutes)."""
    return 5.0 if world.traffic is not None else 500.0


def check_speed(speed: float) -> float:
    """``speed`` if within 1x..1000x, else ViewerError."""
    if not SPEEDS[0] <= speed <= SPEEDS[-1]:
        raise ViewerError(f"--speed: got {speed:g}; must be between {SPEEDS[0]} and {SPEEDS[-1]} (x real time)")
    return float(speed)
