"""BigGAN's losses and regularisers, as per-example tensors.

Every loss returns one value per example ([B], float32) so that a distributed training loop
can average over the *global* batch with `tf.nn.compute_average_loss(per_example,
global_batch_size=...)` (Keras 3 losses would average per replica instead).

  hinge (paper §4, CG loss_lib.py, BP losses.py):
    L_D = E[relu(1 - D(x))] + E[relu(1 + D(G(z)))],   L_G = -E[D(G(z))]
  non-saturating (Goodfellow et al. 2014):
    L_D = E[softplus(-D(x))] + E[softplus(D(G(z)))],  L_G = E[softplus(-D(G(z)))]
  orthogonal regularisation (paper §3.1, spec §5.1), on G's weights of rank >= 2 except the
    shared class embedding, with W = reshape(kernel, [-1, out]) (TF layout):
    R = (beta / 2) * || W^T W * (1 - I) ||_F^2
  so that dR/dW = 2 beta W ((W^T W) * (1 - I)): the step BP's `ortho` applies (its strength
  1e-4 is beta). The paper's formula without the 1/2 gives twice that gradient.
  R1 (Mescheder et al. 2018; paper §4.2's D-stability study): (gamma / 2) ||grad_x D(x)||^2.
  LeCam (Tseng et al., CVPR 2021, as google/lecam-gan computes it), with a_real, a_fake the
    moving averages of D's mean outputs on real and fake images:
    R = E[relu(D(x) - a_fake)^2] + E[relu(a_real - D(G(z)))^2]
  mode seeking (MSGAN, Mao et al., CVPR 2019, eq. 3), on pairs of fakes of one class drawn
    from noise z_a, z_b: R = 1 / (mean|G(z_a) - G(z_b)| / mean|z_a - z_b| + 1e-5), added to
    G's loss so that G pays for mapping distinct noise to near-equal images; per pair here
    (MSGAN takes the ratio of the batch's means) so that replicas share the average.
  cross-domain correspondence (CDC, Ojha et al., CVPR 2021, eq. 1-2), for a fine-tune's G
    and its frozen source G_s on the same noise, in groups of n samples: with s_i^l(G) the
    softmax over j != i of the cosine similarities between the features of samples i and j
    at G's layer l, R = E_l [ sum_i KL(s_i^l(G_s) || s_i^l(G)) / (n (n - 1)) ] per group
    (PyTorch's KLDivLoss mean over the n x (n - 1) entries, as Ojha et al.'s code with
    n = 4). Their code draws one layer l per anchor i; the mean over layers taken here is that
    draw's expectation.
"""

import tensorflow as tf

from tfbiggan.configs.config import CDC_GROUP_SIZE, LOSSES


def discriminator_loss(real_logits, fake_logits, loss="hinge"):
  """Per-example D loss [B] from D's logits on real [B] and generated [B] images."""
  real_logits = tf.cast(real_logits, tf.float32)
  fake_logits = tf.cast(fake_logits, tf.float32)
  if loss == "hinge":
    return tf.nn.relu(1.0 - real_logits) + tf.nn.relu(1.0 + fake_logits)
  if loss == "non_saturating":
    return tf.nn.softplus(-real_logits) + tf.nn.softplus(fake_logits)
  raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")


def generator_loss(fake_logits, loss="hinge"):
  """Per-example G loss [B] from D's logits on generated images [B]."""
  fake_logits = tf.cast(fake_logits, tf.float32)
  if loss == "hinge":
    return -fake_logits
  if loss == "non_saturating":
    return tf.nn.softplus(-fake_logits)
  raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")


def _off_diagonal_gram_norm(matrix):
  """||W^T W * (1 - I)||_F^2 of W [n, m], through the smaller of the two Gram matrices.

  With m > n (G's first linear layer: W [dim_z chunk + 128, 4 * 4 * 16 ch], m up to 32,768)
  the [m, m] Gram would take gigabytes; ||W^T W||_F^2 = ||W W^T||_F^2 (the same nonzero
  eigenvalues), and the diagonal of W^T W holds the squared column norms, so the value is
  ||W W^T||_F^2 - sum_j ||w_j||^4, from an [n, n] matrix. For m > n the off-diagonal part is
  at least (1 - n/m) of the whole, so the subtraction loses little precision.
  """
  n, m = matrix.shape
  if m <= n:
    gram = tf.matmul(matrix, matrix, transpose_a=True)
    return tf.reduce_sum(tf.square(gram * (1.0 - tf.eye(m, dtype=matrix.dtype))))
  small_gram = tf.matmul(matrix, matrix, transpose_b=True)
  column_norms = tf.reduce_sum(tf.square(matrix), axis=0)
  return tf.reduce_sum(tf.square(small_gram)) - tf.reduce_sum(tf.square(column_norms))


