"""Statistics of the benchmark table: mean and 95% interval over seeds, and scores normalized to a baseline.

A job's value of a KPI is its mean over the job's evaluation episodes; an agent's entry is the
mean over seeds of those values, with the Student-t 95% confidence interval of that mean,
``mean +- t(0.975, n - 1) * sd / sqrt(n)`` (``sd`` with ``n - 1`` in the denominator). With one
seed there is no interval (shown as ``n=1``).

The t quantile comes from a table for 1..30 degrees of freedom (the classic values, to 9 digits)
and, beyond 30, the Cornish-Fisher expansion of the t quantile in powers of 1/df around the
normal quantile (Abramowitz & Stegun 26.7.5), within 1e-7 of the exact value there; scipy is not a
dependency.

Score: the agent's mean divided by the reference baseline's mean (1.0 = the baseline, below 1 is
better), for KPIs where lower is better and the reference mean is above 0; its interval is the
agent's interval divided by the same reference mean (the reference's own spread is not carried).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from twin.kpis import HIGHER, KPI_DIRECTION, LOWER, NEITHER

Z975 = 1.959963984540054  # standard normal 0.975 quantile
# Student-t 0.975 quantiles for df = 1..30.
T975_TABLE = (12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836, 2.446911851, 2.364624252,
              2.306004135, 2.262157163, 2.228138852, 2.200985160, 2.178812830, 2.160368656, 2.144786688,
              2.131449546, 2.119905299, 2.109815578, 2.100922040, 2.093024054, 2.085963447, 2.079613845,
              2.073873068, 2.068657610, 2.063898562, 2.059538553, 2.055529439, 2.051830516, 2.048407142,
              2.045229642, 2.042272456)

# Which way is better per KPI: twin's KPIs know their own; an episode's return is higher-better.
DIRECTION = KPI_DIRECTION | {"return": HIGHER}


def direction(kpi: str) -> str:
    """``lower``, ``higher`` or ``neither`` (better); unknown KPIs are ``neither`` and get no score."""
    return DIRECTION.get(kpi, NEITHER)


def t_quantile_975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom (df >= 1)."""
    if isinstance(df, bool) or not isinstance(df, int) or df < 1:
        raise ValueError(f"df: got {df!r}; must be a whole number of at least 1")
    if df <= len(T975_TABLE):
        return T975_TABLE[df - 1]
    z = Z975
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


@dataclass(frozen=True)
class Estimate:
    """Mean over ``n`` seeds, the sample standard deviation and the 95% half-width (None when n = 1)."""

    n: int
    mean: float
    sd: float | None
    ci95: float | None

    @property
    def low(self) -> float | None:
        """Lower end of the 95% interval, or None."""
        return None if self.ci95 is None else self.mean - self.ci95

    @property
    def high(self) -> float | None:
        """Upper end of the 95% interval, or None."""
        return None if self.ci95 is None else self.mean + self.ci95


def estimate(values: list[float]) -> Estimate:
    """Mean and Student-t 95% interval of ``values`` (one per seed); ValueError for no values."""
    n = len(values)
    if n == 0:
        raise ValueError("estimate: no values")
    mean = math.fsum(values) / n
    if n == 1:
        return Estimate(1, mean, None, None)
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    return Estimate(n, mean, sd, t_quantile_975(n - 1) * sd / math.sqrt(n))


@dataclass(frozen=True)
class Score:
    """An agent's mean relative to the reference baseline's mean, and its 95% half-width (or None)."""

    value: float
    ci95: float | None


def normalized_score(kpi: str, agent: Estimate, reference: Estimate | None) -> Score | None:
    """``agent.mean / reference.mean`` for a lower-is-better KPI with a reference mean above 0, else None."""
    if reference is None or direction(kpi) != LOWER or not reference.mean > 0:
        return None
    ci = None if agent.ci95 is None else agent.ci95 / reference.mean
    return Score(agent.mean / reference.mean, ci)


__all__ = ["Estimate", "Score", "estimate", "normalized_score", "t_quantile_975", "direction", "DIRECTION",
           "LOWER", "HIGHER", "NEITHER"]
