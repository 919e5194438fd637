"""Weight initialisers by the names used in configs (`BigGANConfig.initializer`)."""

import keras

# The initialiser of a model whose every weight is assigned right after its build (a loaded
# module or checkpoint, the EMA's copy): zeros cost nothing, where the orthogonal
# initialiser's QR decompositions are most of a full-width model's build time.
ASSIGNED_AFTERWARDS = "zeros"

_FACTORIES = {
    # Paper App. B / BP `--G_init ortho`, CG `weights.initializer = @orthogonal`.
    "orthogonal": lambda: keras.initializers.Orthogonal(),
    # BP's "N02": N(0, 0.02).
    "normal": lambda: keras.initializers.RandomNormal(stddev=0.02),
    # CG's D projection embedding (resnet_biggan.py L417).
    "glorot_normal": lambda: keras.initializers.GlorotNormal(),
}


def get_initializer(name):
  """Returns a fresh Keras initializer for `name` ("orthogonal", "normal", "glorot_normal").

  Anything else Keras understands (an initializer object, a config dict, or another Keras
  name) is passed through `keras.initializers.get`.
  """
  if isinstance(name, str) and name in _FACTORIES:
    return _FACTORIES[name]()
  return keras.initializers.get(name)
