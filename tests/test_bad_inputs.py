"""The committed corpus of bad scenarios (tests/data/bad/), run through the real ``twin`` command.

Every file must end in exit 2 with one short message naming the file and what is wrong, no
traceback, nothing written and the file itself untouched. Memory refusals are judged against
``TWIN_MAX_MEMORY=8GB`` so that they do not depend on this machine.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SCENARIOS
from twin import cli

TWIN = Path(sys.executable).with_name("twin")
CORPUS = Path(__file__).parent / "data" / "bad"
ENV = {**os.environ, "TWIN_MAX_MEMORY": "8GB"}

# What each file's message must say, besides its path.
EXPECTED = {
    "a_list_not_a_mapping.yaml": ["is a list; expected a mapping"],
    "alias_bomb_string_field.yaml": ["line 8, column 17", "more than 100,000 values once its aliases are expanded"],
    "alias_bomb_unknown_key.yaml": ["line 8, column 15", "more than 100,000 values once its aliases are expanded"],
    "archetypes_all_zero.yaml": ["homes.archetypes", "needs a positive weight for at least one of detached"],
    "archetypes_empty.yaml": ["homes.archetypes: got {}", "needs a positive weight"],
    "bad_date.yaml": ["line 2, column 8", "cannot read '2025-13-45': month must be in 1..12"],
    "control_character.yaml": ["line 1, column 11", "character #x0007 is not allowed"],
    "deep_nesting_block.yaml": ["line 52", "nests deeper than 50 levels"],
    "deep_nesting_flow.yaml": ["line 2, column 63", "nests deeper than 50 levels"],
    "duplicate_key.yaml": ["line 4, column 3", "duplicate key 'count' (first given on line 3)"],
    "duration_hundreds_of_digits.yaml": ["duration: got '9999", "(401 characters)", "far too long"],
    "empty.yaml": ["is empty; expected a mapping"],
    "entry_demand_1e12.yaml": ["traffic.demand.entry_vph", "less than or equal to 21600", "vehicles/hour"],
    "garbage_bytes.yaml": ["not UTF-8 text (byte 128 is 0x80)"],
    "green_time_1e12.yaml": ["traffic.signals.green_s[0]", "less than or equal to 3600", "at most 1 h"],
    "half_a_million_homes_for_a_month.yaml": ["would need about", "GB, mostly telemetry",
                                              "500,000 homes", "8.0 GB is TWIN_MAX_MEMORY"],
    "integer_of_5000_digits.yaml": ["line 2, column 7", "(5,000 characters): it has too many digits"],
    "many_problems.yaml": ["colour0: unknown key", "and 15 more problems"],
    "not_utf8.yaml": ["not UTF-8 text (byte 9 is 0xe9)"],
    "one_second_steps_for_five_years.yaml": ["mostly weather", "158,112,000 physics steps of 1 s"],
    "recursive_alias.yaml": ["line 2, column 31", "alias *h refers to a node that contains it"],
    "signal_tables_too_big.yaml": ["mostly signal tables", "a 7,210 s cycle x 40,000 intersections"],
    "tab_indented.yaml": ["line 3, column 1", "a tab character; YAML indents with spaces"],
    "two_documents.yaml": ["line 2, column 1", "but found another document"],
    "value_of_100_kb.yaml": ["name: got 'nnnn", "(100,000 characters)", "at most 200 characters"],
}


def twin(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(TWIN), *args], capture_output=True, text=True, timeout=120, env=ENV, cwd=cwd)


def assert_refused(result: subprocess.CompletedProcess, path: Path, needles: list[str]) -> None:
    err = result.stderr
    assert result.returncode == 2, err
    assert "Traceback" not in err and "internal error" not in err
    assert err.startswith(f"twin: error: {path}"), err
    for needle in needles:
        assert needle in err, err
    lines = err.splitlines()
    assert len(lines) <= 6 and max(len(line) for line in lines) <= 450, err


def test_every_corpus_file_has_an_expectation():
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_corpus_file_is_refused_in_one_clear_message_and_nothing_is_written(name, command, tmp_path):
    path = CORPUS / name
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    out = tmp_path / "out"
    extra = ["--out", str(out), "--quiet"] if command == "run" else []
    assert_refused(twin(command, str(path), *extra, cwd=tmp_path), path, EXPECTED[name])
    assert os.listdir(tmp_path) == []
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_file_past_the_size_limit_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("name: big\n# " + "z" * 1_000_000 + "\n")
    assert_refused(twin("validate", str(path)), path, ["is larger than 1,000,000 bytes"])


@pytest.mark.parametrize("override,needles", [
    ("duration=1" + "0" * 300, ["duration: got 1000", "(301 characters)", "far too long to be a duration"]),
    ("homes.count=" + "[" * 300 + "]" * 300, ["--set: value of 'homes.count'", "nests deeper than 50 levels"]),
    ("name=" + "x" * 100_000, ["name: got 'xxx", "(100,000 characters)"]),
    ("traffic.demand.entry_vph=1e999", ["traffic.demand.entry_vph", "finite number"]),
])
def test_bad_overrides_are_refused_like_the_file(override, needles):
    scenario = SCENARIOS / "smart_home.yaml"
    assert_refused(twin("validate", str(scenario), "--set", override), scenario, needles)


def test_an_earlier_run_holding_the_users_scenario_is_refused_and_kept(tmp_path):
    out = tmp_path / "run"
    scenario = SCENARIOS / "smart_home.yaml"
    assert twin("run", str(scenario), "--days", "0.0125", "--no-plots", "--quiet", "--out", str(out)).returncode == 0
    mine = out / "my_scenario.yaml"
    mine.write_bytes(scenario.read_bytes())
    refused = twin("run", str(mine), "--days", "0.0125", "--no-plots", "--quiet", "--out", str(out))
    assert refused.returncode == 2 and "holds files twin did not write (my_scenario.yaml)" in refused.stderr
    forced = twin("run", str(mine), "--days", "0.025", "--no-plots", "--quiet", "--out", str(out), "--force")
    assert forced.returncode == 0, forced.stderr
    assert mine.read_bytes() == scenario.read_bytes()


def test_an_unexpected_error_is_one_line_with_a_hint_and_debug_shows_the_traceback(monkeypatch, capsys):
    def broken(args):
        raise KeyError("a bug in twin")

    monkeypatch.setitem(cli.COMMANDS, "validate", broken)
    assert cli.main(["validate", "x.yaml"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("twin: internal error: KeyError: 'a bug in twin'") and "--debug" in err
    assert "Traceback" not in err and len(err.splitlines()) == 2
    with pytest.raises(KeyError):
        cli.main(["validate", "x.yaml", "--debug"])
    with pytest.raises(KeyError):
        cli.main(["--debug", "validate", "x.yaml"])
