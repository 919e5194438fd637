"""Projection: the generator input (z, class embedding) whose image matches a given image.

Works on any generator module with the `embedding` signature (modules tfbiggan exports or
converts), by gradient descent through the module itself, in two phases:

  search   every start is optimised for `search_steps`: each candidate class's embedding
           row (the hinted class; else every class of a module with at most
           `max_candidates` classes; else the mean row) times `restarts` noise vectors;
  refine   the start with the lowest loss goes on alone for the remaining steps.

The loss is the mean squared pixel error, plus `feature_weight` times the squared error of
the discriminator's pooled features (normalised by the target's) when the module carries
its discriminator (`tfbiggan-export --with_discriminator`). z stays inside the truncated
prior, [-2t, 2t] per coordinate (hub convention); the embedding moves freely, and the class
reported is the class whose row is nearest to it. Adam steps are taken in units of the
rows' spread, so one learning rate serves z and embeddings of any scale. Many images are
projected together, as one batch.

The result (`Projection`) saves as .npz; sampling and interpolation read it back
(`tfbiggan-sample --latent`, `tfbiggan-interpolate --from_latent`).
"""

import dataclasses
import weakref

from absl import logging
import numpy as np
import tensorflow as tf

from tfbiggan import files
from tfbiggan.class_names import row_label
from tfbiggan.modules.generator_module import module_class_embeddings
from tfbiggan.modules.generator_module import module_embedding_function
from tfbiggan.modules.generator_module import module_resolution
from tfbiggan.modules.generator_module import module_sizes
from tfbiggan.progress import Progress
from tfbiggan.sampling import truncated_noise

MEAN_START = -1  # The start class of a search from the mean embedding.


@dataclasses.dataclass
class Projection:
  """One projected image.

  z: float32 [dim_z] (hub convention, inside [-2t, 2t]); embedding: float32 [shared_dim];
  truncation: the t it was projected at (the module's BN statistics of t); class_index: the
  class whose embedding row is nearest; start_class: the class whose row the winning start
  began from (MEAN_START: the mean row); reconstruction: float32 [R, R, 3] in [-1, 1];
  psnr: dB of the reconstruction against the target (pixel range [0, 1]); loss: the final
  loss.
  """
  z: np.ndarray
  embedding: np.ndarray
  truncation: float
  class_index: int
  start_class: int
  reconstruction: np.ndarray
  psnr: float
  loss: float

  def save(self, path):
    """Writes the projection as .npz (any file system); returns `path`."""
    return files.save_npz(path, **{field.name: np.asarray(getattr(self, field.name))
                                   for field in dataclasses.fields(self)})

  @classmethod
  def load(cls, path):
    """Reads a projection written by `save`."""
    arrays = files.load_npz(path)
    missing = [f.name for f in dataclasses.fields(cls) if f.name not in arrays]
    if missing:
      raise ValueError(f"{path} is not a projection written by tfbiggan-project (it lacks "
                       f"{', '.join(missing)})")
    scalars = {"truncation": float, "class_index": int, "start_class": int, "psnr": float,
               "loss": float}
    return cls(**{name: scalars[name](arrays[name]) if name in scalars else arrays[name]
                  for name in (f.name for f in dataclasses.fields(cls))})

  def check_fits(self, embedding_rows):
    """Raises ValueError unless the projection was made in a module whose class embedding
    rows are `embedding_rows` [num_classes, shared_dim] wide."""
    if self.embedding.shape != embedding_rows.shape[1:]:
      raise ValueError(f"the projection was made in another module (its embedding is "
                       f"{self.embedding.shape[0]} wide, this module's are "
                       f"{embedding_rows.shape[1]})")


def psnr(images, targets):
  """Peak signal-to-noise ratio in dB of images against targets (both [..., R, R, 3] in
  [-1, 1]; the peak is the [0, 1] range's), one per image."""
  mse = np.mean(((np.asarray(images) - np.asarray(targets)) / 2.0) ** 2, axis=(-3, -2, -1))
  return 10.0 * np.log10(1.0 / np.maximum(mse, 1e-12))


def nearest_classes(embeddings, rows):
  """The index of the nearest row (Euclidean) of `rows` [C, D] for each of embeddings
  [N, D]: int [N]."""
  distances = np.linalg.norm(embeddings[:, None, :] - rows[None], axis=-1)
  return distances.argmin(axis=1)


def candidate_classes(num_classes, class_hint=None, max_candidates=16):
  """The classes whose embedding rows start the search: [class_hint]; else every class when
  there are at most `max_candidates`; else [MEAN_START]."""
  if class_hint is not None:
    return [int(class_hint)]
  if num_classes <= max_candidates:
    return list(range(num_classes))
  return [MEAN_START]


def _discriminator_features(module):
  """D's feature function of the module, or None when it carries no discriminator."""
  discriminator = getattr(module, "discriminator", None)
  return getattr(discriminator, "features", None)


