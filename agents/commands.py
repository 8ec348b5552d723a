"""What ``twin train`` and ``twin eval`` do once their arguments are parsed (the CLI imports this lazily)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from agents.errors import AgentError
from agents.runs import write_json, write_text
from twin.errors import shown
from twin.scenario.yaml_guard import YamlProblem, parse_yaml

# KPIs shown by `twin eval` per environment family (every KPI goes to eval.json).
EVAL_COLUMNS = {
    "twin/SmartHome-v0": ["return", "energy_cost_eur", "comfort_violation_kh", "emissions_kg", "peak_demand_kw"],
    "twin/Neighborhood-v0": ["return", "energy_cost_eur", "comfort_violation_kh", "peak_demand_kw",
                             "transformer_overload_min"],
    "twin/TrafficGrid-v0": ["return", "mean_delay_all_s", "mean_travel_time_s", "mean_waiting_time_s", "arrived"],
}


def parse_assignments(items: list[str], what: str) -> dict[str, Any]:
    """``["key=value", ...]`` with YAML values as a dict; AgentError naming a malformed item."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise AgentError(f"{what} {shown(item)}: expected KEY=VALUE, e.g. {what} duration=1d")
        try:
            out[key.strip()] = parse_yaml(value)
        except YamlProblem as exc:
            raise AgentError(f"{what} {shown(item)}: the value is {exc.message}") from None
    return out


def run_train(args: argparse.Namespace) -> int:
    """``twin train``: validate everything, then train (or resume) and print where the run is."""
    from agents.train import Budget, TrainOptions, resume, train

    if args.resume is not None:
        given = [flag for flag, value in (("SCENARIO", args.scenario), ("--agent", args.agent), ("--out", args.out))
                 if value is not None]
        if given:
            raise AgentError(f"--resume continues a run as recorded in its run.json; drop {', '.join(given)} "
                             "(--steps or --episodes may raise its budget)")
        more = None if args.steps is None and args.episodes is None else Budget(args.steps, args.episodes)
        run = resume(args.resume, budget=more, progress=not args.quiet)
    else:
        from envs.config import EnvConfigError

        from agents.tasks import task_for_scenario

        if args.scenario is None or args.agent is None:
            raise AgentError("give a scenario and --agent (e.g. twin train scenarios/smart_home.yaml --agent ppo "
                             "--steps 200000), or --resume RUN")
        if args.num_envs < 1:
            raise AgentError(f"--num-envs: got {args.num_envs}; must be at least 1")
        env_kwargs = parse_assignments(args.env_kwargs, "--env")
        try:
            task = task_for_scenario(args.scenario, tuple(args.overrides), **env_kwargs)
            out = args.out or Path("runs") / f"{args.agent}-{args.scenario.stem}"
            options = TrainOptions(num_envs=args.num_envs, checkpoint_every=args.checkpoint_every,
                                   progress=not args.quiet, hyperparams=parse_assignments(args.hyperparams, "--hp"))
            run = train(args.agent, task, Budget(steps=args.steps, episodes=args.episodes), args.seed, out, options)
        except EnvConfigError as exc:
            raise AgentError(f"--env: {exc}") from None
    print(f"\ntrained {run.agent} on {run.task.env_id}: {run.path}/")
    print(f"  evaluate:    twin eval {run.path} --episodes 10")
    print("  TensorBoard: tensorboard --logdir " + str(run.path.parent))
    return 0


def run_eval(args: argparse.Namespace) -> int:
    """``twin eval``: the run's policy and the baselines on the same episodes; a KPI table."""
    from agents.baselines import baselines_for
    from agents.evaluate import evaluate, kpi_table_markdown, summarize
    from agents.train import load_policy

    if args.episodes < 1:
        raise AgentError(f"--episodes: got {args.episodes}; must be at least 1")
    policy, task = load_policy(args.run)
    probe = task.make()
    try:
        policies = [policy] + ([] if args.no_baselines else baselines_for(probe))
    finally:
        probe.close()
    results = evaluate(task.make, policies, args.episodes, args.seed)
    table = summarize(results)
    columns = [c for c in EVAL_COLUMNS.get(task.env_id, ["return"]) if any(c in row for row in table.values())]
    text = (f"# {policy.name} on {task.env_id}\n\n{args.episodes} episodes per policy from seed {args.seed}; "
            f"means per episode.\n\n{kpi_table_markdown(table, columns)}\n")
    print(text)
    run = Path(args.run)
    write_json(run / "eval.json", {"episodes": args.episodes, "seed": args.seed, "summary": table,
                                   "episodes_detail": [vars(r) for r in results]})
    write_text(run / "eval.md", text)
    print(f"written: {run / 'eval.md'}, {run / 'eval.json'}")
    return 0