def orthogonal_regularization(kernels, beta=1e-4):
  """(beta / 2) * sum over kernels of ||W^T W * (1 - I)||_F^2, a float32 scalar.

  Args:
    kernels: iterable of weights (any rank >= 2); each is reshaped to [-1, out].
    beta: the strength (1e-4 in BigGAN).
  """
  total = tf.constant(0.0, tf.float32)
  for kernel in kernels:
    kernel = tf.convert_to_tensor(kernel)
    total += _off_diagonal_gram_norm(
        tf.reshape(tf.cast(kernel, tf.float32), [-1, kernel.shape[-1]]))
  return 0.5 * beta * total


def orthogonal_regularization_kernels(generator):
  """G's weights that BigGAN regularises: rank >= 2, trainable, not the shared embedding."""
  excluded = {id(generator.shared_embedding.w)}
  return [w for w in generator.trainable_weights
          if len(w.shape) >= 2 and id(w) not in excluded]


def r1_penalty(discriminator_fn, images, gamma):
  """Per-example R1 penalty [B]: (gamma / 2) * ||d D(x) / d x||^2 on real images.

  Args:
    discriminator_fn: callable images -> logits [B] (e.g. lambda x: D(x, y, training=True)).
    images: real images [B, H, W, C].
    gamma: the R1 weight.
  """
  images = tf.convert_to_tensor(images)
  with tf.GradientTape() as tape:
    tape.watch(images)
    # Each example's logit depends on its own image only, so the gradient of the sum gives
    # every example's input gradient in one backward pass.
    total = tf.reduce_sum(tf.cast(discriminator_fn(images), tf.float32))
  grads = tf.cast(tape.gradient(total, images), tf.float32)
  return 0.5 * gamma * tf.reduce_sum(tf.square(grads), axis=[1, 2, 3])


def lecam_penalty(real_logits, fake_logits, anchor_real, anchor_fake):
  """Per-example LeCam penalty [B] (unweighted), for equal real and fake batches.

  Args:
    real_logits, fake_logits: D's outputs [B] on real and on fake images.
    anchor_real, anchor_fake: scalar moving averages of D's mean outputs on real and fake
      images (constants: no gradient flows into them).
  """
  anchor_real = tf.stop_gradient(anchor_real)
  anchor_fake = tf.stop_gradient(anchor_fake)
  return (tf.square(tf.nn.relu(real_logits - anchor_fake)) +
          tf.square(tf.nn.relu(anchor_real - fake_logits)))


def mode_seeking_penalty(images, z, epsilon=1e-5):
  """Per-pair mode-seeking penalty [B / 2] (unweighted) of rows (2i, 2i + 1), which must
  share their class.

  Args:
    images: generated images [B, H, W, C] (B even).
    z: their noise [B, dim_z].
  """
  images = tf.cast(images, tf.float32)
  pixels = tf.reshape(images, [-1, 2, tf.reduce_prod(tf.shape(images)[1:])])
  noise = tf.reshape(tf.cast(z, tf.float32), [-1, 2, z.shape[-1]])
  ratio = (tf.reduce_mean(tf.abs(pixels[:, 0] - pixels[:, 1]), axis=1) /
           tf.reduce_mean(tf.abs(noise[:, 0] - noise[:, 1]), axis=1))
  return 1.0 / (ratio + epsilon)


def _similarity_logits(features, group_size):
  """Cosine similarities [groups, n, n - 1] between each sample of a group of n and the
  others, of features [B, ...] (B a multiple of n), in float32."""
  flat = tf.cast(tf.reshape(features, [-1, group_size, tf.reduce_prod(tf.shape(features)[1:])]),
                 tf.float32)
  unit = tf.math.l2_normalize(flat, axis=-1)
  similarity = tf.matmul(unit, unit, transpose_b=True)  # [groups, n, n]
  others = tf.constant([[j for j in range(group_size) if j != i] for i in range(group_size)])
  others = tf.broadcast_to(others, tf.concat([tf.shape(similarity)[:1], tf.shape(others)], 0))
  return tf.gather(similarity, others, batch_dims=2)


def cross_domain_correspondence_penalty(source_features, target_features,
                                        group_size=CDC_GROUP_SIZE):
  """Per-group CDC penalty [B / group_size] (unweighted; the module docstring's R).

  Args:
    source_features, target_features: lists of the features [B, ...] of the same noise and
      classes at each compared layer, from the frozen source G (no gradient flows into
      them) and from the G being fine-tuned.
    group_size: samples per group n; B must be a multiple of it.
  """
  per_layer = []
  for source, target in zip(source_features, target_features):
    log_p_source = tf.nn.log_softmax(_similarity_logits(tf.stop_gradient(source), group_size))
    log_p_target = tf.nn.log_softmax(_similarity_logits(target, group_size))
    kl = tf.reduce_sum(tf.exp(log_p_source) * (log_p_source - log_p_target), axis=[1, 2])
    per_layer.append(kl / (group_size * (group_size - 1)))
  return tf.add_n(per_layer) / len(per_layer)
