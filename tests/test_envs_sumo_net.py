"""The signal envs on an imported SUMO net: one agent per traffic light, each with its own movements
and its own program's phases, under Gymnasium's and PettingZoo's own checks."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test, parallel_seed_test

import envs  # noqa: F401  (registers twin/ ids)
from agents.baselines import baselines_for
from agents.baselines.traffic import FixedTimePolicy, MaxPressurePolicy
from agents.evaluate import run_episode
from agents.tabular.qlearning import UnsupportedSpace, default_discretizer
from envs.actions import InvalidAction
from envs.config import EnvConfigError
from envs.traffic_grid_v0 import parallel_env
from tests.sumo_nets import NetFile, add_junction, t_net, two_phase_program
from twin.build import build_world
from twin.scenario.loader import load_scenario
from twin.traffic import ring

ENV = "twin/TrafficGrid-v0"


def three_light_net(path: Path) -> Path:
    """West to east: the unsignalized junction ``AA``, light ``A`` (two phases) and light ``B``
    (three: north-south, east-west, then westbound alone), 300 m apart. AA comes first in the
    file, so agent and intersection numbers differ."""
    net = NetFile()
    net.junctions["AA"] = (-300.0, 0.0, "priority")
    net.junctions["A"] = (0.0, 0.0, "traffic_light")
    net.junctions["B"] = (300.0, 0.0, "traffic_light")
    add_junction(net, "AA", -300.0, 0.0, arms={"N": "cn", "E": "A", "S": "cs", "W": "cw"}, signalized=False)
    add_junction(net, "A", 0.0, 0.0, arms={"N": "an", "E": "B", "S": "as", "W": "AA"})
    add_junction(net, "B", 300.0, 0.0, arms={"N": "bn", "E": "be", "S": "bs", "W": "A"})
    two_phase_program(net, "A")
    two_phase_program(net, "B", green_s=(20, 20))
    mine = sorted((c for c in net.connections if c[5] == "B"), key=lambda c: c[6])
    offset, phases = net.programs["B"]
    westbound = "".join("G" if c[0] == "be_B" else "r" for c in mine)  # only the arm from the east
    net.programs["B"] = (offset, phases + [(10, westbound), (3, westbound.replace("G", "y"))])
    return net.write(path)


def scenario_file(folder: Path, net: Path, duration: str = "10min") -> Path:
    path = folder / "lights.yaml"
    path.write_text(f"""name: lights
seed: 3
start: 2025-01-14 07:00
duration: {duration}
homes: {{count: 0}}
outputs: {{record: []}}
traffic:
  resolution: 1s
  network: {{sumo_net: {net.name}}}
  demand: {{entry_vph: 500}}
