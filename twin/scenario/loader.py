"""Read a YAML scenario, apply command-line overrides, validate it, and explain what is wrong.

Every failure (missing file, not YAML, unknown key, wrong type, out-of-range value) becomes one
:class:`~twin.errors.ScenarioError` naming the file, the field path, the bad value and what is
allowed. Nothing runs before the whole file has validated.
"""

from __future__ import annotations

import copy
import math
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from twin.errors import ScenarioError
from twin.scenario.base import FieldProblem
from twin.scenario.schema import Scenario


def command_line_overrides(overrides: list[str], seed: int | None = None, days: float | None = None) -> list[str]:
    """``--set`` overrides plus the ``--seed`` and ``--days`` shortcuts of the commands, as override strings.

    TwinError if ``days`` is not a positive number of days.
    """
    from twin.errors import TwinError

    out = list(overrides)
    if seed is not None:
        out.append(f"seed={seed}")
    if days is not None:
        if not math.isfinite(days) or days <= 0:
            raise TwinError(f"--days: got {days:g}; must be a number of days above 0, e.g. 7 or 0.5")
        out.append(f"duration={round(days * 86400)}s")
    return out


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Load and validate the scenario at ``path``.

    ``overrides`` are ``"dotted.field=value"`` strings (values parsed as YAML), applied before
    validation so that they are checked like the file itself. Relative EPW paths are resolved
    against the scenario file's folder.
    """
    path = Path(path)
    raw = read_yaml_mapping(path)
    for item in overrides or []:
        apply_override(raw, item, path)
    scenario = validate_scenario(raw, path)
    _check_routes(scenario, path)
    return _resolve_paths(scenario, path)


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """Parse ``path`` as YAML whose top level is a mapping; raise ScenarioError otherwise."""
    if not path.exists():
        raise ScenarioError(str(path), [("", "file not found")])
    if path.is_dir():
        raise ScenarioError(str(path), [("", "is a folder; expected a YAML scenario file")])
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except UnicodeDecodeError:
        raise ScenarioError(str(path), [("", "is not a text file; expected a YAML scenario")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(str(path), [("", f"is not valid YAML{where}: {problem}")]) from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise ScenarioError(str(path), [("", f"is {kind}; expected a mapping of scenario fields (name, seed, homes, ...)")])
    return data


def apply_override(raw: dict[str, Any], item: str, path: Path) -> None:
    """Set ``raw[a][b] = value`` for an override ``"a.b=value"``, creating mappings on the way."""
    if "=" not in item:
        raise ScenarioError(str(path), [("--set", f"got {item!r}; expected FIELD=VALUE, e.g. homes.count=50")])
    dotted, text = item.split("=", 1)
    keys = dotted.strip().split(".")
    if not all(keys):
        raise ScenarioError(str(path), [("--set", f"got {item!r}; expected a dotted field path like grid.feeders")])
    try:
        value = yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        value = text
    node = raw
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[keys[-1]] = value


def validate_scenario(raw: dict[str, Any], path: Path) -> Scenario:
    """Validate a parsed mapping against :class:`Scenario`, translating pydantic's errors."""
    try:
        return Scenario.model_validate(copy.deepcopy(raw))
    except ValidationError as exc:
        problems = [_describe(err) for err in exc.errors()]
        raise ScenarioError(str(path), problems) from None


def _describe(err: dict[str, Any]) -> tuple[str, str]:
    loc = tuple(err["loc"])
    field = _dotted(loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = ", ".join(_allowed_keys(loc[:-1]))
        return field, f"unknown key (got {loc[-1]!r}); allowed keys here: {allowed}"
    if kind == "missing":
        return field, "required field is missing"
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, FieldProblem):
        return _dotted(loc + (tuple(cause.field.split(".")) if cause.field else ())), str(cause)
    message = err["msg"].removeprefix("Value error, ")
    return field, f"got {err['input']!r}; {message[0].lower()}{message[1:]}"


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker for "the key itself was bad"
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model found by walking ``loc`` down from Scenario."""
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            args = typing.get_args(model)
            model = args[0] if args else model
            continue
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            return []
        model = fields[part].annotation
        model = _unwrap(model)
    return sorted(getattr(model, "model_fields", {}))


def _unwrap(annotation: Any) -> Any:
    """From ``X | None`` or ``tuple[X, ...]`` get to the model X where there is one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return annotation


def _resolve_paths(scenario: Scenario, path: Path) -> Scenario:
    weather = scenario.weather
    if weather.source != "epw" or weather.epw_path is None:
        return scenario
    epw = Path(weather.epw_path)
    if not epw.is_absolute():
        epw = (path.parent / epw).resolve()
    if not epw.is_file():
        raise ScenarioError(str(path), [("weather.epw_path", f"got {weather.epw_path!r}; no such EPW file ({epw})")])
    return scenario.model_copy(update={"weather": weather.model_copy(update={"epw_path": str(epw)})})


def _check_routes(scenario: Scenario, path: Path) -> None:
    """Every OD flow must have a route (there are no U-turns, so on a one-row grid some do not)."""
    if scenario.traffic is None or not scenario.traffic.demand.od:
        return
    from twin.traffic.demand import NoRoute, make_demand
    from twin.traffic.network import grid_network

    try:
        make_demand(scenario.traffic.demand, grid_network(scenario.traffic))
    except NoRoute as exc:
        raise ScenarioError(str(path), [(f"traffic.demand.od[{exc.index}]", str(exc))]) from None
