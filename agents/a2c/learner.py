"""Advantage actor-critic (A2C) on a Gymnasium vector env: collect a rollout, take one gradient step, repeat.

The loop of SB3's ``a2c.py`` and cleanRL's scripts, as an importable class::

    agent = A2C(Config(total_steps=100_000), vector_env_factory("twin/SmartHome-v0"))
    agent.learn(RunLog(Path("runs/a2c"), agent.config.total_steps), checkpoint_path=Path("ckpt.pt"),
                checkpoint_every=10_000)
    agent.save("a2c.pt");  policy = load_policy("a2c.pt")
    A2C.resume("ckpt.pt", vector_env_factory("twin/SmartHome-v0")).learn()   # on to total_steps

Steps are agent decisions summed over worlds; the autoreset steps of next-step vector envs are
not counted (see ``agents.a2c.rollout``).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import torch
from gymnasium.vector import AutoresetMode

from agents.a2c.checkpoint import read_checkpoint, write_checkpoint
from agents.a2c.config import Config
from agents.a2c.policy import A2CPolicy, build_network
from agents.a2c.rollout import Rollout, gae
from agents.a2c.spaces import ActionAdapter, ObsEncoder, UnsupportedSpace, space_to_dict
from agents.a2c.vector import MakeVecEnv, autoreset_mode
from agents.runlog import RunLog


class A2C:
    """An actor-critic learner bound to a vector env made by ``make_vec_env(config.num_envs)``."""

    def __init__(self, config: Config, make_vec_env: MakeVecEnv):
        self.config = config
        self.envs = make_vec_env(config.num_envs)
        try:
            if self.envs.num_envs != config.num_envs:
                raise ValueError(f"make_vec_env({config.num_envs}) returned a vector env with "
                                 f"num_envs={self.envs.num_envs}; it must make exactly the number it is given")
            self.autoreset = autoreset_mode(self.envs)
            self.encoder = ObsEncoder(self.envs.single_observation_space, config.normalize_obs, config.obs_clip)
            self.adapter = ActionAdapter(self.envs.single_action_space)
        except ValueError:
            self.envs.close()
            raise
        self.generator = torch.Generator().manual_seed(config.seed)
        self.net = build_network(config, self.encoder, self.adapter, self.generator)
        if config.optimizer == "rmsprop":
            self.optimizer: torch.optim.Optimizer = torch.optim.RMSprop(self.net.parameters(), lr=config.lr,
                                                                        alpha=0.99, eps=1e-5)
        else:
            self.optimizer = torch.optim.Adam(self.net.parameters(), lr=config.lr, eps=1e-5)
        self.global_step = 0
        """agent decisions learned from so far (summed over worlds)"""
        self.updates = 0
        """gradient updates so far"""
        n = config.num_envs
        self._obs = None  # the vector env's current observations; None until the first reset
        self._ended = np.zeros(n, dtype=bool)  # world ended on the last step (next-step autoreset pending)
        self._episode_return = np.zeros(n)
        self._episode_length = np.zeros(n, dtype=np.int64)

    # -- training ------------------------------------------------------------------------------
    def learn(self, log: RunLog | None = None, *, checkpoint_path: str | Path | None = None,
              checkpoint_every: int | None = None) -> A2C:
        """Train until ``config.total_steps`` decisions; with ``checkpoint_path`` and ``checkpoint_every``
        (decisions), save a resumable checkpoint there (overwritten) that often. Torch runs on
        ``config.torch_threads`` CPU threads meanwhile, so a seed gives the same weights every time."""
        if checkpoint_every is not None and (checkpoint_path is None or checkpoint_every < 1):
            raise ValueError(f"checkpoint_every={checkpoint_every!r} needs a checkpoint_path and must be >= 1")
        cfg = self.config
        threads = torch.get_num_threads()
        torch.set_num_threads(cfg.torch_threads)
        try:
            if self._obs is None:
                self._obs, _ = self.envs.reset(seed=self._reset_seed())
            last_checkpoint = self.global_step
            while self.global_step < cfg.total_steps:
                if cfg.anneal_lr:
                    for group in self.optimizer.param_groups:
                        group["lr"] = cfg.lr * (1.0 - self.global_step / cfg.total_steps)
                losses = self._update(self._collect(log))
                self.updates += 1
                if log is not None and self.updates % cfg.log_every == 0:
                    log.losses(**losses)
                if checkpoint_every is not None and self.global_step - last_checkpoint >= checkpoint_every:
                    self.save(checkpoint_path)
                    last_checkpoint = self.global_step
        finally:
            torch.set_num_threads(threads)
        return self

    def _reset_seed(self) -> int:
        """``config.seed`` for a fresh run; a resumed run starts new worlds, seeded from (seed, step)."""
        if self.global_step == 0:
            return self.config.seed
        return int(np.random.SeedSequence([self.config.seed, self.global_step]).generate_state(1)[0])

    def _collect(self, log: RunLog | None) -> Rollout:
        cfg, head = self.config, self.net.head
        action_shape = (len(self.adapter.sizes),) if self.adapter.kind != "gaussian" else self.adapter.sizes
        rollout = Rollout(cfg.n_steps, cfg.num_envs, self.encoder.dim, action_shape,
                          np.float32 if self.adapter.kind == "gaussian" else np.int64)
        next_step = self.autoreset == AutoresetMode.NEXT_STEP
        for t in range(cfg.n_steps):
            x = self.encoder.encode(self._obs, update=True)
            with torch.no_grad():
                actions = head.sample(self.net.policy_params(torch.as_tensor(x)), self.generator).numpy()
            obs, reward, terminated, truncated, info = self.envs.step(self.adapter.to_env(actions))
            # A next-step autoreset step only resets a world that ended: not a transition to learn from.
            valid = ~self._ended if next_step else np.ones(cfg.num_envs, dtype=bool)
            rollout.add(t, x, actions, reward, terminated, truncated, valid)
            if not next_step:
                for i in np.flatnonzero(truncated):
                    rollout.final_obs[(t, int(i))] = self.encoder.encode(info["final_obs"][i][None])[0]
            self._count(reward, terminated | truncated, valid, log)
            self._ended = terminated | truncated
            self._obs = obs
        rollout.last_obs[:] = self.encoder.encode(self._obs)
        return rollout

    def _count(self, reward: np.ndarray, done: np.ndarray, valid: np.ndarray, log: RunLog | None) -> None:
        """Advance the step count by the valid decisions and log every episode that ended."""
        self._episode_return += np.where(valid, reward, 0.0)
        self._episode_length += valid
        steps = int(valid.sum())
        self.global_step += steps
        if log is not None:
            log.advance(steps)
        for i in np.flatnonzero(done & valid):
            if log is not None:
                log.episode(float(self._episode_return[i]), int(self._episode_length[i]))
            self._episode_return[i], self._episode_length[i] = 0.0, 0

    def _update(self, rollout: Rollout) -> dict[str, float]:
        cfg = self.config
        n_steps, n = rollout.rewards.shape
        obs = torch.as_tensor(rollout.obs).reshape(n_steps * n, -1)
        actions = torch.as_tensor(rollout.actions).reshape(n_steps * n, *rollout.actions.shape[2:])
        log_prob, entropy, value = self.net.evaluate(obs, actions)
        values = value.detach().reshape(n_steps, n)
        with torch.no_grad():
            next_values = torch.cat([values[1:], self.net.value(torch.as_tensor(rollout.last_obs))[None]])
            for (t, i), final in rollout.final_obs.items():
                next_values[t, i] = self.net.value(torch.as_tensor(final[None]))[0]
        advantages, returns = gae(torch.as_tensor(rollout.rewards), values, next_values,
                                  torch.as_tensor(rollout.terminated), torch.as_tensor(rollout.done),
                                  cfg.gamma, cfg.gae_lambda)
        mask = torch.as_tensor(rollout.valid).reshape(-1).float()
        count = mask.sum().clamp(min=1.0)
        advantages, returns = advantages.reshape(-1), returns.reshape(-1)
        if cfg.normalize_advantage:
            mean = (advantages * mask).sum() / count
            std = (((advantages - mean) ** 2 * mask).sum() / count).sqrt()
            advantages = (advantages - mean) / (std + 1e-8)
        policy_loss = -(advantages * log_prob * mask).sum() / count
        value_loss = ((returns - value) ** 2 * mask).sum() / count
        entropy_mean = (entropy * mask).sum() / count
        loss = policy_loss - cfg.ent_coef * entropy_mean + cfg.vf_coef * value_loss
        self.optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.net.parameters(), cfg.max_grad_norm)
        self.optimizer.step()
        return {"value_loss": value_loss.item(), "policy_loss": policy_loss.item(), "entropy": entropy_mean.item()}

    # -- acting, saving, resuming --------------------------------------------------------------
    def policy(self, name: str = "a2c") -> A2CPolicy:
        """A snapshot of the current policy for one (non-vector) env, acting greedily; later
        training does not change it."""
        return A2CPolicy(copy.deepcopy(self.net), copy.deepcopy(self.encoder), self.adapter, name)

    def save(self, path: str | Path) -> Path:
        """Write a checkpoint with everything to act (``load_policy``) and to go on learning (``resume``)."""
        return write_checkpoint(path, {
            "config": self.config.to_dict(),
            "observation_space": space_to_dict(self.envs.single_observation_space),
            "action_space": space_to_dict(self.envs.single_action_space),
            "model": self.net.state_dict(),
            "obs_normalizer": self.encoder.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "global_step": self.global_step,
            "updates": self.updates,
            "generator": self.generator.get_state(),
        })

    @classmethod
    def resume(cls, path: str | Path, make_vec_env: MakeVecEnv, total_steps: int | None = None) -> A2C:
        """The learner saved at ``path``, ready to ``learn()`` on to its ``total_steps`` (or a new one).
        Weights, optimizer, normalizer, step count and sampling RNG are restored; the env starts new
        episodes (env state is not saved), seeded from the config seed and the step count."""
        state = read_checkpoint(path)
        config = Config.from_dict(state["config"])
        if total_steps is not None:
            config = config.replace(total_steps=total_steps)
        agent = cls(config, make_vec_env)
        for key, space in (("observation_space", agent.envs.single_observation_space),
                           ("action_space", agent.envs.single_action_space)):
            if space_to_dict(space) != state[key]:
                raise UnsupportedSpace(f"{path} was trained with {key} {state[key]}, the env has {space}")
        agent.net.load_state_dict(state["model"])
        agent.optimizer.load_state_dict(state["optimizer"])
        agent.encoder.load_state_dict(state["obs_normalizer"])
        agent.generator.set_state(state["generator"])
        agent.global_step, agent.updates = int(state["global_step"]), int(state["updates"])
        return agent

    def close(self) -> None:
        """Close the vector env."""
        self.envs.close()


__all__ = ["A2C"]
