"""tfbiggan_export: writing generator modules. Source folder `export/`, import name
`tfbiggan_export` (setup.py maps one onto the other).

  hub_module.py   the TF2 SavedModel of a generator (the official modules' z / y /
                  truncation interface) and its signatures
  exporter.py     export_generator / export_run: a generator or a training run's EMA
                  generator -> a module, atomically, on any TensorFlow file system
  model_card.py   the module's MODEL_CARD.md
  converter.py    convert: an official DeepMind module -> our module

Direction: this package imports the core (`tfbiggan`: models, the run directory, the
official-module reader); the core never imports it. Only the commands in `tfbiggan.cli` sit
above both. Reading modules (sampling, evaluation, `tfbiggan.load_pretrained`) is core:
`tfbiggan.modules.generator_module`.
"""
