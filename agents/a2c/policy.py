"""A trained actor-critic as an ``agents.policy.Policy``: greedy actions for one observation at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from gymnasium import spaces

from agents.a2c.checkpoint import read_checkpoint
from agents.a2c.config import Config
from agents.a2c.networks import ActorCritic
from agents.a2c.spaces import ActionAdapter, ObsEncoder, space_from_dict


def build_network(config: Config, encoder: ObsEncoder, adapter: ActionAdapter, generator: torch.Generator
                  ) -> ActorCritic:
    """The actor-critic for these spaces, initialized from ``generator``."""
    return ActorCritic(encoder.dim, adapter.kind, adapter.sizes, config.hidden_sizes, config.activation,
                       config.log_std_init, generator)


class A2CPolicy:
    """Deterministic actions of an actor-critic: the most likely category (Discrete, per entry for
    MultiDiscrete) or the Gaussian mean clipped to the Box bounds. Observations are normalized with
    the statistics frozen at the time the policy was made."""

    def __init__(self, net: ActorCritic, encoder: ObsEncoder, adapter: ActionAdapter, name: str = "a2c"):
        self.net, self.encoder, self.adapter, self.name = net.eval(), encoder, adapter, name

    @property
    def action_space(self) -> spaces.Space:
        """The single env's action space the policy acts in."""
        return self.adapter.space

    def reset(self, seed: int | None = None) -> None:
        """Nothing to forget: the policy has no episode memory."""

    @torch.no_grad()
    def act(self, obs: np.ndarray) -> Any:
        """The greedy action for one observation (int for Discrete, an array otherwise)."""
        x = torch.as_tensor(self.encoder.encode(np.asarray(obs)[None], update=False))
        action = self.net.head.mode(self.net.policy_params(x))
        return self.adapter.one(action.numpy()[0])


def load_policy(path: str | Path, name: str = "a2c") -> A2CPolicy:
    """The policy stored in an A2C checkpoint (``A2C.save``); it acts exactly as the saved agent's
    ``policy()``. No env needed: the spaces are stored in the file."""
    state = read_checkpoint(path)
    config = Config.from_dict(state["config"])
    encoder = ObsEncoder(space_from_dict(state["observation_space"]), config.normalize_obs, config.obs_clip)
    encoder.load_state_dict(state["obs_normalizer"])
    adapter = ActionAdapter(space_from_dict(state["action_space"]))
    net = build_network(config, encoder, adapter, torch.Generator().manual_seed(config.seed))
    net.load_state_dict(state["model"])
    return A2CPolicy(net, encoder, adapter, name)


__all__ = ["A2CPolicy", "load_policy", "build_network"]