def objective(module, z, embedding, targets, target_features, truncation, feature_weight):
  """The per-image loss [B] of (z [B, dim_z], embedding [B, shared_dim]) against targets
  [B, R, R, 3], and the images [B, R, R, 3]: mean squared pixel error, plus `feature_weight`
  times D's normalised squared feature error when `target_features` [B, F] is not None."""
  images = module_embedding_function(module, truncation)(z, embedding)
  loss = tf.reduce_mean(tf.square(images - targets), axis=[1, 2, 3])
  if target_features is not None:
    features = _discriminator_features(module)
    error = tf.reduce_sum(tf.square(features(images) - target_features), axis=1)
    scale = tf.reduce_sum(tf.square(target_features), axis=1) + 1e-8
    loss += feature_weight * error / scale
  return loss, images


def adam_update(variable, gradient, m, v, step, learning_rate, beta_1=0.9, beta_2=0.999,
                epsilon=1e-7):
  """One step of Adam as Keras takes it (bias correction folded into the step size), as a
  function: returns (variable, m, v) after step `step` (1 for the first)."""
  m = m + (gradient - m) * (1.0 - beta_1)
  v = v + (tf.square(gradient) - v) * (1.0 - beta_2)
  alpha = learning_rate * tf.sqrt(1.0 - beta_2 ** step) / (1.0 - beta_1 ** step)
  return variable - m * alpha / (tf.sqrt(v) + epsilon), m, v


# One traced step per loaded module and loss kind, shared by every projection with it: the
# gradient of a 128 px module's function takes seconds to trace (docs/explore.md).
_TRACED_STEPS = weakref.WeakKeyDictionary()


def projection_step(module, with_features):
  """The traced Adam step of projections into `module`.

  A tf.function of (z [B, dim_z], units [B, shared_dim] (the embedding over `unit`), m_z,
  m_u, v_z, v_u (Adam's moments of z and units), count (the step number, from 1), targets
  [B, R, R, 3], target_features [B, F] (ignored unless `with_features`), truncation,
  feature_weight, learning_rate, bound, unit, embedding_rate), all tensors. It returns
  (z, units, m_z, m_u, v_z, v_u, loss [B]) after one step, in the order it takes them: z is
  clipped to [-bound, bound] and the embedding's step is scaled by embedding_rate (0: held,
  as in the search). Traced once per batch size (static shapes), for any values, and kept
  for as long as the module lives.
  """
  steps = _TRACED_STEPS.setdefault(module, {})
  if with_features not in steps:

    @tf.function
    def step(z, units, m_z, m_u, v_z, v_u, count, targets, target_features, truncation,
             feature_weight, learning_rate, bound, unit, embedding_rate):
      with tf.GradientTape() as tape:
        tape.watch([z, units])
        loss, _ = objective(module, z, units * unit, targets,
                            target_features if with_features else None, truncation,
                            feature_weight)
        total = tf.reduce_sum(loss)  # Images are independent: each gets its own gradient.
      gradient_z, gradient_u = tape.gradient(total, [z, units])
      z, m_z, v_z = adam_update(z, gradient_z, m_z, v_z, count, learning_rate)
      units, m_u, v_u = adam_update(units, gradient_u * embedding_rate, m_u, v_u, count,
                                    learning_rate)
      return tf.clip_by_value(z, -bound, bound), units, m_z, m_u, v_z, v_u, loss

    steps[with_features] = step
  return steps[with_features]


def prepare_projection(module, feature_weight=1.0, restarts=3, max_candidates=16):
  """Traces the projection steps that projecting one image into `module` uses (seconds for
  a 128 px module), so that its first projection does not wait for them: projects a blank
  image for two steps, without a class hint and, when its search batch differs, with one.
  The arguments are `project`'s."""
  _, num_classes = module_sizes(module)
  resolution = module_resolution(module)
  hints = [None] + ([0] if num_classes <= max_candidates else [])
  for hint in hints:
    project(module, np.zeros([1, resolution, resolution, 3], np.float32), [hint], steps=2,
            search_steps=1, restarts=restarts, max_candidates=max_candidates,
            feature_weight=feature_weight, log_progress=False)


def _optimize(module, z, embedding, targets, steps, learning_rate, bound, unit, truncation,
              feature_weight, progress, train_embedding=True):
  """Adam on z (and the embedding when `train_embedding`) for `steps` steps, z clipped to
  [-bound, bound]; the embedding is optimised as embedding / unit.

  Returns: (z, embedding, loss [B], images [B, R, R, 3]) at the end, numpy.
  """
  features = _discriminator_features(module) if feature_weight > 0 else None
  targets = tf.constant(targets, tf.float32)
  target_features = (features(targets) if features is not None
                     else tf.zeros([len(targets), 0], tf.float32))
  step = projection_step(module, features is not None)
  z = tf.constant(z, tf.float32)
  units = tf.constant(embedding / unit, tf.float32)
  state = [z, units] + [tf.zeros_like(z), tf.zeros_like(units)] * 2
  scalars = [tf.constant(float(value), tf.float32)
             for value in (truncation, feature_weight, learning_rate, bound, unit,
                           1.0 if train_embedding else 0.0)]
  for count in range(1, steps + 1):
    state = list(step(*state, tf.constant(float(count)), targets, target_features,
                      *scalars))[:6]
    if progress is not None:
      progress.update()
  z, units = state[:2]
  loss, images = objective(module, z, units * unit, targets,
                           target_features if features is not None else None, truncation,
                           feature_weight)
  return z.numpy(), units.numpy() * unit, loss.numpy(), images.numpy()


