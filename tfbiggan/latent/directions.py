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
