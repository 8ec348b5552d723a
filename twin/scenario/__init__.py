"""Scenario files: the YAML schema and its loader."""

from twin.scenario.loader import command_line_overrides, load_scenario
from twin.scenario.schema import Scenario

__all__ = ["Scenario", "load_scenario", "command_line_overrides"]
