"""The tfbiggan commands, side by side: thin absl mains over library functions.

  train.py        tfbiggan-train        tfbiggan.training.loop.train
  export.py       tfbiggan-export       tfbiggan_export.exporter.export_run
  sample.py       tfbiggan-sample       tfbiggan.modules.generator_module.sample_class_grid,
                                        tfbiggan.latent.directions (--direction, --latent)
  interpolate.py  tfbiggan-interpolate  tfbiggan.latent.interpolation
  project.py      tfbiggan-project      tfbiggan.latent.projection.project
  explore.py      tfbiggan-explore      tfbiggan.explorer.Explorer, tfbiggan.explorer_app
  convert.py      tfbiggan-convert      tfbiggan_export.converter.convert
  evaluate.py     tfbiggan-eval         tfbiggan.metrics.evaluate.truncation_curve
  demo.py         tfbiggan-demo         tfbiggan.demo (train, draw, judge), export and eval

Each `--module` goes through `tfbiggan.modules.resolver` (a folder, a tarball, a URL, a
Kaggle handle or a short name). This package is the top of the import graph: it may import
the core (`tfbiggan.*`) and the export package (`tfbiggan_export`); nothing imports it.
`common.py` holds what they share.
"""
