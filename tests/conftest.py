"""Shared fixtures: small scenarios built in code, so tests do not depend on YAML files' contents."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest

from twin.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


def cli_args(add_parser: Callable[..., object], *argv: str) -> argparse.Namespace:
    """``argv`` (the sub-command first) parsed by a ``twin`` parser that has only the sub-command
    ``add_parser`` adds: its real options, without importing the whole CLI."""
    parser = argparse.ArgumentParser(prog="twin")
    add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(list(argv))


def small_scenario(**overrides) -> Scenario:
    """A 20-home, 2-feeder, 1-day winter world with every device kind present."""
    base = dict(
        name="small", seed=7, start="2025-01-13 00:00", duration="1d", resolution="1min",
        homes={"count": 20, "archetypes": {"detached": 1, "terraced": 1, "apartment": 1},
               "penetration": {"heat_pump": 0.8, "pv": 0.6, "battery": 0.5, "ev": 0.5, "appliances": 1.0}},
        grid={"feeders": 2, "transformer_rating_kva": 30},
    )
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return Scenario.model_validate(base)


@pytest.fixture
def scenario() -> Scenario:
    return small_scenario()
