"""``twin forecast``: simulate a scenario (or read a run's telemetry), train a forecaster on the
first part of one series, score it on the last part against seasonal naive, and write the results.

The output folder gets ``metrics.json``, ``forecast.png``, the fitted model (``model.npz`` or
``model.pt``) and a ``run.json`` manifest; it is written whole at the end or not at all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

from agents.forecast.data import FEATURES, TARGETS, Series, target_series
from agents.forecast.errors import ForecastError
from agents.forecast.experiment import ForecastConfig, ForecastResult, metrics_table, run_forecast
from agents.forecast.metrics import METRIC_DEFINITIONS
from agents.forecast.registry import MODELS, model_filename
from twin.telemetry.table import Telemetry
from twin.units import DURATION_HELP, format_duration, parse_duration_s

# Every file `twin forecast` may write into its folder.
FORECAST_FILES = frozenset({"metrics.json", "forecast.png", "run.json", *(model_filename(m) for m in MODELS)})

EXAMPLES = """\
targets:
{targets}

models:
{models}

metrics: MAE and RMSE in the target's unit; NRMSE = RMSE / |mean of the actual readings|; the
last column is the NRMSE improvement over seasonal naive (positive = better), pooled over every
rolling forecast origin (one reading apart) of the test part and every step of the horizon.

examples:
  twin forecast scenarios/neighborhood.yaml --target feeder_load --model lstm --horizon 24h --days 28
  twin forecast scenarios/neighborhood.yaml --model ridge --days 14 --set homes.count=50
  twin forecast scenarios/smart_home.yaml --target pv --model mlp --horizon 6h --days 21
  twin forecast runs/neighborhood --target home_load --node home-003 --horizon 4h
