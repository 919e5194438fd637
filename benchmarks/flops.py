"""FLOPs of a training step, counted by TF's profiler on the traced graph (shared by
`train_step_throughput.py` and `training_at_scale.py`)."""


def step_flops(trainer, images, labels):
  """FLOPs of one per-replica step of a `Trainer` on `images` [d_steps * B, H, W, 3] and
  `labels` [d_steps * B] (B: its per-replica batch): the float operations of the traced
  graph that TF's profiler has a count for (convolutions and their gradients, matmuls,
  element-wise ops), as TF-GAN and BigGAN-PyTorch's reports count them."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel

  def one_step(x, y):
    return trainer.strategy.run(trainer._replica_step, args=(x, y, tf.constant(0, tf.int64)))  # pylint: disable=protected-access
  graph = tf.function(one_step).get_concrete_function(images, labels).graph
  options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
  options["output"] = "none"
  return tf.compat.v1.profiler.profile(graph, options=options).total_float_ops
