"""The classifier whose logits and features the metrics are computed on.

A classifier maps images [B, H, W, 3] in [-1, 1] to (logits [B, K], features [B, D]) numpy
arrays. Two kinds:
  * `SavedModelClassifier`: a SavedModel or TF-Hub handle, e.g. TF-GAN's Inception network
    (`INCEPTION_HANDLE`; outputs "logits" [B, 1008] and "pool_3" [B, 2048], inputs 299 x 299
    in [-1, 1]); images are resized as TF-GAN does (bilinear, to 299 x 299) first;
  * `KerasClassifier`: any Keras model with a logits output and a features layer (the digits
    CNN of the demo, `digits_classifier()`).
`activations(images_or_batches, classifier)` streams batches through it.
"""

import numpy as np
import tensorflow as tf

INCEPTION_HANDLE = "https://tfhub.dev/tensorflow/tfgan/eval/inception/1"
INCEPTION_SIZE = 299


def resize_like_tfgan(images, size):
  """Bilinear resize to [size, size] (TF-GAN's `preprocess_image` for Inception)."""
  images = tf.convert_to_tensor(images, tf.float32)
  if images.shape[1] == size and images.shape[2] == size:
    return images
  return tf.image.resize(images, [size, size], method="bilinear")


class SavedModelClassifier:
  """A SavedModel / TF-Hub classifier.

  Args:
    handle: a local folder or a TF-Hub handle (a handle downloads on first use; tests and
      the demo never pass one).
    signature: the signature to call; its single input takes the images.
    logits_key, features_key: its outputs.
    input_size: images are resized to this square size first (None: as given).
  """

  def __init__(self, handle=INCEPTION_HANDLE, signature="default", logits_key="logits",
               features_key="pool_3", input_size=INCEPTION_SIZE):
    import tensorflow_hub as hub  # pylint: disable=import-outside-toplevel
    self.module = hub.load(handle)
    if signature not in self.module.signatures:
      raise ValueError(f"{handle} has no signature {signature!r}; it has "
                       f"{sorted(self.module.signatures)}")
    self._fn = self.module.signatures[signature]
    inputs = list(self._fn.structured_input_signature[1])
    if len(inputs) != 1:
      raise ValueError(f"signature {signature!r} of {handle} takes {inputs}; a classifier "
                       "signature takes the images alone")
    self._input = inputs[0]
    self.logits_key, self.features_key, self.input_size = logits_key, features_key, input_size

  def __call__(self, images):
    if self.input_size:
      images = resize_like_tfgan(images, self.input_size)
    outputs = self._fn(**{self._input: tf.convert_to_tensor(images, tf.float32)})
    missing = [k for k in (self.logits_key, self.features_key) if k not in outputs]
    if missing:
      raise ValueError(f"the classifier has no output {missing}; it has {sorted(outputs)}")
    features = tf.reshape(outputs[self.features_key], [tf.shape(images)[0], -1])
    return outputs[self.logits_key].numpy(), features.numpy()


class KerasClassifier:
  """A Keras model as a classifier: its output is the logits, `features_layer` the features.

  Args:
    model: a functional Keras model taking images in [-1, 1].
    features_layer: the name of the layer whose output are the features.
    input_size: resize images to this square size first (None: as given).
  """

  def __init__(self, model, features_layer, input_size=None):
    import keras  # pylint: disable=import-outside-toplevel
    self.model = model
    self.input_size = input_size
    self._extractor = keras.Model(model.inputs,
                                  [model.outputs[0], model.get_layer(features_layer).output])
    self._call = tf.function(lambda x: self._extractor(x, training=False))

  def __call__(self, images):
    if self.input_size:
      images = resize_like_tfgan(images, self.input_size)
    logits, features = self._call(tf.convert_to_tensor(images, tf.float32))
    return logits.numpy(), features.numpy()


def digits_classifier(seed=0):
  """The demo's judge: a small CNN trained on the digits' train split (about 20 s on 2 CPU
  cores), as a `KerasClassifier` with 10 logits and 128 features. No download."""
  # pylint: disable=import-outside-toplevel
  from tfbiggan.data.digits import load_digits_array
  from tfbiggan.metrics.digits_classifier import train_digits_classifier
  return KerasClassifier(train_digits_classifier(*load_digits_array("train"), seed=seed),
                         "features")


def classifier_by_name(name):
  """"digits" (`digits_classifier()`), "inception" (TF-GAN's, from TF-Hub) or a SavedModel
  path / handle with outputs "logits" and "pool_3"."""
  if name == "digits":
    return digits_classifier()
  if name == "inception":
    return SavedModelClassifier()
  return SavedModelClassifier(name)


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
