"""Closed-form latent directions of a BigGAN generator (SeFa, Shen & Zhou, CVPR 2021).

A layer that reads z maps a step d in z to a change A^T d of its outputs. The directions that
change the outputs most are the top eigenvectors of A A^T: SeFa stacks the (column-normalised)
weights of the chosen layers that read z and factorises them, with no data and no training.

Which weights read z (spec §2: G's layout):
  BigGAN (hierarchical z)   G_linear reads chunk 0; block i's conditional BNs (gain and bias
                            projections) read chunk i + 1 (rows 0..chunk-1 of their input
                            [chunk, class embedding]).
  BigGAN-deep               G_linear and every conditional BN read all of z (rows
                            0..dim_z-1 of their input [z, class embedding]).
Each weight is placed in a [dim_z, out] matrix (zero rows for the z entries it does not
read), its columns normalised (SeFa's normalisation: every output unit counts alike, and
spectral normalisation's scale drops out), and all are concatenated along the outputs.
"""

import numpy as np

from tfbiggan.class_names import lookup_classes, row_label
from tfbiggan.sampling import class_grid_inputs, in_batches

LAYERS = ("all", "first")


def z_reading_weights(generator, layers="all"):
  """[(Keras path, float64 [dim_z, out])] of the weights that read z, placed in z's rows.

  layers: "all" (G_linear and every conditional BN of the blocks) or "first" (G_linear).
  """
  if layers not in LAYERS:
    raise ValueError(f"layers must be one of {LAYERS}, got {layers!r}")
  config = generator.config
  chunk = config.z_chunk_size

  def placed(weight, start, rows):
    full = np.zeros([config.dim_z, weight.shape[-1]])
    full[start:start + rows] = np.asarray(weight.numpy(), np.float64)[:rows]
    return weight.path, full

  found = [placed(generator.linear.w, 0, chunk)]
  if layers == "all":
    for index, block in enumerate(generator.blocks):
      start = (index + 1) * chunk if config.hierarchical_z else 0
      for batch_norm in block.batch_norms:
        for projection in (batch_norm.gamma, batch_norm.beta):
          found.append(placed(projection.w, start, chunk))
  return found


def sefa_directions(generator, layers="all"):
  """SeFa's directions in z, strongest first.

  Returns: (directions float32 [dim_z, dim_z], row k the k-th unit direction;
            singular values float64 [dim_z], descending: how strongly each direction moves
            the chosen layers' normalised outputs).
  """
  columns = []
  for _, weight in z_reading_weights(generator, layers):
    norms = np.linalg.norm(weight, axis=0, keepdims=True)
    columns.append(weight / np.maximum(norms, 1e-12))
  stacked = np.concatenate(columns, axis=1)  # [dim_z, all outputs]
  eigenvalues, eigenvectors = np.linalg.eigh(stacked @ stacked.T)
  order = np.argsort(eigenvalues)[::-1]
  singular_values = np.sqrt(np.maximum(eigenvalues[order], 0.0))
  return eigenvectors[:, order].T.astype(np.float32), singular_values


def move_along(z, direction, strengths):
  """z [B, dim_z] moved by each of `strengths` along a unit direction [dim_z]:
  float32 [len(strengths), B, dim_z]."""
  z = np.asarray(z, np.float32)
  return np.stack([z + s * np.asarray(direction, np.float32) for s in strengths])


def direction_grid(generator, class_names, direction, strengths, classes, truncation=0.5,
                   seed=0, batch_size=16):
  """A "sample x strength" grid: row r is one sample of class `classes[r]` (z of the seed, as
  a class grid draws it), column c the same z moved by `strengths[c]` along `direction`.

  Args:
    generator: a `tfbiggan.Generator` (e.g. from `tfbiggan.load_pretrained`).
    class_names: its class names.
    direction: a unit direction [dim_z] (a row of `sefa_directions`).
    strengths: steps along it, in units of z (z itself is truncation * truncnorm(-2, 2)).
    classes: class indices or names, one row each.
    truncation: hub-convention truncation of z and of the BN statistics.

  Returns: (images float32 [len(classes) * len(strengths), R, R, 3] in [-1, 1], row-major;
    row labels).
  """
  config = generator.config
  indices = lookup_classes(classes, class_names)
  z, y = class_grid_inputs(indices, 1, config.dim_z, config.num_classes, truncation, seed)
  moved = move_along(z, direction, strengths).transpose(1, 0, 2).reshape(-1, config.dim_z)
  labels = np.repeat(y, len(strengths), axis=0)
  images = in_batches(lambda z, y: generator(z, y, truncation=truncation), moved, labels,
                      batch_size)
  return images, [row_label(class_names, index) for index in indices]


def latent_grid(generator, class_names, projection, classes=(), direction=None,
                strengths=(0.0,), batch_size=16):
  """A projection's edits: row 0 is the projected image's z with its own embedding, row r
  the same z with the embedding row of `classes[r - 1]`; column c moves z by `strengths[c]`
  along `direction` (one column, z itself, without a direction). All at the projection's
  truncation.

  Args:
    generator: a `tfbiggan.Generator` of the module the image was projected into.
    class_names: its class names.
    projection: a `tfbiggan.latent.projection.Projection` (z [dim_z], embedding
      [shared_dim], truncation).
    classes: class indices or names, one row each after the projection's.
    direction: a unit direction [dim_z] (a row of `sefa_directions`), or None.
    strengths: steps along `direction`, in units of z.

  Returns: (images float32 [(1 + len(classes)) * columns, R, R, 3] in [-1, 1], row-major;
    row labels; columns).

  Raises:
    ValueError: a projection made in another module.
  """
  rows = generator.shared_embedding.w.numpy()
  projection.check_fits(rows)
  indices = lookup_classes(classes, class_names)
  embeddings = np.concatenate([projection.embedding[None], rows[indices]])
  z = np.asarray(projection.z, np.float32)[None]
  if direction is None:
    strengths = (0.0,)
  else:
    z = move_along(z, direction, strengths)[:, 0]  # [strengths, dim_z]
  z = np.tile(z, (len(embeddings), 1))  # Row-major: each embedding with every strength.
  embeddings = np.repeat(embeddings, len(strengths), axis=0)
  images = in_batches(lambda z, embedding: generator.synthesize(
      z, embedding, truncation=projection.truncation), z, embeddings, batch_size)
  labels = ["projection"] + [row_label(class_names, index) for index in indices]
  return images, labels, len(strengths)
