"""The ``twin`` command line: run, validate and export scenarios.

Errors a user can fix (a bad scenario, an output folder in the way) print one message and exit
with code 2; nothing is half-written. Any other error is a bug in twin: :func:`main` is the one
place that turns it into a short message and exit code 1, with the traceback behind ``--debug``
(or ``TWIN_DEBUG=1``). Upper layers (envs, agents) are imported lazily inside the sub-commands
that need them, so ``twin`` itself only needs the world.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from twin import __version__
from twin.errors import TwinError, cut_line

EXAMPLES = """\
examples:
  twin run scenarios/neighborhood.yaml
  twin run scenarios/smart_home.yaml --days 7 --seed 3 --out runs/home
  twin run scenarios/neighborhood.yaml --set homes.count=50 --set grid.feeders=2
  twin run scenarios/smart_home.yaml --out runs/home --force   # beside your own files in runs/home
  twin validate scenarios/my_scenario.yaml
  twin compare runs/fixed runs/max-pressure            # KPIs side by side, the first as reference
  twin graph scenarios/neighborhood.yaml --format graphml --out city.graphml
  twin train scenarios/smart_home.yaml --agent ppo --steps 200000 --out runs/ppo-home
  twin eval runs/ppo-home --episodes 10
  twin forecast scenarios/neighborhood.yaml --target feeder_load --model mlp --horizon 24h --days 28
  twin bench --suite standard --seeds 5 --out bench/
  twin view scenarios/traffic_grid.yaml
  twin import osm downtown.osm --out nets/downtown.net.xml --scenario downtown.yaml
