"""One test harness for every layer and model, after keras-hub's `run_layer_test`.

`run_layer_test` checks, for one layer class and one set of call arguments:
  * config round trip: get_config -> from_config gives identical JSON, and the class is
    registered for Keras serialisation;
  * trainable and non-trainable weight counts (catches SN `u` vectors and BN statistics);
  * a symbolic call with an unknown batch size gives the expected output shape;
  * eager, tf.function and XLA (jit_compile) inference calls agree;
  * a training step: every trainable weight gets a finite gradient and the
    non-trainable state (SN vectors, moving statistics) is updated only when training;
  * a mixed_bfloat16 run: float32 variables, finite outputs close to the float32 ones.
"""

import json

import keras
import numpy as np
import tensorflow as tf


def _symbolic(value):
  value = tf.convert_to_tensor(value)
  return keras.KerasTensor((None,) + tuple(value.shape[1:]), dtype=value.dtype.name)


def _max_abs_diff(a, b):
  return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def run_layer_test(layer_cls, init_kwargs, call_args, call_kwargs=None,
                   expected_output_shape=None, expected_num_trainable_weights=None,
                   expected_num_non_trainable_weights=None, expected_output_dtype=None,
                   updates_state_when_training=True, xla_tolerance=1e-5,
                   mixed_precision_tolerance=0.1, run_training_check=True,
                   run_mixed_precision_check=True):
  """Runs the shared checks; returns the eager float32 output of the inference call."""
  call_kwargs = dict(call_kwargs or {})
  layer = layer_cls(**init_kwargs)
  output = layer(*call_args, **call_kwargs)

  # Config round trip (identical JSON) and registered serialisation.
  config = layer.get_config()
  clone = layer_cls.from_config(config)
  assert json.dumps(clone.get_config(), sort_keys=True) == json.dumps(config, sort_keys=True)
  restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
  assert type(restored) is layer_cls

  if expected_output_shape is not None:
    assert tuple(output.shape) == tuple(expected_output_shape), output.shape
  if expected_output_dtype is not None:
    assert output.dtype == expected_output_dtype, output.dtype
  if expected_num_trainable_weights is not None:
    assert len(layer.trainable_weights) == expected_num_trainable_weights, \
        [w.path for w in layer.trainable_weights]
  if expected_num_non_trainable_weights is not None:
    assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights, \
        [w.path for w in layer.non_trainable_weights]

  # Symbolic call with an unknown batch size.
  symbolic_layer = layer_cls(**init_kwargs)
  symbolic_out = symbolic_layer(*[_symbolic(a) for a in call_args], **call_kwargs)
  if expected_output_shape is not None:
    assert tuple(symbolic_out.shape) == (None,) + tuple(expected_output_shape[1:])

  # Eager / tf.function / XLA agreement on the same weights (inference: no state changes).
  graph_out = tf.function(lambda *a: layer(*a, **call_kwargs))(*call_args)
  xla_out = tf.function(lambda *a: layer(*a, **call_kwargs), jit_compile=True)(*call_args)
  assert _max_abs_diff(output, graph_out) <= 1e-6
  assert _max_abs_diff(output, xla_out) <= xla_tolerance

  if run_training_check:
    _check_training_step(layer, call_args, call_kwargs, updates_state_when_training)
  if run_mixed_precision_check:
    _check_mixed_precision(layer_cls, init_kwargs, layer, call_args, call_kwargs,
                           mixed_precision_tolerance)
  return output


def _check_training_step(layer, call_args, call_kwargs, updates_state):
  before = [np.array(w.numpy()) for w in layer.non_trainable_weights]
  layer(*call_args, **call_kwargs)  # inference must not change any state
  for w, old in zip(layer.non_trainable_weights, before):
    np.testing.assert_array_equal(w.numpy(), old, err_msg=f"{w.path} changed at inference")
  kwargs = dict(call_kwargs, training=True)
  with tf.GradientTape() as tape:
    out = layer(*call_args, **kwargs)
    # A fixed random projection gives every output element a gradient.
    weights = tf.random.stateless_normal(tf.shape(out), seed=[1, 2], dtype=out.dtype)
    loss = tf.reduce_sum(tf.cast(out * weights, tf.float32))
  grads = tape.gradient(loss, layer.trainable_weights)
  for w, g in zip(layer.trainable_weights, grads):
    assert g is not None, f"no gradient for {w.path}"
    assert np.all(np.isfinite(g.numpy())), f"non-finite gradient for {w.path}"
  if updates_state:
    changed = [not np.array_equal(w.numpy(), old)
               for w, old in zip(layer.non_trainable_weights, before)]
    assert any(changed), "a training call updated no non-trainable state"


def _check_mixed_precision(layer_cls, init_kwargs, reference, call_args, call_kwargs, tol):
  layer = layer_cls(**dict(init_kwargs, dtype="mixed_bfloat16"))
  layer(*call_args, **call_kwargs)
  assert all(w.dtype == "float32" for w in layer.weights), \
      [w.path for w in layer.weights if w.dtype != "float32"]
  layer.set_weights(reference.get_weights())
  out = layer(*call_args, **call_kwargs)
  expected = reference(*call_args, **call_kwargs)
  out32 = tf.cast(out, tf.float32).numpy()
  assert np.all(np.isfinite(out32))
  scale = max(1.0, float(np.max(np.abs(expected.numpy()))))
  assert _max_abs_diff(out32, expected) <= tol * scale, _max_abs_diff(out32, expected)
