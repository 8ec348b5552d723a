"""The memory estimate: above what runs really allocate, within a few times of it, and enforced."""

from __future__ import annotations

import gc
import tracemalloc

import pytest

from conftest import small_scenario
from twin.build import build_world
from twin.errors import ScenarioTooLarge
from twin.runner import run_scenario
from twin.scenario.memory import check_memory, estimate_memory, parse_bytes
from twin.scenario.schema import Scenario


def peak_bytes(scenario: Scenario, out) -> int:
    """Peak of Python-tracked allocations (numpy arrays included) over a whole ``run_scenario``."""
    gc.collect()
    tracemalloc.start()
    try:
        run_scenario(scenario, out, progress=False)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def traffic(duration: str, green_s: int = 27) -> Scenario:
    return Scenario(name="t", duration=duration, homes={"count": 0}, outputs={"plots": False},
                    traffic={"signals": {"green_s": [green_s, green_s]}})


# Pairs that differ in one driver: the extra memory a run takes for it must lie between the
# estimate's extra and a quarter of it. (Differences cancel the fixed costs both runs share; the
# ring buffers are estimated at their worst, every arrival of the busiest entry waiting, which a run
# whose traffic flows does not reach.)
PAIRS = {
    "homes and their telemetry": (Scenario(name="h", homes={"count": 100}, outputs={"plots": False}),
                                  Scenario(name="h", homes={"count": 400}, outputs={"plots": False})),
    "vehicles over the horizon": (traffic("1h"), traffic("3h")),
    "fixed-time signal tables": (traffic("10min"), traffic("10min", green_s=1800)),
}


@pytest.mark.parametrize("driver", sorted(PAIRS))
def test_the_estimate_bounds_what_a_run_allocates_for_each_driver(driver, tmp_path):
    small, big = PAIRS[driver]
    # Outside the measurement: compile the kernels and make the first run's one-time allocations
    # (codecs, writers), which would otherwise count against whichever run is measured first.
    run_scenario(small, tmp_path / "warm-up", progress=False)
    measured = peak_bytes(big, tmp_path / "big") - peak_bytes(small, tmp_path / "small")
    estimated = estimate_memory(big).total_bytes - estimate_memory(small).total_bytes
    assert measured > 1e6, "the pair must differ enough to measure"
    assert measured <= estimated <= 4 * measured, (driver, measured, estimated)


def test_a_world_past_the_limit_is_refused_before_anything_is_built(monkeypatch):
    monkeypatch.setenv("TWIN_MAX_MEMORY", "20MB")
    scenario = Scenario(name="big", homes={"count": 2000})
    with pytest.raises(ScenarioTooLarge) as err:
        build_world(scenario)
    message = str(err.value)
    assert "big: this world would need about" in message and "20.0 MB is TWIN_MAX_MEMORY" in message
    assert "mostly telemetry" in message and "(97 meter readings of" in message
    assert "homes 48.0 MB (2,000 homes)" in message
    monkeypatch.setenv("TWIN_MAX_MEMORY", "2GB")
    assert check_memory(scenario).total_bytes < 2e9


def test_replica_worlds_multiply_all_but_telemetry():
    scenario = small_scenario(duration="1d")
    one, many = estimate_memory(scenario), estimate_memory(scenario, replicas=64)
    parts = {p.name: p.bytes for p in one.parts}
    parts64 = {p.name: p.bytes for p in many.parts}
    assert parts64["homes"] == 64 * parts["homes"] and parts64["weather"] == 64 * parts["weather"]
    assert "telemetry" in parts and "telemetry" not in parts64


def test_half_a_million_homes_for_a_year_is_refused_on_any_machine():
    scenario = Scenario(name="city", duration="365d", homes={"count": 500_000})
    assert estimate_memory(scenario).total_bytes > 1e12
    with pytest.raises(ScenarioTooLarge, match=r"city: this world would need about [\d.]+ TB"):
        check_memory(scenario)


@pytest.mark.parametrize("text,expected", [("8GB", 8e9), ("512 MB", 512e6), ("2GiB", 2 * 1024**3), ("100", 100)])
def test_sizes_read_with_units(text, expected):
    assert parse_bytes(text) == expected


def test_an_env_checks_memory_at_its_first_world_of_each_size_and_still_refuses_one_too_big(monkeypatch):
    import twin.build
    from envs.config import HomeEnvConfig
    from envs.episodes import Episodes

    calls = []
    real_check = twin.build.check_memory

    def counting(scenario, **kw):
        calls.append(kw.get("replicas", 1))
        return real_check(scenario, **kw)

    monkeypatch.setattr(twin.build, "check_memory", counting)
    episodes = Episodes("test", HomeEnvConfig())
    for seed in range(3):
        episodes.build([seed])
    episodes.build([0, 1])
    episodes.build([2, 3])
    assert calls == [1, 2]
    monkeypatch.setenv("TWIN_MAX_MEMORY", "1kB")
    fresh = Episodes("test", HomeEnvConfig())
    with pytest.raises(ScenarioTooLarge):
        fresh.build([0])


def test_a_route_files_vehicles_are_counted_in_the_estimate(tmp_path):
    # Only the route file brings vehicles (entry_vph is 0 beside one): 120 fixed departures and a
    # flow of one every 10 s over 20 minutes, all inside the hour.
    from sumo_nets import corridor_net
    from test_sumo_net import sumo_scenario
    from test_sumo_routes import route_file

    body = "\n".join(f'    <vehicle id="v{k}" depart="{k * 10}" route="east"/>' for k in range(120))
    body += '\n    <flow id="f" route="east" begin="0" end="1200" period="10"/>'
    sc = sumo_scenario(corridor_net(tmp_path / "c.net.xml"), duration="1h",
                       demand={"sumo_routes": str(route_file(tmp_path, body))})
    vehicles = next(p for p in estimate_memory(sc).parts if p.name == "vehicles")
    assert vehicles.driver == "240 vehicles over the horizon"
