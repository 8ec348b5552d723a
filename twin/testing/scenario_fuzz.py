"""Scenario documents drawn from the schema, mutated the ways users and fuzzers break them.

:func:`scenario_document` walks the pydantic schema and draws a document of small worlds (a few
homes, a 2x2 grid, at most a couple of hours) so that the documents that validate also run in
a fraction of a second. :func:`mutate` then breaks one thing, of one :data:`MUTATIONS` kind:
types, ranges, huge numbers, nesting, aliases, unicode, garbage bytes, unknown or duplicate keys,
empty files, bad ``--set`` overrides. :func:`run_case` writes the result to a file and runs
``twin validate`` and ``twin run`` on it in this process, and reports how each ended.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import annotated_types
import numpy as np
import yaml
from pydantic import BaseModel

from twin.scenario.base import DurationRange, flat_metadata, numeric_bounds
from twin.scenario.schema import Scenario

T = TypeVar("T")

MUTATIONS = ("type", "range", "huge", "nesting", "alias", "unicode", "garbage", "unknown_key", "duplicate_key",
             "empty", "override")
# Size-driving fields get small values, so that whatever validates runs in well under a second.
CAPS = {"homes.count": 3, "grid.feeders": 2, "traffic.network.rows": 2, "traffic.network.cols": 2,
        "traffic.network.lanes": 2, "traffic.network.block_length_m": 300.0, "traffic.network.border_length_m": 300.0}
# Values likelier to make a valid document than a uniform draw from the field's range.
SAMPLES: dict[str, Sequence[Any]] = {
    "duration": ("15min", "1h", "2h"), "resolution": ("1min", "5min", "15min"),
    "grid.meter_interval": ("15min", "30min", "1h"),
    "start": ("2025-01-13 00:00", "2025-07-01 06:00", "2024-02-29 12:00"),
    "traffic.resolution": ("1s", "2s"), "traffic.detector_interval": ("1min", "2min"),
    "traffic.demand.batch": ("1min", "30s"),
    "traffic.signals.phases[]": ("NS", "EW", "NS:TR", "EW:TR", "NS:L", "EW:L", "NESW"),
    "traffic.demand.od[].origin": ("entry/int-0-0/W", "entry/int-0-1/N", "entry/int-9-9/W"),
    "traffic.demand.od[].destination": ("exit/int-1-1/E", "exit/int-1-0/S", "nowhere"),
    "weather.epw_path": ("missing.epw",),
}
UNICODE = ("名前", "🏠" * 40, "\u202eevil", "caf\u00e9", "a\x00b", "\t", "x" * 100_000, "ÿ" * 300,
           "😀\U0010ffff")
HUGE_DIGITS = (12, 20, 40, 400, 5000)


class Chooser(Protocol):
    """Where a generator's decisions come from (a seeded Generator, or hypothesis's ``data.draw``)."""

    def integer(self, lo: int, hi: int) -> int:
        """A whole number from ``lo`` to ``hi`` inclusive."""

    def real(self, lo: float, hi: float) -> float:
        """A finite number from ``lo`` to ``hi``."""

    def choice(self, options: Sequence[T]) -> T:
        """One of ``options``."""

    def chance(self, p: float) -> bool:
        """True with probability about ``p``."""


class RngChooser:
    """A :class:`Chooser` drawing from a seeded ``numpy.random.Generator``."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        """A whole number from ``lo`` to ``hi`` inclusive."""
        return int(self.rng.integers(lo, hi, endpoint=True))

    def real(self, lo: float, hi: float) -> float:
        """A finite number from ``lo`` to ``hi``."""
        return float(lo + (hi - lo) * self.rng.random())

    def choice(self, options: Sequence[T]) -> T:
        """One of ``options``."""
        return options[int(self.rng.integers(len(options)))]

    def chance(self, p: float) -> bool:
        """True with probability ``p``."""
        return bool(self.rng.random() < p)


@dataclass(frozen=True)
class Case:
    """One input to try: the scenario file's bytes and the ``--set`` overrides given with it."""

    kind: str
    text: bytes
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """How one command ended on a case."""

    command: str
    exit_code: int
    stderr: str
    leftovers: tuple[str, ...]   # entries of the work folder the command should not have left

    @property
    def traceback(self) -> bool:
        """Whether an error escaped as a traceback or an internal-error report."""
        return "Traceback" in self.stderr or "internal error" in self.stderr


