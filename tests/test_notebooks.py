"""The Colab notebooks run top to bottom on CPU (nbclient), pointed at tiny local inputs; the
repository keeps them with outputs stripped."""

import json
import os

import pytest

import tfbiggan
from tfbiggan.standing_statistics import bake_truncation_statistics
from tfbiggan_export.exporter import export_generator

NOTEBOOKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         "notebooks")


def _load(name):
  nbformat = pytest.importorskip("nbformat")
  return nbformat.read(os.path.join(NOTEBOOKS, name), as_version=4)


def _set_parameters(notebook, values):
  """Replaces the cell tagged "parameters" (papermill's convention) with `values`."""
  cells = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
  assert len(cells) == 1, "exactly one cell must be tagged 'parameters'"
  names = {line.split("=")[0].strip() for line in cells[0].source.splitlines()
           if "=" in line and not line.startswith("#")}
  assert set(values) <= names, f"unknown parameters {set(values) - names}"
  cells[0].source += "\n" + "\n".join(f"{k} = {v!r}" for k, v in values.items())


def _execute(notebook, cwd):
  nbclient = pytest.importorskip("nbclient")
  env_keys = dict(os.environ)
  env_keys["CUDA_VISIBLE_DEVICES"] = ""
  client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                   resources={"metadata": {"path": str(cwd)}})
  client.execute(env=env_keys)
  return notebook


def _outputs(notebook, mime):
  return [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
          if mime in o.get("data", {})]


@pytest.mark.parametrize("name", ["biggan_sampling.ipynb", "train_on_tpu.ipynb"])
def test_notebooks_are_stored_without_outputs(name):
  with open(os.path.join(NOTEBOOKS, name)) as f:
    notebook = json.load(f)
  for cell in notebook["cells"]:
    if cell["cell_type"] == "code":
      assert cell["outputs"] == [] and cell["execution_count"] is None


def test_sampling_notebook_runs_on_a_local_module(tmp_path):
  generator = tfbiggan.Generator(tfbiggan.get_config("digits-32", g_ch=4,
                                                     truncation_grid=(0.0, 0.5, 1.0)))
  bake_truncation_statistics(generator, num_batches=1, batch_size=8)
  module = export_generator(generator, str(tmp_path / "module"))
  notebook = _load("biggan_sampling.ipynb")
  _set_parameters(notebook, dict(module_path=module, classes="0, 7", num_samples=3,
                                 interpolation_steps=4, output_dir=str(tmp_path / "out"),
                                 projection_steps=20))
  _execute(notebook, tmp_path)
  # The grid, the interpolation, the directions and the projection.
  assert len(_outputs(notebook, "image/png")) >= 4
  written = sorted(os.listdir(tmp_path / "out"))
  assert written == sorted(["interpolation.png", "samples.png", "directions.png",
                            "projection.png", "projection.npz"]
                           + [f"sample_{i:03d}.png" for i in range(6)])
  assert not (tmp_path / "converted_module").exists()  # A local module: no conversion.


def test_training_notebook_runs_tiny_on_cpu(tmp_path):
  notebook = _load("train_on_tpu.ipynb")
  _set_parameters(notebook, dict(tiny=True, steps=2, download=False,
                                 model_dir=str(tmp_path / "run"),
                                 export_dir=str(tmp_path / "module")))
  _execute(notebook, tmp_path)
  assert (tmp_path / "run" / "ckpt-2.index").exists()
  assert (tmp_path / "module" / "saved_model.pb").exists()
  assert len(_outputs(notebook, "image/png")) == 1
