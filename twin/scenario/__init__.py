"""Scenario files: the YAML schema and its loader."""

from twin.scenario.loader import load_scenario
from twin.scenario.schema import Scenario

__all__ = ["Scenario", "load_scenario"]
