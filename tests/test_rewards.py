"""Rewards by name and user rewards, checked against quantities counted independently."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import envs  # noqa: F401  (registers the twin/ ids)
from envs import traffic_grid_v0
from envs.rewards import InvalidReward, TrafficStep

TRAFFIC = {"duration": "10min", "overrides": ("traffic.network.rows=2", "traffic.network.cols=2",
                                              "traffic.demand.od=[]", "traffic.demand.entry_vph=700")}


def standing(world) -> np.ndarray:
    """Vehicles on the network, not yet sent down an exit, that have reached their stop line (from the
    vehicle rows, not the queues): their ready times."""
    v, now = world.traffic.vehicles, world.now_s
    n = int(v.n)
    on = (v.enter_s[:n] >= 0) & (v.arrive_s[:n] < 0) & (v.ready_s[:n] <= now)
    return v.ready_s[:n][on]


def run(env, steps: int):
    """Random steps from reset(seed=3); per step the reward, the vehicles standing at stop lines and the
    seconds they have stood (both from the vehicle rows), and the vehicles on entry links."""
    env.reset(seed=3)
    out = []
    for _ in range(steps):
        _, reward, *_ = env.step(env.action_space.sample())
        world = env.unwrapped.world
        t = world.traffic
        ready = standing(world)
        out.append((reward, len(ready), float((world.now_s - ready).sum()), int(t.queues.occupancy[t.net.entries].sum()),
                    int(t.queues.occupancy[t.net.link_to >= 0].sum())))
    return out


def test_queue_reward_is_minus_the_vehicles_standing_at_stop_lines():
    env = gym.make("twin/TrafficGrid-v0", reward="queue", **TRAFFIC)
    rows = run(env, 60)
    assert max(n for _, n, *_ in rows) > 10, "the test should see queues"
    for reward, n, *_ in rows:
        assert reward == -n


def test_diff_waiting_time_is_the_fall_of_the_time_standing_vehicles_have_waited():
    env = gym.make("twin/TrafficGrid-v0", reward="diff-waiting-time", **TRAFFIC)
    rows = run(env, 60)
    waited = [w for _, _, w, *_ in rows]
    assert max(waited) > 100
    for k in range(1, len(rows)):
        assert rows[k][0] == pytest.approx((waited[k - 1] - waited[k]) / 100.0, abs=1e-9)


def test_pressure_sums_to_vehicles_on_entries_and_average_speed_to_the_share_driving():
    # Over the whole grid every internal link is one intersection's approach and another's way out:
    # summed over intersections, pressure leaves the vehicles on entry links.
    for reward, _, _, on_entries, _ in run(gym.make("twin/TrafficGrid-v0", reward="pressure", **TRAFFIC), 40):
        assert reward == on_entries
    # One intersection: the share of the vehicles on its approaches that are not standing at a line.
    single = {"duration": "10min", "overrides": ("traffic.network.rows=1", "traffic.network.cols=1",
                                                 "traffic.demand.od=[]", "traffic.demand.entry_vph=700")}
    rows = run(gym.make("twin/TrafficGrid-v0", reward="average-speed", **single), 40)
    assert min(r for r, *_ in rows) < 0.9
    for reward, standing_now, _, _, approaching in rows:
        assert reward == pytest.approx((approaching - standing_now) / approaching if approaching else 1.0)


def test_a_user_reward_gets_the_step_and_its_result_is_the_reward():
    seen = []

    def mine(step: TrafficStep) -> np.ndarray:
        seen.append(step)
        return -2.0 * step.halted_veh - step.waiting_s / 60

    env = gym.make("twin/TrafficGrid-v0", reward=mine, **TRAFFIC)
    rows = run(env, 30)
    assert len(seen) == 30 and seen[-1].halted_veh.shape == (4,)
    for (reward, n, waited, *_), step in zip(rows, seen):
        assert reward == pytest.approx(-2.0 * n - waited / 60)
        assert step.approaching_veh.sum() >= step.halted_veh.sum()


def test_parallel_agents_each_get_their_intersections_reward():
    par = traffic_grid_v0.parallel_env(reward="queue", **TRAFFIC)
    obs, _ = par.reset(seed=1)
    for _ in range(30):
        obs, rewards, *_ = par.step({a: par.action_space(a).sample() for a in par.agents})
    for a, o in obs.items():  # the observation's first 12 features are the vehicles halted per movement
        assert rewards[a] == -o[:12].sum()


@pytest.mark.parametrize("bad,match", [(lambda step: 1.0, r"shape \(4,\)"),
                                       (lambda step: np.full(4, np.nan), "finite"),
                                       (lambda step: "fast", "not numbers")])
def test_a_user_reward_of_the_wrong_shape_or_kind_is_refused(bad, match):
    env = gym.make("twin/TrafficGrid-v0", reward=bad, **TRAFFIC)
    env.reset(seed=0)
    with pytest.raises(InvalidReward, match=match):
        env.step(env.action_space.sample())


def test_home_rewards_cost_and_citylearns_net_consumption_match_the_meter_record():
    # Decisions every 15 min and meter readings every 15 min: each step is one reading.
    action = np.array([-1.0, -1.0, 1.0], dtype=np.float32)  # no heating: comfort suffers
    rewards, terms = {}, []
    for name in ("cost", "net-consumption", "weighted"):
        env = gym.make("twin/SmartHome-v0", reward=name, duration="1d")
        env.reset(seed=5)
        steps = [env.step(action) for _ in range(96)]
        rewards[name] = [s[1] for s in steps]
        terms = [s[4]["reward_terms"]["energy_cost"] for s in steps]  # the same under every reward
    tel = env.unwrapped.recorder.telemetry()
    imported, exported = tel.series("import_kwh")[2], tel.series("export_kwh")[2]
    np.testing.assert_allclose(rewards["net-consumption"], np.minimum(-(imported - exported), 0.0), atol=1e-9)
    assert min(rewards["net-consumption"]) < 0 and max(rewards["net-consumption"]) == 0  # PV exports at noon
    np.testing.assert_allclose(rewards["cost"], terms, atol=1e-12)  # energy_cost at its default weight 1
    assert rewards["weighted"] != rewards["cost"]  # the weighted default adds comfort and EV terms


def test_marl_rewards_a_home_by_its_import_times_the_worlds():
    env = gym.make("twin/Neighborhood-v0", reward="marl", duration="2h",
                   overrides=("homes.count=5", "grid.feeders=1"))
    env.reset(seed=2)
    core = env.unwrapped.core
    for _ in range(4):
        before = core.task.totals.import_kwh - core.task.totals.export_kwh
        _, reward, *_ = env.step(env.action_space.sample())
        e = core.task.totals.import_kwh - core.task.totals.export_kwh - before
        expected = np.sign(-e) * 0.01 * e**2 * max(0.0, e.sum())
        assert reward == pytest.approx(expected.sum())


def test_a_reward_name_that_does_not_exist_says_which_do():
    with pytest.raises(envs.EnvConfigError, match="reward='speed': should be 'weighted', 'diff-waiting-time'"):
        gym.make("twin/TrafficGrid-v0", reward="speed")
