"""Train any agent on a task into a run folder, resume it, and load its policy back.

One entry point for ``twin train``, ``twin eval``, the viewer's ``--policy`` and the benchmark
suite: :func:`train` (or resume) writes a :class:`~agents.runs.RunFolder`; :func:`load_policy`
returns the trained policy and the task it acts on.

Agents: ``qlearning`` (tabular, numpy; budget in episodes), ``a2c`` (our actor-critic in torch),
and stable-baselines3's ``ppo``, ``sb3-a2c``, ``sac`` and ``dqn`` (budgets in env steps).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gymnasium import spaces

from agents.errors import AgentError
from agents.policy import Policy
from agents.runlog import RunLog
from agents.runs import RunFolder
from agents.tasks import SMART_HOME, Task

SB3_AGENTS = {"ppo": "ppo", "sb3-a2c": "a2c", "sac": "sac", "dqn": "dqn"}
AGENTS = ("qlearning", "a2c", *SB3_AGENTS)
EPISODE_AGENTS = ("qlearning",)
# What each agent can act on; SmartHome is switched to its discrete actions for agents that need them.
ACTS_ON = {"qlearning": (spaces.Discrete, spaces.MultiDiscrete), "dqn": (spaces.Discrete,), "sac": (spaces.Box,),
           "a2c": (spaces.Discrete, spaces.MultiDiscrete, spaces.Box),
           "ppo": (spaces.Discrete, spaces.MultiDiscrete, spaces.Box),
           "sb3-a2c": (spaces.Discrete, spaces.MultiDiscrete, spaces.Box)}
MODEL_FILES = {"qlearning": "model.npz", "a2c": "model.pt"}   # SB3 agents: model.zip (agents.sb3)
A2C_CHECKPOINT = "a2c.pt"


@dataclass(frozen=True)
class Budget:
    """How long to train: ``steps`` (env steps, summed over vector worlds) or ``episodes`` (qlearning)."""

    steps: int | None = None
    episodes: int | None = None


@dataclass(frozen=True)
class TrainOptions:
    """Settings of a training run beyond agent, task, budget and seed."""

    num_envs: int = 8                 # parallel worlds for a2c (native vector env where the id has one)
    checkpoint_every: int | None = None  # env steps (episodes for qlearning) between checkpoints; None: a tenth
    progress: bool = True             # show a progress bar
    hyperparams: dict[str, Any] = field(default_factory=dict)  # passed to the agent's config / constructor


def check_agent(agent: str, task: Task) -> Task:
    """The task as ``agent`` trains on it; AgentError if the agent is unknown or cannot act on it."""
    if agent not in AGENTS:
        raise AgentError(f"unknown agent {agent!r}; choose one of {', '.join(AGENTS)}")
    wanted = ACTS_ON[agent]
    if task.env_id == SMART_HOME and spaces.Box not in wanted:
        task = Task(task.env_id, {**task.env_kwargs, "discrete": True})
    env = task.make()
    try:
        space = env.action_space
    finally:
        env.close()
    if not isinstance(space, wanted):
        fits = [name for name, kinds in ACTS_ON.items() if isinstance(space, kinds)]
        raise AgentError(f"{agent} acts on {' or '.join(k.__name__ for k in wanted)} actions, but {task.env_id} "
                         f"({task.env_kwargs.get('scenario')}) has {space}; agents that fit it: {', '.join(fits)}")
    return task


def check_budget(agent: str, budget: Budget) -> None:
    """AgentError unless the budget is in the unit the agent counts (episodes for qlearning, else steps)."""
    if agent in EPISODE_AGENTS:
        if budget.episodes is None or budget.steps is not None:
            raise AgentError(f"{agent} trains for a number of episodes: give --episodes N (not --steps)")
        if budget.episodes < 1:
            raise AgentError(f"--episodes: got {budget.episodes}; must be at least 1")
    else:
        if budget.steps is None or budget.episodes is not None:
            raise AgentError(f"{agent} trains for a number of env steps: give --steps N (not --episodes)")
        if budget.steps < 1:
            raise AgentError(f"--steps: got {budget.steps}; must be at least 1")


def check_hyperparams(agent: str, hyperparams: dict[str, Any]) -> None:
    """AgentError naming what is allowed if ``hyperparams`` are unknown to ``agent`` or out of range."""
    try:
        if agent == "qlearning":
            from agents.tabular import QLearningConfig

            allowed = sorted(QLearningConfig.__dataclass_fields__)
            unknown = sorted(set(hyperparams) - set(allowed))
            if unknown:
                raise ValueError(f"unknown hyperparameter(s) {unknown}; allowed: {', '.join(allowed)}")
            QLearningConfig(**hyperparams)
        elif agent == "a2c":
            from agents.a2c import Config

            Config(total_steps=1).replace(**hyperparams)
        else:
            from agents.sb3.train import sb3_hyperparams

            sb3_hyperparams(SB3_AGENTS[agent], 1, hyperparams)
    except ValueError as exc:
        raise AgentError(f"{agent}: {exc}") from None


def train(agent: str, task: Task, budget: Budget, seed: int, out: str | Path,
          options: TrainOptions = TrainOptions()) -> RunFolder:
    """Train ``agent`` on ``task`` into a new run folder ``out``; return the finished folder.

    Everything that can be checked is checked before the folder is created."""
    check_budget(agent, budget)
    task = check_agent(agent, task)
    check_hyperparams(agent, options.hyperparams)
    run = RunFolder.create(out, agent=agent, task=task, seed=seed,
                           budget={k: v for k, v in vars(budget).items() if v is not None},
                           options={"num_envs": options.num_envs, "checkpoint_every": options.checkpoint_every,
                                    "hyperparams": options.hyperparams})
    return _fit(run, budget, options, resume=False)


def resume(out: str | Path, *, budget: Budget | None = None, progress: bool = True) -> RunFolder:
    """Continue the run in ``out`` from its newest checkpoint up to its recorded budget, or up to a
    larger ``budget`` (to train longer)."""
    run = RunFolder.open(out)
    if budget is not None:
        check_budget(run.agent, budget)
        run = run.update(budget={k: v for k, v in vars(budget).items() if v is not None}, status="training")
    budget = Budget(**run.record["budget"])
    opts = run.record.get("options", {})
    options = TrainOptions(num_envs=opts.get("num_envs", 8), checkpoint_every=opts.get("checkpoint_every"),
                           progress=progress, hyperparams=opts.get("hyperparams", {}))
    return _fit(run, budget, options, resume=True)


def _fit(run: RunFolder, budget: Budget, options: TrainOptions, *, resume: bool) -> RunFolder:
    agent, task, seed = run.agent, run.task, int(run.record["seed"])
    try:
        if agent == "qlearning":
            config = _fit_qlearning(run, task, budget.episodes, seed, options, resume)
        elif agent == "a2c":
            config = _fit_a2c(run, task, budget.steps, seed, options, resume)
        else:
            config = _fit_sb3(run, task, budget.steps, seed, options, resume)
    except (ValueError, FileNotFoundError) as exc:  # the learners' own checks: bad hyperparameters, tables too big
        raise AgentError(f"{agent}: {exc}") from None
    return run.update(status="done", agent_config=config)


def _every(options: TrainOptions, total: int) -> int:
    return options.checkpoint_every or max(total // 10, 1)


def _fit_qlearning(run: RunFolder, task: Task, episodes: int, seed: int, options: TrainOptions,
                   resume: bool) -> dict[str, Any]:
    """Train (or resume) tabular Q-learning; return its resolved configuration and discretizer."""
    from agents.tabular import QLearning, QLearningConfig

    env = task.make()
    try:
        checkpoint = run.checkpoints / MODEL_FILES["qlearning"]
        if resume and checkpoint.is_file():
            learner = QLearning.load(checkpoint)
        else:
            learner = QLearning.for_env(env, config=QLearningConfig(**options.hyperparams), seed=seed)
        done = learner.episodes_trained
        # The bar counts env steps (the episode length is the env's business); the budget is episodes.
        log = RunLog(run.tensorboard, None, progress=options.progress, start_step=learner.steps_trained)
        every = _every(options, episodes)
        run.checkpoints.mkdir(exist_ok=True)
        try:
            while done < episodes:
                chunk = min(every, episodes - done)
                learner.train(env, chunk, log=log, seed=seed + done, schedule=(done, episodes))
                done = learner.episodes_trained
                learner.save(checkpoint)
        finally:
            log.close()
        learner.save(run.path / MODEL_FILES["qlearning"])
        return {"config": asdict(learner.config), "discretizer": learner.discretizer.config()}
    finally:
        env.close()


def _fit_a2c(run: RunFolder, task: Task, steps: int, seed: int, options: TrainOptions, resume: bool) -> dict[str, Any]:
    """Train (or resume) our A2C; return its resolved Config."""
    from agents.a2c import A2C, Config

    checkpoint = run.checkpoints / A2C_CHECKPOINT
    if resume and checkpoint.is_file():
        learner = A2C.resume(checkpoint, task.make_vec, total_steps=steps)
    else:
        config = Config(total_steps=steps, seed=seed, num_envs=options.num_envs).replace(**options.hyperparams)
        learner = A2C(config, task.make_vec)
    run.checkpoints.mkdir(exist_ok=True)
    log = RunLog(run.tensorboard, steps, progress=options.progress, start_step=learner.global_step)
    try:
        learner.learn(log, checkpoint_path=checkpoint, checkpoint_every=_every(options, steps))
    finally:
        log.close()
    learner.save(run.path / MODEL_FILES["a2c"])
    return learner.config.to_dict()


def _fit_sb3(run: RunFolder, task: Task, steps: int, seed: int, options: TrainOptions, resume: bool) -> dict[str, Any]:
    """Train (or resume) a stable-baselines3 algorithm; return what the adapter recorded (sb3.json)."""
    from agents.baselines import baselines_for
    from agents.sb3 import SB3Evaluation, SB3Options, train_sb3
    from agents.sb3.policy import META_FILE

    probe = task.make()
    try:
        baselines = baselines_for(probe)
    finally:
        probe.close()
    train_sb3(SB3_AGENTS[run.agent], task.make, steps, seed, run.path,
              SB3Options(hyperparams=options.hyperparams or None, checkpoint_every=_every(options, steps),
                         resume=resume, progress=options.progress),
              SB3Evaluation(task.make, baselines))
    return json.loads((run.path / META_FILE).read_text(encoding="utf-8"))


def load_policy(run_dir: str | Path) -> tuple[Policy, Task]:
    """The trained policy of a finished run folder and the task it acts on."""
    run = RunFolder.open(run_dir)
    if run.record.get("status") != "done":
        raise AgentError(f"{run.path}: training has not finished (status {run.record.get('status')!r}); "
                         f"finish it with `twin train --resume {run.path}`")
    agent = run.agent
    if agent == "qlearning":
        from agents.tabular import QLearning

        policy: Policy = QLearning.load(run.path / MODEL_FILES[agent]).policy()
    elif agent == "a2c":
        from agents.a2c import load_policy as load_a2c

        policy = load_a2c(run.path / MODEL_FILES[agent])
    elif agent in SB3_AGENTS:
        from agents.sb3 import load_sb3

        policy = load_sb3(run.path, SB3_AGENTS[agent], name=agent)
    else:
        raise AgentError(f"{run.path}: unknown agent {agent!r} in run.json; known: {', '.join(AGENTS)}")
    return policy, run.task


__all__ = ["AGENTS", "Budget", "TrainOptions", "check_agent", "check_budget", "train", "resume", "load_policy"]
