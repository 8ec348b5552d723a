"""Property: a scenario document drawn from the schema, then broken any way, never ends in a traceback.

Hypothesis draws the document (twin.testing.scenario_fuzz walks the schema; small worlds) and
one mutation of it: types, ranges, huge numbers, nesting, aliases, unicode, garbage bytes, keys,
empty files, ``--set`` overrides. ``twin validate`` and ``twin run`` then run on it through the
CLI's ``main`` in this process: each must exit 0 or 2 without a traceback, leave nothing but its
results behind, and finish before an alarm that marks a hang. The seeded benchmark
``benchmarks/fuzz_scenarios.py`` runs the same generator thousands of times.
"""

from __future__ import annotations

import signal
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from twin.testing.scenario_fuzz import MUTATIONS, Case, _dump, mutate, run_case, scenario_document

HANG_S = 60  # far above the slowest example (a few seconds); only a hang reaches it


class Hang(BaseException):
    """An example ran past HANG_S (a BaseException, so the CLI's catch-all cannot swallow it)."""


class DataChooser:
    """The Chooser protocol on hypothesis's ``data.draw``, so that failures shrink to small cases."""

    def __init__(self, data):
        self.data = data

    def integer(self, lo, hi):
        return self.data.draw(st.integers(lo, hi))

    def real(self, lo, hi):
        return self.data.draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False))

    def choice(self, options):
        return self.data.draw(st.sampled_from(list(options)))

    def chance(self, p):
        return self.data.draw(st.integers(0, 99)) < round(100 * p)


@pytest.fixture
def alarm():
    def ring(signum, frame):
        raise Hang(f"an example took over {HANG_S} s")

    previous = signal.signal(signal.SIGALRM, ring)
    yield lambda: signal.alarm(HANG_S)
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def check(case: Case, commands: tuple[str, ...], arm) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        arm()
        try:
            outcomes = run_case(case, Path(tmp), commands=commands)
        finally:
            signal.alarm(0)
    for o in outcomes:
        assert o.exit_code in (0, 2), (case.kind, o.command, o.exit_code, o.stderr[-2000:])
        assert not o.traceback, (case.kind, o.command, o.stderr[-2000:])
        assert not o.leftovers, (case.kind, o.command, o.leftovers)
        if o.exit_code == 2:
            assert o.stderr.startswith("twin: error: ") and len(o.stderr.splitlines()) <= 6, o.stderr


# No shrinking: on a failure it can take many minutes; the drawn case is printed as it was found.
SETTINGS = dict(deadline=None, derandomize=True, database=None, phases=(Phase.explicit, Phase.generate),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])


@settings(max_examples=300, **SETTINGS)
@given(data=st.data())
def test_validate_ends_in_0_or_2_on_any_mutated_document(data, alarm):
    c = DataChooser(data)
    case = mutate(scenario_document(c), c, kind=c.choice(MUTATIONS))
    check(case, ("validate",), alarm)


@settings(max_examples=40, **SETTINGS)
@given(data=st.data())
def test_run_ends_in_0_or_2_and_leaves_only_its_results(data, alarm):
    c = DataChooser(data)
    doc = scenario_document(c)
    case = mutate(doc, c) if c.chance(0.5) else Case("none", _dump(doc))
    check(case, ("validate", "run"), alarm)
