"""The wheel: `pip wheel .` builds one that installs on its own and runs the commands from
it, package data and the modules subpackage included (the notebook's Colab install cell
tells users to build and upload exactly this wheel)."""

import os
import shutil
import subprocess
import sys
import zipfile

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = ("setup.py", "README.md", "tfbiggan", "export")


def _build_wheel(tmp_path):
  """Builds the wheel from a copy of the sources, so that build/ and *.egg-info never appear
  in the checkout that the other tests read."""
  source = tmp_path / "source"
  for name in SOURCES:
    origin = os.path.join(ROOT, name)
    if os.path.isdir(origin):
      shutil.copytree(origin, source / name,
                      ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    else:
      source.mkdir(exist_ok=True)
      shutil.copy(origin, source / name)
  dist = tmp_path / "dist"
  subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                  "--no-index", "-q", "-w", str(dist), str(source)],
                 check=True, capture_output=True, text=True, timeout=300)
  (wheel,) = dist.glob("tfbiggan-*.whl")
  return wheel


def test_the_wheel_installs_and_runs_tfbiggan_sample(tmp_path, random_digits_module):
  wheel = _build_wheel(tmp_path)
  with zipfile.ZipFile(wheel) as archive:
    names = set(archive.namelist())
  for member in ("tfbiggan/modules/resolver.py", "tfbiggan/data/imagenet_classes.tsv",
                 "tfbiggan/data/official_hub_variables.json", "tfbiggan_export/converter.py"):
    assert member in names, f"the wheel lacks {member}"
  assert not any(name.startswith("tests/") for name in names)

  site = tmp_path / "site"
  subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                  "--target", str(site), str(wheel)],
                 check=True, capture_output=True, text=True, timeout=300)
  # The installed copy, not the checkout: run outside the checkout, with only the wheel's
  # files ahead of the environment's dependencies.
  env = dict(os.environ, PYTHONPATH=str(site), CUDA_VISIBLE_DEVICES="")
  where = subprocess.run([sys.executable, "-c", "import tfbiggan; print(tfbiggan.__file__)"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
  assert where.stdout.strip().startswith(str(site))

  out = tmp_path / "grid.png"
  result = subprocess.run(
      [str(site / "bin" / "tfbiggan-sample"), f"--module={random_digits_module}",
       "--classes=3,7", "--samples_per_class=2", f"--out={out}"],
      cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
  assert result.returncode == 0, result.stderr[-2000:]
  grid = np.asarray(Image.open(out))
  assert grid.ndim == 3 and grid.std() > 0  # Two rows of drawn digits, not a blank page.
