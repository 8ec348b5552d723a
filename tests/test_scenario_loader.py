"""Scenario loading: durations with units, overrides, EPW paths, cross-field checks."""

from __future__ import annotations

import pytest

from twin.errors import ScenarioError
from twin.scenario import load_scenario
from twin.units import format_duration, parse_duration_s


@pytest.mark.parametrize("text,seconds", [("5s", 5), ("15min", 900), ("1.5h", 5400), ("7d", 604800), (60, 60)])
def test_durations_take_units(text, seconds):
    assert parse_duration_s(text) == seconds
    assert parse_duration_s(format_duration(seconds)) == seconds


@pytest.mark.parametrize("bad", ["7 weeks", "-5s", "0.5s", "", True])
def test_bad_durations_say_what_is_accepted(bad):
    with pytest.raises(ValueError, match="duration like|whole"):
        parse_duration_s(bad)


def test_cross_field_checks_point_at_the_field(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nhomes:\n  comfort: {low_c: 25}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert [field for field, _ in err.value.problems] == ["homes.comfort.low_c"]
    assert "got 25.0; must be below high_c (24.0)" in str(err.value)


def test_overrides_create_nested_fields(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: x\n")
    scenario = load_scenario(path, ["homes.count=12", "grid.feeders=3", "tariff.kind=flat"])
    assert (scenario.homes.count, scenario.grid.feeders, scenario.tariff.kind) == (12, 3, "flat")


@pytest.mark.parametrize("text,message", [
    ("duration: 7h\nresolution: 7min\n", "resolution: got 7min; must divide grid.meter_interval 15min"),
    ("duration: 90s\n", r"duration: got 90s; must be a whole number of resolution steps \(1min\)"),
    ("weather: {source: epw, epw_path: missing.epw}\n", "weather.epw_path: got 'missing.epw'; no such EPW file"),
])
def test_cross_field_problems_name_the_field(tmp_path, text, message):
    path = tmp_path / "s.yaml"
    path.write_text("name: x\n" + text)
    with pytest.raises(ScenarioError, match=message):
        load_scenario(path)
