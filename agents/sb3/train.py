"""Train stable-baselines3's PPO, A2C, SAC or DQN on a twin env with one call.

``train_sb3`` builds a monitored ``DummyVecEnv`` of ``make_env`` (observations standardized by
``VecNormalize`` when they are a Box: twin's features span very different scales), trains,
checkpoints, evaluates against baselines, and writes into ``out_dir``:

- ``model.zip``, ``vecnormalize.pkl``, ``sb3.json`` (algo, seed, steps): ``load_sb3(out_dir)``;
- ``checkpoints/<algo>_<steps>_steps.zip`` (+ ``<algo>_vecnormalize_<steps>_steps.pkl``);
- ``tb/``: TensorBoard with SB3's own scalars (``rollout/ep_rew_mean``, ``train/...``), cleanRL's
  ``charts/episodic_return``, ``charts/episodic_length``, ``charts/SPS``, and ``eval/<kpi>``;
- ``evaluations.jsonl``: every evaluation's table of returns and KPIs.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import torch
from gymnasium import spaces
from stable_baselines3.common.callbacks import BaseCallback, CallbackList, CheckpointCallback
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.logger import configure
from stable_baselines3.common.vec_env import VecNormalize

from agents.policy import Policy
from agents.runlog import RunLog
from agents.sb3.callbacks import KpiEvalCallback, RunLogCallback
from agents.sb3.policy import (CHECKPOINT_DIR, CHECKPOINT_NAME, META_FILE, MODEL_FILE, VECNORMALIZE_FILE,
                               SB3Policy, algorithm_class, load_vec_normalize, model_files)

# Action spaces each algorithm acts on (the classes SB3 itself accepts).
ACTION_SPACES: dict[str, tuple[type[spaces.Space], ...]] = {
    "ppo": (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary),
    "a2c": (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary),
    "sac": (spaces.Box,),
    "dqn": (spaces.Discrete,),
}
TB_DIR, EVALUATIONS_FILE = "tb", "evaluations.jsonl"


class UnsupportedActionSpace(ValueError):
    """The algorithm cannot act on the env's action space."""


@dataclass(frozen=True)
class SB3Run:
    """The outcome of ``train_sb3``: the trained ``policy`` (deterministic, frozen observation
    statistics), the run folder and the steps trained in all (summed over envs)."""

    policy: SB3Policy
    out_dir: Path
    steps: int


def check_action_space(algo: str, action_space: spaces.Space) -> None:
    """UnsupportedActionSpace naming what ``algo`` acts on and which algorithms act on ``action_space``."""
    algorithm_class(algo)
    if not isinstance(action_space, ACTION_SPACES[algo]):
        kinds = ", ".join(k.__name__ for k in ACTION_SPACES[algo])
        others = [a for a, allowed in ACTION_SPACES.items() if isinstance(action_space, allowed)]
        hint = f"; for it use {', '.join(others)}" if others else ""
        raise UnsupportedActionSpace(f"{algo} cannot act on {action_space}: {algo} acts on {kinds}{hint}")


def latest_checkpoint(out_dir: str | Path, algo: str) -> tuple[Path, int] | None:
    """The (path, steps) of the newest checkpoint or final model of ``algo`` in ``out_dir``, if any."""
    out_dir = Path(out_dir)
    found = []
    for path in (out_dir / CHECKPOINT_DIR).glob(f"{algo}_*_steps.zip"):
        match = CHECKPOINT_NAME.match(path.name)
        if match and match["algo"] == algo:
            found.append((int(match["steps"]), path))
    meta = out_dir / META_FILE
    if (out_dir / MODEL_FILE).is_file() and meta.is_file():
        info = json.loads(meta.read_text())
        if info.get("algo") == algo:
            found.append((int(info["steps"]), out_dir / MODEL_FILE))
    if not found:
        return None
    steps, path = max(found)
    return path, steps


