"""pydantic's validation errors of a CityLearn schema as ``(key_path, message)`` pairs.

The key path is dotted from the top of ``schema.json``, e.g.
``buildings.Building_3.pv.attributes.nominal_pwer``; the message says what was given and what
is allowed (for an unknown key: the keys allowed at that place).
"""

from __future__ import annotations

import types
import typing
from typing import Any, NoReturn

from pydantic import BaseModel, ValidationError

from twin.citylearn.device_schema import DEVICE_TYPES
from twin.errors import ScenarioError, shown

_RANGE_ERRORS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}


def describe_errors(exc: ValidationError, root: type[BaseModel]) -> list[tuple[str, str]]:
    """One ``(key_path, message)`` per error of ``exc``, raised validating ``root``."""
    return [_describe(err, root) for err in exc.errors()]


def _describe(err: Any, root: type[BaseModel]) -> tuple[str, str]:
    loc = tuple(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx") or {}
    field = dotted(loc)
    if kind == "extra_forbidden":
        model = model_at(root, loc[:-1])
        allowed = ", ".join(model.model_fields) if model is not None else "see CityLearn's schema"
        return field, f"unknown key (got {shown(loc[-1])}); allowed keys here: {allowed}"
    if kind == "missing":
        return field, "required key is missing"
    if kind == "union_tag_invalid":
        return f"{field}.type", f"got {shown(ctx.get('tag'))}; allowed types here: {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return f"{field}.type", "required key is missing (the CityLearn class of this device)"
    if kind == "literal_error":
        return field, f"got {shown(err['input'])}; allowed: {ctx.get('expected')}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return field, f"got {shown(err['input'])}; expected an object of keys and values"
    if kind in _RANGE_ERRORS:
        op, bound = _RANGE_ERRORS[kind], next(iter(ctx.values()), "?")
        bound = f"{bound:g}" if isinstance(bound, (int, float)) else bound
        unit = _description(root, loc)
        return field, f"got {shown(err['input'])}; must be {op} {bound}" + (f" ({unit})" if unit else "")
    message = str(err["msg"]).removeprefix("Value error, ")
    return field, f"got {shown(err['input'])}; {message[:1].lower()}{message[1:]}"


def dotted(loc: tuple[Any, ...]) -> str:
    """``("buildings", "B", "pv", "attributes", "x")`` -> ``"buildings.B.pv.attributes.x"``; list
    indices as ``[i]``; pydantic's union tags and ``[key]`` markers left out."""
    out = ""
    for part in loc:
        if part == "[key]" or part in DEVICE_TYPES:
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model reached from ``root`` by walking ``loc`` (keys of dicts, list indices and
    discriminated-union tags are stepped over); None if ``loc`` leads elsewhere."""
    node = _walk(root, loc)[0]
    return node if isinstance(node, type) and issubclass(node, BaseModel) else None


def _description(root: type[BaseModel], loc: tuple[Any, ...]) -> str:
    info = _walk(root, loc)[1]
    if info is None:
        return ""
    for item in [info, *getattr(info, "metadata", [])]:
        text = getattr(item, "description", None)
        if text:
            return text
    for arg in typing.get_args(info.annotation):  # X | None where X is Annotated with a description
        for meta in getattr(arg, "__metadata__", ()):
            if getattr(meta, "description", None):
                return meta.description
    return ""


def _walk(root: type[BaseModel], loc: tuple[Any, ...]) -> tuple[Any, Any]:
    node: Any = root
    info = None
    for part in loc:
        node = _unwrap(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None, None
            info, node = field, field.annotation
            continue
        origin = typing.get_origin(node)
        args = typing.get_args(node)
        if origin is dict and args:
            node = args[1]  # part is the key
        elif origin in (list, tuple) and args:
            node = args[0]
        elif _is_union(node):
            node = _tagged(args, part)
        else:
            return node, info
    return _unwrap(node), info


def _unwrap(node: Any) -> Any:
    """Through ``Annotated[X, ...]`` and ``X | None`` to X (a union of models stays a union)."""
    while True:
        if typing.get_origin(node) is typing.Annotated:
            node = typing.get_args(node)[0]
            continue
        args = [a for a in typing.get_args(node) if a is not type(None)]
        if _is_union(node) and len(args) == 1:
            node = args[0]
            continue
        return node


def _is_union(node: Any) -> bool:
    return typing.get_origin(node) in (typing.Union, types.UnionType)


def _tagged(args: tuple[Any, ...], tag: Any) -> Any:
    """The member of a discriminated union whose ``type`` literal is ``tag``."""
    for arg in args:
        arg = _unwrap(arg)
        if isinstance(arg, type) and issubclass(arg, BaseModel) and "type" in arg.model_fields:
            if tag in typing.get_args(arg.model_fields["type"].annotation):
                return arg
    return None


def raise_for(exc: ValidationError, root: type[BaseModel], path: str) -> NoReturn:
    """Raise the ScenarioError for ``exc`` (validating ``root`` from the file at ``path``)."""
    raise ScenarioError(path, describe_errors(exc, root)) from None
