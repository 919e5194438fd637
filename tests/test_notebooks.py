"""The Colab notebooks run top to bottom on CPU (nbclient), pointed at tiny local inputs; the
repository keeps them with outputs stripped."""

import json
import os

import pytest

import tfbiggan
from tfbiggan.standing_statistics import bake_truncation_statistics
from tfbiggan_export.exporter import export_generator
from notebook_runner import NOTEBOOKS, execute, load_notebook, outputs, set_parameters


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
  notebook = load_notebook("biggan_sampling.ipynb")
  set_parameters(notebook, dict(module_path=module, classes="0, 7", num_samples=3,
                                 interpolation_steps=4, output_dir=str(tmp_path / "out"),
                                 projection_steps=20))
  execute(notebook, tmp_path)
  # The grid, the interpolation, the directions and the projection.
  assert len(outputs(notebook, "image/png")) >= 4
  written = sorted(os.listdir(tmp_path / "out"))
  assert written == sorted(["interpolation.png", "samples.png", "directions.png",
                            "projection.png", "projection.npz"]
                           + [f"sample_{i:03d}.png" for i in range(6)])
  assert not (tmp_path / "converted_module").exists()  # A local module: no conversion.


@pytest.mark.parametrize("name", ["biggan_sampling.ipynb", "train_on_tpu.ipynb"])
def test_on_colab_the_install_cell_left_at_its_placeholder_says_what_to_put(tmp_path, name):
  nbformat = pytest.importorskip("nbformat")
  nbclient = pytest.importorskip("nbclient")
  notebook = load_notebook(name)
  fake_colab = nbformat.v4.new_code_cell(
      "import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')")
  install = next(c for c in notebook.cells if c.cell_type == "code")
  notebook.cells = [fake_colab, install]
  with pytest.raises(nbclient.exceptions.CellExecutionError) as raised:
    execute(notebook, tmp_path)
  assert "Set TFBIGGAN_PACKAGE above" in str(raised.value)
  assert "python -m pip wheel --no-deps -w dist ." in str(raised.value)


def test_training_notebook_runs_tiny_on_cpu(tmp_path):
  notebook = load_notebook("train_on_tpu.ipynb")
  set_parameters(notebook, dict(tiny=True, steps=2, download=False,
                                 model_dir=str(tmp_path / "run"),
                                 export_dir=str(tmp_path / "module")))
  execute(notebook, tmp_path)
  printed = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code"
                    for o in c.get("outputs", []) if o.get("name") == "stdout")
  # The batch the notebook fitted to the slice (here one CPU: no accumulation needed).
  assert ("digits-32 on OneDeviceStrategy with 1 replica(s): global batch 8, 8 per replica "
          "in 1 micro-batch(es) of 8") in printed
  assert (tmp_path / "run" / "ckpt-2.index").exists()
  assert (tmp_path / "module" / "saved_model.pb").exists()
  assert len(outputs(notebook, "image/png")) == 1
