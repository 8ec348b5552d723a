"""The guarded YAML reader: bounded size, depth and alias expansion, duplicate keys, positions."""

from __future__ import annotations

import os

import pytest

from twin.scenario.yaml_guard import LIMITS, YamlLimits, YamlProblem, parse_yaml, read_yaml_file


def billion_laughs(levels: int) -> str:
    """Each level lists its predecessor nine times: level L stands for 9**(L+1) strings."""
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def problem(text: str, limits: YamlLimits = LIMITS) -> YamlProblem:
    with pytest.raises(YamlProblem) as err:
        parse_yaml(text, limits)
    return err.value


def test_a_plain_document_reads_as_safe_load_would():
    assert parse_yaml("name: x\nhomes: {count: 3}\nstart: 2025-01-13 00:00\n")["homes"] == {"count": 3}


@pytest.mark.parametrize("text,line", [
    ("a: " + "[" * 400 + "]" * 400 + "\n", 1),                                  # flow style
    ("a:\n" + "".join("  " * i + f"- k{i}:\n" for i in range(1, 300)), 26),     # block: a list and a map a line
])
def test_deep_nesting_is_refused_at_the_level_past_the_limit(text, line):
    err = problem(text)
    assert "nests deeper than 50 levels" in err.message
    assert err.line == line and err.column > 0


def test_small_alias_expansion_is_allowed_and_expanded():
    doc = parse_yaml(billion_laughs(2))
    assert len(doc["l2"]) == 9 and doc["l2"][0][0] == ["lol"] * 9


@pytest.mark.parametrize("levels", [5, 9, 30])
def test_alias_bombs_are_refused_where_the_expansion_passes_the_limit(levels):
    err = problem(billion_laughs(levels))
    # 9**5 = 59,049 strings at level 4, 531,441 at level 5: level 5 is the first past 100,000.
    assert "more than 100,000 values once its aliases are expanded" in err.message
    assert err.line == 6


def test_an_alias_deepens_the_document_by_its_anchor_depth():
    anchor = "a: &deep " + "[" * 30 + "1" + "]" * 30 + "\n"
    too_deep = anchor + "b: " + "[" * 30 + "*deep" + "]" * 30
    assert "nests deeper than 50 levels once its aliases" in problem(too_deep).message
    assert parse_yaml(anchor + "b: [[*deep]]\n")["b"][0][0] == parse_yaml(anchor)["a"]


@pytest.mark.parametrize("text,needle", [
    ("a: &x [1, *x]\n", "alias *x refers to a node that contains it"),
    ("a: *nothing\n", "alias *nothing names no anchor defined before it"),
])
def test_recursive_and_undefined_aliases_are_refused(text, needle):
    assert needle in problem(text).message


def test_duplicate_keys_are_refused_naming_the_first():
    err = problem("name: x\nhomes:\n  count: 3\n  count: 4\n")
    assert err.message == "not valid YAML: duplicate key 'count' (first given on line 3); give each key once"
    assert (err.line, err.column) == (4, 3)


def test_merge_keys_may_be_overridden():
    assert parse_yaml("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  x: 5\n")["c"] == {"x": 5, "y": 2}


@pytest.mark.parametrize("text,needle,where", [
    ("start: 2025-13-45\n", "cannot read '2025-13-45': month must be in 1..12", (1, 8)),
    ("seed: " + "9" * 5000 + "\n", "(5,000 characters): it has too many digits", (1, 7)),
    ("a: \x07\n", "character #x0007 is not allowed", (1, 4)),
    ("a: 1\n---\nb: 2\n", "but found another document", (2, 1)),
    ("? [1, 2]\n: x\n", "found unhashable key", (1, 3)),
    ("a: [1, 2\n", "not valid YAML", (2, 1)),
])
def test_scalars_and_syntax_that_cannot_be_read_say_where(text, needle, where):
    err = problem(text)
    assert needle in err.message and (err.line, err.column) == where


def test_size_is_bounded_before_parsing(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("name: x\n# " + "z" * LIMITS.max_bytes + "\n")
    with pytest.raises(YamlProblem, match="larger than 1,000,000 bytes"):
        read_yaml_file(path)


def test_files_that_are_not_utf8_text_or_not_regular_are_refused(tmp_path):
    binary = tmp_path / "photo.yaml"
    binary.write_bytes(b"name: x\n\xff\xd8\xff\xe0")
    with pytest.raises(YamlProblem, match=r"not UTF-8 text \(byte 8 is 0xff\)"):
        read_yaml_file(binary)
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # reading it would block forever
    with pytest.raises(YamlProblem, match="not a regular file"):
        read_yaml_file(fifo)
