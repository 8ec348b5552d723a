"""One rollout of n_steps x num_envs transitions and its advantages (GAE).

Gymnasium vector envs reset a finished world automatically. In next-step mode (the default, and
twin's native vector envs) the step after an episode's last one only resets that world: it
returns the new episode's first observation with reward 0 and ignores the action. Such a
transition is kept in the rollout with ``valid = False``: it gets no weight in the losses and no
advantage flows across it. An episode's last step bootstraps from the value of the observation
that step returned when it was truncated (a time limit), and from nothing when it terminated.
In same-step mode there is no such step; the truncated episode's last observation comes from
``info["final_obs"]``. See https://farama.org/Vector-Autoreset-Mode.
"""

from __future__ import annotations

import numpy as np
import torch


class Rollout:
    """Transitions of one rollout, time-major: arrays are (n_steps, num_envs, ...)."""

    def __init__(self, n_steps: int, num_envs: int, obs_dim: int, action_shape: tuple[int, ...], action_dtype):
        self.obs = np.zeros((n_steps, num_envs, obs_dim), dtype=np.float32)
        self.actions = np.zeros((n_steps, num_envs, *action_shape), dtype=action_dtype)
        self.rewards = np.zeros((n_steps, num_envs), dtype=np.float32)
        self.terminated = np.zeros((n_steps, num_envs), dtype=bool)
        self.done = np.zeros((n_steps, num_envs), dtype=bool)
        self.valid = np.zeros((n_steps, num_envs), dtype=bool)
        self.last_obs = np.zeros((num_envs, obs_dim), dtype=np.float32)
        # Same-step autoreset only: encoded final observations of truncated episodes, by (step, world).
        self.final_obs: dict[tuple[int, int], np.ndarray] = {}

    def add(self, t: int, obs: np.ndarray, actions: np.ndarray, rewards: np.ndarray, terminated: np.ndarray,
            truncated: np.ndarray, valid: np.ndarray) -> None:
        """Store step ``t``: encoded observations acted on, actions taken, and what the env returned."""
        self.obs[t], self.actions[t], self.rewards[t] = obs, actions, rewards
        self.terminated[t] = terminated
        self.done[t] = terminated | truncated
        self.valid[t] = valid


def gae(rewards: torch.Tensor, values: torch.Tensor, next_values: torch.Tensor, terminated: torch.Tensor,
        done: torch.Tensor, gamma: float, lam: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalized advantage estimates and value targets, each (n_steps, num_envs).

    ``next_values[t]`` is the value of the observation step ``t`` returned; it is not used where
    the episode terminated, and the advantage recursion stops wherever an episode ended.
    """
    advantages = torch.zeros_like(rewards)
    running = torch.zeros_like(rewards[0])
    for t in reversed(range(rewards.shape[0])):
        delta = rewards[t] + gamma * next_values[t] * (~terminated[t]) - values[t]
        running = delta + gamma * lam * (~done[t]) * running
        advantages[t] = running
    return advantages, advantages + values


__all__ = ["Rollout", "gae"]
