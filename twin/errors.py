"""Exceptions named for what happened. The CLI turns each into one message and exit code 2."""

from __future__ import annotations


class TwinError(Exception):
    """Base class of the errors a user can cause and fix; never a bug in twin itself."""


class ScenarioError(TwinError):
    """A scenario file is missing, is not YAML, or breaks the schema.

    ``problems`` holds one ``(field_path, message)`` pair per problem; the message names the bad
    value and what is allowed.
    """

    def __init__(self, path: str, problems: list[tuple[str, str]]):
        self.path = str(path)
        self.problems = problems
        lines = [f"{self.path}: {field}: {msg}" if field else f"{self.path}: {msg}" for field, msg in problems]
        super().__init__("\n".join(lines))


class OutputError(TwinError):
    """An output folder cannot be written without losing something already there."""


class GraphQueryError(TwinError):
    """A device-graph query names a node or kind that does not exist."""
