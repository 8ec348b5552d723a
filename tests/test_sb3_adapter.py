"""The stable-baselines3 adapter: it trains PPO, A2C and DQN on twin's envs into Policies that act,
evaluates against baselines into TensorBoard, checkpoints and resumes, reloads models to act
identically, and refuses algorithms that cannot act on the env's action space."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium import spaces
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import envs  # noqa: F401  registers twin/ ids
from agents.evaluate import evaluate, run_episode, summarize
from agents.policy import Policy, RandomPolicy
from agents.sb3 import (SB3Evaluation, SB3Options, SB3Policy, UnknownAlgorithm, UnsupportedActionSpace, load_sb3,
                         train_sb3)

HOME_STEPS = 24  # duration="6h" at 15-min decisions
PPO_TINY = {"n_steps": 64, "batch_size": 32, "n_epochs": 2}


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Sample- and time-stable on a shared machine; restored afterwards."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def make_home(discrete=False):
    return lambda: gym.make("twin/SmartHome-v0", duration="6h", discrete=discrete)


def tensorboard_tags(folder):
    acc = EventAccumulator(str(folder))
    acc.Reload()
    return set(acc.Tags()["scalars"])


class OffsetIdentityEnv(gym.Env):
    """Observation: a one-hot target of 4 entries on top of 100 (raw twin features sit far from 0
    too); reward 1 when the action names the target. A tanh MLP learns it only from standardized
    observations, so a policy that skipped the VecNormalize statistics would fail."""

    observation_space = spaces.Box(90.0, 110.0, (4,), np.float32)
    action_space = spaces.Discrete(4)
    ep_length = 20

    def _obs(self):
        obs = np.full(4, 100.0, dtype=np.float32)
        obs[self.target] += 1.0
        return obs

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.np_random.random()  # so targets are not the draws of a RandomPolicy seeded alike
        self.target, self.t = int(self.np_random.integers(4)), 0
        return self._obs(), {}

    def step(self, action):
        reward = float(action == self.target)
        self.target, self.t = int(self.np_random.integers(4)), self.t + 1
        return self._obs(), reward, False, self.t >= self.ep_length, {}


def test_ppo_learns_through_the_adapter_with_normalized_observations(tmp_path):
    run = train_sb3("ppo", OffsetIdentityEnv, 2500, seed=0, out_dir=tmp_path,
                    options=SB3Options(hyperparams={"gamma": 0.4, "n_steps": 256, "batch_size": 64}))
    loaded = load_sb3(tmp_path)
    results = summarize(evaluate(OffsetIdentityEnv, [loaded, RandomPolicy(spaces.Discrete(4))], episodes=5, seed=0))
    assert results["ppo"]["return"] >= 0.95 * OffsetIdentityEnv.ep_length
    assert results["random"]["return"] <= 0.4 * OffsetIdentityEnv.ep_length
    assert run.steps >= 2500


def test_ppo_on_smart_home_checkpoints_evaluates_reloads_and_resumes(tmp_path):
    home = make_home()
    random = RandomPolicy(home().action_space)
    run = train_sb3("ppo", home, 128, seed=0, out_dir=tmp_path,
                    options=SB3Options(hyperparams=PPO_TINY, checkpoint_every=64),
                    evaluation=SB3Evaluation(home, baselines=[random], every=64))
    assert isinstance(run.policy, Policy) and run.steps == 128
    for name in ("model.zip", "vecnormalize.pkl", "sb3.json", "checkpoints/ppo_64_steps.zip",
                 "checkpoints/ppo_vecnormalize_64_steps.pkl", "checkpoints/ppo_128_steps.zip"):
        assert (tmp_path / name).is_file(), name

    rows = [json.loads(line) for line in (tmp_path / "evaluations.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows] == [64, 128]
    assert {"ppo", "random"} <= set(rows[-1]["results"])
    assert "energy_cost_eur" in rows[-1]["results"]["ppo"]
    tags = tensorboard_tags(tmp_path / "tb")
    assert {"eval/return", "eval/energy_cost_eur", "eval/random/energy_cost_eur", "charts/episodic_return",
            "charts/episodic_length", "rollout/ep_rew_mean"} <= tags

    # The saved model (and its frozen observation statistics) acts as the returned policy, step by step.
    loaded = load_sb3(tmp_path)
    env = home()
    obs, _ = env.reset(seed=11)
    for _ in range(HOME_STEPS):
        action = run.policy.act(obs)
        assert np.array_equal(action, loaded.act(obs))
        obs, *_ = env.step(action)
    result = run_episode(env, loaded, seed=12)
    assert result.steps == HOME_STEPS and "comfort_violation_kh" in result.kpis

    resumed = train_sb3("ppo", home, 256, seed=0, out_dir=tmp_path,
                        options=SB3Options(hyperparams=PPO_TINY, checkpoint_every=64, resume=True))
    assert resumed.steps == 256  # counted on from 128, not from 0
    assert (tmp_path / "checkpoints/ppo_256_steps.zip").is_file()
    assert json.loads((tmp_path / "sb3.json").read_text())["steps"] == 256


def test_a2c_on_box_smart_home_yields_a_policy_that_reloads_to_the_same_actions(tmp_path):
    run = train_sb3("a2c", make_home(), 100, seed=1, out_dir=tmp_path)
    env = make_home()()
    obs = [env.reset(seed=0)[0]] + [env.step(env.action_space.sample())[0] for _ in range(5)]
    actions = np.array([run.policy.act(o) for o in obs])
    assert actions.shape == (6, 3) and np.all(np.abs(actions) <= 1.0)
    # The adapter acts through the saved observation statistics: a reload from the folder acts alike,
    # and acting on raw observations (no normalisation) would not.
    loaded = load_sb3(tmp_path)
    np.testing.assert_array_equal(np.array([loaded.act(o) for o in obs]), actions)
    raw = np.array([np.clip(run.policy.model.predict(o, deterministic=True)[0], -1, 1) for o in obs])
    assert not np.array_equal(raw, actions)
    assert run_episode(make_home()(), run.policy, seed=3).steps == HOME_STEPS


def test_dqn_on_discrete_smart_home_and_checkpoint_loading(tmp_path):
    home = make_home(discrete=True)
    run = train_sb3("dqn", home, 200, seed=0, out_dir=tmp_path,
                    options=SB3Options(hyperparams={"learning_starts": 50}, checkpoint_every=100))
    result = run_episode(home(), run.policy, seed=3)
    assert result.steps == HOME_STEPS and "energy_cost_eur" in result.kpis
    # The run folder reloads to the same greedy actions, through the same observation statistics.
    env = home()
    obs = [env.reset(seed=0)[0]] + [env.step(int(env.action_space.sample()))[0] for _ in range(5)]
    loaded = load_sb3(tmp_path)
    actions = [run.policy.act(o) for o in obs]
    assert all(isinstance(a, int) and 0 <= a < 18 for a in actions)
    assert [loaded.act(o) for o in obs] == actions
    # A checkpoint (algo from the file name) comes with the statistics saved beside it at 100 steps,
    # not the final ones.
    checkpoint = load_sb3(tmp_path / "checkpoints" / "dqn_100_steps.zip")
    assert isinstance(checkpoint, SB3Policy) and checkpoint.vec_normalize is not None
    assert checkpoint.vec_normalize.obs_rms.count < loaded.vec_normalize.obs_rms.count
    assert 0 <= checkpoint.act(obs[0]) < 18


@pytest.mark.parametrize("algo, discrete, message", [
    ("sac", True, r"sac cannot act on Discrete\(18\): sac acts on Box; for it use ppo, a2c, dqn"),
    ("dqn", False, r"dqn cannot act on Box.*dqn acts on Discrete; for it use ppo, a2c, sac"),
])
def test_refuses_algorithm_that_cannot_act_on_the_space(tmp_path, algo, discrete, message):
    with pytest.raises(UnsupportedActionSpace, match=message):
        train_sb3(algo, make_home(discrete), 100, seed=0, out_dir=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_refuses_unknown_algorithm_and_hyperparameter(tmp_path):
    with pytest.raises(UnknownAlgorithm, match="allowed are ppo, a2c, sac, dqn"):
        train_sb3("td3", make_home(), 100, seed=0, out_dir=tmp_path)
    with pytest.raises(ValueError, match="unknown hyperparameter.*learning_rate"):
        train_sb3("ppo", make_home(), 100, seed=0, out_dir=tmp_path, options=SB3Options(hyperparams={"lr": 1e-3}))
    with pytest.raises(FileNotFoundError, match="no ppo checkpoint"):
        train_sb3("ppo", make_home(), 100, seed=0, out_dir=tmp_path / "empty", options=SB3Options(resume=True))
    assert not (tmp_path / "empty").exists()
    with pytest.raises(ValueError, match="n_envs=0 must be a positive whole number"):
        SB3Options(n_envs=0)
    with pytest.raises(ValueError, match="checkpoint_every=0 must be >= 1"):
        SB3Options(checkpoint_every=0)
