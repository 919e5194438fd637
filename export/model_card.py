"""The markdown model card written beside an exported module (MODEL_CARD.md)."""


def _class_summary(class_names, shown=10):
  head = ", ".join(f"{i}: {name}" for i, name in enumerate(class_names[:shown]))
  more = f", ... ({len(class_names)} in all; assets/class_names.txt)" \
      if len(class_names) > shown else ""
  return head + more


def _chosen_text(checkpoint):
  """How the exported checkpoint was chosen, for the Training line ("" if by default)."""
  if not checkpoint or "chosen_by" not in checkpoint:
    return ""
  return (f"; the best checkpoint by {checkpoint['chosen_by']} "
          f"({checkpoint['chosen_by']} {checkpoint['value']:.4g} at step {checkpoint['step']:,})")


def model_card(metadata, class_names):
  """Markdown describing the module in `metadata` (see `exporter.export_generator`)."""
  m = metadata
  grid = m["truncation_grid"]
  grid_text = (f"{len(grid)} points from {grid[0]:g} to {grid[-1]:g}" if grid else
               "none (the truncation input does not select BN statistics)")
  step = m.get("training_step")
  source = m.get("source_run")
  lines = [
      f"# {m['name']} generator (tfbiggan)",
      "",
      f"A {m['architecture']} generator (Brock, Donahue & Simonyan, \"Large Scale GAN Training "
      "for High Fidelity Natural Image Synthesis\", ICLR 2019) exported by tfbiggan as a TF2 "
      "SavedModel with the interface of the official BigGAN TF-Hub modules.",
      "",
      "## Facts",
      "",
      f"- Resolution: {m['resolution']} x {m['resolution']} RGB, values in [-1, 1].",
      f"- Latent: z float32 [batch, {m['dim_z']}]; classes: {m['num_classes']}.",
      f"- Generator parameters (trainable): {m['generator_parameters']:,}.",
      f"- Truncation grid with baked BN standing statistics: {grid_text}; between grid "
      "points the means and variances are interpolated linearly.",
      f"- Training: data set `{m['config'].get('dataset', '?')}`"
      + (f", {step:,} steps" if step is not None else "")
      + (f", run `{source}`" if source else "") + _chosen_text(m.get("checkpoint")) + ".",
      f"- Discriminator included: {'yes' if m['with_discriminator'] else 'no'}; "
      f"XLA: {'on' if m['xla'] else 'off'}; exported {m['exported_at']}.",
      f"- Classes: {_class_summary(class_names)}.",
      "",
      "## Use",
      "",
      "```python",
      "import tensorflow as tf, tensorflow_hub as hub",
      "import tfbiggan",
      "module = hub.load(PATH)",
      f"z = tfbiggan.truncated_noise(4, {m['dim_z']}, truncation=0.5, seed=0)",
      f"y = tf.one_hot([0, 1, 2, 3], {m['num_classes']})",
      "images = module.signatures['default'](z=z, y=y, truncation=0.5)['default']",
      "```",
      "",
      "- Noise follows the official modules: z = truncation * truncnorm(-2, 2) drawn by the "
      "caller; the truncation input only selects BN statistics. Pass the same value to both.",
      "- `signatures['labels']` takes int32 class ids as y; `module(inputs)` and "
      "`hub.KerasLayer(PATH)` take the dict {'z', 'y', 'truncation'}; "
      "`keras.layers.TFSMLayer(PATH)` calls the `serve` endpoint with the same dict.",
      "- `tfbiggan-sample --module=PATH --classes=... --out=grid.png` writes a labelled grid.",
      "",
      "## Limitations",
      "",
      "- A GAN reproduces the biases and gaps of its training data; samples are not real "
      "photographs and can show artefacts, more so at truncation near 1.",
      "- Quality figures (IS, FID) are not part of this card; measure them with the run's "
      "evaluation before relying on the model.",
      "",
  ]
  return "\n".join(lines)
