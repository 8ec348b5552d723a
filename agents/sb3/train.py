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
from collections.abc import Callable, Sequence
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


def train_sb3(algo: str, make_env: Callable[[], gym.Env], total_steps: int, seed: int, out_dir: str | Path, *,
              n_envs: int = 1, normalize_obs: bool = True, hyperparams: dict[str, Any] | None = None,
              eval_env_fn: Callable[[], gym.Env] | None = None, baselines: Sequence[Policy] = (),
              eval_every: int | None = None, eval_episodes: int = 1, eval_seed: int = 10_000,
              checkpoint_every: int | None = None, resume: bool = False, progress: bool = False,
              torch_threads: int | None = 1) -> SB3Run:
    """Train ``algo`` (ppo, a2c, sac, dqn) on ``n_envs`` copies of ``make_env()`` for ``total_steps``
    env steps (summed over copies), seeded by ``seed``; files go to ``out_dir`` (see module doc).

    ``checkpoint_every`` (steps) saves SB3 checkpoints with their VecNormalize statistics. With
    ``eval_env_fn``, the model is evaluated every ``eval_every`` steps (default: a tenth of the run)
    and at the end for ``eval_episodes`` episodes seeded from ``eval_seed``, next to ``baselines``.
    ``resume=True`` continues from the newest checkpoint (or final model) of ``algo`` in ``out_dir``
    up to ``total_steps`` (SAC/DQN start with an empty replay buffer). ``hyperparams`` go to the
    SB3 constructor of a new model (a resumed model keeps its own). Torch uses ``torch_threads``
    CPU threads while training (restored after; None leaves torch's setting): small MLPs gain
    nothing from more, and oversubscribed cores make them many times slower.
    """
    cls = algorithm_class(algo)
    for name, value in (("total_steps", total_steps), ("n_envs", n_envs)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}={value!r} must be a positive whole number")
    if checkpoint_every is not None and checkpoint_every < 1:
        raise ValueError(f"checkpoint_every={checkpoint_every!r} must be >= 1 (steps) or None")
    params = sb3_hyperparams(algo, total_steps, hyperparams)
    probe = make_env()
    observation_space, action_space = probe.observation_space, probe.action_space
    probe.close()
    check_action_space(algo, action_space)
    normalize = normalize_obs and isinstance(observation_space, spaces.Box)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    venv = make_vec_env(make_env, n_envs=n_envs, seed=seed)
    start = latest_checkpoint(out_dir, algo) if resume else None
    if resume and start is None:
        raise FileNotFoundError(f"resume: no {algo} checkpoint or model in {out_dir}")
    if start is not None:
        path, norm_path, _ = model_files(start[0], algo)
        if norm_path.is_file():
            venv = VecNormalize.load(str(norm_path), venv)
            venv.training = True
        model = cls.load(path, env=venv, device=params["device"])
    else:
        if normalize:
            venv = VecNormalize(venv, norm_obs=True, norm_reward=False)
        model = cls("MlpPolicy", venv, seed=seed, **params)
    model.set_logger(configure(str(out_dir / TB_DIR), ["tensorboard"]))

    remaining = total_steps - model.num_timesteps
    if remaining > 0:
        callbacks: list[BaseCallback] = [RunLogCallback(RunLog(out_dir / TB_DIR, total_steps, progress=progress,
                                                               start_step=model.num_timesteps))]
        if checkpoint_every is not None:
            callbacks.append(CheckpointCallback(max(checkpoint_every // n_envs, 1), str(out_dir / CHECKPOINT_DIR),
                                                name_prefix=algo, save_vecnormalize=True))
        if eval_env_fn is not None:
            callbacks.append(KpiEvalCallback(eval_env_fn, baselines, eval_every or max(total_steps // 10, 1),
                                             eval_episodes, eval_seed, out_dir / EVALUATIONS_FILE, algo))
        threads = torch.get_num_threads()
        torch.set_num_threads(torch_threads or threads)
        try:
            model.learn(remaining, callback=CallbackList(callbacks), reset_num_timesteps=start is None)
        finally:
            torch.set_num_threads(threads)

    model.save(out_dir / MODEL_FILE)
    vec_normalize = model.get_vec_normalize_env()
    if vec_normalize is not None:
        vec_normalize.save(str(out_dir / VECNORMALIZE_FILE))
    meta_path = out_dir / META_FILE
    if start is not None and meta_path.is_file():  # a resumed model keeps the hyperparameters it was made with
        params = json.loads(meta_path.read_text()).get("hyperparams", params)
    meta_path.write_text(json.dumps({
        "algo": algo, "seed": seed, "total_steps": total_steps, "steps": model.num_timesteps,
        "n_envs": n_envs, "normalize_obs": vec_normalize is not None,
        "hyperparams": {k: v for k, v in params.items() if isinstance(v, (int, float, str, bool))},
    }, indent=2))
    model.get_env().close()
    frozen = load_vec_normalize(out_dir / VECNORMALIZE_FILE) if vec_normalize is not None else None
    return SB3Run(SB3Policy(model, frozen, algo), out_dir, model.num_timesteps)


__all__ = ["ACTION_SPACES", "UnsupportedActionSpace", "SB3Run", "train_sb3", "check_action_space", "sb3_hyperparams",
           "latest_checkpoint"]
