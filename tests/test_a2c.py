"""Our actor-critic: it learns tiny envs of each action kind, handles next-step autoreset, is
reproducible from its seed, and saves, loads and resumes exactly."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.vector import AutoresetMode
from stable_baselines3.common.envs import IdentityEnv, IdentityEnvBox, IdentityEnvMultiDiscrete

import envs  # noqa: F401  registers twin/ ids
from agents.a2c import A2C, CheckpointError, Config, ConfigError, UnsupportedSpace, load_policy, vector_env_factory
from agents.a2c.rollout import gae
from agents.evaluate import evaluate, run_episode, summarize
from agents.policy import Policy, RandomPolicy
from agents.runlog import RunLog

EP_LEN = 20  # identity-env episode length: the best return is EP_LEN


def sync_factory(make_one, autoreset_mode=AutoresetMode.NEXT_STEP):
    """make(num_envs) -> SyncVectorEnv whose envs' spaces are seeded (IdentityEnv draws its states
    from its action space's own Generator)."""
    def make(num_envs):
        def thunk(k):
            def build():
                env = make_one()
                env.action_space.seed(1000 + k)
                return env
            return build
        return gym.vector.SyncVectorEnv([thunk(k) for k in range(num_envs)], autoreset_mode=autoreset_mode)
    return make


def greedy_vs_random(agent, make_one):
    def make_eval():
        env = make_one()
        env.action_space.seed(7)
        return env
    table = summarize(evaluate(make_eval, [agent.policy(), RandomPolicy(make_one().action_space)], episodes=5, seed=0))
    return table["a2c"]["return"], table["random"]["return"]


@pytest.mark.parametrize("make_one, steps, overrides", [
    (lambda: IdentityEnv(4, ep_length=EP_LEN), 2500, {"gamma": 0.4}),
    (lambda: IdentityEnvMultiDiscrete(4, ep_length=EP_LEN), 2500, {"gamma": 0.4}),
    # Reward only within +-0.1 of the target: a contextual bandit, so no discounting.
    (lambda: IdentityEnvBox(eps=0.1, ep_length=EP_LEN), 10000,
     {"gamma": 0.0, "optimizer": "adam", "lr": 3e-3, "log_std_init": -0.5}),
], ids=["discrete", "multidiscrete", "box"])
def test_a2c_learns_identity_envs(make_one, steps, overrides):
    agent = A2C(Config(total_steps=steps, num_envs=4, seed=0, **overrides), sync_factory(make_one))
    agent.learn()
    greedy, random = greedy_vs_random(agent, make_one)
    assert greedy >= 0.95 * EP_LEN
    assert random <= 0.3 * EP_LEN


