"""Learning on twin's own tasks, not only on toy identity envs: trained agents beat the rule they
are meant to beat, over several seeds, with the benchmark suite's confidence intervals."""

from __future__ import annotations

import functools

import gymnasium as gym

import envs  # noqa: F401  (registers the twin/ ids)
from agents.a2c import A2C, Config, vector_env_factory
from agents.baselines import FixedTimePolicy
from agents.bench.stats import estimate
from agents.evaluate import evaluate, summarize

SINGLE = "scenarios/single_intersection.yaml"


def test_our_a2c_beats_fixed_time_delay_on_the_single_intersection_over_three_seeds():
    make = functools.partial(gym.make, "twin/TrafficGrid-v0", scenario=SINGLE)
    learned, fixed = [], []
    for seed in (0, 1, 2):
        agent = A2C(Config(total_steps=80_000, num_envs=8, seed=seed),
                    vector_env_factory("twin/TrafficGrid-v0", scenario=SINGLE))
        agent.learn()
        probe = make()
        # Each seed meets evaluation episodes of its own, never seen in training.
        table = summarize(evaluate(make, [agent.policy(), FixedTimePolicy.from_env(probe)], episodes=2,
                                   seed=100 + 10 * seed))
        probe.close()
        learned.append(table["a2c"]["mean_delay_all_s"])
        fixed.append(table["fixed_time"]["mean_delay_all_s"])
    a2c, rule = estimate(learned), estimate(fixed)
    # The 95% intervals over seeds do not overlap, and the mean delay is at least 20% lower.
    assert a2c.high < rule.low and a2c.mean < 0.8 * rule.mean, (learned, fixed)
