"""Runs the repository's notebooks in tests: load one, set its parameters cell, execute it in
a fresh kernel (nbclient) and read back its outputs."""

import os

import pytest

NOTEBOOKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         "notebooks")


def load_notebook(name):
  """The notebook `notebooks/<name>` as an nbformat v4 node."""
  nbformat = pytest.importorskip("nbformat")
  return nbformat.read(os.path.join(NOTEBOOKS, name), as_version=4)


def set_parameters(notebook, values):
  """Replaces the cell tagged "parameters" (papermill's convention) with `values`."""
  cells = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
  assert len(cells) == 1, "exactly one cell must be tagged 'parameters'"
  names = {line.split("=")[0].strip() for line in cells[0].source.splitlines()
           if "=" in line and not line.startswith("#")}
  assert set(values) <= names, f"unknown parameters {set(values) - names}"
  cells[0].source += "\n" + "\n".join(f"{k} = {v!r}" for k, v in values.items())


def execute(notebook, cwd):
  """Runs every cell of `notebook` in a python3 kernel started in `cwd`, with this process's
  environment (so a test's TFBIGGAN_HUB_URL / TFHUB_CACHE_DIR reach it) and no GPU."""
  nbclient = pytest.importorskip("nbclient")
  env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
  client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                   resources={"metadata": {"path": str(cwd)}})
  client.execute(env=env)
  return notebook


def outputs(notebook, mime):
  """The outputs of all code cells that hold data of type `mime` (e.g. "image/png")."""
  return [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
          if mime in o.get("data", {})]
