"""The TF2 SavedModel of a generator: the official BigGAN TF-Hub interface, in TF2 form.

Loaded with `hub.load(path)` (or `tf.saved_model.load`), the object has
  signatures["default"], signatures["serving_default"]:
      (z float32 [None, dim_z], y float32 [None, num_classes], truncation float32 scalar)
      -> {"default": float32 [None, R, R, 3] in [-1, 1]}      (the official modules' call)
  signatures["labels"]: the same with y int32 [None] class ids.
  signatures["embedding"]: (z, embedding float32 [None, shared_dim], truncation) -> the
      same; the class enters as its embedding (`y @ class_embeddings`), so blends, walks
      and projections can use any point of the embedding space.
  __call__(inputs, training=False): inputs {"z", "y", "truncation"} -> images; the Reusable
      SavedModel API (hub.KerasLayer), with `variables`, `trainable_variables`,
      `regularization_losses` ([]). Only modules written with `trainable_call` also take
      training=True, which normalises with batch statistics (and updates them and the
      spectral-norm vectors) for fine-tuning through hub.KerasLayer(trainable=True); that
      second trace of the network doubles the graph a load restores, so it is off by
      default (`tfbiggan.load_pretrained` gives a trainable Keras generator instead).
  serve(inputs): the inference call as `keras.layers.TFSMLayer(path)` calls it.
  dim_z, num_classes, resolution, shared_dim (int32 scalars), truncation_grid (float32 [T]),
  class_names (string [num_classes]), class_embeddings (float32 [num_classes, shared_dim],
  G's linear/w); and in assets/ metadata.json and class_names.txt.
  discriminator (with --with_discriminator): __call__({"images", "y"}, training=False) -> logits
      [None], features(images) -> float32 [None, C] (D's pooled features before the class
      projection, for feature losses), and its own variable lists.

At inference BN reads the standing statistics baked for the truncation grid, interpolated
linearly between grid points (exact on them); nothing mutable is read-modify-written, so
calls with different truncations cannot race (the official biggan v1 modules assigned the
truncation into a variable). Inputs are checked before the network runs: a wrong width,
class count, batch mismatch, truncation outside [0, 1] or non-finite z raises
InvalidArgumentError naming the input and the expected value.
"""

import json

import tensorflow as tf

from tfbiggan import files
from tfbiggan.modules.format import (ASSETS_FOLDER, CLASS_NAMES_FILE, METADATA_FILE,
                                      MODEL_CARD_FILE)



def _new_trackable():
  # The object Keras' own SavedModel export saves (keras.export.ExportArchive): plain
  # attributes, so that `variables` etc. can be set (tf.Module reserves those names).
  return tf.__internal__.tracking.AutoTrackable()


def _check_inputs(z, y, truncation, dim_z, num_classes, labels, shared_dim=None):
  """Graph-side checks of the module's inputs (shape checks also cover unknown shapes);
  with `shared_dim`, y is a class embedding [batch, shared_dim]."""
  y_name = "y" if shared_dim is None else "embedding"
  checks = [
      tf.debugging.assert_equal(
          tf.shape(z)[1], dim_z,
          message=f"z must have shape [batch, {dim_z}] (dim_z = {dim_z}); its width is"),
      tf.debugging.assert_equal(
          tf.shape(z)[0], tf.shape(y)[0],
          message=f"z and {y_name} must have the same batch size; z's and {y_name}'s batch "
                  "sizes are"),
      tf.debugging.assert_greater_equal(
          truncation, 0.0, message="truncation must be in [0, 1]; got"),
      tf.debugging.assert_less_equal(
          truncation, 1.0, message="truncation must be in [0, 1]; got"),
      tf.debugging.assert_all_finite(z, message="z must be finite (it holds NaN or Inf)"),
  ]
  if shared_dim is not None:
    checks += [
        tf.debugging.assert_equal(
            tf.shape(y)[1], shared_dim,
            message=f"embedding must have shape [batch, {shared_dim}] (shared_dim = "
                    f"{shared_dim}; a class's is its row of class_embeddings); its width is"),
        tf.debugging.assert_all_finite(y, message="embedding must be finite (it holds NaN "
                                                  "or Inf)"),
    ]
  elif labels:
    checks += [
        tf.debugging.assert_non_negative(y, message="y (class ids) must be >= 0; got"),
        tf.debugging.assert_less(
            y, num_classes,
            message=f"y (class ids) must be < num_classes = {num_classes}; got"),
    ]
  else:
    checks.append(tf.debugging.assert_equal(
        tf.shape(y)[1], num_classes,
        message=f"y must have shape [batch, {num_classes}] (num_classes = {num_classes}, "
                f"one-hot or soft labels); its width is"))
  return checks