def sb3_hyperparams(algo: str, total_steps: int, given: dict[str, Any] | None) -> dict[str, Any]:
    """SB3 defaults, a replay buffer no larger than the run for SAC/DQN, then ``given`` (checked)."""
    cls = algorithm_class(algo)
    allowed = sorted(set(inspect.signature(cls.__init__).parameters) - {"self", "policy", "env", "seed"})
    unknown = sorted(set(given or {}) - set(allowed))
    if unknown:
        raise ValueError(f"{algo}: unknown hyperparameter(s) {unknown}; allowed are {allowed} "
                         "(seed is train_sb3's own argument)")
    params: dict[str, Any] = {"device": "cpu"}
    if algo in ("sac", "dqn"):
        params["buffer_size"] = min(1_000_000, max(total_steps, 1))
    return {**params, **(given or {})}


@dataclass(frozen=True)
class SB3Options:
    """How ``train_sb3`` trains, checkpoints and resumes (the algorithm, steps and seed are its own
    arguments)."""

    n_envs: int = 1
    """Copies of the env stepped together (``DummyVecEnv``); steps are summed over them."""
    normalize_obs: bool = True
    """Standardize Box observations with ``VecNormalize`` (saved with the model)."""
    hyperparams: Mapping[str, Any] | None = None
    """Keyword arguments of the SB3 constructor of a new model (a resumed model keeps its own)."""
    checkpoint_every: int | None = None
    """Env steps between SB3 checkpoints (with their VecNormalize statistics); None saves none."""
    resume: bool = False
    """Continue from the newest checkpoint (or final model) of the algorithm in ``out_dir``
    (SAC/DQN start with an empty replay buffer)."""
    progress: bool = False
    """Show a progress bar."""
    torch_threads: int | None = 1
    """CPU threads torch uses while training (restored after; None leaves torch's setting): small
    MLPs gain nothing from more, and oversubscribed cores make them many times slower."""

    def __post_init__(self) -> None:
        if not isinstance(self.n_envs, int) or self.n_envs < 1:
            raise ValueError(f"n_envs={self.n_envs!r} must be a positive whole number")
        if self.checkpoint_every is not None and (not isinstance(self.checkpoint_every, int)
                                                  or self.checkpoint_every < 1):
            raise ValueError(f"checkpoint_every={self.checkpoint_every!r} must be >= 1 (steps) or None")
        if self.torch_threads is not None and (not isinstance(self.torch_threads, int) or self.torch_threads < 1):
            raise ValueError(f"torch_threads={self.torch_threads!r} must be >= 1 or None")


