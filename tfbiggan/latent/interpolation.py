"""Walks between two classes or two noise vectors, as generator inputs.

  class walk   one z per row (drawn as a class grid draws it), the class vector moving
               linearly from one class to the other. The class embedding is linear in y
               (`embedding = y @ linear/w`), so this is the straight line between the two
               class embeddings, and it works through any module's `default` signature.
  noise walk   one class, z moving along the great circle from the noise of one seed to the
               noise of another (slerp, which keeps z at a typical norm; see
               `tfbiggan.sampling.interpolate`).
  latent walk  from a projected image (`tfbiggan.latent.projection.Projection`) to a class:
               its z fixed, its embedding moving linearly to the class's embedding row.
The first two return (z, y) with `steps` columns per row, row-major, for `generate` or a
generator; the latent walk returns (z, embedding) for `generate_from_embedding`, and
`projection_walk` draws it with a generator at the projection's truncation.
"""

import numpy as np

from tfbiggan.class_names import lookup_class, row_label
from tfbiggan.sampling import class_grid_inputs, in_batches, interpolate, truncated_noise


def class_walk(start, end, steps, dim_z, num_classes, truncation=0.5, seed=0, rows=1):
  """Inputs of `rows` walks from class index `start` to class index `end`, `steps` points
  each (both ends included): (z [rows * steps, dim_z], y [rows * steps, num_classes])."""
  z, y_start = class_grid_inputs([start] * rows, 1, dim_z, num_classes, truncation, seed)
  y_end = np.eye(num_classes, dtype=np.float32)[[end] * rows]
  y = interpolate(y_start, y_end, steps, "lerp")  # [steps, rows, classes]
  return (np.repeat(z, steps, axis=0),
          y.transpose(1, 0, 2).reshape(rows * steps, num_classes))


def noise_walk(class_index, seeds, steps, dim_z, num_classes, truncation=0.5):
  """Inputs of a walk of class `class_index` from the noise of seeds[0] to that of seeds[1]
  (each drawn as `truncated_noise(1, dim_z, truncation, seed)`), `steps` points:
  (z [steps, dim_z], y [steps, num_classes])."""
  start, end = (truncated_noise(1, dim_z, truncation, seed)[0] for seed in seeds)
  z = interpolate(start, end, steps, "slerp")
  y = np.eye(num_classes, dtype=np.float32)[[class_index] * steps]
  return z, y


def latent_walk(z, embedding, end_embedding, steps):
  """Inputs of a walk with z [dim_z] fixed and the class embedding moving linearly from
  `embedding` to `end_embedding` (both [shared_dim]), `steps` points:
  (z [steps, dim_z], embeddings [steps, shared_dim])."""
  embeddings = interpolate(embedding, end_embedding, steps, "lerp")
  return np.repeat(np.asarray(z, np.float32)[None], steps, axis=0), embeddings


def projection_walk(generator, class_names, projection, to_class, steps, batch_size=16):
  """The walk of `tfbiggan-interpolate --from_latent`: the projection's z fixed, its
  embedding moving to the embedding row of `to_class`, drawn at the projection's truncation.

  Args:
    generator: a `tfbiggan.Generator` of the module the image was projected into.
    class_names: its class names.
    projection: a `tfbiggan.latent.projection.Projection`.
    to_class: the class index or name the walk ends at.
    steps: points of the walk, both ends included.

  Returns: (images float32 [steps, R, R, 3] in [-1, 1]; the end class's label).

  Raises:
    ValueError: a projection made in another module.
  """
  rows = generator.shared_embedding.w.numpy()
  projection.check_fits(rows)
  end = lookup_class(to_class, class_names)
  z, embeddings = latent_walk(projection.z, projection.embedding, rows[end], steps)
  images = in_batches(lambda z, embedding: generator.synthesize(
      z, embedding, truncation=projection.truncation), z, embeddings, batch_size)
  return images, row_label(class_names, end)
