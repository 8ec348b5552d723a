"""The inspector shows every number with its unit and three significant digits (twin.viewer.quantities)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from conftest import small_scenario
from traffic_helpers import traffic_scenario
from twin.build import build_world
from twin.viewer.measures import inspector_lines
from twin.viewer.quantities import Unit, format_field, format_number, format_quantity, unit_of


# -- numbers -------------------------------------------------------------------------------------
@pytest.mark.parametrize("x,shown", [
    (0.0, "0"), (-0.0, "0"), (0.30000000000000004, "0.3"), (20.6999999, "20.7"), (-0.4912, "-0.491"),
    (100.0, "100"), (12.0, "12"), (999.4, "999"),
    (999.7, "1,000"),            # rounding to 3 figures carries into a 4th digit: grouped, not 1e+03
    (1234567.0, "1,234,567"), (-1234.4, "-1,234"), (0.00209, "0.00209"), (1e-9, "1e-09"),
    (2.5e-5, "2.5e-05"), (1e20, "1e+20"), (math.nan, "n/a"), (math.inf, "inf"), (-math.inf, "-inf"),
])
def test_numbers_get_three_significant_digits_and_whole_numbers_no_point(x, shown):
    assert format_number(x) == shown


@pytest.mark.parametrize("value,unit,shown", [
    (True, "kW", "yes"), (False, None, "no"), (np.bool_(True), None, "yes"),           # booleans, never a unit
    (12000, "s", "12,000 s"), (np.int64(-1), "s", "-1 s"), (0, "veh", "0 veh"),        # integers whole
    (np.float32(0.1), "kW", "0.1 kW"), (0.491, Unit("kW"), "0.491 kW"),                 # float32 noise hidden
    (0.1, Unit("%", 100.0), "10 %"), (0.0, Unit("%", 100.0), "0 %"),                   # a fraction as percent
    (math.nan, "\u00b0C", "n/a"),                                                       # no unit on a missing value
    (-0.0, "kW", "0 kW"), (1e-12, "kW", "1e-12 kW"), (3.6e6, "s", "3,600,000 s"),
    ("apartment", "kW", "apartment"), (None, None, "None"),                             # not numbers: as they are
])
def test_quantities_carry_their_unit(value, unit, shown):
    assert format_quantity(value, unit) == shown


@pytest.mark.parametrize("name,kind,symbol", [
    ("net_kw", None, "kW"), ("import_kwh", None, "kWh"), ("temp_air_c", None, "\u00b0C"), ("t_in_s", None, "s"),
    ("storage_veh", None, "veh"), ("price_eur_per_kwh", None, "EUR/kWh"), ("carbon_g_per_kwh", None, "g/kWh"),
    ("ua_w_k", None, "W/K"), ("heat_w", None, "W"), ("length_m", None, "m"), ("speed_mps", None, "m/s"),
    ("rating_kva", None, "kVA"), ("kwp", None, "kWp"), ("soc", None, "%"), ("overload_min", None, "min"),
    ("comfort_violation_kh", None, "K\u00b7h"), ("ghi_w_m2", None, "W/m\u00b2"), ("occupancy", "road", "veh"),
])
def test_units_come_from_the_name_suffix_or_the_table(name, kind, symbol):
    assert unit_of(name, kind).symbol == symbol


@pytest.mark.parametrize("name,kind", [("lanes", None), ("persons", None), ("phase", None), ("occupancy", "home"),
                                       ("archetype", None), ("role", None)])
def test_counts_indices_and_names_have_no_unit(name, kind):
    assert unit_of(name, kind) is None


def test_the_state_of_charge_is_shown_in_percent():
    assert unit_of("soc").scale == 100.0
    assert format_field("soc", 0.1234) == "12.3 %"


# -- the inspector -------------------------------------------------------------------------------
LONG_FLOAT = re.compile(r"\d\.\d{4,}|\d{4,}\.\d")   # 0.30000000004, 1234567.0


def field_lines(lines: list[str]) -> list[tuple[str, str]]:
    """(name, shown value) of every 'name: value' and 'part: name value, name value' line."""
    out = []
    for line in lines[2:]:
        if not line.startswith("  ") or line.startswith(("  ->", "  <-", "  ...")):
            continue
        name, _, rest = line.strip().partition(": ")
        pairs = [p.split(" ", 1) for p in rest.split(", ")]
        if all(len(p) == 2 and re.fullmatch(r"[a-z_0-9]+", p[0]) for p in pairs):   # a part's state
            out += [(k, v) for k, v in pairs]
        else:
            out.append((name, rest))
    return out


def assert_units_and_digits(lines: list[str], kind_of_name: dict[str, str] | None = None) -> None:
    for line in lines:
        assert not LONG_FLOAT.search(line), f"too many digits: {line!r}"
    for name, shown in field_lines(lines):
        unit = unit_of(name, (kind_of_name or {}).get(name))
        if unit is not None and shown not in ("yes", "no", "none", "n/a"):
            assert shown.endswith(" " + unit.symbol), f"{name}: {shown!r} should end with {unit.symbol!r}"


def test_a_homes_inspector_shows_units_names_and_yes_no():
    world = build_world(small_scenario(duration="1d"))
    world.run(9 * 3600)
    batteries = set(world.graph.nodes("battery"))
    homes = [h for h in world.graph.nodes("home") if f"{h}/battery" in batteries]
    lines = inspector_lines(world, homes[0])
    text = "\n".join(lines)
    assert_units_and_digits(lines)
    assert re.search(r"net_kw: -?[\d.,e+-]+ kW\b", text), text
    assert re.search(r"zone: temp_air_c [\d.]+ \u00b0C, temp_mass_c [\d.]+ \u00b0C, heating_on (yes|no)", text), text
    assert re.search(r"occupancy: (away|awake|asleep)$", text, re.M), "a home's occupancy is a state, shown by name"
    assert re.search(r"battery: soc [\d.]+ %", text), text
    battery = inspector_lines(world, f"{homes[0]}/battery")
    assert_units_and_digits(battery)
    assert any(re.fullmatch(r"  capacity_kwh: [\d.]+ kWh", line) for line in battery), battery


def test_an_idle_appliance_shows_none_rather_than_minus_one():
    world = build_world(small_scenario(duration="1d"))
    appliance = next(iter(world.graph.nodes("appliance")))
    world.state["appliances"].start_s[world.graph.node(appliance)["index"]] = -1
    assert "  start_s: none" in inspector_lines(world, appliance)


def test_feeders_and_transformers_show_load_and_rating_with_units():
    world = build_world(small_scenario(duration="1d"))
    world.run(18 * 3600)
    for node in ("feeder-1", "transformer-1"):
        lines = inspector_lines(world, node)
        assert_units_and_digits(lines)
        load = [line for line in lines if line.startswith("  load now:")]
        assert load and re.fullmatch(r"  load now: -?[\d.,]+ kW \([\d.,]+ % of 30 kVA\)", load[0]), load
    assert "  rating_kva: 30 kVA" in inspector_lines(world, "transformer-1")


def test_roads_and_intersections_show_units():
    world = build_world(traffic_scenario())
    world.run(600)
    road = next(r for r in world.graph.nodes("road") if r.startswith("road/"))
    lines = inspector_lines(world, road)
    assert_units_and_digits(lines, {"occupancy": "road"})
    assert any(re.fullmatch(r"  occupancy: \d+ veh", line) for line in lines), lines
    assert any(re.fullmatch(r"  speed_mps: [\d.]+ m/s", line) for line in lines), lines
    assert any(re.fullmatch(r"  lanes: \d+", line) for line in lines), "lanes are a count, without a unit"
    assert_units_and_digits(inspector_lines(world, "int-0-0"))