"""


def _scenario_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", type=Path, help="YAML scenario file")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE",
                   help="override a scenario field (dotted path, YAML value), e.g. homes.count=50; repeatable")
    p.add_argument("--seed", type=int, help="override the scenario's seed")
    p.add_argument("--days", type=float, help="override the simulated horizon, in days (e.g. 7 or 0.5)")


def build_parser(agents: bool = True) -> argparse.ArgumentParser:
    """The argument parser of the ``twin`` command (``agents=False``: without the forecast and bench
    sub-commands, whose parsers import the agents package; ``twin view`` needs neither)."""
    parser = argparse.ArgumentParser(
        prog="twin", description="A fast digital twin of smart homes and smart cities.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"twin {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an internal error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    run = sub.add_parser("run", help="simulate a scenario and write telemetry, KPIs, graph and plots",
                         description="Simulate a scenario; write telemetry.parquet, kpis.json, graph.json, "
                                     "plots and run.json into the output folder. An earlier run there is "
                                     "replaced at the end (only the files it lists in run.json); files twin did "
                                     "not write are never touched, and a second run into the same folder is "
                                     "refused while one is writing.")
    _scenario_args(run)
    run.add_argument("--out", type=Path, help="output folder (default: a new runs/<scenario file name>-<date>-<time>, "
                     "so no earlier run is replaced)")
    run.add_argument("--force", action="store_true",
                     help="write into --out although it holds files twin did not write (they are kept)")
    run.add_argument("--csv", action="store_true", help="also write telemetry.csv")
    run.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    run.add_argument("--baseline", action="store_true",
                     help="also run the world without control and report KPIs relative to it (<kpi>_vs_baseline)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")

    val = sub.add_parser("validate", help="check a scenario file without running it",
                         description="Check a scenario file and estimate the memory its world needs; exit 0 "
                                     "if it can run here, 2 with the problems if not.")
    _scenario_args(val)

    init = sub.add_parser("init", help="write a commented scenario file with every field at its default",
                          description="Write a scenario file to start from: every field at its default, each "
                                      "with its unit, range and choices in a comment. The traffic section is "
                                      "there but commented out unless --traffic. Never replaces a file without "
                                      "--force.")
    init.add_argument("file", type=Path, help="scenario file to write, e.g. my_scenario.yaml (its name becomes "
                                              "the scenario's name)")
    init.add_argument("--traffic", action="store_true", help="include the street grid (default: homes only)")
    init.add_argument("--force", action="store_true", help="replace the file if it exists")

    cmp = sub.add_parser("compare", help="KPIs of run folders side by side, with differences and a plot",
                         description="Compare the KPIs of run folders written by `twin run`: the first is the "
                                     "reference; each other run is shown with its difference (unit and percent) and "
                                     "whether it is better or worse. Prints the table and writes compare.md, "
                                     "compare.csv and compare.png.",
                         epilog="examples:\n  twin run scenarios/traffic_grid.yaml --out runs/fixed\n"
                                "  twin run scenarios/traffic_grid.yaml --set traffic.signals.controller=max_pressure "
                                "--out runs/mp\n  twin compare runs/fixed runs/mp\n"
                                "  twin compare runs/a runs/b runs/c --kpi energy_cost_eur --kpi peak_demand_kw",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    cmp.add_argument("runs", nargs="+", type=Path, help="run folders; the first is the reference")
    cmp.add_argument("--kpi", dest="kpis", action="append", default=[], metavar="NAME",
                     help="compare only this KPI; repeatable (default: every KPI any run has)")
    cmp.add_argument("--out", type=Path, help="output folder (default: runs/compare-<first>-<second>)")
    cmp.add_argument("--force", action="store_true",
                     help="write into --out although it holds files twin did not write (they are kept)")

    graph = sub.add_parser("graph", help="export a scenario's device graph (node-link JSON or GraphML)",
                           description="Generate a scenario's world and write its device graph.")
    _scenario_args(graph)
    graph.add_argument("--format", choices=("json", "graphml"), default="json", help="file format (default json)")
    graph.add_argument("--out", type=Path, help="file to write (default: <scenario name>.<format>)")

    train = sub.add_parser(
        "train", help="train an agent on a scenario into a run folder (or resume one)",
        description="Train an agent on the environment a scenario describes (one home: SmartHome-v0, several "
                    "homes: Neighborhood-v0, streets: TrafficGrid-v0). The run folder holds run.json (config, "
                    "seed, package versions), a copy of the scenario, checkpoints/, TensorBoard logs in tb/ "
                    "(tensorboard --logdir runs) and the final model.",
        epilog=TRAIN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("scenario", type=Path, nargs="?", help="YAML scenario file (not with --resume)")
    train.add_argument("--agent", help="qlearning, a2c (ours, torch), ppo, sb3-a2c, sac or dqn (stable-baselines3)")
    budget = train.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=int, help="env steps to train for (a2c, ppo, sb3-a2c, sac, dqn)")
    budget.add_argument("--episodes", type=int, help="episodes to train for (qlearning)")
    train.add_argument("--seed", type=int, default=0, help="seed of the agent and the episodes (default 0)")
    train.add_argument("--out", type=Path, help="run folder (default: runs/<agent>-<scenario name>)")
    train.add_argument("--resume", type=Path, metavar="RUN",
                       help="continue the run in this folder from its last checkpoint (with --steps/--episodes: "
                            "up to that larger budget)")
    train.add_argument("--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE",
                       help="override a scenario field, as in twin run; repeatable")
    train.add_argument("--env", dest="env_kwargs", action="append", default=[], metavar="KEY=VALUE",
                       help="environment keyword (YAML value), e.g. decision_interval=15min or duration=1d; repeatable")
    train.add_argument("--hp", dest="hyperparams", action="append", default=[], metavar="KEY=VALUE",
                       help="agent hyperparameter (YAML value), e.g. lr=0.001; repeatable")
    train.add_argument("--num-envs", type=int, default=8, help="parallel worlds for a2c (default 8)")
    train.add_argument("--checkpoint-every", type=int, help="steps (episodes for qlearning) between checkpoints "
                                                            "(default: a tenth of the budget)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    ev = sub.add_parser("eval", help="evaluate a trained policy against the built-in baselines",
                        description="Play the run's policy and every rule-based baseline of its environment on "
                                    "the same seeded episodes; print the KPI table and write eval.md and eval.json "
                                    "into the run folder.")
    ev.add_argument("run", type=Path, help="run folder written by twin train")
    ev.add_argument("--episodes", type=int, default=5, help="episodes per policy (default 5)")
    ev.add_argument("--seed", type=int, default=10_000, help="seed of the first episode (default 10000, apart "
                                                             "from training seeds)")
    ev.add_argument("--no-baselines", action="store_true", help="evaluate the policy alone")

    # The forecast and bench parsers live with their code; those modules import no torch, gymnasium,
    # pygame or ray.
    if agents:
        from agents.bench.command import add_bench_parser
        from agents.forecast.command import add_forecast_parser

        add_forecast_parser(sub)
        add_bench_parser(sub)
    from twin.traffic.osm_import import add_import_parser  # stdlib only until it runs
    from twin.viewer.command import add_view_parser  # no pygame until something is drawn

    add_import_parser(sub)
    add_view_parser(sub)
    for command in sub.choices.values():  # --debug after the command, too; SUPPRESS keeps the first one's value
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help="show the traceback of an internal error")
    return parser


TRAIN_EXAMPLES = """\
examples:
  twin train scenarios/smart_home.yaml --agent ppo --steps 200000 --seed 1 --out runs/ppo-home
  twin train scenarios/traffic_grid.yaml --agent a2c --steps 300000 --out runs/a2c-grid
  twin train scenarios/smart_home.yaml --agent qlearning --episodes 300 --out runs/q-home
  twin train --resume runs/ppo-home                 # after an interruption
  twin train --resume runs/ppo-home --steps 400000  # train longer
  twin eval runs/ppo-home --episodes 10
  tensorboard --logdir runs
