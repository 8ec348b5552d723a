"""Read a YAML scenario, apply command-line overrides, validate it, and explain what is wrong.

Every failure (missing file, not YAML, unknown key, wrong type, out-of-range value) becomes one
:class:`~twin.errors.ScenarioError` naming the file, the field path (or line and column), the bad
value (cut short) and what is allowed. The file and every ``--set`` value are read by the guarded
reader (:mod:`twin.scenario.yaml_guard`). Nothing runs before the whole file has validated.
"""

from __future__ import annotations

import copy
import math
import os
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from twin.errors import ScenarioError, shown
from twin.scenario.base import FieldProblem
from twin.scenario.schema import Scenario
from twin.scenario.traffic_schema import NETWORK_TAGS, Traffic
from twin.scenario.yaml_guard import YamlProblem, parse_yaml, read_yaml_file
from twin.traffic.sumo_rl_nets import SumoRlMissing, is_sumo_rl, sumo_rl_file, sumo_rl_net

if TYPE_CHECKING:
    from twin.traffic.network import RoadNetwork


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
    validation so that they are checked like the file itself. Relative EPW paths in the file are
    resolved against the scenario file's folder; those in ``overrides`` against the working directory.
    """
    path = Path(path)
    raw = read_yaml_mapping(path)
    for item in overrides or []:
        apply_override(raw, item, path)
    scenario = _resolve_paths(validate_scenario(raw, path), path)
    _check_network(scenario, path)
    return scenario


def relative_inputs(path: str | Path) -> dict[str, Path]:
    """The files the scenario at ``path`` names by a path relative to its own folder (a SUMO net or
    route file, an EPW file): each value as written -> the absolute file. Whoever copies the
    scenario elsewhere must take these with it (absolute paths and ``sumo-rl:NAME`` travel as
    they are). Files that do not exist are left out: loading the copy names them."""
    path = Path(path)
    raw = read_yaml_mapping(path)
    found: dict[str, Path] = {}
    for dotted in sorted(PATH_FIELDS):
        node: Any = raw
        for key in dotted.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, str) and node and not is_sumo_rl(node) and not Path(node).is_absolute():
            file = (path.parent / node).resolve()
            if file.is_file():
                found[node] = file
    return found


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """Parse ``path`` as YAML whose top level is a mapping; raise ScenarioError otherwise."""
    try:
        data = read_yaml_file(path)
    except FileNotFoundError:
        raise ScenarioError(str(path), [("", "file not found")]) from None
    except IsADirectoryError:
        raise ScenarioError(str(path), [("", "is a folder; expected a YAML scenario file")]) from None
    except PermissionError:
        raise ScenarioError(str(path), [("", "cannot be read (permission denied)")]) from None
    except OSError as exc:
        raise ScenarioError(str(path), [("", f"cannot be read ({exc.strerror or exc})")]) from None
    except YamlProblem as exc:
        raise ScenarioError(str(path), [("", str(exc))]) from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise ScenarioError(str(path), [("", f"is {kind}; expected a mapping of scenario fields (name, seed, homes, ...)")])
    return data


#: Scenario fields that name a file: relative to the scenario's folder in the file, to the working
#: directory on the command line.
PATH_FIELDS = frozenset({"weather.epw_path", "traffic.network.sumo_net", "traffic.demand.sumo_routes", "homes.dataset"})


def apply_override(raw: dict[str, Any], item: str, path: Path) -> None:
    """Set ``raw[a][b] = value`` for an override ``"a.b=value"``, creating mappings on the way.

    A relative path given for one of PATH_FIELDS is made absolute against the working directory.
    """
    if "=" not in item:
        raise ScenarioError(str(path), [("--set", f"got {shown(item)}; expected FIELD=VALUE, e.g. homes.count=50")])
    dotted, text = item.split("=", 1)
    keys = dotted.strip().split(".")
    if not all(keys):
        raise ScenarioError(str(path), [("--set", f"got {shown(item)}; expected a dotted field path like "
                                                  "grid.feeders")])
    try:
        value = parse_yaml(text) if text.strip() else ""
    except YamlProblem as exc:
        if exc.message.startswith("not valid YAML"):
            value = text  # taken as the string it is, for the schema to judge
        else:
            raise ScenarioError(str(path), [("--set", f"value of {shown(dotted.strip())}: {exc.message}")]) from None
    if ".".join(k.strip() for k in keys) in PATH_FIELDS and isinstance(value, str) and value and not is_sumo_rl(value):
        # A path typed on the command line means what the shell means by it: relative to the working
        # directory. Paths written in the file stay relative to the file's folder (_resolve_paths).
        value = os.path.abspath(value)
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
        return field, f"unknown key (got {shown(loc[-1])}); allowed keys here: {allowed}"
    if kind == "missing":
        return field, "required field is missing"
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, FieldProblem):
        return _dotted(loc + (tuple(cause.field.split(".")) if cause.field else ())), str(cause)
    message = err["msg"].removeprefix("Value error, ")
    text = f"got {shown(err['input'])}; {message[0].lower()}{message[1:]}"
    if kind in _RANGE_ERRORS:  # pydantic's bounds come without units: the field's description has them
        info = _field_info(loc)
        if info is not None and info.description:
            text += f" ({info.description})"
    return field, text


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if part == "[key]" or part in NETWORK_TAGS:  # "the key itself was bad"; which kind of network
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part) if len(str(part)) <= 40 else f"{str(part)[:40]}…"
            out += f".{text}" if out else text
    return out


_RANGE_ERRORS = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model found by walking ``loc`` down from Scenario."""
    model = _walk(loc)[0]
    return sorted(getattr(model, "model_fields", {}))


