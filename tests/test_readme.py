"""The README's shell session about bad input is run as written, and its output must be what it shows."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

from test_cli import twin

ROOT = Path(__file__).resolve().parents[1]


def _sessions(markdown: str) -> list[list[str]]:
    """Fenced blocks whose lines start with a ``$`` prompt."""
    blocks = re.findall(r"```\n(.*?)```", markdown, flags=re.S)
    return [b.splitlines() for b in blocks if b.startswith("$ ")]


def test_the_readme_error_session_prints_what_it_shows(tmp_path):
    sessions = _sessions((ROOT / "README.md").read_text(encoding="utf-8"))
    assert sessions, "the README shows no shell session"
    checked = 0
    for lines in sessions:
        k = 0
        while k < len(lines):
            command = shlex.split(lines[k][2:])
            body = []
            k += 1
            while k < len(lines) and not lines[k].startswith("$ "):
                body.append(lines[k])
                k += 1
            if command[0] == "cat":
                (tmp_path / command[1]).write_text("\n".join(body) + "\n", encoding="utf-8")
                continue
            assert command[0] == "twin", command
            for arg in command[1:]:
                if arg.startswith("tests/"):  # a file shipped with the project, shown by its path
                    (tmp_path / arg).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(ROOT / arg, tmp_path / arg)
            result = twin(*command[1:], cwd=tmp_path)
            assert (result.stdout + result.stderr).splitlines() == body, " ".join(command)
            checked += 1
    assert checked >= 2
