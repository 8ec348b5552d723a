"""CityLearn buildings in a twin world (homes.source: citylearn): the same buildings as the district
alone, beside unchanged synthetic homes, in the graph, telemetry, KPIs and snapshots."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from twin.build import build_world
from twin.citylearn.dataset import load_dataset
from twin.citylearn.district import CityLearnDistrict
from twin.citylearn.example import write_example_dataset
from twin.citylearn.rbc import basic_rbc_action
from twin.errors import ScenarioError
from twin.outcome import world_kpis
from twin.scenario.loader import load_scenario
from twin.telemetry.recorder import Recorder


def _scenario(tmp_path: Path, *, hours: int = 49, days: float = 2, source: str = "citylearn",
              control: str = "basic_rbc", count: int = 4) -> Path:
    write_example_dataset(tmp_path / "ds", buildings=2, hours=hours, seed=9, tanks=False)
    homes = {"count": count, "penetration": {"battery": 0.5, "pv": 0.5}}
    if source == "citylearn":
        homes |= {"source": "citylearn", "dataset": "ds/schema.json", "citylearn_control": control}
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps({"name": "cl", "seed": 3, "start": "2024-01-01 00:00", "duration": f"{days}d",
                                "resolution": "15min", "homes": homes}))
    return path


def _run(path: Path):
    world = build_world(load_scenario(path))
    recorder = Recorder(world.bus, world.start)
    world.run(world.scenario.duration)
    return world, recorder.telemetry()


def test_buildings_step_as_the_district_alone_under_basic_rbc(tmp_path):
    world, telemetry = _run(_scenario(tmp_path))
    alone = CityLearnDistrict(load_dataset(tmp_path / "ds" / "schema.json"))
    hour = alone.dataset.buildings[0].energy_simulation.hour
    alone.run(np.repeat(basic_rbc_action(hour[:48])[:, None], 2, axis=1))
    assert np.array_equal(world.citylearn.district.records.net_kwh[:48], alone.records.net_kwh[:48])
    kpis, _ = world_kpis(world, telemetry)
    assert kpis["citylearn_net_kwh"] == pytest.approx(alone.records.net_kwh[:48].sum())
    _, _, published = telemetry.series("building_net_kwh")
    assert published.sum() == pytest.approx(kpis["citylearn_net_kwh"])
    assert kpis["citylearn_cost_total"] is not None and kpis["citylearn_cost_total"] != 1.0


def test_synthetic_homes_are_unchanged_by_buildings_beside_them(tmp_path):
    _, with_buildings = _run(_scenario(tmp_path / "a"))
    _, alone = _run(_scenario(tmp_path / "b", source="synthetic"))
    for quantity in ("import_kwh", "export_kwh"):
        assert np.array_equal(with_buildings.series(quantity)[2], alone.series(quantity)[2])


def test_graph_and_node_state_show_the_buildings(tmp_path):
    world, _ = _run(_scenario(tmp_path))
    graph = world.graph
    assert sorted(graph.nodes(kind="building")) == ["Building_1", "Building_2"]
    assert "Building_1/battery" in graph.below("Building_1")
    state = world.node_state("Building_2")
    assert state["soc"] == pytest.approx(world.citylearn.district.soc[1])


def test_restore_replays_the_buildings_exactly(tmp_path):
    world = build_world(load_scenario(_scenario(tmp_path)))
    world.run(86400)
    snap = world.snapshot()
    world.run(2 * 86400)
    first = world.citylearn.district.records.net_kwh.copy()
    world.restore(snap)
    world.run(2 * 86400)
    assert np.array_equal(world.citylearn.district.records.net_kwh, first)


def test_a_dataset_shorter_than_the_world_or_missing_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="simulates 24 steps.*duration is 2d"):
        build_world(load_scenario(_scenario(tmp_path / "short", hours=25)))
    path = _scenario(tmp_path / "gone")
    (tmp_path / "gone" / "ds" / "schema.json").unlink()
    with pytest.raises(ScenarioError, match="homes.dataset.*no such CityLearn dataset"):
        load_scenario(path)


def test_the_worlds_citylearn_kpis_are_the_envs_comfort_included(tmp_path):
    import gymnasium as gym

    import envs  # noqa: F401  (registers twin/CityLearn-v0)
    from agents.baselines.citylearn import CityLearnBasicRBC

    world, telemetry = _run(_scenario(tmp_path))
    kpis, _ = world_kpis(world, telemetry)
    env = gym.make("twin/CityLearn-v0", dataset=str(tmp_path / "ds" / "schema.json"))
    policy = CityLearnBasicRBC.from_env(env)
    obs, _ = env.reset(seed=0)
    done = False
    while not done:
        obs, _, _, done, info = env.step(policy.act(obs))
    district = dict(info["kpis"].district)
    comfort = [name for name in district if "discomfort" in name]
    assert comfort and all(district[name] is not None for name in comfort)
    # The env's actions arrive as float32 (its Box), the world's rule acts in float64: 1e-9 apart.
    for name, value in district.items():
        assert kpis[f"citylearn_{name}"] == (None if value is None else pytest.approx(value, rel=1e-7)), name
