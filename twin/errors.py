"""Exceptions named for what happened. The CLI turns each into one message and exit code 2.

Messages quote what the user gave, so they keep it short: :func:`shown` cuts a value to
:data:`SHOWN_CHARS` characters, and a :class:`ScenarioError` lists at most :data:`SHOWN_PROBLEMS`
problems, then says how many more there are.
"""

from __future__ import annotations

SHOWN_CHARS = 80
SHOWN_PROBLEMS = 5
# A message line past this is cut in its middle: a value that reached it unshortened must not flood
# the terminal, and the end of the line says what is allowed.
MAX_LINE_CHARS = 400


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """``repr(value)`` cut to about ``limit`` characters, saying how long the whole was.

    A long string is cut before it is quoted and a big container is summarised by its size, so
    that a huge value never costs its whole repr only to be thrown away.
    """
    if isinstance(value, (str, bytes)) and len(value) > limit:
        return f"{value[:limit]!r}… ({len(value):,} characters)"
    if isinstance(value, (list, tuple, dict, set)) and len(value) > limit // 4:
        return f"a {type(value).__name__} of {len(value):,} items"
    try:
        text = repr(value)
    except (RecursionError, ValueError):  # cyclic or very deep values; ints past repr's digit limit
        return f"a {type(value).__name__}"
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def cut_line(line: str, limit: int = MAX_LINE_CHARS) -> str:
    """``line`` with its middle replaced by an ellipsis when longer than ``limit`` characters."""
    if len(line) <= limit:
        return line
    head = limit * 2 // 3
    return f"{line[:head]} … {line[-(limit - head - 3):]}"


class TwinError(Exception):
    """Base class of the errors a user can cause and fix; never a bug in twin itself."""


class ScenarioError(TwinError):
    """A scenario file is missing, is not YAML, or breaks the schema.

    ``problems`` holds one ``(field_path, message)`` pair per problem; the message names the bad
    value and what is allowed. The text shows the first :data:`SHOWN_PROBLEMS` of them.
    """

    def __init__(self, path: str, problems: list[tuple[str, str]]):
        self.path = str(path)
        self.problems = problems
        lines = [cut_line(f"{self.path}: {field}: {msg}" if field else f"{self.path}: {msg}")
                 for field, msg in problems[:SHOWN_PROBLEMS]]
        if len(problems) > SHOWN_PROBLEMS:
            lines.append(f"{self.path}: and {len(problems) - SHOWN_PROBLEMS} more problems")
        super().__init__("\n".join(lines))


class ScenarioTooLarge(TwinError):
    """A scenario's world would need more memory than the machine has available."""


class OutputError(TwinError):
    """An output folder cannot be written without losing something already there."""


class OutputBusy(OutputError):
    """Another twin process is writing the same output folder."""


class GraphQueryError(TwinError):
    """A device-graph query names a node or kind that does not exist."""
