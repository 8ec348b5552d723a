"""Where a TrafficGrid-v0 native vector env spends its time, in microseconds per world-step.

Runs whole episodes of ``gym.make_vec("twin/TrafficGrid-v0", vectorization_mode="vector_entry_point")``
with random actions and times, around their calls: the compiled traffic step
(``TrafficPhysics.run_steps``), the demand batches (``TrafficDemand.fire``: the per-world Generator
draws and writing the new vehicles), the rebuild of the worlds at each episode's end, and the rest
(observations, rewards, actions, the engine). It then times Gymnasium's ``SyncVectorEnv`` of 64
copies over a whole episode, as ``bench_envs.py`` does, and prints the budget per world-step that a given ratio to it leaves.

    python benchmarks/profile_traffic_env.py                     # 1,024 worlds, one episode
    python benchmarks/profile_traffic_env.py --worlds 64 --episodes 2
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import gymnasium as gym

import envs  # noqa: F401  (registers the twin/ ids)
from bench_envs import NATIVE, STEPS, SYNC, run_vector
from envs.vector import ReplicaVectorEnv
from twin.traffic.demand import TrafficDemand
from twin.traffic.model import TrafficPhysics

ENV_ID = "twin/TrafficGrid-v0"


def timed(cls: type, name: str, totals: dict[str, float], label: str) -> None:
    """Wrap ``cls.name`` so that its wall seconds add up in ``totals[label]``."""
    original = getattr(cls, name)

    def wrapper(self, *args, **kwargs):
        began = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            totals[label] += time.perf_counter() - began

    setattr(cls, name, wrapper)


def profile_native(worlds: int, episodes: int) -> tuple[dict[str, float], float, int]:
    """Seconds per part, total wall seconds and world-steps of ``episodes`` whole episodes."""
    totals: dict[str, float] = defaultdict(float)
    timed(TrafficPhysics, "run_steps", totals, "traffic step (compiled)")
    timed(TrafficDemand, "fire", totals, "demand batches")
    timed(ReplicaVectorEnv, "_new_episodes", totals, "rebuilding the worlds")
    vec = gym.make_vec(ENV_ID, num_envs=worlds, vectorization_mode="vector_entry_point")
    vec.reset(seed=0)
    vec.action_space.seed(0)
    totals.clear()  # construction and the first reset are not part of the steady state
    steps = episodes * STEPS[ENV_ID, NATIVE, 1024]  # an episode and the autoreset step after it
    began = time.perf_counter()
    for _ in range(steps):
        vec.step(vec.action_space.sample())
    wall = time.perf_counter() - began
    vec.close()
    return dict(totals), wall, worlds * steps


def main() -> None:
    """Print the split per world-step and the budget a target ratio leaves."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worlds", type=int, default=1024, help="worlds of the native vector env (default 1024)")
    parser.add_argument("--episodes", type=int, default=1, help="whole episodes to time (default 1)")
    parser.add_argument("--target", type=float, default=50.0,
                        help="ratio to SyncVectorEnv(64) whose budget per world-step to print (default 50)")
    args = parser.parse_args()
    parts, wall, world_steps = profile_native(args.worlds, args.episodes)
    parts["rest (observations, rewards, actions, engine)"] = wall - sum(parts.values())
    rate = world_steps / wall
    print(f"{ENV_ID}, native vector env, {args.worlds} worlds, {args.episodes} episode(s): {rate:,.0f} env-steps/s")
    for label, seconds in parts.items():
        print(f"  {label:<48} {seconds / world_steps * 1e6:6.2f} us per world-step ({seconds / wall:4.0%})")
    print(f"  {'total':<48} {wall / world_steps * 1e6:6.2f} us per world-step")
    sync = run_vector(ENV_ID, SYNC, 64, STEPS[ENV_ID, SYNC, 64]).rate  # bench_envs' own measurement
    print(f"SyncVectorEnv(64): {sync:,.0f} env-steps/s, {1e6 / sync:.0f} us per env-step; the native env is "
          f"{rate / sync:.1f}x; {args.target:g}x would leave {1e6 / (args.target * sync):.2f} us per world-step")


if __name__ == "__main__":
    main()
