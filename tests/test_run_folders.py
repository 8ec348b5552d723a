"""Run folders are never lost: only twin's own files are replaced, one writer at a time, leftovers swept.

The lock, kill and concurrency cases run the real ``twin`` command in separate processes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SCENARIOS, small_scenario
from twin import runner
from twin.errors import OutputError

TWIN = Path(sys.executable).with_name("twin")
# Long enough (four simulated months of one home, several seconds) for a second process, which
# takes a second or two to start, to meet the first mid-run.
# Long enough (about 6 s of work here, against 1.7 s for a second twin command to start) that a
# second run started after the first has taken the folder still finds it being written.
LONG_RUN = ("run", str(SCENARIOS / "smart_home.yaml"), "--quiet", "--no-plots", "--days", "1000")


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([str(TWIN), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(predicate, timeout_s: float = 120.0) -> None:
    """Poll ``predicate`` until it holds (bounded: fails the test after ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def manifest(out: Path) -> dict:
    return json.loads((out / "run.json").read_text())


def quick(**kw):
    return small_scenario(duration="1h", **kw)


def test_the_manifest_lists_what_twin_wrote(tmp_path):
    out = tmp_path / "run"
    runner.run_scenario(quick(), out, progress=False)
    assert manifest(out)["files"] == sorted(p.name for p in out.iterdir())


def test_foreign_files_are_refused_kept_with_force_and_replacing_removes_only_twins(tmp_path):
    out = tmp_path / "run"
    runner.run_scenario(quick(), out, progress=False)
    (out / "notes.md").write_text("mine")
    (out / "scenario.yaml").write_text("name: mine\n")
    with pytest.raises(OutputError, match=r"holds files twin did not write \(notes.md, scenario.yaml\).*--force"):
        runner.run_scenario(quick(), out, progress=False)
    assert "feeder_load.png" in os.listdir(out)
    no_plots = quick(outputs={"plots": False})
    runner.run_scenario(no_plots, out, progress=False, force=True)
    files = set(os.listdir(out))
    assert {"notes.md", "scenario.yaml", "telemetry.parquet"} <= files and "feeder_load.png" not in files
    assert (out / "notes.md").read_text() == "mine" and (out / "scenario.yaml").read_text() == "name: mine\n"
    assert "notes.md" not in manifest(out)["files"]
    assert sorted(os.listdir(tmp_path)) == ["run"]


def test_force_never_overwrites_a_file_of_the_users(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "kpis.json").write_text('{"my": "numbers"}')
    with pytest.raises(OutputError, match="kpis.json would be overwritten and twin did not write it"):
        runner.run_scenario(quick(), out, progress=False, force=True)
    assert os.listdir(out) == ["kpis.json"] and (out / "kpis.json").read_text() == '{"my": "numbers"}'


def test_an_older_manifest_without_a_file_list_counts_twins_file_names(tmp_path):
    out = tmp_path / "old"
    out.mkdir()
    (out / "run.json").write_text('{"seed": 1}')
    (out / "telemetry.parquet").write_bytes(b"old")
    (out / "thesis.tex").write_text("precious")
    with pytest.raises(OutputError, match=r"\(thesis.tex\)"):
        runner.run_scenario(quick(), out, progress=False)
    runner.run_scenario(quick(), out, progress=False, force=True)
    assert (out / "thesis.tex").read_text() == "precious" and (out / "telemetry.parquet").read_bytes() != b"old"


def test_a_failed_run_leaves_the_folder_and_removes_the_folders_it_made(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(runner, "plot_run", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        runner.run_scenario(quick(), tmp_path / "a" / "b" / "run", progress=False)
    assert os.listdir(tmp_path) == []


def test_leftovers_of_dead_processes_are_swept_and_a_live_ones_kept(tmp_path):
    out = tmp_path / "run"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".run.tmp-{int(dead.stdout)}-abc123"
    stale.mkdir()
    (stale / "telemetry.parquet").write_bytes(b"half")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f".run.tmp-{sleeper.pid}-def456"
        live.mkdir()
        runner.run_scenario(quick(), out, progress=False)
        assert sorted(os.listdir(tmp_path)) == sorted(["run", live.name])
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_second_run_into_a_folder_being_written_exits_2_naming_the_writer(tmp_path):
    out = tmp_path / "home"
    first = start(*LONG_RUN, "--out", str(out))
    wait_for(lambda: (tmp_path / ".home.lock").exists() or first.poll() is not None)
    assert first.poll() is None, first.communicate()
    second = subprocess.run([str(TWIN), *LONG_RUN, "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert second.returncode == 2 and "Traceback" not in second.stderr
    assert f"another twin process is writing it (pid {first.pid}, 'twin run" in second.stderr
    stdout, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    assert sorted(os.listdir(tmp_path)) == ["home"] and manifest(out)["files"]


def test_a_killed_run_leaves_the_target_untouched_and_its_leftover_is_swept_next_time(tmp_path):
    out = tmp_path / "home"
    first = start(*LONG_RUN, "--out", str(out))
    wait_for(lambda: any(p.name.startswith(".home.tmp-") for p in tmp_path.iterdir()) or first.poll() is not None)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=60)
    leftovers = [p.name for p in tmp_path.iterdir()]
    assert not out.exists() and any(name.startswith(f".home.tmp-{first.pid}-") for name in leftovers)
    again = subprocess.run([str(TWIN), *LONG_RUN, "--days", "0.05", "--out", str(out)], capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert os.listdir(tmp_path) == ["home"]


def test_two_runs_started_together_give_one_result_and_one_refusal(tmp_path):
    out = tmp_path / "home"
    runs = [start(*LONG_RUN, "--out", str(out)) for _ in range(2)]
    results = [(p.wait(timeout=300), p.communicate()) for p in runs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], [err for _, (_, err) in results]
    refused = next(err for code, (_, err) in results if code == 2)
    assert "another twin process is writing it" in refused
    assert os.listdir(tmp_path) == ["home"] and manifest(out)["files"]


def test_a_manifest_naming_paths_outside_the_folder_is_not_trusted(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (tmp_path / "precious.txt").write_text("outside")
    (out / "run.json").write_text(json.dumps({"files": ["..", "kpis.json"]}))  # ".." would be the parent
    with pytest.raises(OutputError, match="holds no earlier twin run"):
        runner.run_scenario(quick(), out, progress=False)
    with pytest.raises(OutputError, match="run.json would be overwritten and twin did not write it"):
        runner.run_scenario(quick(), out, progress=False, force=True)
    assert (tmp_path / "precious.txt").read_text() == "outside" and os.listdir(out) == ["run.json"]
