"""Output folders that are never lost: a manifest of twin's files, a lock, staging, and sweeping.

A run folder is recognised by its manifest, ``run.json``, which lists the files twin wrote there
(``"files"``). Everything else in the folder is the user's and is never touched:

- a folder holding files twin did not write is refused, unless ``force`` is given; then twin's
  files are written beside them, and a file of the user's with a name twin would write is still
  refused;
- results are written into a staging folder beside the target, ``.NAME.tmp-PID-XXXX``, and moved
  in when the run succeeds: new files first, then the old run's files that the new run did not
  write are removed, the manifest last. Before the move the old manifest is rewritten to list old
  and new files together, so a run killed in the middle leaves a folder whose every twin file is
  still listed as twin's;
- a lock beside the target, ``.NAME.lock`` (``fcntl.flock``), is held from before the run until
  the move: a second run into the same folder stops at once and names the process holding it;
- staging folders left by killed runs are removed by the next run into the same folder: under the
  lock no other process can be writing them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from twin.errors import OutputBusy, OutputError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; runs into one folder are not kept apart there
    fcntl = None

MANIFEST = "run.json"
SHOWN_FILES = 5


def twin_files(out_dir: Path, legacy: frozenset[str] = frozenset()) -> frozenset[str] | None:
    """Names of the entries twin wrote in ``out_dir`` by its manifest; None if it holds no twin manifest.

    A manifest from before manifests listed their files counts the entries named in ``legacy``.
    """
    path = Path(out_dir) / MANIFEST
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(record, dict):
        return None
    files = record.get("files")
    if files is None:
        return frozenset(legacy | {MANIFEST})
    if not isinstance(files, list) or not all(_plain_name(f) for f in files):
        return None  # not a manifest twin wrote: nothing in the folder is taken as twin's
    return frozenset(files) | {MANIFEST}


def _plain_name(name: object) -> bool:
    """Whether ``name`` names an entry of the folder itself (no path, no "." or "..")."""
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name and "\\" not in name


def check_run_folder(out_dir: Path, *, may_write: frozenset[str], force: bool = False) -> None:
    """OutputError unless a run may be written into ``out_dir`` without touching anything of the user's.

    ``may_write`` names the files the run may write (and, for an old manifest without a file list,
    the files taken as twin's). Checked before running, so a long run is never lost to a bad --out.
    """
    out_dir = Path(out_dir)
    check_creatable(out_dir)
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise OutputError(f"{out_dir}: exists and is not a folder; choose another --out")
    entries = frozenset(os.listdir(out_dir))
    ours = twin_files(out_dir, may_write)
    foreign = entries - (ours or frozenset())
    if not foreign:
        return
    if not force:
        what = "holds no earlier twin run" if ours is None else "holds files twin did not write"
        raise OutputError(f"{out_dir}: folder is not empty and {what} ({_names(foreign)}); choose another "
                          "--out, or give --force to write twin's files beside them (they are kept)")
    clash = foreign & (may_write | {MANIFEST})
    if clash:
        raise OutputError(f"{out_dir}: {_names(clash)} would be overwritten and twin did not write "
                          f"{'it' if len(clash) == 1 else 'them'}; even with --force twin keeps your files: "
                          "move them or choose another --out")


def dated_folder(parent: Path, stem: str, now: dt.datetime) -> Path:
    """A folder name under ``parent`` that no run has used: ``STEM-YYYYMMDD-HHMMSS`` at ``now``, with
    ``-2``, ``-3``... when that second is taken, so a default output never replaces an earlier run."""
    base = f"{stem}-{now:%Y%m%d-%H%M%S}"
    for k in range(1, 10_000):
        name = base if k == 1 else f"{base}-{k}"
        if not (parent / name).exists() and not (parent / f".{name}.lock").exists():
            return parent / name
    raise OutputError(f"{parent}: every name {base}-N is taken; choose a folder with --out")


def check_creatable(path: Path) -> None:
    """Refuse (OutputError) a path whose nearest existing ancestor is not a writable folder."""
    for parent in Path(path).absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"{path}: cannot be created because {parent} is a file, not a folder")
            if not os.access(parent, os.W_OK):
                raise OutputError(f"{path}: cannot be created because {parent} is not writable")
            return


@contextlib.contextmanager
def run_folder(out_dir: Path, *, may_write: frozenset[str], force: bool = False) -> Iterator[Path]:
    """Hold ``out_dir``'s lock and yield a staging folder; when the block succeeds, what it staged
    replaces twin's files in ``out_dir``.

    The block must write the manifest (``run.json``, a JSON object) into the staging folder; the
    commit adds the list of files. On any failure ``out_dir`` is as it was, and folders this call
    created on the way to it are removed again.
    """
    out_dir = Path(out_dir)
    check_run_folder(out_dir, may_write=may_write, force=force)
    created = _make_parents(out_dir.parent)
    try:
        with _folder_lock(out_dir):
            sweep_leftovers(out_dir)
            check_run_folder(out_dir, may_write=may_write, force=force)  # again, now that no one else writes
            staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-{os.getpid()}-", dir=out_dir.parent))
            try:
                yield staging
                _commit(staging, out_dir, may_write)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        _remove_empty(created)
        raise


def sweep_leftovers(target: Path) -> list[Path]:
    """Remove ``.NAME.tmp-PID-*`` entries beside ``target`` whose process is gone; returns what went."""
    target = Path(target)
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.tmp-(\d+)(?:-.*)?$")
    removed = []
    with contextlib.suppress(OSError):
        for entry in target.parent.iterdir():
            match = pattern.match(entry.name)
            if match and not _alive(int(match.group(1))):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
                removed.append(entry)
    return removed


def _commit(staging: Path, out_dir: Path, may_write: frozenset[str]) -> None:
    new = frozenset(os.listdir(staging))
    if MANIFEST not in new:
        raise RuntimeError(f"twin wrote no {MANIFEST} into {staging}")
    record = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
    record["files"] = sorted(new)
    _write_json(staging / MANIFEST, record, staging)
    if not out_dir.exists():
        os.replace(staging, out_dir)  # the whole folder appears at once
        return
    old = twin_files(out_dir, may_write) or frozenset()
    if old:  # a kill from here on leaves every file of old and new listed as twin's
        _write_json(out_dir / MANIFEST, {"status": "replacing", "files": sorted(old | new)}, staging)
    for name in sorted(new - {MANIFEST}):
        target = out_dir / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(staging / name, target)
    for name in sorted(old - new):
        stale = out_dir / name
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
    os.replace(staging / MANIFEST, out_dir / MANIFEST)


@contextlib.contextmanager
def _folder_lock(out_dir: Path) -> Iterator[None]:
    """Hold ``.NAME.lock`` beside ``out_dir``; OutputBusy naming the holder when another process has it."""
    if fcntl is None:
        yield
        return
    lock_path = out_dir.parent / f".{out_dir.name}.lock"
    while True:
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except FileNotFoundError:  # another process's failed run removed the empty folder it had made
            _make_parents(out_dir.parent)
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 4096).decode("utf-8", "replace").strip()
            os.close(fd)
            raise OutputBusy(f"{out_dir}: another twin process is writing it ({_holder(holder)}); wait for it "
                             "to finish or choose another --out") from None
        try:  # its last holder may have removed the file between our open and our lock
            same = os.stat(lock_path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "command": " ".join(["twin", *sys.argv[1:]])[:200],
                                 "since": dt.datetime.now().isoformat(timespec="seconds")}).encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            lock_path.unlink()
        os.close(fd)


def _holder(text: str) -> str:
    try:
        info: dict[str, Any] = json.loads(text)
        return f"pid {info['pid']}, {info['command']!r}, since {info['since']}"
    except (ValueError, KeyError, TypeError):
        return "a process that did not say which"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing ancestors; those this call created, innermost first."""
    missing = []
    for path in (folder, *folder.parents):
        if path.exists():
            break
        missing.append(path)
    created = []
    for path in reversed(missing):
        try:
            path.mkdir()
            created.append(path)
        except FileExistsError:  # made meanwhile by another process: not ours to remove
            pass
    return created[::-1]


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


def _write_json(path: Path, data: Any, staging: Path) -> None:
    """Write ``path`` whole or not at all, by way of a file in ``staging`` (swept if the process dies)."""
    tmp = staging / f".{path.name}.next"
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _names(names: frozenset[str]) -> str:
    shown = sorted(names)[:SHOWN_FILES]
    more = f" and {len(names) - SHOWN_FILES} more" if len(names) > SHOWN_FILES else ""
    return ", ".join(shown) + more
