"""stable-baselines3's PPO training speed on twin's envs against CartPole-v1, same settings, same run.

Each env is made exactly as SB3's docs show, ``make_vec_env(env_id, n_envs=4)`` (a DummyVecEnv of
four ``gym.make`` copies), and trained with ``PPO("MlpPolicy", env, seed=0)`` and SB3's defaults
(2,048 steps per env per rollout, 10 epochs of 64-sample minibatches) on one torch thread. The
figure is training frames per wall second: timesteps / (wall time of ``learn``), which counts the
env steps, the policy's forward passes and the gradient updates alike. The ratio to CartPole-v1
says how much of a training run the environment itself costs.

    python benchmarks/bench_training.py                    # SmartHome-v0 and TrafficGrid-v0
    python benchmarks/bench_training.py --timesteps 8192   # shorter (one rollout of 4 x 2,048)
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import torch
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env

import envs  # noqa: F401  (registers the twin/ ids)

IDS = ("twin/SmartHome-v0", "twin/TrafficGrid-v0")
N_ENVS = 4
TARGET_HOME_VS_CARTPOLE = 0.5


def training_fps(env_id: str, timesteps: int) -> float:
    """PPO frames per second on ``make_vec_env(env_id, n_envs=4)`` over ``timesteps`` steps."""
    env = make_vec_env(env_id, n_envs=N_ENVS, seed=0)
    model = PPO("MlpPolicy", env, seed=0, device="cpu")
    began = time.perf_counter()
    model.learn(total_timesteps=timesteps)
    wall = time.perf_counter() - began
    env.close()
    return model.num_timesteps / wall


def main() -> None:
    """Train on CartPole-v1 and each id; print frames per second and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timesteps", type=int, default=16_384,
                        help="timesteps per training run (default: 16,384, two PPO rollouts of 4 x 2,048)")
    parser.add_argument("--ids", nargs="+", choices=IDS, default=list(IDS), metavar="ID",
                        help=f"twin ids to train on (default: {' '.join(IDS)})")
    args = parser.parse_args()
    torch.set_num_threads(1)  # the same for every env; small MLPs gain nothing from more
    print(f"torch {torch.__version__}, python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"PPO defaults, n_envs={N_ENVS}, {args.timesteps:,} timesteps each\n")
    training_fps("CartPole-v1", 2048 * N_ENVS // 4)  # untimed: torch and SB3 warm up
    cartpole = training_fps("CartPole-v1", args.timesteps)
    print(f"{'env':<22} {'frames/s':>9} {'vs CartPole-v1':>15}")
    print(f"{'CartPole-v1':<22} {cartpole:>9,.0f} {'1.00x':>15}")
    for env_id in args.ids:
        fps = training_fps(env_id, args.timesteps)
        print(f"{env_id:<22} {fps:>9,.0f} {fps / cartpole:>14.2f}x")
        if env_id == "twin/SmartHome-v0":
            verdict = "met" if fps / cartpole >= TARGET_HOME_VS_CARTPOLE else "NOT met"
            print(f"{'':<22} target >= {TARGET_HOME_VS_CARTPOLE}x: {verdict}")


if __name__ == "__main__":
    main()
