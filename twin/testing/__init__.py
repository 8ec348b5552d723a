"""Tools for testing what reads scenarios: generated and mutated scenario documents, run through the CLI.

Nothing here imports a test framework: :mod:`twin.testing.scenario_fuzz` draws through a small
:class:`~twin.testing.scenario_fuzz.Chooser` protocol, which a seeded ``numpy`` Generator
(``benchmarks/fuzz_scenarios.py``) or hypothesis's ``data.draw`` (``tests/test_scenario_fuzz.py``)
provides.
"""