@dataclass(frozen=True)
class SB3Evaluation:
    """Evaluation during training: episodes of ``make_env()`` for the model next to ``baselines``,
    every ``every`` env steps (default: a tenth of the run) and at the end, written to
    ``evaluations.jsonl`` and TensorBoard's ``eval/<kpi>``."""

    make_env: Callable[[], gym.Env]
    baselines: Sequence[Policy] = ()
    every: int | None = None
    episodes: int = 1
    seed: int = 10_000
    """Seed of the first evaluation episode; the next ones count on from it."""

    def callback(self, total_steps: int, out_dir: Path, algo: str) -> KpiEvalCallback:
        """The SB3 callback that runs these evaluations in a run of ``total_steps`` env steps."""
        return KpiEvalCallback(self.make_env, self.baselines, self.every or max(total_steps // 10, 1),
                               self.episodes, self.seed, out_dir / EVALUATIONS_FILE, algo)


def train_sb3(algo: str, make_env: Callable[[], gym.Env], total_steps: int, seed: int, out_dir: str | Path,
              options: SB3Options = SB3Options(), evaluation: SB3Evaluation | None = None) -> SB3Run:
    """Train ``algo`` (ppo, a2c, sac, dqn) on ``options.n_envs`` copies of ``make_env()`` for
    ``total_steps`` env steps (summed over copies), seeded by ``seed``; files go to ``out_dir`` (see
    module doc). With ``evaluation``, the model is evaluated during training next to its baselines.
    """
    cls = algorithm_class(algo)
    if not isinstance(total_steps, int) or total_steps < 1:
        raise ValueError(f"total_steps={total_steps!r} must be a positive whole number")
    params = sb3_hyperparams(algo, total_steps, dict(options.hyperparams or {}))
    normalize = _probe_spaces(algo, make_env) and options.normalize_obs

    out_dir = Path(out_dir)
    start = latest_checkpoint(out_dir, algo) if options.resume else None
    if options.resume and start is None:
        raise FileNotFoundError(f"resume: no {algo} checkpoint or model in {out_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)
    venv = make_vec_env(make_env, n_envs=options.n_envs, seed=seed)
    if start is not None:
        model = _resumed_model(cls, algo, start[0], venv, params["device"])
    else:
        if normalize:
            venv = VecNormalize(venv, norm_obs=True, norm_reward=False)
        model = cls("MlpPolicy", venv, seed=seed, **params)
    model.set_logger(configure(str(out_dir / TB_DIR), ["tensorboard"]))
    _learn(model, algo, total_steps, out_dir, options, evaluation, reset_steps=start is None)
    if start is not None:
        params = _recorded_hyperparams(out_dir, params)
    return _save_run(model, algo, seed, total_steps, out_dir, options.n_envs, params)


def _probe_spaces(algo: str, make_env: Callable[[], gym.Env]) -> bool:
    """Check that ``algo`` acts on the env's action space; whether its observations are a Box."""
    probe = make_env()
    try:
        observation_space, action_space = probe.observation_space, probe.action_space
    finally:
        probe.close()
    check_action_space(algo, action_space)
    return isinstance(observation_space, spaces.Box)


def _resumed_model(cls: type, algo: str, path: Path, venv: Any, device: str) -> Any:
    """The model saved at ``path`` on ``venv``, with the observation statistics saved beside it."""
    path, norm_path, _ = model_files(path, algo)
    if norm_path.is_file():
        venv = VecNormalize.load(str(norm_path), venv)
        venv.training = True
    return cls.load(path, env=venv, device=device)


def _learn(model: Any, algo: str, total_steps: int, out_dir: Path, options: SB3Options,
           evaluation: SB3Evaluation | None, reset_steps: bool) -> None:
    """Train ``model`` up to ``total_steps`` env steps with the run log, checkpoints and evaluations."""
    remaining = total_steps - model.num_timesteps
    if remaining <= 0:
        return
    callbacks: list[BaseCallback] = [RunLogCallback(RunLog(out_dir / TB_DIR, total_steps, progress=options.progress,
                                                           start_step=model.num_timesteps))]
    if options.checkpoint_every is not None:
        callbacks.append(CheckpointCallback(max(options.checkpoint_every // options.n_envs, 1),
                                            str(out_dir / CHECKPOINT_DIR), name_prefix=algo, save_vecnormalize=True))
    if evaluation is not None:
        callbacks.append(evaluation.callback(total_steps, out_dir, algo))
    threads = torch.get_num_threads()
    torch.set_num_threads(options.torch_threads or threads)
    try:
        model.learn(remaining, callback=CallbackList(callbacks), reset_num_timesteps=reset_steps)
    finally:
        torch.set_num_threads(threads)


def _recorded_hyperparams(out_dir: Path, params: dict[str, Any]) -> dict[str, Any]:
    """The hyperparameters a resumed model was made with, as its first run recorded them."""
    meta_path = out_dir / META_FILE
    if meta_path.is_file():
        return json.loads(meta_path.read_text()).get("hyperparams", params)
    return params


def _save_run(model: Any, algo: str, seed: int, total_steps: int, out_dir: Path, n_envs: int,
              params: dict[str, Any]) -> SB3Run:
    """Write the model, its observation statistics and ``sb3.json``; the run as a frozen policy."""
    model.save(out_dir / MODEL_FILE)
    vec_normalize = model.get_vec_normalize_env()
    if vec_normalize is not None:
        vec_normalize.save(str(out_dir / VECNORMALIZE_FILE))
    (out_dir / META_FILE).write_text(json.dumps({
        "algo": algo, "seed": seed, "total_steps": total_steps, "steps": model.num_timesteps,
        "n_envs": n_envs, "normalize_obs": vec_normalize is not None,
        "hyperparams": {k: v for k, v in params.items() if isinstance(v, (int, float, str, bool))},
    }, indent=2))
    model.get_env().close()
    frozen = load_vec_normalize(out_dir / VECNORMALIZE_FILE) if vec_normalize is not None else None
    return SB3Run(SB3Policy(model, frozen, algo), out_dir, model.num_timesteps)


__all__ = ["ACTION_SPACES", "UnsupportedActionSpace", "SB3Run", "SB3Options", "SB3Evaluation", "train_sb3",
           "check_action_space", "sb3_hyperparams", "latest_checkpoint"]