"""


def _load(args: argparse.Namespace):
    from twin.scenario import command_line_overrides, load_scenario

    return load_scenario(args.scenario, command_line_overrides(args.overrides, args.seed, args.days))


def cmd_run(args: argparse.Namespace) -> int:
    """``twin run``: simulate and write the results folder."""
    import datetime as dt

    from twin.rundir import dated_folder
    from twin.scenario.memory import check_memory

    scenario = _load(args)  # before the heavier imports: a bad file is refused at once
    from twin.kpis import kpi_table
    from twin.runner import run_scenario

    updates = {}
    if args.csv:
        updates["csv"] = True
    if args.no_plots:
        updates["plots"] = False
    if args.baseline:
        updates["baseline"] = True
    if updates:
        scenario = scenario.model_copy(update={"outputs": scenario.outputs.model_copy(update=updates)})
    check_memory(scenario, where=str(args.scenario))  # again in run_scenario; here it can name the file
    out = args.out or dated_folder(Path("runs"), args.scenario.stem, dt.datetime.now())
    result = run_scenario(scenario, out, progress=not args.quiet, force=args.force)
    print(f"\n{scenario.name}: {describe_world(scenario)}, {args.scenario} "
          f"({result.wall_s:.1f} s wall, {len(result.telemetry):,} readings)")
    print(kpi_table(result.kpis))
    for note in result.notes:
        print(f"note: {note}")
    print(f"\nresults: {result.out_dir}/  ({', '.join(result.files)})")
    return 0


def describe_world(scenario) -> str:
    """``"200 homes on 4 feeders"``, ``"the CityLearn buildings of <dataset folder>"``, ``"a 4x4 street
    grid"`` (or ``"the SUMO network x.net.xml"``), or those there are joined by "and"."""
    parts = []
    homes, feeders = scenario.homes.count, scenario.grid.feeders
    if homes:
        parts.append(f"{homes} home{'s' * (homes != 1)} on {feeders} feeder{'s' * (feeders != 1)}")
    if scenario.homes.source == "citylearn":
        parts.append(f"the CityLearn buildings of {Path(scenario.homes.dataset).parent.name or scenario.homes.dataset}")
    if scenario.traffic is not None:
        net = scenario.traffic.network
        if scenario.traffic.imported:
            parts.append(f"the SUMO network {Path(net.sumo_net).name}")
        else:
            parts.append(f"a {net.rows}x{net.cols} street grid")
    return " and ".join(parts) or "an empty world"


