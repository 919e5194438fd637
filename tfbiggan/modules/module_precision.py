"""`module_in_precision`: a loaded generator module that samples in bfloat16 or float16.

A module's own signatures compute in float32, as the official modules do, and stay so. For a
reduced precision the module's weights go into a Keras `Generator` built under a mixed Keras
policy (`generator_from_module`): products in bfloat16 (or float16), weights, BN statistics,
truncation tables and the final tanh in float32. The result stands in for the module wherever
sampling, evaluation, projection, directions and the explorer read one: the same `default`
and `embedding` signatures (keyword inputs, {"default": float32 images}), and every other
attribute (class names and embeddings, metadata, D) read from the module itself.

The image difference against float32 and the speed of each precision on a CPU are in
docs/benchmarks.md ("Sampling in bfloat16", `benchmarks/bfloat16_sampling.py`).
"""

import contextlib

from absl import logging
import tensorflow as tf

from tfbiggan.modules.generator_module import module_sizes
from tfbiggan.modules.pretrained import generator_from_module
from tfbiggan.training.precision import choose_precision


def module_in_precision(module, precision="float32", strategy=None, source="the module",
                        rebuild=False):
  """`module` itself in float32, else a `ModuleInPrecision` computing in `precision`.

  Args:
    module: a tfbiggan module from `load_generator_module`.
    precision: "float32", "bfloat16", "float16", or "auto" (`choose_precision`: bfloat16 on
      a GPU with bfloat16 units or a CPU with AMX or AVX512-BF16, else float32; the choice
      is logged once).
    strategy: build the Keras generator's variables under this strategy's scope (as the
      module was loaded), for sampling inside its replicas.
    source: the module's name, for errors.
    rebuild: in float32 too, a `ModuleInPrecision` for a tfbiggan module outside a
      strategy: the same images from the Keras generator with its kernels normalised once,
      faster per call (most at batch 1) for seconds more to load; for long sessions such
      as the explorer's. Other modules stay themselves.

  Raises:
    ValueError: an unknown precision, or a module that is not a tfbiggan module (it has no
      config to rebuild the generator from; says what to do).
  """
  chosen = choose_precision(precision)
  if precision == "auto":
    logging.info("sampling in %s: %s", chosen.name, chosen.reason)
  if chosen.name == "float32" and not (rebuild and strategy is None
                                       and hasattr(module, "metadata_json")):
    return module
  if not hasattr(module, "metadata_json"):
    raise ValueError(f"{source} is not a tfbiggan module, so it can only sample in float32 "
                     f"(--precision=float32); convert it with tfbiggan-convert to sample in "
                     f"{chosen.name}")
  return ModuleInPrecision(module, chosen.name, strategy, source)


class ModuleInPrecision:
  """A generator module whose `default` and `embedding` signatures run a Keras generator in
  a reduced precision (or in float32 with its kernels normalised once); every other
  attribute is the module's.

  Attributes:
    signatures: {"default": (z [B, dim_z], y [B, num_classes], truncation) -> {"default":
      float32 images [B, R, R, 3]}, "embedding": (z, embedding [B, shared_dim], truncation)
      -> the same}, called with keyword arguments as the module's are.
    generator: the Keras `Generator` they run (its kernels frozen for sampling,
      `Generator.freeze_kernels`, unless built under a strategy).
    precision: "bfloat16", "float16" or "float32".
  """

  def __init__(self, module, precision, strategy=None, source="the module"):
    self._module = module
    self.precision = precision
    with strategy.scope() if strategy is not None else contextlib.nullcontext():
      self.generator = generator_from_module(module, source, precision)
      if strategy is None:
        # Only sampling: each kernel normalised and cast once, not per call. (Inside a
        # strategy's replicas the kernels stay per-replica variables, normalised per call.)
        self.generator.freeze_kernels()
      self.signatures = self._signatures()

  def _signatures(self):
    generator = self.generator
    config = generator.config
    dim_z, num_classes = module_sizes(self._module)
    rows = generator.shared_embedding.w  # float32 [num_classes, shared_dim].

    # One trace of the network, which both signatures call (as in the module itself), as a
    # concrete function: a tf.function called from the second signature's trace would be
    # traced again. Without a truncation grid the batch norms ignore the truncation and read
    # their one set of standing statistics.
    @tf.function(autograph=False)
    def synthesize(z, embedding, truncation):
      return generator.synthesize(z, embedding, truncation=truncation)

    network = synthesize.get_concrete_function(
        tf.TensorSpec([None, dim_z], tf.float32),
        tf.TensorSpec([None, config.shared_dim], tf.float32), tf.TensorSpec([], tf.float32))

    def default(**inputs):
      # The class embedding in float32, y @ linear/w, as the module's default computes it.
      embedding = tf.matmul(inputs["y"], tf.convert_to_tensor(rows))
      return {"default": network(inputs["z"], embedding, inputs["truncation"])}

    def embedding(**inputs):  # pylint: disable=redefined-outer-name
      return {"default": network(inputs["z"], inputs["embedding"], inputs["truncation"])}

    z = tf.TensorSpec([None, dim_z], tf.float32, name="z")
    truncation = tf.TensorSpec([], tf.float32, name="truncation")
    return {
        "default": tf.function(default, autograph=False).get_concrete_function(
            z=z, y=tf.TensorSpec([None, num_classes], tf.float32, name="y"),
            truncation=truncation),
        "embedding": tf.function(embedding, autograph=False).get_concrete_function(
            z=z, embedding=tf.TensorSpec([None, config.shared_dim], tf.float32,
                                         name="embedding"),
            truncation=truncation),
    }

  def __getattr__(self, name):
    # Only reached for attributes this object lacks: the module's own.
    return getattr(self._module, name)
