"""``twin bench``: compare every baseline and learner on named suites of tasks over seeds.

- :mod:`agents.bench.suite`: the suites (``standard``, ``tiny``) as frozen dataclasses;
- :mod:`agents.bench.jobs`: one job = train (learners) + evaluate, its result record on disk;
- :mod:`agents.bench.backends`: run jobs in a local process pool or on a Ray cluster;
- :mod:`agents.bench.stats`: means, Student-t 95% intervals and scores normalized to a baseline;
- :mod:`agents.bench.ranking`: the leaderboard's order (primary KPI, tie-breaker) and flags (bounds
  relative to the reference baseline);
- :mod:`agents.bench.report`: results.csv, leaderboard.md, leaderboard.json and manifest.json;
  :mod:`agents.bench.plots`;
- :mod:`agents.bench.command`: the ``twin bench`` sub-command.

See docs/benchmarks.md.
"""
