"""The tfbiggan commands, side by side: thin absl mains over library functions.

  train.py     tfbiggan-train     tfbiggan.training.loop.train
  export.py    tfbiggan-export    tfbiggan_export.exporter.export_run
  sample.py    tfbiggan-sample    tfbiggan.modules.generator_module.sample_class_grid
  convert.py   tfbiggan-convert   tfbiggan_export.converter.convert
  evaluate.py  tfbiggan-eval      tfbiggan.metrics.evaluate.truncation_curve
  demo.py      tfbiggan-demo      tfbiggan.demo (train, draw, judge) and the two above

This package is the top of the import graph: it may import the core (`tfbiggan.*`) and the
export package (`tfbiggan_export`); nothing imports it. `common.py` holds what they share.
"""
