"""The classifier whose logits and features the metrics are computed on.

A `Classifier` maps images [B, H, W, 3] in [-1, 1] to (logits [B, K], features [B, D]):
`classify` as tensors (traceable, so that generation and classification can run fused on
each replica), calling it as numpy arrays. Given a strategy, its variables live under the
strategy's scope and batches are split across its local replicas. Two kinds:
  * `SavedModelClassifier`: a SavedModel or TF-Hub handle, e.g. TF-GAN's Inception network
    (`tfbiggan.modules.catalog.inception_url()`, fetched into the module cache once; outputs "logits" [B, 1008] and "pool_3" [B, 2048], inputs 299 x 299
    in [-1, 1]); images are resized as TF-GAN does (bilinear, to 299 x 299) first;
  * `KerasClassifier`: any Keras model with a logits output and a features layer (the digits
    CNN of the demo, `digits_classifier()`).
`activations(images_or_batches, classifier)` streams batches through it.
"""

import contextlib

import numpy as np
import tensorflow as tf

from tfbiggan.distribute.replicas import split_across_replicas
from tfbiggan.modules.catalog import inception_url
from tfbiggan.modules.saved_model import load_saved_model

INCEPTION_SIZE = 299


def resize_like_tfgan(images, size):
  """Bilinear resize to [size, size] (TF-GAN's `preprocess_image` for Inception)."""
  images = tf.convert_to_tensor(images, tf.float32)
  if images.shape[1] == size and images.shape[2] == size:
    return images
  return tf.image.resize(images, [size, size], method="bilinear")


class Classifier:
  """Images [B, H, W, 3] in [-1, 1] -> (logits [B, K], features [B, D]).

  `classify` is the traceable tensor function (the resize included); calling the
  classifier runs it on numpy batches, split across the local replicas of `strategy` when
  one is given (its variables then live under `strategy.scope()`).
  """

  strategy = None
  input_size = None
  _host = None

  def classify(self, images):
    """(logits, features) tensors of an image tensor; traceable, callable in a replica."""
    images = tf.convert_to_tensor(images, tf.float32)
    if self.input_size:
      images = resize_like_tfgan(images, self.input_size)
    return self._logits_and_features(images)

  def _logits_and_features(self, images):
    raise NotImplementedError

  def __call__(self, images):
    """(logits [B, K], features [B, D]) numpy arrays of images [B, H, W, 3]."""
    if self._host is None:
      self._host = split_across_replicas(self.classify, self.strategy)
    return self._host(np.asarray(images, np.float32))


class SavedModelClassifier(Classifier):
  """A SavedModel / TF-Hub classifier whose outputs are a dict with the logits and features.

  Args:
    handle: a folder (on any TensorFlow file system) or a TF-Hub URL (downloaded into the
      module cache on first use; tests and the demo never pass one); default: TF-GAN's
      Inception network.
    signature: the signature to call with the images as its single input; None calls the
      loaded object itself, `module(images)`, as TF-GAN's `classifier_fn_from_tfhub` does
      with its Inception module, or its "default" signature if it is not callable.
    logits_key, features_key: its outputs (features are flattened to [B, D]).
    input_size: images are resized to this square size first (None: as given).
    strategy: load it under this strategy's scope and classify on its local replicas.
  """

  def __init__(self, handle=None, signature=None, logits_key="logits",
               features_key="pool_3", input_size=INCEPTION_SIZE, strategy=None):
    self.strategy = strategy
    handle = handle or inception_url()
    with strategy.scope() if strategy else contextlib.nullcontext():
      self.module = load_saved_model(handle)
    if signature is None and callable(self.module):
      self._fn = self.module
    else:
      signature = signature or "default"
      if signature not in self.module.signatures:
        raise ValueError(f"{handle} has no signature {signature!r} (it has "
                         f"{sorted(self.module.signatures)}) and is "
                         f"{'' if callable(self.module) else 'not '}callable; pass the "
                         "signature that takes the images")
      function = self.module.signatures[signature]
      inputs = list(function.structured_input_signature[1])
      if len(inputs) != 1:
        raise ValueError(f"signature {signature!r} of {handle} takes {inputs}; a classifier "
                         "signature takes the images alone")
      self._fn = lambda images: function(**{inputs[0]: images})
    self.logits_key, self.features_key, self.input_size = logits_key, features_key, input_size

  def _logits_and_features(self, images):
    outputs = self._fn(images)
    missing = [k for k in (self.logits_key, self.features_key) if k not in outputs]
    if missing:
      raise ValueError(f"the classifier has no output {missing}; it has {sorted(outputs)}")
    return (outputs[self.logits_key],
            tf.reshape(outputs[self.features_key], [tf.shape(images)[0], -1]))