def project(module, targets, class_hints=None, steps=300, search_steps=None, restarts=3,
            max_candidates=16, learning_rate=0.05, truncation=1.0, feature_weight=1.0,
            seed=0, log_progress=True):
  """Projects images into a generator module.

  Args:
    module: from `tfbiggan.modules.generator_module.load_generator_module`, with the `embedding`
      signature.
    targets: float [N, R, R, 3] in [-1, 1] at the module's resolution (e.g. from
      `tfbiggan.data.preprocessing.read_image`).
    class_hints: None, or one class index (or None) per image: start from that class only.
    steps: Adam steps in all (search and refinement).
    search_steps: steps of the search over starts (default: a quarter of `steps`).
    restarts: noise vectors per candidate class in the search.
    max_candidates: without a hint, every class is a candidate when the module has at most
      this many; otherwise the search starts from the mean embedding.
    learning_rate: Adam's, in units of z and of the embedding rows' standard deviation.
    truncation: t of the prior (z in [-2t, 2t]) and of the BN statistics.
    feature_weight: weight of the discriminator-feature loss (used when the module carries
      its discriminator; 0 turns it off).
    seed: seed of the starting noise.
    log_progress: log progress with an ETA.

  Returns: a list of N `Projection`s.

  Raises:
    ValueError: a module without the `embedding` signature, targets of the wrong shape, or
      bad step counts.
  """
  targets = np.asarray(targets, np.float32)
  resolution = module_resolution(module)
  if targets.ndim != 4 or targets.shape[1:] != (resolution, resolution, 3):
    raise ValueError(f"targets must have shape [N, {resolution}, {resolution}, 3] (the "
                     f"module's resolution), got {list(targets.shape)}")
  search_steps = steps // 4 if search_steps is None else search_steps
  if steps < 1 or not 0 <= search_steps <= steps or restarts < 1:
    raise ValueError(f"need steps >= 1, 0 <= search_steps <= steps and restarts >= 1; got "
                     f"steps={steps}, search_steps={search_steps}, restarts={restarts}")
  rows = module_class_embeddings(module)
  dim_z, num_classes = module_sizes(module)
  count = len(targets)
  class_hints = list(class_hints) if class_hints is not None else [None] * count
  if len(class_hints) != count:
    raise ValueError(f"{len(class_hints)} class hints for {count} images")
  if feature_weight > 0 and _discriminator_features(module) is None:
    logging.info("the module carries no discriminator: projecting with the pixel loss alone")
  unit = float(rows.std()) or 1.0
  bound = 2.0 * truncation

  # Search: every start of every image in one batch.
  starts = [[(c, r) for c in candidate_classes(num_classes, hint, max_candidates)
             for r in range(restarts)] for hint in class_hints]
  owner = np.concatenate([[i] * len(s) for i, s in enumerate(starts)]).astype(int)
  start_classes = np.array([c for s in starts for c, _ in s])
  z = truncated_noise(len(owner), dim_z, truncation, seed=seed)
  embedding = np.where(start_classes[:, None] == MEAN_START, rows.mean(0),
                       rows[np.maximum(start_classes, 0)]).astype(np.float32)
  progress = Progress("projecting", steps, min_interval_s=10.0) if log_progress else None
  z, embedding, loss, _ = _optimize(module, z, embedding, targets[owner], search_steps,
                                    learning_rate, bound, unit, truncation, feature_weight,
                                    progress, train_embedding=False)
  best = np.array([np.flatnonzero(owner == i)[np.argmin(loss[owner == i])]
                   for i in range(count)])
  # Refinement: the best start of each image.
  z, embedding, loss, images = _optimize(module, z[best], embedding[best], targets,
                                         steps - search_steps, learning_rate, bound, unit,
                                         truncation, feature_weight, progress)
  classes = nearest_classes(embedding, rows)
  quality = psnr(images, targets)
  return [Projection(z=z[i], embedding=embedding[i], truncation=float(truncation),
                     class_index=int(classes[i]), start_class=int(start_classes[best[i]]),
                     reconstruction=images[i], psnr=float(quality[i]), loss=float(loss[i]))
          for i in range(count)]


def describe(projection, class_names):
  """A one-line summary: nearest class, start, PSNR."""
  start = ("the mean embedding" if projection.start_class == MEAN_START
           else row_label(class_names, projection.start_class))
  return (f"nearest class {row_label(class_names, projection.class_index)} (search started "
          f"from {start}), PSNR {projection.psnr:.1f} dB, loss {projection.loss:.4f}")