# -- documents from the schema ---------------------------------------------------------------------
def scenario_document(c: Chooser, *, traffic: bool | None = None) -> dict[str, Any]:
    """A scenario document drawn from :class:`Scenario`'s fields (small worlds; see CAPS)."""
    doc = model_document(Scenario, "", c, p_field=0.3)
    with_traffic = c.chance(0.3) if traffic is None else traffic
    if with_traffic:
        doc["traffic"] = doc.get("traffic") or {}
        doc["duration"] = c.choice(("10min", "30min"))
    else:
        doc.pop("traffic", None)
    return doc


def model_document(model: type[BaseModel], path: str, c: Chooser, p_field: float = 0.4) -> dict[str, Any]:
    """A mapping for ``model``: required fields always, the others each with chance ``p_field``."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if info.is_required() or c.chance(p_field):
            out[name] = field_value(info.annotation, info.metadata, f"{path}.{name}" if path else name, c)
    return out


def field_value(annotation: Any, metadata: list[Any], path: str, c: Chooser) -> Any:
    """A value for a field of type ``annotation`` (with pydantic ``metadata``) at dotted ``path``."""
    if path in SAMPLES:
        return c.choice(SAMPLES[path])
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return field_value(args[0], flat_metadata(args[1:]) + list(metadata), path, c)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        return None if len(options) < len(args) and c.chance(0.2) else field_value(c.choice(options), metadata,
                                                                                      path, c)
    if origin is typing.Literal:
        return c.choice(args)
    if origin is tuple:
        longest = min(3, _max_length(metadata))
        return [field_value(args[0], [], f"{path}[]", c) for _ in range(c.integer(0, longest))]
    if origin is dict:
        keys = typing.get_args(args[0])
        chosen = [k for k in keys if c.chance(0.5)] or [c.choice(keys)]
        return {k: field_value(args[1], [], f"{path}.{k}", c) for k in chosen}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_document(annotation, path, c)
    if annotation is bool:
        return c.chance(0.5)
    if annotation in (int, float):
        return _number(annotation, metadata, path, c)
    if annotation is dt.datetime:
        return "2025-01-13 00:00"
    if annotation is str:
        if any(getattr(getattr(m, "func", None), "__name__", "") == "_clock_text" for m in metadata):
            return f"{c.integer(0, 23):02d}:{c.choice(('00', '15', '30', '45'))}"
        return c.choice(("x", "home", "a b", "test-1"))
    raise TypeError(f"{path}: no generator for {annotation!r}")


def _number(kind: type, metadata: list[Any], path: str, c: Chooser) -> int | float | str:
    lo, hi = numeric_bounds(metadata)
    lo = 0 if lo is None else lo
    hi = lo + 100 if hi is None else hi
    hi = min(hi, CAPS.get(path, hi))
    if any(isinstance(getattr(m, "func", None), DurationRange) for m in metadata):
        return f"{c.integer(int(lo), int(min(hi, 7200)))}s"
    if kind is int:
        return c.integer(int(lo), int(min(hi, lo + 1000)))
    return round(c.real(float(lo), float(min(hi, lo + 1000))), 3)


def _max_length(metadata: Sequence[Any]) -> int:
    for m in flat_metadata(metadata):
        if isinstance(m, annotated_types.MaxLen):
            return m.max_length
    return 3


# -- mutations -------------------------------------------------------------------------------------
def mutate(doc: dict[str, Any], c: Chooser, kind: str | None = None) -> Case:
    """Break ``doc`` in one way of the given (or a drawn) kind; the document itself is not changed."""
    kind = kind or c.choice(MUTATIONS)
    doc = yaml.safe_load(yaml.safe_dump(doc))  # a private copy
    paths = list(_paths(doc))
    path = c.choice(paths) if paths else ()
    if kind == "type":
        _set(doc, path, c.choice((True, None, [1, 2], {"a": 1}, "text", 3.5, -7, "2025-01-01", [])))
    elif kind == "range":
        value = _get(doc, path)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            _set(doc, path, c.choice((-1, -value - 1, value * 1000 + 1, 0, float("nan"), float("inf"))))
        else:
            _set(doc, path, c.choice(("0s", "-5min", "0.5s", -1, 10**7)))
    elif kind == "huge":  # written as text: Python will not print an int of more than 4,300 digits
        digits = c.choice(HUGE_DIGITS)
        huge = c.choice(("9" * digits, "-" + "9" * digits, "1.0e+308", "9" * digits + c.choice(("s", "min", "d"))))
        return Case(kind, _with_text(doc, path, huge))
    elif kind == "unicode":
        text = c.choice(UNICODE)
        if path and c.chance(0.5):
            _rename(doc, path, text)
        else:
            _set(doc, path, text)
    elif kind == "unknown_key":
        target = _get(doc, path[:-1]) if path else doc
        if isinstance(target, dict):
            target[c.choice(("colour", "homes", "Name", "1", "traffic.network"))] = c.choice((1, "x", {"y": 2}))
        else:
            doc["colour"] = "blue"
    elif kind == "override":
        return Case(kind, _dump(doc), (_override(paths, c),))
    elif kind in ("nesting", "alias"):
        return Case(kind, _with_text(doc, path, *_deep_value(kind, c)))
    elif kind == "empty":
        return Case(kind, c.choice((b"", b"~\n", b"[]\n", b"- a\n- b\n", b"name\n", b"# only a comment\n")))
    text = _dump(doc)
    if kind == "duplicate_key":
        first = text.split(b"\n", 1)[0]
        text = text + first + b"\n"
    elif kind == "garbage":
        text = _garbage(text, c)
    return Case(kind, text)


def _paths(node: Any, prefix: tuple = ()) -> typing.Iterator[tuple]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


def _get(doc: Any, path: tuple) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _set(doc: dict[str, Any], path: tuple, value: Any) -> None:
    if not path:
        doc["name"] = value
        return
    _get(doc, path[:-1])[path[-1]] = value


def _rename(doc: dict[str, Any], path: tuple, key: str) -> None:
    parent = _get(doc, path[:-1])
    if isinstance(parent, dict):
        parent[key] = parent.pop(path[-1])


def _dump(doc: Any) -> bytes:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode("utf-8", "surrogatepass")


def _with_text(doc: dict[str, Any], path: tuple, value: str, prefix: str = "") -> bytes:
    """The document as YAML with the node at ``path`` written as ``value``, after ``prefix`` lines."""
    marker = "VALUE_WRITTEN_AS_TEXT"
    _set(doc, path, marker)
    text = _dump(doc).decode("utf-8", "surrogatepass")
    return (prefix + text.replace(marker, value, 1)).encode("utf-8", "surrogatepass")


def _deep_value(kind: str, c: Chooser) -> tuple[str, str]:
    """(value, prefix) of deep nesting, or of an alias to nested anchors that expand 9-fold per level."""
    if kind == "nesting":
        depth = c.choice((5, 40, 60, 300, 2000))
        return ("[" * depth + "1" + "]" * depth if c.chance(0.5) else "{a: " * depth + "1" + "}" * depth), ""
    levels = c.integer(1, 12)
    prefix = "lol0: &l0 [a, a, a, a, a, a, a, a, a]\n" + "".join(
        f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, levels + 1))
    return f"*l{levels}", prefix


def _garbage(text: bytes, c: Chooser) -> bytes:
    how = c.choice(("insert", "truncate", "replace", "binary"))
    junk = bytes(c.integer(0, 255) for _ in range(c.integer(1, 40)))
    at = c.integer(0, len(text))
    if how == "insert":
        return text[:at] + junk + text[at:]
    if how == "truncate":
        return text[:at]
    if how == "replace":
        return text[:at] + junk + text[at + len(junk):]
    return junk * c.integer(1, 50)


def _override(paths: list[tuple], c: Chooser) -> str:
    dotted = ".".join(str(p) for p in c.choice(paths)) if paths and c.chance(0.7) else c.choice(
        ("duration", "homes.count", "traffic.demand.entry_vph", "a..b", "", "seed"))
    value = c.choice(("1" + "0" * c.choice(HUGE_DIGITS), "[" * 500 + "]" * 500, "-1", "{a: [1, 2", "🏠",
                      "x" * 100_000, "'9999999999999999999999s'", "&a [*a]", "1e999", ".nan"))
    return f"{dotted}={value}" if c.chance(0.9) else dotted


# -- running a case --------------------------------------------------------------------------------
def run_case(case: Case, workdir: Path, *, commands: Sequence[str] = ("validate", "run")) -> list[Outcome]:
    """Write ``case`` to ``workdir/scenario.yaml`` and run each of ``commands`` on it with twin's CLI.

    ``run`` writes into ``workdir/out``; anything else the commands leave in ``workdir`` (or an
    ``out`` folder after a failed run) is reported as leftovers. ``workdir`` must be empty.
    """
    from twin.cli import main

    path = workdir / "scenario.yaml"
    path.write_bytes(case.text)
    sets = [arg for item in case.overrides for arg in ("--set", item)]
    outcomes = []
    for command in commands:
        argv = [command, str(path), *sets] + (["--out", str(workdir / "out"), "--quiet"] if command == "run" else [])
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code if isinstance(exc.code, int) else 2
        allowed = {"scenario.yaml"} | ({"out"} if command == "run" and code == 0 else set())
        leftovers = tuple(sorted(p.name for p in workdir.iterdir() if p.name not in allowed))
        outcomes.append(Outcome(command, code, err.getvalue(), leftovers))
    return outcomes
