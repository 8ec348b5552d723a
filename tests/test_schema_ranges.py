"""Every number in the schema has a physical range with its unit, and the ranges hold at the edges."""

from __future__ import annotations

import types
import typing

import pytest
from pydantic import BaseModel

from twin.errors import ScenarioError
from twin.scenario.loader import validate_scenario
from twin.scenario.schema import Scenario
from twin.scenario.base import flat_metadata, numeric_bounds


def numeric_fields(model: type[BaseModel], prefix: str = ""):
    """(dotted path, field info, constraints) of every int or float the schema holds, items included."""
    for name, info in model.model_fields.items():
        yield from _numbers(info.annotation, list(info.metadata), f"{prefix}{name}", info)


def _numbers(annotation, metadata, path, info):
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        yield from _numbers(args[0], flat_metadata(args[1:]) + metadata, path, info)
    elif origin in (typing.Union, types.UnionType):  # X | None: the constraints are X's
        for arg in args:
            if arg is not type(None):
                yield from _numbers(arg, metadata, path, info)
    elif origin in (tuple, dict):  # the items' constraints are on the item type
        for arg in args:
            if arg is not Ellipsis and typing.get_origin(arg) is not typing.Literal:
                yield from _numbers(arg, [], f"{path}[]", info)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from numeric_fields(annotation, f"{path}.")
    elif annotation in (int, float):
        yield path, info, metadata


FIELDS = list(numeric_fields(Scenario))


def test_the_walk_finds_the_numbers_of_every_section():
    paths = {p for p, _, _ in FIELDS}
    assert len(paths) >= 60
    assert {"seed", "duration", "homes.count", "homes.archetypes[]", "traffic.signals.green_s[]",
            "traffic.demand.side_vph[]", "grid.meter_interval"} <= paths


@pytest.mark.parametrize("path,info,metadata", FIELDS, ids=[p for p, _, _ in FIELDS])
def test_every_number_has_both_bounds_and_a_description(path, info, metadata):
    lo, hi = numeric_bounds(metadata)
    assert lo is not None and hi is not None, f"{path} has no range"
    assert lo < hi
    assert info.description, f"{path} says nothing of its unit"


@pytest.mark.parametrize("doc,field,needle", [
    ({"seed": 2**63}, "seed", "less than or equal to 9223372036854775807"),
    ({"duration": "1831d"}, "duration", "must be from 1s to 1830d"),
    ({"resolution": "2h"}, "resolution", "must be from 1s to 1h"),
    ({"homes": {"count": 500_001}}, "homes.count", "at most 500,000"),
    ({"tariff": {"price_eur_per_kwh": 1e9}}, "tariff.price_eur_per_kwh", "EUR/kWh"),
    ({"grid": {"transformer_rating_kva": 1e12}}, "grid.transformer_rating_kva", "kVA"),
    ({"traffic": {"signals": {"green_s": [10**12, 27]}}}, "traffic.signals.green_s[0]", "at most 1 h"),
    ({"traffic": {"demand": {"entry_vph": 1e12}}}, "traffic.demand.entry_vph", "vehicles/hour"),
    ({"traffic": {"demand": {"profile": [{"at": "07:00", "factor": 1e6}]}}}, "traffic.demand.profile[0].factor",
     "multiplier"),
])
def test_values_past_a_range_name_the_field_and_the_unit(doc, field, needle):
    with pytest.raises(ScenarioError) as err:
        validate_scenario({"name": "x", **doc}, "s.yaml")
    assert [f for f, _ in err.value.problems] == [field]
    assert needle in str(err.value)


def test_an_entry_may_not_get_more_than_its_lanes_carry():
    # 2 lanes at 1,800 veh/h/lane carry 3,600 veh/h: 3,000 plus an OD flow of 700 from the same entry is too much.
    doc = {"name": "x", "traffic": {"demand": {"entry_vph": 3000, "od": [
        {"origin": "entry/int-0-0/W", "destination": "exit/int-3-3/E", "vph": 700}]}}}
    with pytest.raises(ScenarioError) as err:
        validate_scenario(doc, "s.yaml")
    assert err.value.problems[0][0] == "traffic.demand"
    assert "entry/int-0-0/W would get 3,700 vehicles/h" in str(err.value) and "at most 3,600" in str(err.value)
    doc["traffic"]["demand"]["od"][0]["vph"] = 600
    validate_scenario(doc, "s.yaml")  # 3,600 exactly: allowed
    # The profile's peak counts: 3,000 at factor 1.25 is 3,750.
    doc["traffic"]["demand"] = {"entry_vph": 3000, "profile": [{"at": "00:00", "factor": 1.0},
                                                                {"at": "08:00", "factor": 1.25}]}
    with pytest.raises(ScenarioError, match="at the profile's peak factor 1.25"):
        validate_scenario(doc, "s.yaml")


def test_many_problems_show_a_handful_and_long_values_are_cut():
    doc = {"name": "x", "description": "d" * 100_000, "homes": {f"bad{k}": k for k in range(12)}}
    with pytest.raises(ScenarioError) as err:
        validate_scenario(doc, "s.yaml")
    lines = str(err.value).splitlines()
    assert len(err.value.problems) == 13 and len(lines) == 6
    assert lines[-1] == "s.yaml: and 8 more problems"
    assert max(len(line) for line in lines) < 300
    assert "(100,000 characters)" in str(err.value)
