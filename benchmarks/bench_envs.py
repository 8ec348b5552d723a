"""Env-steps per second of the twin's Gymnasium environments under a random policy.

For twin/SmartHome-v0 and twin/TrafficGrid-v0 it measures, in one run: the single environment
(``gym.make``), Gymnasium's SyncVectorEnv of 64 copies (``vectorization_mode="sync"``) and the
native vector environment with 64 and with 1024 worlds (``vectorization_mode="vector_entry_point"``);
twin/Neighborhood-v0 has no vector entry point and is measured as a single environment only.
Aggregate env-steps/s = num_envs * vector steps / wall seconds. Actions come from the (seeded)
action space. Each measurement times a fixed number of steps with ``time.perf_counter``; the single
envs, CartPole-v1 and the peer are timed ``--repeats`` times (3) and the fastest of each kept;
construction and the first ``reset(seed=0)`` are timed apart ("setup s"), while the resets and
autoresets at episode ends inside the timed steps count (their number is the "ends" column).
Ratios are against SyncVectorEnv(64) of the same id in the same run. Each single env's
``reset(seed=s)`` with a new seed (a new episode's world) is also timed on its own, in ms and in
steps of that env.

The peer: SUMO through sumo-rl with libsumo on sumo-rl's own 16-signal 4x4 grid (4x4-Lucas, as in
``benchmarks/bench_traffic.py``), 5-second decisions, random phases, run in a fresh process. If it
is not installed (``pip install -c constraints.txt -e .[peers]``, or in an environment of its own
given by ``--sumo-python``), TrafficGrid is compared with a
published reference figure of about 170 env-steps/s instead, and the output says so. SmartHome-v0's
single env is compared with Gymnasium's CartPole-v1 in the same run; CityLearn, whose steps are of
whole districts, is compared per building-hour in ``bench_buildings.py``.

    python benchmarks/bench_envs.py                 # everything, a few minutes
    python benchmarks/bench_envs.py --sumo-python ../sumo-venv/bin/python
    python benchmarks/bench_envs.py --quick         # a smoke check, about 10x fewer steps
    python benchmarks/bench_envs.py --ids twin/TrafficGrid-v0 --skip-peer
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

import envs  # noqa: F401  (registers the twin/ ids)
from peers import SUMO_RANDOM_PHASES, run_peer

IDS = ("twin/SmartHome-v0", "twin/TrafficGrid-v0", "twin/Neighborhood-v0")
SYNC, NATIVE = "sync", "vector_entry_point"
MODE_LABEL = {"single": "single", SYNC: "SyncVectorEnv", NATIVE: "native vector"}
# Timed (vector) steps per (id, mode, num_envs): about 3-15 s each on a slow 2-core machine. Every
# measurement covers whole episodes and the reset after them (a vector env's autoreset step is
# the one after the last), so each mode sees the same mix of quiet and busy hours: a TrafficGrid
# step at the morning peak costs half as much again as one in the first minutes.
STEPS = {
    ("twin/SmartHome-v0", "single", 1): 2400,      # 96-step episodes (1 day at 15 min)
    ("twin/SmartHome-v0", SYNC, 64): 97,
    ("twin/SmartHome-v0", NATIVE, 64): 1649,
    ("twin/SmartHome-v0", NATIVE, 1024): 291,
    ("twin/TrafficGrid-v0", "single", 1): 7200,    # 720-step episodes (1 h at 5 s)
    ("twin/TrafficGrid-v0", SYNC, 64): 721,
    ("twin/TrafficGrid-v0", NATIVE, 64): 1442,
    ("twin/TrafficGrid-v0", NATIVE, 1024): 721,
    ("twin/Neighborhood-v0", "single", 1): 2000,   # 96-step episodes, 200 homes
}
CARTPOLE_STEPS = 50_000          # Gymnasium's CartPole-v1, the per-step cost an RL user knows
TARGET_HOME_VS_CARTPOLE = 0.1
PEER_STEPS = 720                 # one sumo-rl episode: 1 h at 5 s decisions
SUMO_RL_REFERENCE = 170.0        # env-steps/s, published figure used when sumo-rl is absent
TARGET_NATIVE_VS_SYNC = 50.0
NATIVE_TARGET_WITHDRAWN = {"twin/TrafficGrid-v0"}
TARGET_TRAFFIC_VS_SUMO = 150.0
RESETS = 30                      # resets timed per single env, each with a new seed
TARGET_RESET_MS = {"twin/SmartHome-v0": 0.3, "twin/Neighborhood-v0": 5.0}


@dataclass
class Result:
    """One measurement: ``steps`` (vector) steps of ``num_envs`` worlds in ``wall_s`` seconds."""

    env_id: str
    mode: str
    num_envs: int
    steps: int
    wall_s: float
    setup_s: float
    ends: int

    @property
    def rate(self) -> float:
        """Aggregate env-steps per wall second."""
        return self.num_envs * self.steps / self.wall_s


def run_single(env_id: str, steps: int, seed: int = 0) -> Result:
    """Step one ``gym.make`` environment ``steps`` times with random actions, resetting at episode ends."""
    began = time.perf_counter()
    env = gym.make(env_id)
    env.reset(seed=seed)
    env.action_space.seed(seed)
    setup = time.perf_counter() - began
    ends = 0
    began = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
            ends += 1
    wall = time.perf_counter() - began
    env.close()
    return Result(env_id, "single", 1, steps, wall, setup, ends)


def run_vector(env_id: str, mode: str, num_envs: int, steps: int, seed: int = 0) -> Result:
    """Step a ``gym.make_vec`` environment ``steps`` times with random actions (it autoresets itself)."""
    began = time.perf_counter()
    vec = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode=mode)
    vec.reset(seed=seed)
    vec.action_space.seed(seed)
    setup = time.perf_counter() - began
    ends = 0
    began = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = vec.step(vec.action_space.sample())
        ends += int(np.count_nonzero(np.logical_or(terminated, truncated)))
    wall = time.perf_counter() - began
    vec.close()
    return Result(env_id, mode, num_envs, steps, wall, setup, ends)


def reset_ms(env_id: str, resets: int, repeats: int) -> float:
    """Milliseconds per ``reset(seed=s)`` with a new seed each time (a new episode's world), the
    fastest of ``repeats`` rounds."""
    env = gym.make(env_id)
    env.reset(seed=0)
    best = float("inf")
    for r in range(repeats):
        began = time.perf_counter()
        for i in range(resets):
            env.reset(seed=1 + r * resets + i)
        best = min(best, (time.perf_counter() - began) / resets * 1e3)
    env.close()
    return best


def measurements(env_id: str, native_worlds: list[int]) -> list[tuple[str, str, int, int]]:
    """(id, mode, num_envs, steps) to time for ``env_id``: single and SyncVectorEnv from STEPS, then
    the native vector env at each of ``native_worlds`` (steps from STEPS, else the 1024-world count)."""
    fixed = [(eid, mode, n, steps) for (eid, mode, n), steps in STEPS.items() if eid == env_id and mode != NATIVE]
    if (env_id, NATIVE, 1024) not in STEPS:
        return fixed
    return fixed + [(env_id, NATIVE, n, STEPS.get((env_id, NATIVE, n), STEPS[env_id, NATIVE, 1024]))
                    for n in native_worlds]


def warm_up(env_id: str) -> None:
    """A few untimed steps so the first measurement does not pay for lazy imports and caches."""
    run_single(env_id, 10)


def sumo_rl_peer(steps: int, python: str | None = None) -> dict:
    """sumo-rl with random phases in a fresh process of ``python`` (default: this one; see peers.py)."""
    return run_peer(SUMO_RANDOM_PHASES, str(steps), python=python)


def print_table(results: list[Result]) -> None:
    """The table: one row per measurement, with its ratio to SyncVectorEnv(64) of the same id."""
    sync = {r.env_id: r.rate for r in results if r.mode == SYNC and r.num_envs == 64}
    head = (f"{'id':<22} {'mode':<14} {'num_envs':>8} {'env-steps/s':>12} {'vs Sync(64)':>11} "
            f"{'setup s':>8} {'timed s':>8} {'steps':>6} {'ends':>6}")
    print(head + "\n" + "-" * len(head))
    for r in results:
        ratio = f"{r.rate / sync[r.env_id]:.2f}x" if r.env_id in sync else "-"
        print(f"{r.env_id:<22} {MODE_LABEL[r.mode]:<14} {r.num_envs:>8} {r.rate:>12,.0f} {ratio:>11} "
              f"{r.setup_s:>8.2f} {r.wall_s:>8.2f} {r.steps:>6} {r.ends:>6}")


def main() -> None:
    """Measure the chosen ids, then the peer, and print the table and the targets."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Columns: setup s = construction + first reset (untimed); timed s = wall time of the "
               "timed steps; steps = vector steps timed; ends = episode ends inside them (summed over worlds).")
    parser.add_argument("--quick", action="store_true", help="about 10x fewer steps: a smoke check, not a measurement")
    parser.add_argument("--skip-peer", action="store_true",
                        help="do not run sumo-rl; compare TrafficGrid with the reference "
                             "figure (170 env-steps/s)")
    parser.add_argument("--sumo-python", metavar="PYTHON",
                        help="interpreter of an environment with sumo-rl, libsumo and eclipse-sumo installed "
                             "(default: this one)")
    parser.add_argument("--ids", nargs="+", choices=IDS, default=list(IDS), metavar="ID",
                        help=f"environment ids to measure (default: all of {', '.join(IDS)})")
    parser.add_argument("--repeats", type=int, default=3, metavar="N",
                        help="time each single env, CartPole-v1 and sumo-rl N times and keep the fastest of each "
                             "(default 3): the machine's speed drifts, and the best of a few is the least disturbed")
    parser.add_argument("--native-worlds", nargs="+", type=int, default=[64, 1024], metavar="N",
                        help="world counts of the native vector envs (default: 64 1024; the target is read at "
                             "1024); each runs as many steps as the 1024-world measurement")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    repeats = max(1, args.repeats)
    print(f"gymnasium {gym.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs{'; --quick: smoke check, figures are rough' if args.quick else ''}\n")
    results = []
    for env_id in args.ids:
        warm_up(env_id)
        for eid, mode, n, steps in measurements(env_id, args.native_worlds):
            steps = max(2, steps // scale)
            if mode == "single":
                r = max((run_single(env_id, steps) for _ in range(repeats)), key=lambda r: r.rate)
            else:
                r = run_vector(env_id, mode, n, steps)
            results.append(r)
            print(f"  measured {env_id} {MODE_LABEL[mode]} x{n}: {r.rate:,.0f} env-steps/s", file=sys.stderr)
    print_table(results)

    rate = {(r.env_id, r.mode, r.num_envs): r.rate for r in results}
    print(f"\nreset(seed=new) of each single env, best of {repeats} x {RESETS // scale or 1}:")
    for env_id in args.ids:
        ms = reset_ms(env_id, max(1, RESETS // scale), repeats)
        steps = ms / 1e3 * rate[env_id, "single", 1]
        target = TARGET_RESET_MS.get(env_id)
        verdict = "" if target is None else f" (target <= {target} ms: {'met' if ms <= target else 'NOT met'})"
        print(f"  {env_id}: {ms:.2f} ms = the time of {steps:.1f} of its steps{verdict}")
    home = rate.get(("twin/SmartHome-v0", "single", 1))
    if home is not None:
        cartpole = max(run_single("CartPole-v1", max(2, CARTPOLE_STEPS // scale)).rate for _ in range(repeats))
        x = home / cartpole
        print(f"\nCartPole-v1 single (Gymnasium, measured in this run, best of {repeats}): {cartpole:,.0f} env-steps/s; "
              f"SmartHome-v0 single {home:,.0f} = {x:.3f}x (target >= {TARGET_HOME_VS_CARTPOLE}x: "
              f"{'met' if x >= TARGET_HOME_VS_CARTPOLE else 'NOT met'})")
    print(f"\ntargets:\n  native vector at 1024 worlds >= {TARGET_NATIVE_VS_SYNC:.0f}x the SyncVectorEnv(64) aggregate:")
    for env_id in args.ids:
        if (env_id, NATIVE, 1024) in rate:
            x = rate[env_id, NATIVE, 1024] / rate[env_id, SYNC, 64]
            if env_id in NATIVE_TARGET_WITHDRAWN:
                print(f"    {env_id}: {x:.1f}x (target withdrawn: SyncVectorEnv copies our own compiled env, so "
                      "the ratio shrinks as the single env gets faster)")
            else:
                print(f"    {env_id}: {x:.1f}x ({'met' if x >= TARGET_NATIVE_VS_SYNC else 'NOT met'})")
    traffic = rate.get(("twin/TrafficGrid-v0", "single", 1))
    print(f"  TrafficGrid single env >= {TARGET_TRAFFIC_VS_SUMO:.0f}x sumo-rl's env-steps/s on a comparable "
          "16-signal grid:")
    if traffic is None:
        print("    not measured (twin/TrafficGrid-v0 not in --ids)")
        return
    if args.skip_peer:
        peer = {"missing": "skipped (--skip-peer)"}
    else:
        runs = [sumo_rl_peer(max(2, PEER_STEPS // scale), args.sumo_python) for _ in range(repeats)]
        timed = [run for run in runs if "wall_s" in run]
        peer = max(timed, key=lambda run: run["env_steps"] / run["wall_s"]) if timed else runs[0]
    if "wall_s" in peer:
        sumo_rate = peer["env_steps"] / peer["wall_s"]
        label = (f"sumo-rl + libsumo measured in this run, best of {len(timed)}: 4x4-Lucas, {peer['signals']} signals, delta_time=5, "
                 f"random phases, {peer['env_steps']} steps in {peer['wall_s']:.2f} s (setup {peer['setup_s']:.2f} s)")
    else:
        if args.skip_peer:
            print("    sumo-rl peer skipped (--skip-peer); using the published reference of about 170 env-steps/s")
        elif "missing" in peer:
            print("    sumo-rl not installed (pip install -c constraints.txt -e .[peers]); "
                  "using the published reference of about 170 env-steps/s")
        else:
            print(f"    sumo-rl peer failed ({peer['error']}); using the published reference of about 170 env-steps/s")
        sumo_rate = SUMO_RL_REFERENCE
        label = "REFERENCE figure, not measured in this run"
    x = traffic / sumo_rate
    print(f"    sumo-rl: {sumo_rate:,.0f} env-steps/s ({label})")
    print(f"    TrafficGrid single {traffic:,.0f} env-steps/s = {x:.1f}x sumo-rl "
          f"({'met' if x >= TARGET_TRAFFIC_VS_SUMO else 'NOT met'})")


if __name__ == "__main__":
    main()