def build_generator_module(generator, class_names, metadata, jit_compile=False,
                           discriminator=None, trainable_call=False):
  """The trackable object and the signatures that `write_generator_module` writes.

  Args:
    generator: a built `tfbiggan.Generator` with its truncation statistics baked.
    class_names: num_classes strings.
    metadata: a JSON-able dict saved as assets/metadata.json.
    jit_compile: compile the network with XLA (the input checks stay outside XLA).
    discriminator: optional `tfbiggan.Discriminator` to export beside it.
    trainable_call: also trace __call__(training=True) (see the module docstring).
  """
  config = generator.config
  dim_z, num_classes, resolution = config.dim_z, config.num_classes, config.resolution
  shared_dim = config.shared_dim
  grid = tuple(config.truncation_grid)
  if len(class_names) != num_classes:
    raise ValueError(f"{len(class_names)} class names for {num_classes} classes")
  truncation_arg = (lambda t: t) if grid else (lambda t: None)

  class_rows = generator.shared_embedding.w  # G's linear/w [num_classes, shared_dim].

  # One network function that every signature and __call__ share, traced for inference (and
  # with trainable_call for training): restoring a module imports each traced graph into
  # Python, so each extra copy of the network adds to its load time.
  @tf.function(jit_compile=jit_compile, autograph=False)
  def network(z, embedding, truncation, training):
    return generator.synthesize(z, embedding, training=training,
                                truncation=truncation_arg(truncation))

  # Traced once per mode and called as concrete functions: a tf.function's first call traces
  # it for variable creation and its next call, from the next signature's trace, anew, which
  # for biggan-deep-128 costs about 3 s of every export and conversion.
  network_spec = (tf.TensorSpec([None, dim_z], tf.float32),
                  tf.TensorSpec([None, shared_dim], tf.float32), tf.TensorSpec([], tf.float32))
  networks = {training: network.get_concrete_function(*network_spec, training)
              for training in ((False, True) if trainable_call else (False,))}

  def images(z, y, truncation, labels=False, embedded=False, training=False):
    """Checks the inputs, embeds the class (`y @ linear/w`, as G's first layer does) unless
    y is an embedding already, and runs the network."""
    truncation = tf.convert_to_tensor(truncation, tf.float32)
    checks = _check_inputs(z, y, truncation, dim_z, num_classes, labels,
                           shared_dim if embedded else None)
    with tf.control_dependencies(checks):
      if embedded:
        embedding = tf.identity(y)
      else:
        embedding = tf.matmul(tf.one_hot(y, num_classes) if labels else y,
                              tf.convert_to_tensor(class_rows))
    return networks[training](z, embedding, truncation)

  z_spec = tf.TensorSpec([None, dim_z], tf.float32, name="z")
  y_spec = tf.TensorSpec([None, num_classes], tf.float32, name="y")
  t_spec = tf.TensorSpec([], tf.float32, name="truncation")
  inputs_spec = {"z": z_spec, "y": y_spec, "truncation": t_spec}

  root = _new_trackable()
  root.variables = list(generator.weights)
  root.trainable_variables = list(generator.trainable_weights)
  root.regularization_losses = []

  @tf.function(autograph=False)
  def call(inputs, training=False):
    return images(inputs["z"], inputs["y"], inputs["truncation"], training=training)

  for training in (False, True) if trainable_call else (False,):
    call.get_concrete_function(inputs_spec, training=training)
  root.__call__ = call

  @tf.function(input_signature=[z_spec, y_spec, t_spec], autograph=False)
  def default(z, y, truncation):
    return {"default": images(z, y, truncation)}

  @tf.function(input_signature=[z_spec, tf.TensorSpec([None], tf.int32, name="y"), t_spec],
               autograph=False)
  def labels(z, y, truncation):
    return {"default": images(z, y, truncation, labels=True)}

  @tf.function(input_signature=[
      z_spec, tf.TensorSpec([None, shared_dim], tf.float32, name="embedding"), t_spec],
               autograph=False)
  def embedding(z, embedding, truncation):  # pylint: disable=redefined-outer-name
    return {"default": images(z, embedding, truncation, embedded=True)}

  # __call__ itself, not a function calling it: every function in the module takes all the
  # variables as inputs, and each adds to the load time.
  root.serve = call
  root.default = default
  root.labels = labels
  root.embedding = embedding
  # The same variable as G's linear/w: one row per class, embedding = y @ class_embeddings.
  root.class_embeddings = class_rows

  # Constants are not saved as attributes; read-only (never assigned) variables are.
  def constant(value, dtype):
    return tf.Variable(value, trainable=False, dtype=dtype)

  root.dim_z = constant(dim_z, tf.int32)
  root.num_classes = constant(num_classes, tf.int32)
  root.resolution = constant(resolution, tf.int32)
  root.shared_dim = constant(shared_dim, tf.int32)
  root.truncation_grid = constant(tf.constant(grid, tf.float32, shape=[len(grid)]), tf.float32)
  root.class_names = constant(list(class_names), tf.string)
  root.metadata_json = constant(json.dumps(metadata, sort_keys=True), tf.string)

  if discriminator is not None:
    root.discriminator = _discriminator_object(discriminator, num_classes, resolution)
  return root, {"default": default, "serving_default": default, "labels": labels,
                "embedding": embedding}