""")
    return path


@pytest.fixture
def lights(tmp_path) -> Path:
    return scenario_file(tmp_path, three_light_net(tmp_path / "lights.net.xml"))


def movement_counts(net) -> dict[str, int]:
    return {j: int((net.q_int == net.int_ids.index(j)).sum()) for j in net.int_ids}


def test_the_agents_are_the_lights_each_with_its_own_movements_and_phases(lights):
    env = gym.make(ENV, scenario=str(lights))
    core = env.unwrapped.core
    assert core.int_ids == ("A", "B")  # AA has no light
    np.testing.assert_array_equal(core.nvec, [2, 3])
    m = movement_counts(core.net)
    assert m["A"] == m["B"] == 12 and m["AA"] > 0
    assert env.observation_space.shape == (2 * 12 + 2 + 2 + 2 * 12 + 3 + 2,)
    assert env.action_space == gym.spaces.MultiDiscrete([2, 3])
    names = core.agents.movement_names(1, core.net)
    assert len(names) == 12 and "be_B:L" in names and "A_B:T" in names
    with pytest.raises(ValueError, match="core.nvec"):
        core.n_phases
    check_env(env.unwrapped, skip_render_check=True)


def test_observations_count_each_lights_own_queues(lights):
    env = gym.make(ENV, scenario=str(lights))
    env.reset(seed=1)
    u = env.unwrapped
    tr, agents = u.world.traffic, u.core.agents
    q, v = tr.queues, tr.vehicles
    most = 0
    for _ in range(60):
        obs, *_ = env.step(np.array([0, 2]))
        occupied = ring.occupied(q.buf, q.head, q.count)
        at_line = (occupied & (v.ready_s[q.buf] <= u.world.now_s)).sum(axis=1)
        for a, j in enumerate(agents.ids):
            mine = np.flatnonzero(tr.net.q_int == tr.net.int_ids.index(j))  # the light's queues, in net order
            o = obs[agents.obs_start[a]:agents.obs_start[a + 1]]
            n = mine.size
            np.testing.assert_array_equal(o[:n], at_line[mine])
            np.testing.assert_array_equal(o[n:2 * n], q.count[mine] - at_line[mine])
            phases = agents.n_phases[a]
            assert o[2 * n:2 * n + phases].sum() == 1.0
            assert o[2 * n + tr.signals.phase[tr.net.int_ids.index(j)]] == 1.0
        most = max(most, int(obs.max()))
    assert most > 1, "the test should see vehicles queue"


def test_each_light_gets_the_phase_its_agent_asks_for_and_the_junction_without_one_is_left_alone(lights):
    env = gym.make(ENV, scenario=str(lights), decision_interval="10s")
    env.reset(seed=2)
    sig, ids = env.unwrapped.world.traffic.signals, env.unwrapped.world.traffic.net.int_ids
    for _ in range(6):
        env.step(np.array([1, 2]))
    a, b, c = (ids.index(j) for j in ("A", "B", "AA"))
    assert sig.phase[a] == 1 and sig.phase[b] == 2  # B's third phase, which A does not have
    assert sig.phase[c] == 0 and sig.changes[c] == 0


def test_a_phase_a_light_does_not_have_is_refused_by_position_and_count(lights):
    env = gym.make(ENV, scenario=str(lights))
    env.reset(seed=0)
    with pytest.raises(InvalidAction, match=r"action value 0 is 2; it must lie in 0\.\.1"):
        env.step(np.array([2, 2]))
    p = parallel_env(scenario=str(lights))
    p.reset(seed=0)
    with pytest.raises(InvalidAction, match=r"0\.\.1"):
        p.step({"A": 2, "B": 0})


def test_the_parallel_env_passes_pettingzoos_checks_with_spaces_of_its_own_per_light(lights):
    p = parallel_env(scenario=str(lights))
    assert p.action_space("A").n == 2 and p.action_space("B").n == 3
    assert p.observation_space("A").shape == (28,) and p.observation_space("B").shape == (29,)
    parallel_api_test(p, num_cycles=30)
    parallel_seed_test(lambda: parallel_env(scenario=str(lights)))


def test_the_central_reward_is_the_sum_of_the_lights_rewards(lights):
    """The same seed and phase requests in the central and the per-light env: the central reward of
    each interval is the two agents' rewards added, and the observations are theirs end to end."""
    central = gym.make(ENV, scenario=str(lights), reward="queue")
    per_light = parallel_env(scenario=str(lights), reward="queue")
    c_obs, _ = central.reset(seed=4)
    p_obs, _ = per_light.reset(seed=4)
    rng = np.random.default_rng(0)
    rewarded = 0.0
    for _ in range(40):
        act = np.array([rng.integers(2), rng.integers(3)])
        c_obs, c_rew, *_ = central.step(act)
        p_obs, p_rew, *_ = per_light.step({"A": int(act[0]), "B": int(act[1])})
        np.testing.assert_array_equal(c_obs, np.concatenate([p_obs["A"], p_obs["B"]]))
        assert c_rew == pytest.approx(p_rew["A"] + p_rew["B"])
        rewarded += c_rew
    assert rewarded < 0, "vehicles should have queued at the lights"


def test_a_net_without_traffic_lights_is_refused_for_signal_control(tmp_path):
    path = scenario_file(tmp_path, t_net(tmp_path / "t.net.xml"))
    with pytest.raises(EnvConfigError, match="no traffic light"):
        gym.make(ENV, scenario=str(path))