def cmd_validate(args: argparse.Namespace) -> int:
    """``twin validate``: load and check only."""
    from twin.scenario.memory import check_memory, format_bytes
    from twin.units import format_duration

    s = _load(args)
    memory = check_memory(s, where=str(args.scenario))
    steps = [f"homes every {format_duration(s.resolution)}"] if s.homes.count else []
    if s.traffic is not None:
        steps.append(f"traffic every {format_duration(s.traffic.resolution)} "
                     f"({s.traffic.signals.controller.replace('_', '-')} signals)")
    print(f"ok: {args.scenario}: '{s.name}', {describe_world(s)}, {format_duration(s.duration)} from "
          f"{s.start:%Y-%m-%d %H:%M} ({', '.join(steps)}), seed {s.seed}; "
          f"needs about {format_bytes(memory.total_bytes)} of memory")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """``twin init``: write a commented scenario template."""
    from twin.scenario.template import write_template

    scenario = write_template(args.file, traffic=args.traffic, force=args.force)
    print(f"wrote {args.file}: '{scenario.name}', {describe_world(scenario)}; edit it, then\n"
          f"  twin validate {args.file}\n  twin run {args.file}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """``twin compare``: print the KPI table of run folders and write it with a plot."""
    from twin.compare import compare_runs, markdown, write_comparison

    comparison = compare_runs(list(args.runs), tuple(args.kpis))
    out = args.out or Path("runs") / f"compare-{args.runs[0].name}-{args.runs[1].name}"
    files = write_comparison(comparison, out, force=args.force)
    print(markdown(comparison))
    print(f"results: {out}/  ({', '.join(files)})")
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    """``twin graph``: build the world's graph and write it."""
    from twin.build import build_world
    from twin.rundir import check_creatable, sweep_leftovers

    scenario = _load(args)
    out = args.out or Path(f"{args.scenario.stem}.{args.format}")
    if out.is_dir():
        raise TwinError(f"--out: {out} is a folder; give a file name")
    check_creatable(out)
    graph = build_world(scenario).graph
    sweep_leftovers(out)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        (graph.write_graphml if args.format == "graphml" else graph.write_json)(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    counts = ", ".join(f"{n} {kind}" for kind, n in graph.counts().items())
    print(f"wrote {out}: {len(graph)} nodes, {graph.g.number_of_edges()} edges ({counts})")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    """``twin train``: train (or resume) an agent into a run folder."""
    from agents.commands import run_train

    return run_train(args)


def cmd_eval(args: argparse.Namespace) -> int:
    """``twin eval``: a trained policy against the baselines of its environment."""
    from agents.commands import run_eval

    return run_eval(args)


def cmd_forecast(args: argparse.Namespace) -> int:
    """``twin forecast``: train and score a forecaster on a scenario's telemetry."""
    from agents.forecast.command import run_forecast_command

    return run_forecast_command(args)


def cmd_bench(args: argparse.Namespace) -> int:
    """``twin bench``: the research benchmark suite."""
    from agents.bench.command import run_bench_command

    return run_bench_command(args)


def cmd_view(args: argparse.Namespace) -> int:
    """``twin view``: the interactive viewer, or headless frames and recordings."""
    from twin.viewer.command import run_view_command

    if args.policy is None:
        return run_view_command(args)
    from agents.watch import policy_simulation

    return run_view_command(args, policy_simulation)


def cmd_import(args: argparse.Namespace) -> int:
    """``twin import osm``: an OpenStreetMap extract to a SUMO network (:mod:`twin.traffic.osm_import`)."""
    from twin.traffic.osm_import import cmd_import as run_import

    return run_import(args)


COMMANDS = {"import": cmd_import, "run": cmd_run, "validate": cmd_validate, "init": cmd_init, "compare": cmd_compare, "graph": cmd_graph, "view": cmd_view, "train": cmd_train,
            "eval": cmd_eval, "forecast": cmd_forecast,
            "bench": cmd_bench}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``twin`` console script; returns the exit code.

    0: done; 2: bad input, with one message saying what and where (argparse uses 2 as well);
    1: an internal error, a bug in twin, shown as one line (the traceback with ``--debug``);
    130: interrupted.
    """
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if not a.startswith("-")), None)  # the global options take no values
    args = build_parser(agents=command != "view").parse_args(argv)
    debug = args.debug or os.environ.get("TWIN_DEBUG", "") not in ("", "0")
    try:
        return COMMANDS[args.command](args)
    except TwinError as exc:
        print(f"twin: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("twin: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `twin ... | head` closed our output: nothing left to say
        sys.stderr.close()
        return 1
    except MemoryError:
        if debug:
            raise
        print("twin: error: ran out of memory, although the scenario's estimate fitted; shorten the horizon or "
              "build a smaller world (--debug shows where)", file=sys.stderr)
        return 1
    except Exception as exc:  # the one place an unexpected error is turned into a message
        if debug:
            raise
        first_line = (str(exc).splitlines() or [""])[0]
        print(f"twin: internal error: {type(exc).__name__}: {cut_line(first_line, 200)}\n"
              "  This is a bug in twin, not in your input. Re-run with --debug to see the traceback, "
              "and please report it.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
