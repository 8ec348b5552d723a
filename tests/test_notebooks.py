"""The teaching notebooks run top to bottom without an error, and are committed without outputs.

Each notebook is executed with nbclient in a kernel of this interpreter: the test writes a
``python3`` kernelspec for ``sys.executable`` and puts it first on ``JUPYTER_PATH``, so a kernelspec
of another Python in the user's Jupyter folders cannot take its place. Notebooks run from a copy of
the repository layout in a temporary folder: the working directory is ``<tmp>/notebooks`` next to a
copy of ``scenarios/``, so whatever a notebook writes (``runs/...``) stays in the temporary folder.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from ipykernel.kernelspec import write_kernel_spec
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT_S = 300


@pytest.fixture(scope="module")
def jupyter_path(tmp_path_factory) -> Path:
    """A Jupyter data folder whose ``python3`` kernel is this interpreter."""
    data = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(data / "kernels" / "python3")   # argv: sys.executable -m ipykernel_launcher ...
    return data


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 4, f"expected the tutorial notebooks in {ROOT / 'notebooks'}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: code cells {dirty} hold outputs or execution counts; clear them before "
                       "committing (Jupyter: Edit > Clear Outputs of All Cells)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch, jupyter_path):
    # The kernel inherits the environment: our kernelspec comes first; figures use the kernel's
    # inline backend, which needs no display.
    monkeypatch.delenv("MPLBACKEND", raising=False)
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter_path))
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    workdir = tmp_path / "notebooks"
    workdir.mkdir()
    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        pytest.fail(f"{path.name} failed:\n{exc}")
    errors = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
              if out.output_type == "error"]
    assert not errors, f"{path.name}: {errors}"
    last = [cell for cell in nb.cells if cell.cell_type == "code"][-1]
    assert any("image/png" in out.get("data", {}) for out in last.outputs), \
        f"{path.name}: the last code cell displayed no figure; every notebook ends with a plot"
