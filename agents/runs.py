"""Training run folders: everything needed to reproduce, evaluate and resume a run.

A run folder (``twin train ... --out runs/x``) holds:

- ``run.json``: agent, task (env id and keywords), budget, seed, agent options, package versions,
  and the status (``training`` until the final model is written, then ``done``);
- ``scenario.yaml``: a copy of the scenario file, which the recorded task points at, so the run
  does not depend on the original file staying as it was, with the files it names by a relative
  path (a SUMO net, route or EPW file) beside it as the original has them (``inputs/`` for those
  reached through ``..``);
- ``model.*``: the final model; ``checkpoints/``: periodic checkpoints to resume from;
- ``tb/``: TensorBoard logs (``tensorboard --logdir runs``); ``eval.md``/``eval.json`` after ``twin eval``.

JSON files are written atomically (a temporary file renamed into place).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.errors import RunFolderError
from agents.tasks import Task
from twin.rundir import check_creatable
from twin.runner import package_versions
from twin.scenario.loader import relative_inputs

RUN_FILE = "run.json"
SCENARIO_COPY = "scenario.yaml"
INPUTS_DIR = "inputs"  # input files the scenario reached through "..", copied into the run folder
AGENT_PACKAGES = ("gymnasium", "pettingzoo", "torch", "stable-baselines3", "numba")


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a temporary file renamed into place)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON to ``path`` atomically."""
    write_text(path, json.dumps(data, indent=2, default=str) + "\n")


def copy_scenario(source: Path, folder: Path) -> None:
    """Copy the scenario file ``source`` to ``folder/scenario.yaml`` with the files it names by a
    relative path (a SUMO net, route or EPW file) at the same place beside the copy, so the copy
    loads wherever the folder goes. A file reached through ``..`` is put in ``inputs/`` and the
    copy names it there."""
    text = source.read_text(encoding="utf-8")
    for value, file in relative_inputs(source).items():
        rel = Path(os.path.normpath(value))
        if rel.parts[0] == "..":
            rel = Path(INPUTS_DIR) / file.name
            text = text.replace(value, rel.as_posix())
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, folder / rel)
    write_text(folder / SCENARIO_COPY, text)


@dataclass(frozen=True)
class RunFolder:
    """A training run's folder and its ``run.json`` record."""

    path: Path
    record: dict[str, Any]

    @property
    def task(self) -> Task:
        """The task the run trains on, its scenario resolved to the copy inside the folder."""
        task = Task.from_json(self.record["task"])
        kwargs = dict(task.env_kwargs)
        kwargs["scenario"] = str(self.path / SCENARIO_COPY)
        return Task(task.env_id, kwargs)

    @property
    def agent(self) -> str:
        """The agent's name (``ppo``, ``a2c``, ``qlearning``...)."""
        return self.record["agent"]

    @property
    def checkpoints(self) -> Path:
        """Folder of periodic checkpoints."""
        return self.path / "checkpoints"

    @property
    def tensorboard(self) -> Path:
        """Folder of TensorBoard event files."""
        return self.path / "tb"

    def update(self, **fields: Any) -> RunFolder:
        """Merge ``fields`` into ``run.json`` (written atomically) and return the updated folder."""
        record = {**self.record, **fields}
        write_json(self.path / RUN_FILE, record)
        return RunFolder(self.path, record)

    @classmethod
    def create(cls, path: str | Path, *, agent: str, task: Task, seed: int, budget: dict[str, int],
               options: dict[str, Any]) -> RunFolder:
        """Start a new run in ``path`` (which must not exist or be empty): copy the scenario, write run.json."""
        path = Path(path)
        check_creatable(path)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            hint = " (resume it with --resume)" if (path / RUN_FILE).is_file() else ""
            raise RunFolderError(f"{path}: already exists and is not empty{hint}; choose another --out")
        path.mkdir(parents=True, exist_ok=True)
        copy_scenario(Path(task.env_kwargs["scenario"]), path)
        record = {"agent": agent, "task": {**task.to_json(), "source_scenario": str(task.env_kwargs["scenario"])},
                  "seed": seed, "budget": budget, "options": options, "status": "training",
                  "versions": package_versions(AGENT_PACKAGES)}
        record["task"]["env_kwargs"]["scenario"] = SCENARIO_COPY
        write_json(path / RUN_FILE, record)
        return cls(path, record)

    @classmethod
    def open(cls, path: str | Path) -> RunFolder:
        """An existing run folder; RunFolderError naming the problem if it is not one."""
        path = Path(path)
        if not path.is_dir():
            raise RunFolderError(f"{path}: no such run folder; train one with `twin train SCENARIO --out {path}`")
        if not (path / RUN_FILE).is_file():
            raise RunFolderError(f"{path}: not a training run (no {RUN_FILE}); give the --out folder of `twin train`")
        try:
            record = json.loads((path / RUN_FILE).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise RunFolderError(f"{path / RUN_FILE}: not valid JSON ({exc})") from None
        return cls(path, record)


__all__ = ["RunFolder", "write_json", "write_text", "RUN_FILE", "SCENARIO_COPY"]