def test_same_step_autoreset_learns_and_counts_episodes():
    make_one = lambda: IdentityEnv(4, ep_length=EP_LEN)  # noqa: E731
    agent = A2C(Config(total_steps=2500, num_envs=4, gamma=0.4), sync_factory(make_one, AutoresetMode.SAME_STEP))
    log = RecordingLog(2500)
    agent.learn(log)
    assert {length for _, length in log.episodes} == {EP_LEN}
    assert len(log.episodes) == 4 * (agent.global_step // 4 // EP_LEN)  # whole episodes per world
    greedy, random = greedy_vs_random(agent, make_one)
    assert greedy >= 0.95 * EP_LEN and random <= 0.3 * EP_LEN


class RecordingLog(RunLog):
    """A RunLog without output that remembers what the learner reported."""

    def __init__(self, total_steps):
        super().__init__(None, total_steps, progress=False)
        self.episodes, self.loss_records = [], []

    def episode(self, episodic_return, length):
        super().episode(episodic_return, length)
        self.episodes.append((episodic_return, length))

    def losses(self, **values):
        super().losses(**values)
        self.loss_records.append(values)


HOME_STEPS = 24  # SmartHome-v0 with duration="6h": 24 decisions of 15 min


def home_factory(**kwargs):
    return vector_env_factory("twin/SmartHome-v0", duration="6h", **kwargs)


def test_native_vector_env_autoreset_counts_episodes_and_steps():
    cfg = Config(total_steps=2 * HOME_STEPS * 3, num_envs=2, n_steps=5, log_every=1)
    agent = A2C(cfg, home_factory())
    log = RecordingLog(cfg.total_steps)
    agent.learn(log)
    # The autoreset step after each episode is not a decision: every episode is exactly 24 long.
    assert agent.global_step >= cfg.total_steps and log.step == agent.global_step
    assert [length for _, length in log.episodes] == [HOME_STEPS] * (agent.global_step // HOME_STEPS)
    assert len(log.episodes) == 6
    assert all(np.isfinite(r) and r < 0 for r, _ in log.episodes)  # costs: every day costs something
    assert len(log.loss_records) == agent.updates
    assert set(log.loss_records[0]) == {"value_loss", "policy_loss", "entropy"}


def test_multidiscrete_traffic_grid_has_one_head_per_intersection_and_trains_each():
    agent = A2C(Config(total_steps=60, num_envs=2, n_steps=4),
                vector_env_factory("twin/TrafficGrid-v0", duration="1min"))
    env = gym.make("twin/TrafficGrid-v0", duration="1min")
    nvec = tuple(int(n) for n in env.action_space.nvec)
    assert agent.net.head.sizes == nvec and len(nvec) > 1  # one categorical per intersection
    before = agent.net.actor_out.weight.detach().clone()
    log = RecordingLog(60)
    agent.learn(log)
    assert [length for _, length in log.episodes] == [12] * 4  # 1 min at 5 s decisions
    # Every intersection's logits took part in the updates (a head left out would keep its rows).
    changed = (agent.net.actor_out.weight.detach() != before).any(dim=1)
    assert all(block.all() for block in torch.split(changed, nvec)), changed
    policy = agent.policy()
    obs, _ = env.reset(seed=3)
    for _ in range(12):
        action = policy.act(obs)
        assert action.shape == env.action_space.shape and env.action_space.contains(action), action
        obs, *_ = env.step(action)
    result = run_episode(env, policy, seed=3)
    assert result.steps == 12 and result.kpis["vehicles_generated"] > 0 and result.kpis["mean_delay_all_s"] > 0


def weights(agent):
    return {k: v.clone() for k, v in agent.net.state_dict().items()}


def test_same_seed_same_weights_other_seed_other_weights():
    def train(seed):
        agent = A2C(Config(total_steps=120, num_envs=2, seed=seed), home_factory())
        return weights(agent.learn())
    a, b, c = train(3), train(3), train(4)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_save_load_acts_identically_and_resume_continues(tmp_path):
    cfg = Config(total_steps=100, num_envs=2, seed=1)
    agent = A2C(cfg, home_factory(discrete=True))  # Discrete(18) per home
    ckpt = tmp_path / "ckpt.pt"
    agent.learn(checkpoint_path=ckpt, checkpoint_every=40)
    assert ckpt.is_file()
    path = agent.save(tmp_path / "a2c.pt")

    loaded = load_policy(path)
    assert isinstance(loaded, Policy)
    env = gym.make("twin/SmartHome-v0", duration="6h", discrete=True)
    obs, _ = env.reset(seed=5)
    live = agent.policy()
    for _ in range(HOME_STEPS):
        a = live.act(obs)
        assert isinstance(a, int) and a == loaded.act(obs)
        obs, *_ = env.step(a)
    assert run_episode(env, live, 9).episode_return == run_episode(env, loaded, 9).episode_return

    resumed = A2C.resume(path, home_factory(discrete=True), total_steps=200)
    assert resumed.global_step == agent.global_step and resumed.updates == agent.updates
    assert all(torch.equal(v, weights(agent)[k]) for k, v in weights(resumed).items())
    assert resumed.optimizer.state_dict()["state"].keys() == agent.optimizer.state_dict()["state"].keys()
    log = RecordingLog(200)
    resumed.learn(log)
    assert resumed.global_step >= 200 and log.step == resumed.global_step - agent.global_step


def test_resume_refuses_another_action_space(tmp_path):
    agent = A2C(Config(total_steps=10, num_envs=1), home_factory())
    path = agent.save(tmp_path / "box.pt")
    with pytest.raises(UnsupportedSpace, match="action_space"):
        A2C.resume(path, home_factory(discrete=True))


def test_gae_masks_autoreset_and_bootstraps_only_truncation():
    # World 0: step 0 truncated (bootstrap from the returned obs' value), step 1 is the autoreset step.
    # World 1: step 0 terminated (no bootstrap). Values 0.5 everywhere, gamma 0.9, lambda 1.
    rewards = torch.tensor([[1.0, 1.0], [0.0, 2.0]])
    values = torch.full((2, 2), 0.5)
    next_values = torch.full((2, 2), 0.5)
    terminated = torch.tensor([[False, True], [False, False]])
    done = torch.tensor([[True, True], [False, False]])
    adv, ret = gae(rewards, values, next_values, terminated, done, 0.9, 1.0)
    assert ret[0, 0].item() == pytest.approx(1.0 + 0.9 * 0.5)  # truncated: bootstrapped, not chained
    assert ret[0, 1].item() == pytest.approx(1.0)  # terminated
    assert ret[1, 1].item() == pytest.approx(2.0 + 0.9 * 0.5)


def test_bad_config_and_spaces_say_what_is_allowed(tmp_path):
    with pytest.raises(ConfigError, match="gamma"):
        Config(gamma=1.5)
    with pytest.raises(ConfigError, match="allowed are"):
        Config().replace(learning_rate=1e-3)
    with pytest.raises(UnsupportedSpace, match="Discrete, MultiDiscrete or Box"):
        A2C(Config(num_envs=1), sync_factory(TupleActionEnv))
    bad = tmp_path / "x.pt"
    torch.save({"format": "other"}, bad)
    with pytest.raises(CheckpointError, match="not an A2C checkpoint"):
        load_policy(bad)


class TupleActionEnv(gym.Env):
    """An env with a Tuple action space, which A2C does not handle."""

    observation_space = gym.spaces.Box(-1, 1, (2,))
    action_space = gym.spaces.Tuple((gym.spaces.Discrete(2), gym.spaces.Discrete(2)))

    def reset(self, *, seed=None, options=None):
        return np.zeros(2, dtype=np.float32), {}

    def step(self, action):
        return np.zeros(2, dtype=np.float32), 0.0, True, False, {}
