"""``twin init``: a scenario file with every field at its default, each described in a comment.

The text is drawn from :class:`Scenario` itself (defaults, descriptions, ranges, choices), so the
template cannot drift from the schema: loading it gives exactly ``Scenario(name=...)``.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import types
import typing
from pathlib import Path
from typing import Any

import annotated_types
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from twin.errors import OutputError

from twin.scenario.base import DurationRange, flat_metadata, numeric_bounds
from twin.scenario.schema import Scenario
from twin.scenario.traffic_schema import Traffic
from twin.units import format_duration

INDENT = "  "


def scenario_template(name: str, *, traffic: bool = False) -> str:
    """The YAML text of a scenario called ``name`` with every field at its default.

    The traffic section is written out but commented, unless ``traffic``; uncommenting it adds the
    default street grid.
    """
    lines = [f"# A twin scenario: every field at its default. Check it with  twin validate FILE;",
             "# ranges are in each field's comment, durations take units (90s, 15min, 1h, 7d).", ""]
    for field, info in Scenario.model_fields.items():
        if field == "traffic":
            continue
        value = name if field == "name" else info.default
        lines += _field_lines(field, info, value, 0)
    lines.append("")
    block = _model_lines(Traffic(), 1)
    comment = f"# {Scenario.model_fields['traffic'].description}"
    if traffic:
        lines += [comment, "traffic:", *block]
    else:
        lines += [comment + " (uncomment to add a street grid)", "# traffic:", *(f"# {line}" for line in block)]
    return "\n".join(lines) + "\n"


def write_template(path: Path, *, traffic: bool = False, force: bool = False) -> Scenario:
    """Write :func:`scenario_template` named after the file's stem to ``path``; return what it loads to.

    OutputError if ``path`` exists (unless ``force``) or its folder does not; the file appears whole
    or not at all.
    """
    from twin.scenario.loader import validate_scenario
    from twin.scenario.yaml_guard import parse_yaml

    path = Path(path)
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise OutputError(f"{path}: a scenario file ends in .yaml or .yml")
    if path.exists() and not force:
        raise OutputError(f"{path}: exists; choose another name, or --force to replace it")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder")
    if not path.parent.is_dir():
        raise OutputError(f"{path}: the folder {path.parent} does not exist")
    text = scenario_template(path.stem, traffic=traffic)
    scenario = validate_scenario(parse_yaml(text), path)  # the template must load, or nothing is written
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return scenario


def _field_lines(field: str, info: FieldInfo, value: Any, depth: int) -> list[str]:
    pad = INDENT * depth
    about = _about(info)
    lines = [f"{pad}# {about}"] if about else []
    if isinstance(value, BaseModel):
        return lines + [f"{pad}{field}:", *_model_lines(value, depth + 1)]
    return lines + [f"{pad}{field}: {_scalar(value, info)}"]


def _model_lines(model: BaseModel, depth: int) -> list[str]:
    lines: list[str] = []
    for field, info in type(model).model_fields.items():
        lines += _field_lines(field, info, getattr(model, field), depth)
    return lines


def _about(info: FieldInfo) -> str:
    """The field's description, with its range and choices as the schema states them."""
    parts = [info.description] if info.description else []
    annotation = info.annotation
    choices = _literal_choices(annotation)
    if choices:
        parts.append("one of " + ", ".join(map(str, choices)))
    if _is_duration(info):
        lo, hi = numeric_bounds(info.metadata)
        parts.append(f"from {format_duration(int(lo))} to {format_duration(int(hi))}")
    else:
        bounds = _bounds_text(flat_metadata(info.metadata))
        if bounds:
            parts.append(bounds)
    return "; ".join(parts)


def _bounds_text(metadata: list[Any]) -> str:
    """``from 0 to 1``, ``above 0, up to 720``, ``from 1``... from annotated-types bounds; "" if none."""
    low = high = ""
    for m in metadata:
        if isinstance(m, annotated_types.Ge):
            low = f"from {_number(m.ge)}"
        elif isinstance(m, annotated_types.Gt):
            low = f"above {_number(m.gt)}"
        elif isinstance(m, annotated_types.Le):
            high = f"up to {_number(m.le)}"
        elif isinstance(m, annotated_types.Lt):
            high = f"below {_number(m.lt)}"
    if low.startswith("from") and high.startswith("up to"):
        return f"{low} to {high.removeprefix('up to ')}"
    return ", ".join(t for t in (low, high) if t)


def _literal_choices(annotation: Any) -> tuple[Any, ...]:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return args
    if origin in (typing.Union, types.UnionType, tuple):
        for arg in args:
            found = _literal_choices(arg)
            if found:
                return found
    return ()


def _is_duration(info: FieldInfo) -> bool:
    return any(isinstance(getattr(m, "func", None), DurationRange) for m in flat_metadata(info.metadata))


def _number(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else f"{x:,}".replace(",", "_")


def _scalar(value: Any, info: FieldInfo) -> str:
    if _is_duration(info):
        return format_duration(int(value))
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, tuple) and value and isinstance(value[0], BaseModel):
        value = [v.model_dump(mode="json") for v in value]
    elif isinstance(value, tuple):
        value = list(value)
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10**6, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...").strip()
