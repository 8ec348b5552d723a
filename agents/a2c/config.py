"""Hyperparameters of our actor-critic, one frozen dataclass with a docstring per field (as cleanRL's ``Args``).

Defaults follow stable-baselines3's A2C (n_steps=5, RMSprop, lr=7e-4, vf_coef=0.5,
max_grad_norm=0.5) with running observation normalization on, because twin's observations mix
very different scales (temperatures ~20 degC, counts ~0-100, prices ~0.3 EUR/kWh).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal


class ConfigError(ValueError):
    """A hyperparameter is unknown or has a value that is not allowed."""


@dataclass(frozen=True)
class Config:
    """Everything that decides an A2C run; two runs with equal configs learn identical weights."""

    total_steps: int = 200_000
    """agent decisions to train for, summed over the vector env's worlds (autoreset steps not counted)"""
    num_envs: int = 8
    """worlds stepped together; the vector env factory is called with this number"""
    n_steps: int = 5
    """vector env steps per rollout; one gradient update per rollout of n_steps * num_envs transitions"""
    gamma: float = 0.99
    """discount factor per decision"""
    gae_lambda: float = 1.0
    """lambda of generalized advantage estimation (1.0: plain n-step returns, as SB3's A2C)"""
    lr: float = 7e-4
    """learning rate of the optimizer"""
    anneal_lr: bool = False
    """decay the learning rate linearly to 0 at total_steps"""
    optimizer: Literal["rmsprop", "adam"] = "rmsprop"
    """rmsprop (alpha=0.99, eps=1e-5, as SB3's A2C) or adam (eps=1e-5)"""
    ent_coef: float = 0.0
    """weight of the entropy bonus"""
    vf_coef: float = 0.5
    """weight of the value loss"""
    max_grad_norm: float = 0.5
    """global gradient norm is clipped to this"""
    normalize_advantage: bool = False
    """standardize advantages within each rollout"""
    hidden_sizes: tuple[int, ...] = (64, 64)
    """hidden layer widths of the actor and of the critic (two separate MLPs)"""
    activation: Literal["tanh", "relu"] = "tanh"
    """activation of the hidden layers"""
    log_std_init: float = 0.0
    """initial log standard deviation of Gaussian (Box) actions, learned, state-independent"""
    normalize_obs: bool = True
    """standardize Box observations with a running mean/std (kept with the model, frozen when acting)"""
    obs_clip: float = 10.0
    """normalized observations are clipped to [-obs_clip, obs_clip]"""
    seed: int = 0
    """seeds the env reset, weight init and action sampling (a torch.Generator, never the global RNG)"""
    torch_threads: int = 1
    """torch CPU threads while learning (set inside learn() and restored after); fixed for reproducible sums"""
    log_every: int = 10
    """updates between two records of the losses"""

    def __post_init__(self) -> None:
        if isinstance(self.hidden_sizes, list):  # from a JSON/torch checkpoint
            object.__setattr__(self, "hidden_sizes", tuple(self.hidden_sizes))
        problems = []
        for name in ("total_steps", "num_envs", "n_steps", "torch_threads", "log_every"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                problems.append(f"{name}={value!r} must be a positive whole number")
        for name in ("gamma", "gae_lambda"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                problems.append(f"{name}={value!r} must be in [0, 1]")
        for name in ("lr", "max_grad_norm", "obs_clip"):
            if not getattr(self, name) > 0:
                problems.append(f"{name}={getattr(self, name)!r} must be > 0")
        for name in ("ent_coef", "vf_coef"):
            if not getattr(self, name) >= 0:
                problems.append(f"{name}={getattr(self, name)!r} must be >= 0")
        if not self.hidden_sizes or not all(isinstance(h, int) and h > 0 for h in self.hidden_sizes):
            problems.append(f"hidden_sizes={self.hidden_sizes!r} must be a non-empty tuple of positive whole numbers")
        if self.optimizer not in ("rmsprop", "adam"):
            problems.append(f"optimizer={self.optimizer!r}: allowed are 'rmsprop', 'adam'")
        if self.activation not in ("tanh", "relu"):
            problems.append(f"activation={self.activation!r}: allowed are 'tanh', 'relu'")
        if not isinstance(self.seed, int) or self.seed < 0:
            problems.append(f"seed={self.seed!r} must be a whole number >= 0")
        if problems:
            raise ConfigError("A2C config: " + "; ".join(problems))

    def replace(self, **changes: Any) -> Config:
        """A copy with ``changes`` applied and validated; ConfigError names unknown fields and allowed ones."""
        unknown = sorted(set(changes) - set(self.to_dict()))
        if unknown:
            raise ConfigError(f"A2C config: unknown field(s) {unknown}; allowed are {sorted(self.to_dict())}")
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Config:
        """A config from plain values (a checkpoint, a CLI ``--set``); missing fields take defaults."""
        return cls().replace(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (lists for tuples), as stored in checkpoints."""
        out = dataclasses.asdict(self)
        out["hidden_sizes"] = list(self.hidden_sizes)
        return out


__all__ = ["Config", "ConfigError"]
