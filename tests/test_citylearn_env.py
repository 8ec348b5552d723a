"""twin/CityLearn-v0 and citylearn_v0: CityLearn's layouts, reward and episodes, and the peers'
own API checks. Datasets are written into tmp_path by the example writer."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test, parallel_seed_test
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import envs  # noqa: F401
from agents.baselines import baselines_for
from agents.baselines.citylearn import CityLearnBasicRBC, rbc_battery_action
from envs.actions import InvalidAction
from envs.citylearn import CityLearnEnv
from envs.citylearn_v0 import parallel_env
from envs.config import EnvConfigError
from twin.citylearn.example import write_example_dataset
from twin.errors import ScenarioError

SHARED_OBS = {"month", "day_type", "hour", "outdoor_dry_bulb_temperature", "outdoor_dry_bulb_temperature_predicted_1",
              "diffuse_solar_irradiance", "direct_solar_irradiance", "carbon_intensity", "electricity_pricing",
              "electricity_pricing_predicted_1"}
OWN_OBS = ["indoor_dry_bulb_temperature", "non_shiftable_load", "solar_generation", "electrical_storage_soc",
           "net_electricity_consumption"]


@pytest.fixture
def dataset(tmp_path: Path) -> str:
    return str(write_example_dataset(tmp_path / "ds", buildings=3, hours=72, seed=5, tanks=False))


def _edit(path: str, change) -> str:
    schema = json.loads(Path(path).read_text())
    change(schema)
    Path(path).write_text(json.dumps(schema))
    return path


def test_gymnasium_and_sb3_checks_pass(dataset):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the example's month is constant: a Box with equal bounds there
        check_env(CityLearnEnv(dataset=dataset))
        sb3_check_env(CityLearnEnv(dataset=dataset))
    env = gym.make("twin/CityLearn-v0", dataset=dataset)
    assert env.spec.max_episode_steps == 71


def test_pettingzoo_api_and_seed_tests_pass(dataset):
    parallel_api_test(parallel_env(dataset=dataset), num_cycles=80)
    parallel_seed_test(lambda: parallel_env(dataset=dataset))


def test_central_layout_is_the_first_buildings_vector_then_the_others_unshared(dataset):
    env = CityLearnEnv(dataset=dataset)
    names = [n.split(".", 1) for n in env.observation_names]
    first = [n for b, n in names if b == "Building_1"]
    assert set(first) == SHARED_OBS | set(OWN_OBS)
    for b in ("Building_2", "Building_3"):
        assert [n for bb, n in names if bb == b] == OWN_OBS
    pz = parallel_env(dataset=dataset)
    assert pz.observation_names["Building_1"] == first
    obs, _ = pz.reset(seed=0)
    central, _ = env.reset(seed=0)
    assert np.array_equal(pz.state(), central)
    assert np.array_equal(obs["Building_1"], central[:len(first)])


def test_observations_and_reward_follow_citylearn(dataset):
    env = CityLearnEnv(dataset=dataset)
    names = env.observation_names
    col = {n: i for i, n in enumerate(names)}
    obs, _ = env.reset(seed=0)
    hours = np.loadtxt(Path(dataset).parent / "Building_1.csv", delimiter=",", skiprows=1,
                       usecols=[1])  # the example's second column is the hour
    d = env.core.district
    assert obs[col["Building_1.hour"]] == hours[0]
    # At reset the net consumption observed is the first row's with the battery idle.
    assert obs[col["Building_2.net_electricity_consumption"]] == pytest.approx(env.core.idle_net_kwh[0, 1], rel=1e-6)
    action = np.array([1.0, -0.5, 0.25], dtype=np.float32)
    obs, reward, terminated, truncated, _ = env.step(action)
    net = d.records.net_kwh[0]
    assert obs[col["Building_1.hour"]] == hours[1]
    assert obs[col["Building_3.net_electricity_consumption"]] == pytest.approx(net[2], rel=1e-6)
    assert obs[col["Building_1.electrical_storage_soc"]] == pytest.approx(d.soc[0], rel=1e-6) and d.soc[0] > 0
    assert reward == pytest.approx(-np.maximum(net, 0).sum())
    assert (terminated, truncated) == (False, False)
    assert net[0] > env.core.idle_net_kwh[0, 0]  # charging at full power draws more


def test_episode_ends_with_citylearn_kpis_and_totals(dataset):
    env = CityLearnEnv(dataset=dataset)
    obs, _ = env.reset(seed=0)
    steps, done = 0, False
    rbc = CityLearnBasicRBC.from_env(env)
    while not done:
        obs, _, _, done, info = env.step(rbc.act(obs))
        steps += 1
    assert steps == 71
    assert set(info["totals"]) == {"Building_1", "Building_2", "Building_3"}
    assert info["kpis"].district["cost_total"] is not None and info["kpis"].district["cost_total"] != 1.0
    with pytest.raises(RuntimeError, match="reset"):
        env.step(np.zeros(3, np.float32))


def test_basic_rbc_is_citylearns_hour_map():
    assert [rbc_battery_action(h) for h in (1, 8, 9, 21, 22, 24)] == [0.091, 0.091, -0.08, -0.08, 0.091, 0.091]


def test_baselines_registry_covers_citylearn(dataset):
    env = gym.make("twin/CityLearn-v0", dataset=dataset)
    assert {p.name for p in baselines_for(env)} == {"citylearn_basic_rbc", "no_control"}


def test_schema_episode_splits(dataset):
    _edit(dataset, lambda s: s.update(episode_time_steps=24))
    env = CityLearnEnv(dataset=dataset)
    firsts = []
    for _ in range(4):
        env.reset()
        firsts.append(env.core.district.first)
    assert firsts == [0, 24, 48, 0] and env.core.district.steps == 23
    _edit(dataset, lambda s: s.update(random_episode_split=True))
    draws = []
    for _ in range(2):
        env = CityLearnEnv(dataset=dataset)
        env.reset(seed=7)
        draws.append([env.core.district.first] + [(env.reset(), env.core.district.first)[1] for _ in range(5)])
    assert draws[0] == draws[1] and set(draws[0]) <= {0, 24, 48}


def test_bad_keywords_actions_and_schemas_are_refused_clearly(dataset):
    with pytest.raises(EnvConfigError, match="datset: unknown keyword"):
        CityLearnEnv(datset=dataset)
    env = CityLearnEnv(dataset=dataset)
    env.reset(seed=0)
    with pytest.raises(InvalidAction, match=r"\[-1.0, 1.0\]"):
        env.step(np.array([2.0, 0.0, 0.0], np.float32))
    with pytest.raises(InvalidAction, match="shape"):
        env.step(np.zeros(2, np.float32))
    _edit(dataset, lambda s: s["observations"]["cooling_storage_soc"].update(active=True)
          if "cooling_storage_soc" in s["observations"] else
          s["observations"].update(cooling_storage_soc={"active": True, "shared_in_central_agent": False}))
    with pytest.raises(ScenarioError, match="observations.cooling_storage_soc"):
        CityLearnEnv(dataset=dataset)
    _edit(dataset, lambda s: (s["observations"].pop("cooling_storage_soc"),
                              s["reward_function"].update(type="citylearn.reward_function.ComfortReward")))
    with pytest.raises(EnvConfigError, match="reward='net-consumption'"):
        CityLearnEnv(dataset=dataset)
    assert CityLearnEnv(dataset=dataset, reward="net-consumption").action_space.shape == (3,)