def _field_info(loc: tuple[Any, ...]) -> FieldInfo | None:
    """The schema field ``loc`` ends in (or whose items it indexes); None if it leads nowhere."""
    return _walk(loc)[1]


def _walk(loc: tuple[Any, ...]) -> tuple[Any, FieldInfo | None]:
    """(model or type, last field passed) reached by walking ``loc`` down from Scenario."""
    model: Any = Scenario
    info = None
    for part in loc:
        fields = getattr(model, "model_fields", None)
        if fields is not None and isinstance(part, int):  # an item of a tuple of models: _unwrap went there
            continue
        if part in NETWORK_TAGS:  # the kind of traffic.network the error is about
            model = NETWORK_TAGS[part]
            continue
        if fields is None:  # an item of a tuple, a key or value of a dict: the same field
            args = typing.get_args(model)
            model = _unwrap(args[-1]) if args else model
            continue
        if part not in fields:
            return None, None
        info = fields[part]
        model = _unwrap(info.annotation)
    return model, info


def _unwrap(annotation: Any) -> Any:
    """From ``X | None`` or ``tuple[X, ...]`` get to the model X where there is one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return annotation


def _resolve_paths(scenario: Scenario, path: Path) -> Scenario:
    """File paths the scenario names, made absolute against its folder (or found in the installed
    sumo-rl, for ``sumo-rl:NAME``) and checked to exist."""
    traffic = scenario.traffic
    if traffic is not None and traffic.imported:
        network = traffic.network.model_copy(
            update={"sumo_net": _input_file(traffic.network.sumo_net, "traffic.network.sumo_net", "net", path)})
        demand = traffic.demand
        if demand.sumo_routes is not None:
            update: dict[str, Any] = {"sumo_routes": _input_file(demand.sumo_routes, "traffic.demand.sumo_routes",
                                                                 "routes", path)}
            if is_sumo_rl(demand.sumo_routes) and "sumo_begin" not in demand.model_fields_set:
                update["sumo_begin"] = sumo_rl_net(demand.sumo_routes).begin_s  # the time sumo-rl starts it at
            demand = demand.model_copy(update=update)
        scenario = scenario.model_copy(update={"traffic": traffic.model_copy(update={"network": network,
                                                                                     "demand": demand})})
    homes = scenario.homes
    if homes.source == "citylearn" and homes.dataset is not None:
        dataset = _local_path(homes.dataset, "homes.dataset", "CityLearn dataset", path, folder=True)
        scenario = scenario.model_copy(update={"homes": homes.model_copy(update={"dataset": dataset})})
    weather = scenario.weather
    if weather.source != "epw" or weather.epw_path is None:
        return scenario
    epw = _local_path(weather.epw_path, "weather.epw_path", "EPW file", path)
    return scenario.model_copy(update={"weather": weather.model_copy(update={"epw_path": epw})})


def _local_path(value: str, field: str, what: str, path: Path, *, folder: bool = False) -> str:
    """``value`` of ``field`` made absolute against the folder of the scenario file ``path``;
    ScenarioError naming ``what`` is missing if no such file (or, with ``folder``, no such folder either)."""
    file = Path(value)
    if not file.is_absolute():
        file = (path.parent / file).resolve()
    if not (file.exists() if folder else file.is_file()):
        raise ScenarioError(str(path), [(field, f"got {shown(value)}; no such {what} ({file})")])
    return str(file)


def _input_file(value: str, field: str, kind: str, path: Path) -> str:
    """The absolute path of the SUMO file ``value`` of ``field``: relative to the scenario's folder,
    or one of the installed sumo-rl's (``kind`` "net" or "routes"); ScenarioError if there is none."""
    if is_sumo_rl(value):
        try:
            return str(sumo_rl_file(value, kind))
        except SumoRlMissing as exc:
            raise ScenarioError(str(path), [(field, str(exc))]) from None
    return _local_path(value, field, "file", path)


