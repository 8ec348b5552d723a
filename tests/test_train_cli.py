"""twin train / twin eval / twin view --policy end to end, as a user runs them, and their errors."""

from __future__ import annotations

import json
import os

import pytest

from agents.train import load_policy
from twin.cli import main

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
INTERSECTION = "scenarios/single_intersection.yaml"
SHORT = ["--env", "duration=10min", "--quiet"]


def test_train_eval_and_view_a_qlearning_run(tmp_path, capsys):
    run = tmp_path / "q-int"
    assert main(["train", INTERSECTION, "--agent", "qlearning", "--episodes", "4", "--seed", "3",
                 "--out", str(run), *SHORT]) == 0
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "done" and record["seed"] == 3 and record["budget"] == {"episodes": 4}
    assert record["agent_config"]["config"]["discount"] == 0.95 and record["agent_config"]["discretizer"]
    assert {"twin", "numpy", "gymnasium", "torch"} <= set(record["versions"])
    assert (run / "scenario.yaml").read_text() == open(INTERSECTION).read()
    assert (run / "model.npz").is_file()
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(run / "tb"))
    events.Reload()
    assert len(events.Scalars("charts/episodic_return")) == 4  # one per episode
    policy, task = load_policy(run)
    assert task.env_id == "twin/TrafficGrid-v0" and task.env_kwargs["duration"] == "10min"

    assert main(["eval", str(run), "--episodes", "2"]) == 0
    table = (run / "eval.md").read_text()
    for name in ("qlearning", "fixed_time", "actuated", "max_pressure"):
        assert f"| {name} |" in table
    summary = json.loads((run / "eval.json").read_text())["summary"]
    assert summary["qlearning"]["episodes"] == 2 and "mean_delay_all_s" in summary["fixed_time"]

    shot = tmp_path / "view.png"
    assert main(["view", INTERSECTION, "--policy", str(run), "--record", str(shot), "--seconds", "30"]) == 0
    assert shot.is_file() and shot.stat().st_size > 1000


def test_a2c_resumes_from_its_checkpoint_and_trains_longer(tmp_path):
    run = tmp_path / "a2c"
    common = ["--num-envs", "2", "--hp", "n_steps=4", *SHORT]
    assert main(["train", INTERSECTION, "--agent", "a2c", "--steps", "32", "--checkpoint-every", "16",
                 "--out", str(run), *common]) == 0
    assert (run / "checkpoints" / "a2c.pt").is_file()
    assert main(["train", "--resume", str(run), "--steps", "64", "--quiet"]) == 0
    record = json.loads((run / "run.json").read_text())
    assert record["budget"] == {"steps": 64} and record["status"] == "done"
    assert record["agent_config"]["n_steps"] == 4 and record["agent_config"]["total_steps"] == 64
    import torch

    assert torch.load(run / "model.pt", weights_only=False)["global_step"] == 64


@pytest.mark.parametrize("argv, message", [
    (["train", INTERSECTION, "--agent", "reinforce", "--steps", "10"], "unknown agent 'reinforce'"),
    (["train", INTERSECTION, "--agent", "sac", "--steps", "10"], "sac acts on Box actions"),
    (["train", INTERSECTION, "--agent", "qlearning", "--steps", "10"], "give --episodes N"),
    (["train", INTERSECTION, "--agent", "qlearning", "--episodes", "1", "--hp", "gamma=0.9"], "allowed: discount"),
    (["train", INTERSECTION, "--agent", "ppo", "--steps", "10", "--env", "decision_interval=7"], "--env"),
    (["train", "scenarios/missing.yaml", "--agent", "ppo", "--steps", "10"], "missing.yaml"),
    (["eval", "no/such/run"], "no such run folder"),
])
def test_bad_input_exits_2_with_a_message_and_writes_nothing(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(os.getcwd())
    out = tmp_path / "run"
    code = main([*argv, "--out", str(out)] if argv[0] == "train" else argv)
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_an_existing_run_is_not_overwritten(tmp_path, capsys):
    run = tmp_path / "q"
    args = ["train", INTERSECTION, "--agent", "qlearning", "--episodes", "1", "--out", str(run), *SHORT]
    assert main(args) == 0
    before = (run / "model.npz").read_bytes()
    assert main(args) == 2
    assert "--resume" in capsys.readouterr().err
    assert (run / "model.npz").read_bytes() == before


def test_a_run_on_a_sumo_net_takes_the_net_with_it_and_evaluates_from_its_folder(tmp_path, capsys):
    """The run folder's scenario copy loads on its own: a net named beside the scenario is copied to
    the same place in the folder, and one reached through '..' into inputs/, which the copy names."""
    from tests.sumo_nets import cross_net

    project = tmp_path / "project" / "scenarios"
    (project / "nets").mkdir(parents=True)
    cross_net(project / "nets" / "c.net.xml")
    cross_net(tmp_path / "project" / "common.net.xml", lanes=1)
    for name, net in (("beside", "nets/c.net.xml"), ("above", "../common.net.xml")):
        (project / f"{name}.yaml").write_text(
            f"name: {name}\nseed: 1\nstart: 2025-01-14 07:00\nduration: 10min\nhomes: {{count: 0}}\n"
            f"outputs: {{record: []}}\ntraffic:\n  network: {{sumo_net: {net}}}  # {net}\n"
            "  demand: {entry_vph: 300}\n")
        run = tmp_path / f"run-{name}"
        assert main(["train", str(project / f"{name}.yaml"), "--agent", "ppo", "--steps", "64", "--out", str(run),
                     "--hp", "n_steps=32", "--hp", "batch_size=32", "--quiet"]) == 0
        copied = run / ("nets/c.net.xml" if name == "beside" else "inputs/common.net.xml")
        assert copied.read_bytes() == (project / net).read_bytes()
        if name == "above":
            assert "sumo_net: inputs/common.net.xml" in (run / "scenario.yaml").read_text()
        (project / net).unlink()  # the original gone: the folder must stand on its own
        assert main(["eval", str(run), "--episodes", "1", "--no-baselines"]) == 0
    capsys.readouterr()
