"""What the web explorer computes, without the web: samples, walks, direction edits and
projections of one generator module, as numpy images.

`tfbiggan-explore` (`tfbiggan.explorer_app`) puts a page in front of an `Explorer`; tests
and notebooks can call it directly. Every image comes from the module's `embedding`
signature (one concrete function, traced when the module was written and reused by every
call), so a class, a blend of classes and a projected image are all just embeddings. The
latent directions (SeFa) are computed once from the module's own variables, on first use or
in the background from the start, where the projection step is traced too.

All images are float32 [N, R, R, 3] in [-1, 1]; classes are indices or names.
"""

import threading

import numpy as np

from tfbiggan.class_names import lookup_class, row_label
from tfbiggan.modules.generator_module import (generate_from_embedding, load_generator_module,
                                       module_class_embeddings, module_class_names,
                                       module_resolution, module_sizes)
from tfbiggan.latent.interpolation import class_walk, noise_walk
from tfbiggan.modules.module_precision import ModuleInPrecision, module_in_precision
from tfbiggan.sampling import class_grid_inputs, truncated_noise

NUM_DIRECTIONS = 5  # Direction sliders: the strongest SeFa directions.


class Explorer:
  """One module, ready to draw from.

  Args:
    module: a loaded generator module (from `load_generator_module`, or one sampling in a
      reduced precision from `module_in_precision`) with the `embedding` signature, or the
      path / handle of one.
    batch_size: images per module call.
    precision: with a path or handle, the precision to sample in (`module_in_precision`:
      "float32", "bfloat16", "float16" or "auto"); a tfbiggan module samples through its
      Keras generator with kernels normalised once in float32 too (`rebuild`).
    warm_up: in a background thread, compute the SeFa directions (for BigGAN-deep 128 this
      builds a Keras generator from the module's weights: seconds) and trace the
      projection step (seconds too), so both are ready when their tabs are used.

  Raises:
    ValueError: a module without the `embedding` signature (says how to re-export it).
  """

  def __init__(self, module, batch_size=16, warm_up=False, precision="float32"):
    if isinstance(module, str):
      module = module_in_precision(load_generator_module(module), precision, source=module,
                                   rebuild=True)
    self.module = module
    self.rows = module_class_embeddings(module)  # [num_classes, shared_dim]
    self.class_names = module_class_names(module)
    self.dim_z, self.num_classes = module_sizes(module)
    self.resolution = module_resolution(module)
    self.batch_size = batch_size
    self._directions = None
    self._directions_lock = threading.Lock()
    self.warming_up = None
    if warm_up:
      self.warming_up = threading.Thread(target=self._warm_up, daemon=True)
      self.warming_up.start()

  def _warm_up(self):
    # pylint: disable=import-outside-toplevel
    from tfbiggan.latent.projection import prepare_projection
    self.directions()
    prepare_projection(self.module)

  def class_labels(self):
    """"<index> <name>" for every class, in index order (what a class picker lists)."""
    return [row_label(self.class_names, index) for index in range(self.num_classes)]

  def class_index(self, query):
    """The index of a class given by index, name or label ("207 golden retriever")."""
    text = str(query).strip()
    head, _, rest = text.partition(" ")
    if head.isdigit() and rest and int(head) < self.num_classes and (
        row_label(self.class_names, int(head)) == text):
      return int(head)
    return lookup_class(text, self.class_names)

  def draw(self, z, embeddings, truncation):
    """Images of z [N, dim_z] and class embeddings [N, shared_dim] at `truncation`."""
    return generate_from_embedding(self.module, np.asarray(z, np.float32),
                                   np.asarray(embeddings, np.float32), truncation,
                                   self.batch_size)

  def draw_labels(self, z, y, truncation):
    """Images of z [N, dim_z] and (soft) labels y [N, num_classes], whose embedding is
    y @ rows (the straight line between classes is the line between their rows)."""
    return self.draw(z, np.asarray(y, np.float32) @ self.rows, truncation)

  def samples(self, query, truncation, seed, count):
    """`count` samples of one class: z of `seed` (hub convention, z = t * truncnorm), as a
    one-row class grid draws them."""
    z, y = class_grid_inputs([self.class_index(query)], count, self.dim_z, self.num_classes,
                             truncation, seed)
    return self.draw_labels(z, y, truncation)

  def class_walk(self, start, end, steps, truncation, seed):
    """One z (of `seed`), the class moving from `start` to `end` (`interpolation.class_walk`)."""
    z, y = class_walk(self.class_index(start), self.class_index(end), steps, self.dim_z,
                      self.num_classes, truncation, seed)
    return self.draw_labels(z, y, truncation)

  def seed_walk(self, query, seeds, steps, truncation):
    """One class, z moving from seeds[0]'s noise to seeds[1]'s along the great circle
    (`interpolation.noise_walk`)."""
    z, y = noise_walk(self.class_index(query), seeds, steps, self.dim_z, self.num_classes,
                      truncation)
    return self.draw_labels(z, y, truncation)

  def directions(self):
    """The strongest SeFa directions, float32 [NUM_DIRECTIONS, dim_z] (computed once)."""
    with self._directions_lock:
      if self._directions is None:
        # pylint: disable=import-outside-toplevel
        from tfbiggan.latent.directions import sefa_directions
        from tfbiggan.modules.pretrained import generator_from_module
        generator = (self.module.generator if isinstance(self.module, ModuleInPrecision)
                     else generator_from_module(self.module))
        directions, _ = sefa_directions(generator)
        self._directions = directions[:NUM_DIRECTIONS]
      return self._directions

  def edit(self, query, seed, truncation, strengths, z=None, embedding=None):
    """One image: z (of `seed`, or the given z) moved by strengths[k] along direction k.

    With `embedding` (e.g. a projection's), the class query is not used.
    """
    strengths = np.asarray(strengths, np.float32)
    if z is None:
      z = truncated_noise(1, self.dim_z, truncation, seed=seed)[0]
    if np.any(strengths):
      z = z + strengths @ self.directions()[:len(strengths)]
    if embedding is None:
      embedding = self.rows[self.class_index(query)]
    return self.draw(z[None], np.asarray(embedding)[None], truncation)

  def project(self, image, query=None, steps=200, seed=0):
    """Projects an image (uint8 or float [H, W, 3] of any size; centre-cropped and resized)
    into the module. Returns a `tfbiggan.latent.projection.Projection`."""
    # pylint: disable=import-outside-toplevel
    from tfbiggan.data.preprocessing import prepare_image
    from tfbiggan.latent.projection import project
    target = prepare_image(image, self.resolution)
    hint = None if query in (None, "") else self.class_index(query)
    projection, = project(self.module, target[None], [hint], steps=steps, seed=seed,
                          log_progress=False)
    return projection
