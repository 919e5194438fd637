"""A small CNN trained on the real digits: the judge of the digits demo and benchmark.

It answers "is this sample the digit it was asked for?" (class accuracy of generated
samples) and gives the 128-d features in which the benchmark measures a Fréchet distance to
held-out digits. Trained on the "train" split only; the "test" split is held out.
`tfbiggan.metrics.classifier.digits_classifier()` wraps it as a `KerasClassifier`.
"""

import keras


def build_digits_classifier(input_shape=(32, 32, 3)):
  """The untrained CNN: images [N, 32, 32, 3] -> logits [N, 10]; its layer "features" gives
  [N, 128]."""
  inputs = keras.Input(input_shape)
  x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
  x = keras.layers.MaxPooling2D()(x)
  x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(x)
  x = keras.layers.MaxPooling2D()(x)
  x = keras.layers.Flatten()(x)
  x = keras.layers.Dense(128, activation="relu", name="features")(x)
  logits = keras.layers.Dense(10, name="logits")(x)
  return keras.Model(inputs, logits)


def train_digits_classifier(images, labels, epochs=20, seed=0):
  """Trains on images [N, 32, 32, 3] in [-1, 1] with labels [N]; returns the Keras model
  (`build_digits_classifier`'s)."""
  keras.utils.set_random_seed(seed)
  model = build_digits_classifier(images.shape[1:])
  model.compile(keras.optimizers.Adam(1e-3),
                keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                metrics=["accuracy"])
  model.fit(images, labels, batch_size=64, epochs=epochs, verbose=0)
  return model