class KerasClassifier(Classifier):
  """A Keras model as a classifier: its output is the logits, `features_layer` the features.

  Args:
    model: a functional Keras model taking images in [-1, 1].
    features_layer: the name of the layer whose output are the features.
    input_size: resize images to this square size first (None: as given).
    strategy: classify on its local replicas, with a copy of the model made under its scope.
  """

  def __init__(self, model, features_layer, input_size=None, strategy=None):
    import keras  # pylint: disable=import-outside-toplevel
    self.model, self.input_size, self.strategy = model, input_size, strategy
    if strategy:
      with strategy.scope():
        model = keras.models.clone_model(model)
        model.set_weights(self.model.get_weights())
    self._extractor = keras.Model(model.inputs,
                                  [model.outputs[0], model.get_layer(features_layer).output])

  def _logits_and_features(self, images):
    return tuple(self._extractor(images, training=False))


DIGITS_WEIGHTS_FILE = "weights.npz"


def digits_classifier(seed=0, strategy=None, epochs=20):
  """The demo's judge: a small CNN trained on the digits' train split, as a
  `KerasClassifier` with 10 logits and 128 features. No download. It is trained once (20
  epochs: about 20 s on 2 CPU cores) and its weights kept in the module cache
  (`tfbiggan.modules.cache`, `digits_classifier_entry`), which serves every later call."""
  # pylint: disable=import-outside-toplevel
  from tfbiggan import files
  from tfbiggan.metrics.digits_classifier import build_digits_classifier
  weights = files.load_npz(files.join(digits_classifier_entry(seed, epochs),
                                      DIGITS_WEIGHTS_FILE))
  model = build_digits_classifier()
  model.set_weights([weights[f"w{i}"] for i in range(len(weights))])
  return KerasClassifier(model, "features", strategy=strategy)


def digits_classifier_entry(seed=0, epochs=20):
  """The module-cache entry (a folder) holding the digits judge's weights
  (`DIGITS_WEIGHTS_FILE`), trained into it on first use."""
  # pylint: disable=import-outside-toplevel
  import keras
  from tfbiggan import files
  from tfbiggan.data.digits import load_digits_array
  from tfbiggan.metrics.digits_classifier import train_digits_classifier
  from tfbiggan.modules import cache
  key = (f"the digits judge: trained on the digits' train split, {epochs} epochs, seed {seed}, "
         f"Keras {keras.__version__}")

  def train_into(folder):
    model = train_digits_classifier(*load_digits_array("train"), epochs=epochs, seed=seed)
    files.save_npz(files.join(folder, DIGITS_WEIGHTS_FILE),
                   **{f"w{i}": w for i, w in enumerate(model.get_weights())})

  return cache.fill_entry(cache.entry_path(key), train_into, key)


def classifier_by_name(name, strategy=None):
  """"digits" (`digits_classifier()`), "inception" (TF-GAN's, from TF-Hub) or a SavedModel
  path / handle with outputs "logits" and "pool_3"; on `strategy`'s local replicas if given."""
  if name == "digits":
    return digits_classifier(strategy=strategy)
  if name == "inception":
    return SavedModelClassifier(strategy=strategy)
  return SavedModelClassifier(name, strategy=strategy)


def activations(batches, classifier):
  """(logits [N, K], features [N, D]) of an iterable of image batches [B, H, W, 3] in
  [-1, 1] (or one array [N, H, W, 3], cut into batches of 100)."""
  if isinstance(batches, (np.ndarray, tf.Tensor)):
    array = np.asarray(batches)
    batches = (array[i:i + 100] for i in range(0, len(array), 100))
  logits, features = [], []
  for batch in batches:
    batch_logits, batch_features = classifier(batch)
    logits.append(batch_logits)
    features.append(batch_features)
  if not logits:
    raise ValueError("no images to classify")
  return np.concatenate(logits), np.concatenate(features)
