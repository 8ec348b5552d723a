"""A stable-baselines3 model as an ``agents.policy.Policy``, and loading one from disk.

Files (as ``train_sb3`` writes them): a run folder holds ``model.zip``, ``vecnormalize.pkl``
(observation statistics, when observations were normalized) and ``sb3.json`` (which algorithm);
checkpoints are ``checkpoints/<algo>_<steps>_steps.zip`` beside
``checkpoints/<algo>_vecnormalize_<steps>_steps.pkl`` (SB3's ``CheckpointCallback`` names).
"""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces
from stable_baselines3 import A2C, DQN, PPO, SAC
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.vec_env import VecNormalize

ALGORITHMS: dict[str, type[BaseAlgorithm]] = {"ppo": PPO, "a2c": A2C, "sac": SAC, "dqn": DQN}
MODEL_FILE, VECNORMALIZE_FILE, META_FILE, CHECKPOINT_DIR = "model.zip", "vecnormalize.pkl", "sb3.json", "checkpoints"
CHECKPOINT_NAME = re.compile(r"^(?P<algo>[a-z0-9]+)_(?P<steps>\d+)_steps\.zip$")


class UnknownAlgorithm(ValueError):
    """An algorithm name that the adapter does not offer."""


def algorithm_class(algo: str) -> type[BaseAlgorithm]:
    """The SB3 class for ``algo`` (one of ALGORITHMS); UnknownAlgorithm names the allowed ones."""
    try:
        return ALGORITHMS[algo]
    except KeyError:
        raise UnknownAlgorithm(f"unknown algorithm {algo!r}; allowed are {', '.join(ALGORITHMS)}") from None


class SB3Policy:
    """Deterministic ``model.predict`` on one observation, normalized first with ``vec_normalize``'s
    observation statistics when the model was trained on normalized observations."""

    def __init__(self, model: BaseAlgorithm, vec_normalize: VecNormalize | None = None, name: str | None = None):
        self.model, self.vec_normalize = model, vec_normalize
        self.name = name or type(model).__name__.lower()

    @property
    def action_space(self) -> spaces.Space:
        """The single env's action space the model acts in."""
        return self.model.action_space

    def reset(self, seed: int | None = None) -> None:
        """Nothing to forget: SB3's MLP policies have no episode memory."""

    def act(self, obs: np.ndarray) -> Any:
        """The model's deterministic action for ``obs`` (int for Discrete, an array otherwise)."""
        if self.vec_normalize is not None:
            obs = self.vec_normalize.normalize_obs(np.asarray(obs))
        action, _ = self.model.predict(obs, deterministic=True)
        return int(action) if isinstance(self.model.action_space, spaces.Discrete) else action


def load_vec_normalize(path: Path) -> VecNormalize:
    """Observation statistics saved by ``VecNormalize.save``, frozen, without an env attached
    (``VecNormalize.load`` is this plus ``set_venv``, which acting does not need)."""
    with open(path, "rb") as file:
        vec_normalize = pickle.load(file)
    vec_normalize.training, vec_normalize.norm_reward = False, False
    return vec_normalize


def model_files(path: Path, algo: str | None) -> tuple[Path, Path, str | None]:
    """(model zip, its VecNormalize file, algo if known) for a run folder, model.zip or checkpoint zip."""
    if path.is_dir():
        path = path / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no SB3 model at {path}; give a run folder, its {MODEL_FILE} or a checkpoint zip")
    match = CHECKPOINT_NAME.match(path.name)
    if match:
        norm = path.with_name(f"{match['algo']}_vecnormalize_{match['steps']}_steps.pkl")
        return path, norm, algo or match["algo"]
    meta = path.with_name(META_FILE)
    if algo is None and meta.is_file():
        algo = json.loads(meta.read_text())["algo"]
    return path, path.with_name(VECNORMALIZE_FILE), algo


def load_sb3(path: str | Path, algo: str | None = None, name: str | None = None) -> SB3Policy:
    """The policy saved at ``path``: a ``train_sb3`` run folder, its ``model.zip`` or a checkpoint
    zip. ``algo`` (ppo, a2c, sac, dqn) is read from ``sb3.json`` or the checkpoint's name when not
    given; observation statistics are loaded from the matching VecNormalize file if there is one."""
    model_path, norm_path, algo = model_files(Path(path), algo)
    if algo is None:
        raise UnknownAlgorithm(f"cannot tell the algorithm of {model_path}; pass algo= one of {', '.join(ALGORITHMS)}")
    model = algorithm_class(algo).load(model_path, device="cpu")
    vec_normalize = load_vec_normalize(norm_path) if norm_path.is_file() else None
    return SB3Policy(model, vec_normalize, name or algo)


__all__ = ["ALGORITHMS", "UnknownAlgorithm", "algorithm_class", "SB3Policy", "load_sb3", "load_vec_normalize",
           "model_files"]
