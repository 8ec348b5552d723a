"""The actor-critic networks: two MLPs (actor, critic) and an action head per kind of action space.

Heads draw samples with an explicit ``torch.Generator`` (never torch's global RNG) and weights are
initialized orthogonally from the same Generator (as SB3/cleanRL: gain sqrt(2) for hidden layers,
0.01 for the policy output, 1 for the value output), so a seed fixes a run.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.distributions import Categorical, Normal

ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU}


def mlp(in_dim: int, hidden_sizes: tuple[int, ...], activation: str) -> nn.Sequential:
    """Hidden layers only; the caller adds the output layer."""
    layers: list[nn.Module] = []
    for width in hidden_sizes:
        layers += [nn.Linear(in_dim, width), ACTIVATIONS[activation]()]
        in_dim = width
    return nn.Sequential(*layers)


def init_linear(module: nn.Module, gain: float, generator: torch.Generator) -> None:
    """Orthogonal weights with ``gain`` and zero biases for every Linear layer in ``module``."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            nn.init.orthogonal_(layer.weight, gain=gain, generator=generator)
            nn.init.zeros_(layer.bias)


class CategoricalHead(nn.Module):
    """One categorical per action entry (Discrete: one, MultiDiscrete: one per entry, independent)."""

    def __init__(self, sizes: tuple[int, ...]):
        super().__init__()
        self.sizes = sizes
        self.n_outputs = sum(sizes)

    def _dists(self, logits: torch.Tensor) -> list[Categorical]:
        return [Categorical(logits=part) for part in torch.split(logits, self.sizes, dim=-1)]

    def sample(self, logits: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """(batch, entries) int64 samples."""
        return torch.stack([torch.multinomial(d.probs, 1, generator=generator).squeeze(-1)
                            for d in self._dists(logits)], dim=-1)

    def mode(self, logits: torch.Tensor) -> torch.Tensor:
        """(batch, entries) most likely actions."""
        return torch.stack([part.argmax(dim=-1) for part in torch.split(logits, self.sizes, dim=-1)], dim=-1)

    def log_prob(self, logits: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """(batch,) log-probability of joint actions (sum over entries)."""
        return sum(d.log_prob(actions[:, j]) for j, d in enumerate(self._dists(logits)))

    def entropy(self, logits: torch.Tensor) -> torch.Tensor:
        """(batch,) entropy of the joint distribution."""
        return sum(d.entropy() for d in self._dists(logits))


class GaussianHead(nn.Module):
    """Diagonal Gaussian with a learned, state-independent log standard deviation."""

    def __init__(self, dim: int, log_std_init: float):
        super().__init__()
        self.n_outputs = dim
        self.log_std = nn.Parameter(torch.full((dim,), float(log_std_init)))

    def _dist(self, mean: torch.Tensor) -> Normal:
        return Normal(mean, self.log_std.exp().expand_as(mean))

    def sample(self, mean: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """(batch, dim) unclipped samples (the env adapter clips them to the bounds)."""
        noise = torch.randn(mean.shape, generator=generator, dtype=mean.dtype)
        return mean + self.log_std.exp() * noise

    def mode(self, mean: torch.Tensor) -> torch.Tensor:
        """The mean."""
        return mean

    def log_prob(self, mean: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """(batch,) log-density of unclipped actions."""
        return self._dist(mean).log_prob(actions).sum(-1)

    def entropy(self, mean: torch.Tensor) -> torch.Tensor:
        """(batch,) differential entropy."""
        return self._dist(mean).entropy().sum(-1)


class ActorCritic(nn.Module):
    """Separate actor and critic MLPs over the encoded observation."""

    def __init__(self, obs_dim: int, action_kind: str, action_sizes: tuple[int, ...], hidden_sizes: tuple[int, ...],
                 activation: str, log_std_init: float, generator: torch.Generator):
        super().__init__()
        if action_kind == "gaussian":
            self.head: CategoricalHead | GaussianHead = GaussianHead(action_sizes[0], log_std_init)
        else:
            self.head = CategoricalHead(action_sizes)
        self.actor_body = mlp(obs_dim, hidden_sizes, activation)
        self.actor_out = nn.Linear(hidden_sizes[-1], self.head.n_outputs)
        self.critic_body = mlp(obs_dim, hidden_sizes, activation)
        self.critic_out = nn.Linear(hidden_sizes[-1], 1)
        init_linear(self.actor_body, math.sqrt(2), generator)
        init_linear(self.actor_out, 0.01, generator)
        init_linear(self.critic_body, math.sqrt(2), generator)
        init_linear(self.critic_out, 1.0, generator)

    def policy_params(self, obs: torch.Tensor) -> torch.Tensor:
        """Logits (categorical) or means (Gaussian) for a batch of encoded observations."""
        return self.actor_out(self.actor_body(obs))

    def value(self, obs: torch.Tensor) -> torch.Tensor:
        """(batch,) state values."""
        return self.critic_out(self.critic_body(obs)).squeeze(-1)

    def evaluate(self, obs: torch.Tensor, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Log-probabilities of ``actions``, entropies and values, each (batch,)."""
        params = self.policy_params(obs)
        return self.head.log_prob(params, actions), self.head.entropy(params), self.value(obs)


__all__ = ["ActorCritic", "CategoricalHead", "GaussianHead", "mlp"]
