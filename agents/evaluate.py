"""Run policies for whole episodes and gather their returns and KPIs.

KPIs come from the environment's final ``info["kpis"]`` (the foundation KPI code, as ``twin run``
writes), so a policy is judged by the same numbers a simulation run reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

from agents.policy import Policy


@dataclass(frozen=True)
class EpisodeResult:
    """One evaluated episode: ``episode_return`` (sum of rewards), ``steps`` and the final KPIs."""

    policy: str
    seed: int
    episode_return: float
    steps: int
    kpis: dict[str, float | None] = field(default_factory=dict)


def run_episode(env: gym.Env, policy: Policy, seed: int) -> EpisodeResult:
    """Play one episode of ``env`` from ``reset(seed=seed)`` with ``policy``; the env is left open."""
    obs, _ = env.reset(seed=seed)
    policy.reset(seed)
    total, steps, info = 0.0, 0, {}
    done = False
    while not done:
        obs, reward, terminated, truncated, info = env.step(policy.act(obs))
        total += float(reward)
        steps += 1
        done = terminated or truncated
    return EpisodeResult(policy.name, seed, total, steps, dict(info.get("kpis") or {}))


def evaluate(make_env: Callable[[], gym.Env], policies: list[Policy], episodes: int, seed: int = 0
             ) -> list[EpisodeResult]:
    """Each policy for ``episodes`` episodes seeded ``seed, seed+1, ...`` (the same worlds for every
    policy, so differences come from the policy alone)."""
    if episodes < 1:
        raise ValueError(f"episodes: got {episodes}; must be at least 1")
    results = []
    for policy in policies:
        env = make_env()
        try:
            results.extend(run_episode(env, policy, seed + i) for i in range(episodes))
        finally:
            env.close()
    return results


def summarize(results: list[EpisodeResult]) -> dict[str, dict[str, float]]:
    """Mean return and mean of every KPI per policy: ``{policy: {"return": ..., kpi: ...}}``.
    KPIs that are None in any episode are left out."""
    table: dict[str, dict[str, float]] = {}
    for name in dict.fromkeys(r.policy for r in results):
        rows = [r for r in results if r.policy == name]
        row = {"return": float(np.mean([r.episode_return for r in rows])), "episodes": float(len(rows))}
        for key in rows[0].kpis:
            values = [r.kpis.get(key) for r in rows]
            if all(v is not None for v in values):
                row[key] = float(np.mean(values))
        table[name] = row
    return table


def kpi_table_markdown(table: dict[str, dict[str, float]], columns: list[str] | None = None) -> str:
    """``summarize`` output as a Markdown table, one row per policy."""
    if not table:
        return "(no results)"
    cols = columns or list(dict.fromkeys(k for row in table.values() for k in row))
    lines = ["| policy | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    for name, row in table.items():
        cells = [f"{row[c]:.4g}" if c in row else "" for c in cols]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


__all__ = ["EpisodeResult", "run_episode", "evaluate", "summarize", "kpi_table_markdown"]
