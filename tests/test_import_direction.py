"""Imports go one way: config -> layers -> models -> data / losses -> training -> export ->
commands (ARCHITECTURE and export/__init__.py). Every import statement of every module is read,
those inside functions too, so a lazy import cannot hide a cycle."""

import ast

import pytest

from package_modules import MODULES

pytestmark = pytest.mark.smoke  # Also run on the lowest supported versions.


def imported_modules(path):
  """Every module an import statement in the file names (absolute imports)."""
  with open(path, encoding="utf-8") as f:
    tree = ast.parse(f.read(), path)
  names = set()
  for node in ast.walk(tree):
    if isinstance(node, ast.Import):
      names.update(alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
      names.add(node.module)
      names.update(f"{node.module}.{alias.name}" for alias in node.names)
  return names




def _within(name, prefixes):
  return any(name == p or name.startswith(p + ".") for p in prefixes)


# (importers, what they must not import, why)
RULES = [
    (lambda m: _within(m, ["tfbiggan"]) and not _within(m, ["tfbiggan.cli"]),
     ["tfbiggan_export", "tfbiggan.cli"], "the core never imports the export package or the "
     "commands"),
    (lambda m: _within(m, ["tfbiggan_export"]), ["tfbiggan.training", "tfbiggan.cli"],
     "export reads runs through tfbiggan.run_dir, never the training loop"),
    (lambda m: _within(m, ["tfbiggan.metrics"]),
     ["tfbiggan.training", "tfbiggan.models", "tfbiggan.layers"],
     "metrics take arrays, tensors and classifiers, and import no model code"),
    (lambda m: _within(m, ["tfbiggan.distribute"]),
     ["tfbiggan.training", "tfbiggan.metrics", "tfbiggan.models"],
     "strategy and replica helpers sit below training and metrics"),
    (lambda m: _within(m, ["tfbiggan.models"]),
     ["tfbiggan.training", "tfbiggan.data", "tfbiggan.metrics", "tfbiggan.losses"],
     "models know nothing of training or data"),
    (lambda m: _within(m, ["tfbiggan.latent"]),
     ["tfbiggan.training", "tfbiggan.metrics", "tfbiggan.data"],
     "latent tools read a generator's weights, not runs or data"),
    (lambda m: _within(m, ["tfbiggan.layers"]),
     ["tfbiggan.models", "tfbiggan.training", "tfbiggan.data", "tfbiggan.metrics"],
     "layers know nothing of models"),
    (lambda m: _within(m, ["tfbiggan.configs"]),
     ["tfbiggan.layers", "tfbiggan.models", "tfbiggan.training", "tensorflow", "keras"],
     "configs are plain data, importable without TensorFlow"),
]


# (importer, imported): the one call from the core into tfbiggan_export, with its reason.
EXCEPTIONS = {
    ("tfbiggan.modules.resolver", "tfbiggan_export.converter"): "resolving an official module "
    "by name converts it into the cache once, which is writing a module",
    ("tfbiggan.modules.resolver", "tfbiggan_export.converter.convert"): "the same import",
}


def violations(modules=None):
  """['importer imports imported (why)'] for every broken rule."""
  found = []
  for module, path in sorted((modules or MODULES).items()):
    imported = imported_modules(path)
    for applies, forbidden, why in RULES:
      if applies(module):
        found += [f"{module} imports {name} ({why})" for name in sorted(imported)
                  if _within(name, forbidden) and (module, name) not in EXCEPTIONS]
  return found


def test_the_packages_are_found():
  assert {"tfbiggan.cli.train", "tfbiggan_export.exporter", "tfbiggan.metrics.evaluate",
          "tfbiggan.run_dir", "tfbiggan.layers.spectral_norm"} <= set(MODULES)


def test_imports_go_one_way():
  assert violations() == []


@pytest.mark.parametrize("importer, statement", [
    ("tfbiggan.modules.pretrained", "from tfbiggan_export.converter import convert"),
    ("tfbiggan.modules.resolver", "from tfbiggan_export.exporter import export_generator"),
    ("tfbiggan.demo", "import tfbiggan_export.exporter"),
    ("tfbiggan.metrics.evaluate", "from tfbiggan.training.loop import train"),
    ("tfbiggan_export.exporter", "from tfbiggan.training import checkpoints"),
])
def test_a_planted_upward_import_is_caught_even_inside_a_function(tmp_path, importer,
                                                                  statement):
  with open(MODULES[importer], encoding="utf-8") as f:
    source = f.read()
  planted = tmp_path / "planted.py"
  planted.write_text(f"{source}\n\ndef _lazy():\n  {statement}\n")
  found = violations({importer: str(planted)})
  assert found and all(line.startswith(f"{importer} imports ") for line in found)