def test_the_fixed_time_baseline_replays_each_lights_own_program(lights, tmp_path):
    """Asked every second, the baseline's cycle is the net's: each light shows the phase and
    interval the built-in fixed-time controller shows, second by second, for two cycles."""
    env = gym.make(ENV, scenario=str(lights), decision_interval="1s")
    policy = FixedTimePolicy.from_env(env)
    obs, _ = env.reset(seed=0)
    policy.reset(0)
    world = env.unwrapped.world
    reference = build_world(load_scenario(lights))  # its own programs, fixed time
    sig, ref = world.traffic.signals, reference.traffic.signals
    b, b_phases = world.traffic.net.int_ids.index("B"), set()
    for t in range(1, 140):
        obs, *_ = env.step(policy.act(obs))
        reference.run(t)
        np.testing.assert_array_equal(sig.phase, ref.phase, err_msg=f"t={t}")
        np.testing.assert_array_equal(sig.interval, ref.interval, err_msg=f"t={t}")
        b_phases.add(int(sig.phase[b]))
    assert b_phases == {0, 1, 2}, "B must have run its whole cycle"


def test_max_pressure_reads_each_lights_own_movements_and_phases(lights):
    env = gym.make(ENV, scenario=str(lights))
    policy = MaxPressurePolicy.from_env(env)
    core = env.unwrapped.core
    obs = np.zeros(core.agents.n_features, dtype=np.float32)
    b = 1
    names = core.agents.movement_names(b, core.net)
    start = core.agents.obs_start[b]
    obs[start + names.index("be_B:T")] = 4      # westbound at B: phases 1 (east-west) and 2 (westbound)
    obs[start + names.index("A_B:T")] = 3       # eastbound at B: phase 1 only
    obs[core.agents.obs_start[0] + 2 * 12] = 1.0  # A in phase 0
    obs[start + 2 * 12] = 1.0                     # B in phase 0
    pressure = policy.pressure(obs)
    assert pressure[b].tolist() == [0.0, 7.0, 4.0]     # both lead out of the net: nothing downstream
    assert pressure[0, 2] == -np.inf                   # A has two phases
    assert policy.act(obs)[b] == 1


def test_every_baseline_plays_an_episode_on_an_imported_net_and_max_pressure_beats_holding_one_phase(lights):
    env = gym.make(ENV, scenario=str(lights))
    policies = {p.name: p for p in baselines_for(env)}
    assert set(policies) == {"fixed_time", "actuated", "max_pressure"}

    class Hold:
        name = "hold"

        def reset(self, seed=None):
            pass

        def act(self, obs):
            return np.zeros(2, dtype=np.int64)

    returns = {name: run_episode(env, p, seed=11).episode_return for name, p in {**policies, "hold": Hold()}.items()}
    assert returns["max_pressure"] > returns["hold"]
    assert returns["actuated"] > returns["hold"]


def test_the_default_discretizers_ask_for_one_on_an_imported_net(lights):
    env = gym.make(ENV, scenario=str(lights))
    with pytest.raises(UnsupportedSpace, match="imported SUMO net"):
        default_discretizer(env)


@pytest.mark.parametrize("scenario", ["lights", "grid"])
def test_the_agents_tiled_for_a_vector_env_are_those_of_its_tiled_network(scenario, lights):
    from envs.signal_agents import SignalAgents

    kwargs = {"scenario": str(lights)} if scenario == "lights" else {}
    vec = gym.make_vec(ENV, num_envs=3, vectorization_mode="vector_entry_point", **kwargs)
    vec.reset(seed=0)
    world = vec.unwrapped.world
    derived = SignalAgents.of(world.traffic.net, world.traffic.plan.phases_at)
    used = vec.unwrapped.task.agents
    assert used is not derived and used.ids == derived.ids and used.every_intersection == derived.every_intersection
    for field in ("intersection", "n_phases", "queue_start", "queues", "obs_start"):
        np.testing.assert_array_equal(getattr(used, field), getattr(derived, field), err_msg=field)
