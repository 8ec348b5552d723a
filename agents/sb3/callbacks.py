"""SB3 callbacks: cleanRL-style progress and episode tags through ``agents.runlog.RunLog``, and a
periodic evaluation against baseline policies that logs ``eval/<kpi>`` to TensorBoard."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import gymnasium as gym
from stable_baselines3.common.callbacks import BaseCallback

from agents.evaluate import evaluate, summarize
from agents.policy import Policy
from agents.runlog import RunLog
from agents.sb3.policy import SB3Policy


class RunLogCallback(BaseCallback):
    """Feeds a RunLog: steps (summed over envs), every finished episode from the ``Monitor``
    infos (``charts/episodic_return``, ``charts/episodic_length``) and ``charts/SPS`` per rollout."""

    def __init__(self, log: RunLog):
        super().__init__()
        self.log = log

    def _on_step(self) -> bool:
        self.log.advance(self.training_env.num_envs)
        for info in self.locals.get("infos", ()):
            episode = info.get("episode")
            if episode is not None:
                self.log.episode(float(episode["r"]), int(episode["l"]))
        return True

    def _on_rollout_end(self) -> None:
        self.log.scalar("charts/SPS", self.log.sps())

    def _on_training_end(self) -> None:
        self.log.close()


class KpiEvalCallback(BaseCallback):
    """Every ``every_steps`` steps and at the end of training, plays ``episodes`` episodes of
    ``make_env`` with the model (deterministic, current observation statistics) and logs its mean
    return and KPIs as ``eval/<kpi>``; each baseline (evaluated once, on the same seeds) as
    ``eval/<baseline>/<kpi>``. Each evaluation is also appended to ``jsonl_path`` as
    ``{"step": ..., "results": {policy: {"return": ..., kpi: ...}}}``."""

    def __init__(self, make_env: Callable[[], gym.Env], baselines: Sequence[Policy], every_steps: int,
                 episodes: int, seed: int, jsonl_path: Path, name: str):
        super().__init__()
        if every_steps < 1 or episodes < 1:
            raise ValueError(f"eval_every={every_steps} and eval_episodes={episodes} must both be >= 1")
        clash = [b.name for b in baselines if b.name == name]
        if clash or len({b.name for b in baselines}) != len(baselines):
            raise ValueError(f"baseline names must be distinct and differ from the model's ({name!r}); "
                             f"got {[b.name for b in baselines]}")
        self.make_env, self.baselines = make_env, list(baselines)
        self.every_steps, self.episodes, self.seed = every_steps, episodes, seed
        self.jsonl_path, self.name = jsonl_path, name
        self.baseline_table: dict[str, dict[str, float]] = {}
        self._last_step = 0

    def _on_training_start(self) -> None:
        self._last_step = self.num_timesteps
        if self.baselines and not self.baseline_table:
            self.baseline_table = summarize(evaluate(self.make_env, self.baselines, self.episodes, self.seed))

    def _on_step(self) -> bool:
        if self.num_timesteps - self._last_step >= self.every_steps:
            self._evaluate()
        return True

    def _on_training_end(self) -> None:
        if self._last_step != self.num_timesteps:
            self._evaluate()

    def _evaluate(self) -> None:
        self._last_step = self.num_timesteps
        policy = SB3Policy(self.model, self.model.get_vec_normalize_env(), self.name)
        results = {**summarize(evaluate(self.make_env, [policy], self.episodes, self.seed)), **self.baseline_table}
        for policy_name, row in results.items():
            prefix = "eval/" if policy_name == self.name else f"eval/{policy_name}/"
            for key, value in row.items():
                if key != "episodes":
                    self.logger.record(prefix + key, value)
        self.logger.dump(self.num_timesteps)
        with open(self.jsonl_path, "a") as file:
            file.write(json.dumps({"step": self.num_timesteps, "results": results}) + "\n")


__all__ = ["RunLogCallback", "KpiEvalCallback"]
