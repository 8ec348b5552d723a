"""Between Gymnasium spaces and the network: observations in, actions out, and spaces as plain data.

Observations: Box (flattened, standardized by a running mean/std), Discrete and MultiDiscrete
(one-hot). Actions: Discrete, MultiDiscrete (one categorical per entry) and Box (clipped to the
bounds). Spaces are stored in checkpoints as plain dicts so ``torch.load(weights_only=True)``
reads them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.wrappers.utils import RunningMeanStd


class UnsupportedSpace(ValueError):
    """The env's observation or action space is of a kind the actor-critic cannot handle."""


OBS_KINDS = "Box, Discrete or MultiDiscrete"
ACTION_KINDS = "Discrete, MultiDiscrete or Box"


def space_to_dict(space: spaces.Space) -> dict[str, Any]:
    """A Discrete, MultiDiscrete or Box space as plain values."""
    if isinstance(space, spaces.Discrete):
        return {"type": "Discrete", "n": int(space.n), "start": int(space.start)}
    if isinstance(space, spaces.MultiDiscrete):
        return {"type": "MultiDiscrete", "nvec": space.nvec.tolist(), "start": space.start.tolist()}
    if isinstance(space, spaces.Box):
        return {"type": "Box", "low": space.low.tolist(), "high": space.high.tolist(), "dtype": str(space.dtype)}
    raise UnsupportedSpace(f"cannot store {space}; allowed are {ACTION_KINDS}")


def space_from_dict(data: dict[str, Any]) -> spaces.Space:
    """The space ``space_to_dict`` described."""
    kind = data["type"]
    if kind == "Discrete":
        return spaces.Discrete(data["n"], start=data["start"])
    if kind == "MultiDiscrete":
        return spaces.MultiDiscrete(np.array(data["nvec"]), start=np.array(data["start"]))
    if kind == "Box":
        dtype = np.dtype(data["dtype"])
        return spaces.Box(np.array(data["low"], dtype=dtype), np.array(data["high"], dtype=dtype), dtype=dtype)
    raise UnsupportedSpace(f"unknown stored space type {kind!r}; allowed are {ACTION_KINDS}")


class ObsEncoder:
    """Turns a batch of observations into float32 network inputs of width ``dim``.

    Box observations are flattened and, if ``normalize``, standardized with a running mean/std
    (updated only when ``encode(..., update=True)``) and clipped to ``[-clip, clip]``.
    """

    def __init__(self, space: spaces.Space, normalize: bool, clip: float):
        if isinstance(space, spaces.Box):
            self.dim = int(np.prod(space.shape))
        elif isinstance(space, spaces.Discrete):
            self.dim = int(space.n)
        elif isinstance(space, spaces.MultiDiscrete):
            self.dim = int(space.nvec.sum())
        else:
            raise UnsupportedSpace(f"A2C observes {OBS_KINDS} spaces; got {space}")
        self.space = space
        self.clip = clip
        self.rms = RunningMeanStd(shape=(self.dim,)) if normalize and isinstance(space, spaces.Box) else None

    def encode(self, obs: Any, update: bool = False) -> np.ndarray:
        """(batch, dim) float32 inputs for a batch of observations."""
        space = self.space
        if isinstance(space, spaces.Discrete):
            return np.eye(self.dim, dtype=np.float32)[np.asarray(obs).reshape(-1) - space.start]
        if isinstance(space, spaces.MultiDiscrete):
            idx = np.asarray(obs).reshape(len(obs), -1) - space.start.reshape(-1)
            nvec = space.nvec.reshape(-1)
            return np.concatenate([np.eye(n, dtype=np.float32)[idx[:, j]] for j, n in enumerate(nvec)], axis=1)
        x = np.asarray(obs, dtype=np.float64).reshape(-1, self.dim)
        if self.rms is None:
            return x.astype(np.float32)
        if update:
            self.rms.update(x)
        x = (x - self.rms.mean) / np.sqrt(self.rms.var + 1e-8)
        return np.clip(x, -self.clip, self.clip).astype(np.float32)

    def state_dict(self) -> dict[str, Any]:
        """Running statistics as plain values (empty without normalization)."""
        if self.rms is None:
            return {}
        return {"mean": self.rms.mean.tolist(), "var": self.rms.var.tolist(), "count": float(self.rms.count)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the statistics ``state_dict`` returned."""
        if self.rms is not None and state:
            self.rms.mean = np.array(state["mean"], dtype=np.float64)
            self.rms.var = np.array(state["var"], dtype=np.float64)
            self.rms.count = state["count"]


class ActionAdapter:
    """What the network's action head must produce for ``space``, and the way back to env actions."""

    def __init__(self, space: spaces.Space):
        if isinstance(space, spaces.Discrete):
            self.kind, self.sizes = "categorical", (int(space.n),)
        elif isinstance(space, spaces.MultiDiscrete):
            self.kind, self.sizes = "multi_categorical", tuple(int(n) for n in space.nvec.reshape(-1))
        elif isinstance(space, spaces.Box):
            if not (np.all(np.isfinite(space.low)) and np.all(np.isfinite(space.high))):
                raise UnsupportedSpace(f"A2C clips Box actions to their bounds, which must be finite; got {space}")
            self.kind, self.sizes = "gaussian", (int(np.prod(space.shape)),)
        else:
            raise UnsupportedSpace(f"A2C acts on {ACTION_KINDS} action spaces; got {space}")
        self.space = space

    def to_env(self, actions: np.ndarray) -> np.ndarray:
        """A batch of network actions (batch, ...) as a batch of env actions: shifted by ``start``,
        reshaped to the space's shape, Box actions clipped to the bounds."""
        space, n = self.space, len(actions)
        if isinstance(space, spaces.Discrete):
            return actions.reshape(n).astype(np.int64) + space.start
        if isinstance(space, spaces.MultiDiscrete):
            return actions.astype(np.int64).reshape((n, *space.shape)) + space.start
        return np.clip(actions.reshape((n, *space.shape)), space.low, space.high).astype(space.dtype)

    def one(self, action: np.ndarray) -> Any:
        """The env action of a single observation (an int for Discrete)."""
        out = self.to_env(action[None])[0]
        return int(out) if isinstance(self.space, spaces.Discrete) else out


__all__ = ["UnsupportedSpace", "ObsEncoder", "ActionAdapter", "space_to_dict", "space_from_dict"]
