"""TensorBoard summaries and PNG sample grids of a training run (chief only).

Written to the run's `train/` (see `tfbiggan.run_dir`):
  losses/d_loss, losses/g_loss, losses/ortho_reg, losses/r1    scalars per loop; also
      losses/lecam, losses/mode_seeking, losses/cdc (each weighted, 0 when off)
  d_output/real, d_output/fake                                  D's mean logits
  speed/steps_per_sec, speed/images_per_sec
  optimizer/g_learning_rate                                     G's (warm-up) learning rate
  float16/{d,g}_loss_scale, float16/{d,g}_skipped_updates       the loss scales, and the
      updates of the loop that overflowed and were skipped (float16 runs only)
  singular_values/<weight path>/sv{0,1,2}                       top-3 singular values of
      every G and D weight before spectral normalisation (paper §4 monitors them), exact
      (SVD), every `summary_every` steps
  samples                                                       the EMA generator on fixed
      z, one row per class, also written to the run's samples/step_<step>.png
  collapse/<signal>, collapse/alarm                             1 and the words of each alarm
      of the collapse watch (`tfbiggan.training.collapse_watch`)
"""

import numpy as np
import tensorflow as tf

from tfbiggan.image_grid import save_image_grid
from tfbiggan.layers.spectral_norm import spectral_normalized_layers
from tfbiggan.sampling import class_grid_inputs

_SCALARS = {"d_loss": "losses/d_loss", "g_loss": "losses/g_loss",
            "ortho_reg": "losses/ortho_reg", "r1": "losses/r1", "lecam": "losses/lecam",
            "mode_seeking": "losses/mode_seeking", "cdc": "losses/cdc", "d_real": "d_output/real",
            "d_fake": "d_output/fake", "g_lr": "optimizer/g_learning_rate",
            "d_loss_scale": "float16/d_loss_scale", "g_loss_scale": "float16/g_loss_scale",
            "d_skipped": "float16/d_skipped_updates", "g_skipped": "float16/g_skipped_updates"}


def top_singular_values(model, count=3):
  """{weight path: float32 [<= count]} exact top singular values of each SN layer's kernel."""
  values = {}
  for layer in spectral_normalized_layers(model):
    if layer.spectral_norm:
      kernel = tf.convert_to_tensor(layer.w.value)
      matrix = tf.reshape(kernel, [-1, kernel.shape[-1]])
      values[layer.w.path] = tf.linalg.svd(matrix, compute_uv=False)[:count].numpy()
  return values


class RunSummaries:
  """Writes the summaries above; a no-op writer on non-chief workers."""

  def __init__(self, run, config, chief=True, classes_shown=10, samples_per_class=8,
               seed=0):
    self.run = run
    self.config = config
    self.chief = chief
    self.writer = (tf.summary.create_file_writer(run.summaries_dir) if chief
                   else tf.summary.create_noop_writer())
    classes = np.arange(min(classes_shown, config.num_classes))
    self.grid_shape = (len(classes), samples_per_class)
    z, y = class_grid_inputs(classes, samples_per_class, config.dim_z, config.num_classes,
                             seed=seed)
    self.grid_inputs = (tf.constant(z), tf.constant(y))

  def scalars(self, step, metrics, steps_per_sec):
    with self.writer.as_default(step=step):
      for name, value in metrics.items():
        tf.summary.scalar(_SCALARS.get(name, name), value)
      tf.summary.scalar("speed/steps_per_sec", steps_per_sec)
      tf.summary.scalar("speed/images_per_sec", steps_per_sec * self.config.batch_size)

  def singular_values(self, step, values):
    """values: {weight path: top singular values} (`top_singular_values`)."""
    with self.writer.as_default(step=step):
      for path, top in values.items():
        for i, value in enumerate(top):
          tf.summary.scalar(f"singular_values/{path}/sv{i}", value)

  def collapse(self, step, alarm):
    """A `collapse_watch.Alarm`: collapse/<signal> = 1 at its step, and its words."""
    with self.writer.as_default(step=step):
      tf.summary.scalar(f"collapse/{alarm.signal}", 1.0)
      tf.summary.text("collapse/alarm", str(alarm))

  def samples(self, step, generator, class_names=None):
    """Samples the (EMA) generator on the fixed grid; returns the PNG path (chief) or None."""
    images = generator(*self.grid_inputs, training=False)
    if not self.chief:
      return None
    rows, cols = self.grid_shape
    with self.writer.as_default(step=step):
      tf.summary.image("samples", _tile(images.numpy(), rows, cols)[None], max_outputs=1)
    names = class_names or [str(c) for c in range(rows)]
    return save_image_grid(
        self.run.sample_path(step), images.numpy(),
        rows, cols, row_labels=names[:rows], scale=max(1, 64 // self.config.resolution),
        title=f"{self.config.name}, EMA generator, step {step}")

  def evaluation(self, step, results):
    """Scalars eval/<metric> of a `PeriodicEvaluation` result."""
    with self.writer.as_default(step=step):
      for name in ("inception_score", "fid", "kid", "precision", "recall"):
        tf.summary.scalar(f"eval/{name}", results[name])

  def held_out(self, step, values):
    """Scalars d_held_out/<name> of a `HeldOutProbe` result."""
    with self.writer.as_default(step=step):
      for name, value in values.items():
        tf.summary.scalar(f"d_held_out/{name}", value)

  def flush(self):
    self.writer.flush()


def _tile(images, rows, cols):
  """[rows * cols, H, W, 3] in [-1, 1] -> one [rows * H, cols * W, 3] image in [0, 1]."""
  height, width = images.shape[1:3]
  grid = images.reshape(rows, cols, height, width, 3).transpose(0, 2, 1, 3, 4)
  return (grid.reshape(rows * height, cols * width, 3) + 1.0) / 2.0