def _discriminator_object(discriminator, num_classes, resolution):
  """D's reusable object: __call__({"images", "y"}, training) -> logits [None], and
  features(images) -> [None, C]."""
  spec = {"images": tf.TensorSpec([None, resolution, resolution, 3], tf.float32,
                                  name="images"),
          "y": tf.TensorSpec([None, num_classes], tf.float32, name="y")}

  @tf.function(autograph=False)
  def call(inputs, training=False):
    return discriminator(inputs["images"], inputs["y"], training=training)

  for training in (False, True):
    call.get_concrete_function(spec, training=training)

  @tf.function(input_signature=[spec["images"]], autograph=False)
  def features(images):
    return tf.cast(discriminator.features(images), tf.float32)

  obj = _new_trackable()
  obj.__call__ = call
  obj.features = features
  obj.variables = list(discriminator.weights)
  obj.trainable_variables = list(discriminator.trainable_weights)
  obj.regularization_losses = []
  return obj


def write_generator_module(root, signatures, path, class_names, metadata, model_card):
  """Writes `root` and `signatures` (from `build_generator_module`) as a SavedModel at
  `path` (an empty or new folder), with assets/metadata.json, assets/class_names.txt and
  MODEL_CARD.md."""
  # No native saver ops: loaders restore the variables from variables/ themselves, and the
  # traced save / restore functions would add to every load (`benchmarks/export_module.py`).
  tf.saved_model.save(root, path, signatures=signatures,
                      options=tf.saved_model.SaveOptions(experimental_skip_saver=True))
  files.write_json(files.join(path, ASSETS_FOLDER, METADATA_FILE), metadata)
  files.write_atomically(files.join(path, ASSETS_FOLDER, CLASS_NAMES_FILE),
                         "\n".join(class_names) + "\n")
  files.write_atomically(files.join(path, MODEL_CARD_FILE), model_card)
