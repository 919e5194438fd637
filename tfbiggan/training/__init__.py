"""Training: the pieces of BigGAN's custom tf.distribute loop (more to come, see README)."""
