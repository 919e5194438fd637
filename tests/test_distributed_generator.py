"""Generator and Discriminator under MirroredStrategy: replica-assigned state stays in sync.

SN vectors and BN statistics are assigned inside replica contexts; with cross-replica
moments every replica computes the same values, so each replica's copy must equal the
others' and a single-device run on the global batch.
"""

import numpy as np
import pytest
import tensorflow as tf

import tfbiggan
from conftest import mirrored_cpu_strategy


@pytest.mark.parametrize("num_replicas", [2, 4])
def test_generator_training_call_matches_single_device(num_replicas):
  config = tfbiggan.get_config("digits-32")
  single = tfbiggan.Generator(config)
  batch = 8
  z = tf.constant(tfbiggan.truncated_noise(batch, config.dim_z, 1.0, seed=0))
  y = tf.one_hot(np.arange(batch) % 10, 10)

  strategy = mirrored_cpu_strategy(num_replicas)
  with strategy.scope():
    replicated = tfbiggan.Generator(config)
    replicated.set_weights(single.get_weights())
  expected = single(z, y, training=True).numpy()

  per_replica = batch // num_replicas
  split = lambda t: strategy.experimental_distribute_values_from_function(
      lambda ctx: t[ctx.replica_id_in_sync_group * per_replica:
                    (ctx.replica_id_in_sync_group + 1) * per_replica])
  out = strategy.run(tf.function(lambda a, b: replicated(a, b, training=True)),
                     args=(split(z), split(y)))
  got = np.concatenate([t.numpy() for t in strategy.experimental_local_results(out)])
  assert np.max(np.abs(got - expected)) <= 1e-5

  for ours, theirs in zip(replicated.non_trainable_weights, single.non_trainable_weights):
    copies = [v.numpy() for v in strategy.experimental_local_results(ours.value)]
    for copy in copies[1:]:
      np.testing.assert_array_equal(copy, copies[0], err_msg=f"{ours.path} diverged")
    np.testing.assert_allclose(copies[0], theirs.numpy(), atol=1e-5, err_msg=ours.path)