def _check_network(scenario: Scenario, path: Path) -> None:
    """The network must load (an imported file), its entries carry their demand, the OD flows name
    its entry and exit links, and each OD flow have a route (U-turns only where an imported net has them)."""
    if scenario.traffic is None:
        return
    t = scenario.traffic
    if not t.imported and not t.demand.od:
        return
    from twin.traffic.demand import NoRoute, make_demand
    from twin.traffic.network import road_network
    from twin.traffic.signals import ProgramsTooLong, table_rows
    from twin.traffic.sumo_net import SumoNetError
    from twin.traffic.sumo_routes import RouteFileError

    try:
        net = road_network(t)
        if t.imported:
            table_rows(net.programs, net)
    except (SumoNetError, ProgramsTooLong) as exc:
        raise ScenarioError(str(path), [("traffic.network.sumo_net", str(exc))]) from None
    if t.imported:
        problems = imported_demand_problems(t, net)
        if problems:
            raise ScenarioError(str(path), problems)
    try:
        make_demand(t.demand, net, t.resolution, scenario.duration)
    except NoRoute as exc:
        raise ScenarioError(str(path), [(f"traffic.demand.od[{exc.index}]", str(exc))]) from None
    except RouteFileError as exc:
        raise ScenarioError(str(path), [("traffic.demand.sumo_routes", str(exc))]) from None


def imported_demand_problems(t: Traffic, net: "RoadNetwork") -> list[tuple[str, str]]:
    """(field, message) for OD flows naming links an imported net lacks, and entries given more
    vehicles than their lanes carry."""
    from twin.traffic.network import ENTRY, EXIT

    problems = []
    kinds = dict(zip(net.link_ids, net.link_kind))
    for k, flow in enumerate(t.demand.od):
        for field, link, kind, name in (("origin", flow.origin, ENTRY, "entry"), ("destination", flow.destination, EXIT, "exit")):
            if kinds.get(link) != kind:
                edges = [net.link_ids[i] for i in np.flatnonzero(net.link_kind == kind)[:3]]
                problems.append((f"traffic.demand.od[{k}].{field}",
                                 f"got {shown(link)}; expected an {name} edge of the network, e.g. {', '.join(edges)}"))
    if problems:
        return problems
    od = t.demand.od_vph_by_origin()
    peak = t.demand.peak_factor()
    for e in net.entries[net.border_entries]:
        link = net.link_ids[e]
        vph = (t.demand.entry_rate_vph + od.get(link, 0.0)) * peak
        capacity = float(net.lanes[e]) * t.saturation_flow_vphpl
        if vph > capacity:
            problems.append(("traffic.demand", f"entry edge {link} would get {vph:,.0f} vehicles/h; its {net.lanes[e]} "
                                               f"lane(s) carry at most {capacity:,.0f}: lower entry_vph, od or the profile"))
            break
    return problems