"""


def add_forecast_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``forecast`` sub-command to an ``argparse`` sub-parsers object; returns its parser."""
    epilog = EXAMPLES.format(targets="\n".join(f"  {k:<15}{v}" for k, v in TARGETS.items()),
                             models="\n".join(f"  {k:<15}{v}" for k, v in MODELS.items()))
    p = subparsers.add_parser(
        "forecast", help="train and score a forecaster on a scenario's telemetry",
        description="Simulate a scenario (or read a run's telemetry), build a series of one target, train a\n"
                    "forecaster on the first part in time and score it on the last part against seasonal naive\n"
                    "and persistence. Writes metrics.json, forecast.png, the model and run.json into the output\n"
                    "folder, replaced whole at the end.",
        epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", type=Path,
                   help="YAML scenario to simulate, or a run folder of 'twin run' (or its telemetry.parquet) to read")
    p.add_argument("--target", default="feeder_load", help=f"series to forecast: {', '.join(TARGETS)} "
                                                           "(default feeder_load; see below)")
    p.add_argument("--node", help="node to forecast, e.g. home-003, feeder-2, int-1-2/det-W (default: the "
                                  "aggregate or busiest one, see targets below)")
    p.add_argument("--model", default="ridge", help=f"forecaster: {', '.join(MODELS)} (default ridge)")
    p.add_argument("--horizon", default="24h", help="how far ahead to forecast, a multiple of the reading interval "
                                                    "(default 24h)")
    p.add_argument("--lookback", default="1d", help="history the learned models see (default 1d)")
    p.add_argument("--period", default="1d", help="seasonal naive period (default 1d)")
    p.add_argument("--test-fraction", type=float, default=0.25,
                   help="last share of the readings held out for scoring (default 0.25)")
    p.add_argument("--no-features", action="store_true",
                   help=f"learn from past readings only, without the features {', '.join(FEATURES)}")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE",
                   help="override a scenario field (dotted path, YAML value), e.g. homes.count=50; repeatable")
    p.add_argument("--seed", type=int, help="override the scenario's seed; also seeds model training "
                                            "(default: the scenario's seed)")
    p.add_argument("--days", type=float, help="override the simulated horizon, in days (e.g. 28)")
    p.add_argument("--out", type=Path, help="output folder (default: runs/forecast-<source>-<target>-<model>)")
    p.add_argument("--force", action="store_true",
                   help="write into --out although it holds files twin did not write (they are kept)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=run_forecast_command)
    return p


def run_forecast_command(args: argparse.Namespace) -> int:
    """Run ``twin forecast`` with parsed ``args``; returns the exit code. Bad input raises a TwinError
    (ForecastError), which the CLI prints before exiting 2."""
    return _forecast(args)


def _forecast(args: argparse.Namespace) -> int:
    from twin.rundir import run_folder
    from twin.runner import package_versions

    if args.target not in TARGETS:
        raise ForecastError(f"--target: unknown target {args.target!r}; choose one of: {', '.join(TARGETS)}")
    if args.model not in MODELS:
        raise ForecastError(f"--model: unknown model {args.model!r}; choose one of: {', '.join(MODELS)}")
    durations = {name: _duration(name, getattr(args, name)) for name in ("horizon", "lookback", "period")}
    out = args.out or Path("runs") / f"forecast-{args.source.stem}-{args.target}-{args.model}"
    source_dir = args.source if args.source.is_dir() else args.source.parent
    if out.resolve() == source_dir.resolve() or out.resolve() in source_dir.resolve().parents:
        raise ForecastError(f"--out: {out} holds the source {args.source}, which would be replaced; "
                            "choose another --out")
    with run_folder(out, may_write=FORECAST_FILES, force=args.force) as tmp:
        telemetry, seed, what = _telemetry(args)
        series = target_series(telemetry, args.target, args.node)
        config = ForecastConfig(model=args.model, horizon_s=durations["horizon"], lookback_s=durations["lookback"],
                                period_s=durations["period"], test_fraction=args.test_fraction,
                                use_features=not args.no_features, seed=seed)
        result = run_forecast(series, config)
        metrics = metrics_json(result, source=str(args.source))
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        result.model.save(tmp / model_filename(args.model))
        from agents.forecast.plot import plot_forecast

        plot_forecast(result, tmp / "forecast.png")
        manifest = {"command": "forecast", "source": str(args.source), "seed": seed,
                    "finished": dt.datetime.now().isoformat(timespec="seconds"), "versions": package_versions()}
        (tmp / "run.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        files = sorted(p.name for p in tmp.iterdir())
    print(f"\n{what}: {series.target} of {series.node}, {len(series)} readings every "
          f"{format_duration(series.interval_s)}; trained on {_span(series, 0, result.test_start)}, "
          f"tested on {_span(series, result.test_start, len(series))} ({len(result.origins)} forecast origins, "
          f"horizon {format_duration(config.horizon_s)}); fit took {result.fit_s:.1f} s")
    print(metrics_table(result))
    print(f"\nresults: {out}/  ({', '.join(files)})")
    return 0


def _duration(name: str, value: str) -> int:
    try:
        return parse_duration_s(value)
    except ValueError:
        raise ForecastError(f"--{name}: got {value!r}; expected {DURATION_HELP}") from None


def _telemetry(args: argparse.Namespace) -> tuple[Telemetry, int, str]:
    """(telemetry record, training seed, description) from a scenario to simulate or a run's record."""
    source: Path = args.source
    parquet = source / "telemetry.parquet" if source.is_dir() else source
    if parquet.suffix == ".parquet":
        if not parquet.is_file():
            raise ForecastError(f"{source}: no telemetry.parquet here; give a scenario YAML or a run folder")
        if args.overrides or args.days is not None:
            raise ForecastError("--set and --days apply to a scenario; this source is a recorded run")
        return Telemetry.read_parquet(parquet), args.seed or 0, f"{parquet}"
    from twin.runner import simulate
    from twin.scenario import command_line_overrides, load_scenario

    scenario = load_scenario(source, command_line_overrides(args.overrides, args.seed, args.days))
    _, telemetry = simulate(scenario, progress=not args.quiet)
    return telemetry, scenario.seed, f"{scenario.name} ({format_duration(scenario.duration)} simulated)"


def _span(series: Series, begin: int, end: int) -> str:
    return f"{(end - begin) * series.interval_s / 86400:g} days"


def metrics_json(result: ForecastResult, *, source: str) -> dict[str, Any]:
    """The contents of ``metrics.json``: what was forecast, the split, and every forecaster's scores."""
    s, c = result.series, result.config

    def stamp(i: int) -> str:
        return (s.start + dt.timedelta(seconds=int(s.time_s[i]))).isoformat()

    return _finite({
        "source": source, "target": s.target, "node": s.node, "unit": s.unit, "interval_s": s.interval_s,
        "readings": len(s), "model": c.model, "horizon_s": c.horizon_s, "horizon_steps": result.horizon,
        "lookback_s": c.lookback_s, "period_s": c.period_s, "features": list(FEATURES) if c.use_features else [],
        "seed": c.seed,
        "train": {"readings": result.test_start, "first": stamp(0), "last": stamp(result.test_start - 1)},
        "test": {"readings": len(s) - result.test_start, "first": stamp(result.test_start), "last": stamp(len(s) - 1),
                 "origins": len(result.origins)},
        "scores": {name: sc.as_dict() for name, sc in result.scores.items()},
        "nrmse_improvement_pct": result.improvement_pct,
        "fit_seconds": round(result.fit_s, 3), "model_details": dict(result.details),
        "definitions": METRIC_DEFINITIONS,
    })


def _finite(obj: Any) -> Any:
    """Replace NaN and infinities by None so the file is strict JSON."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
