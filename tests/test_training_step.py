"""The training step against a reference written out here from the paper's recipe.

The reference takes copies of the same networks and the same batches and noise, and redoes
two training steps with its own code: the losses written out (hinge, non-saturating, R1),
plain `tf.GradientTape` gradients, Adam in numpy, the orthogonal penalty's gradient in
closed form 2*beta*W((W^T W) * (1 - I)) (spec §5.1), and the EMA blend. Only the networks'
forward passes, DiffAugment (its own tests) and the noise draws are shared with `Trainer`.
Gradient accumulation is written out as BigGAN-PyTorch does it: each micro-batch's forward
pass and loss (its mean divided by the number of micro-batches), the gradients summed, one
Adam update, the orthogonal penalty once.
The small-data options are written out too: LeCam's penalty with its zero-debiased moving
averages (Tseng et al. 2021), mode seeking's penalty on G (Mao et al. 2019), cross-domain
correspondence against a frozen source G (Ojha et al. 2021), FreezeD's frozen blocks and G's
embedding-and-norms training,
chosen here by their official variable names.
Two steps, because Adam's first update is about lr * sign(g) whatever g's size: the second
one depends on the gradients' magnitudes, so a dropped or mis-scaled term shows.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfbiggan
from tfbiggan.diff_augment import diff_augment
from tfbiggan.training.trainer import Trainer
from train_utils import TINY

STEPS = 2
SEED = 11


def _batches(config, steps):
  """`steps` batches of [d_steps * B] real images and labels (random, seeded)."""
  rng = np.random.default_rng(0)
  size = config.d_steps * config.batch_size
  return [(rng.uniform(-1, 1, (size, 32, 32, 3)).astype(np.float32),
           rng.integers(0, config.num_classes, size).astype(np.int32)) for _ in range(steps)]


class _Adam:
  """Adam as Kingma & Ba with Keras' bias correction, in float64 numpy."""

  def __init__(self, lr, beta1, beta2, epsilon):
    self.lr, self.beta1, self.beta2, self.epsilon = lr, beta1, beta2, epsilon
    self.t, self.m, self.v = 0, {}, {}

  def apply(self, variables, grads):
    self.t += 1
    alpha = self.lr * np.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t)
    for variable, grad in zip(variables, grads):
      key, grad = variable.path, np.asarray(grad, np.float64)
      m = self.m.get(key, 0.0) * self.beta1 + (1 - self.beta1) * grad
      v = self.v.get(key, 0.0) * self.beta2 + (1 - self.beta2) * grad ** 2
      self.m[key], self.v[key] = m, v
      variable.assign(variable.numpy() - alpha * m / (np.sqrt(v) + self.epsilon))


def _ortho_gradient(kernel, beta):
  """d/dW of (beta / 2) * ||W^T W * (1 - I)||_F^2 with W = kernel as [-1, out]."""
  w = kernel.numpy().astype(np.float64).reshape(-1, kernel.shape[-1])
  gram = w.T @ w
  np.fill_diagonal(gram, 0.0)
  return (2.0 * beta * w @ gram).reshape(kernel.shape)


def _d_loss(real, fake, loss):
  if loss == "hinge":
    return tf.reduce_mean(tf.nn.relu(1.0 - real)) + tf.reduce_mean(tf.nn.relu(1.0 + fake))
  return tf.reduce_mean(tf.nn.softplus(-real)) + tf.reduce_mean(tf.nn.softplus(fake))


def _g_loss(fake, loss):
  return -tf.reduce_mean(fake) if loss == "hinge" else tf.reduce_mean(tf.nn.softplus(-fake))


def _trained(model, config):
  """The weights the recipe updates, chosen by their names (spec §3 naming)."""
  weights = model.trainable_weights
  if model.name == "Discriminator" and config.freeze_d_blocks:
    frozen = tuple("Discriminator/" + ("DBlock" if i == 0 else f"DBlock_{i}") + "/"
                   for i in range(config.freeze_d_blocks))
    return [w for w in weights if not w.path.startswith(frozen)]
  if model.name == "Generator" and config.g_trainable == "embedding_and_norms":
    return [w for w in weights if w.path == "Generator/linear/w" or "HyperBN" in w.path
            or "ScaledCrossReplicaBN" in w.path]
  return weights


def reference_training(config, initial, batches, noise, augment_key):
  """G, D and EMA G after len(batches) steps of the recipe, from `initial`'s weights.

  noise(step, update) -> (z, one-hot y); augment_key(step, update, micro) -> DiffAugment's
  key of a micro-batch.
  """
  generator, discriminator = tfbiggan.Generator(config), tfbiggan.Discriminator(config)
  ema, source_g = tfbiggan.Generator(config), tfbiggan.Generator(config)
  for model, source in [(generator, initial.generator), (discriminator, initial.discriminator),
                        (ema, initial.ema.ema_generator),
                        (source_g, initial.source_generator or initial.generator)]:
    model.set_weights(source.get_weights())
  adam = dict(beta1=config.adam_beta1, beta2=config.adam_beta2, epsilon=config.adam_epsilon)
  d_adam, g_adam = _Adam(config.d_lr, **adam), _Adam(config.g_lr, **adam)
  # Orthogonal regularisation: every G weight of rank >= 2 but the shared class embedding,
  # which carries the official name linear/w (spec §3.1).
  kernels = [w for w in generator.trainable_weights
             if len(w.shape) >= 2 and w.path != "Generator/linear/w"]
  batch = config.batch_size
  ops = config.diff_augment_ops

  def augment(images, step, update, micro):
    return diff_augment(images, ops, augment_key(step, update, micro)) if ops else images

  def summed(gradients):
    return [np.sum([np.asarray(g) for g in parts], axis=0) for parts in zip(*gradients)]

  lecam = {"real": 0.0, "fake": 0.0, "count": 0}  # Biased EMAs and the number of updates.
  d_trained, g_trained = _trained(discriminator, config), _trained(generator, config)

  for step, (images, labels) in enumerate(batches):
    for update in range(config.d_steps):
      k = config.d_accumulations
      micro = batch // k
      z_all, y_all = noise(step, update)
      gradients = []
      for m in range(k):
        rows = slice(update * batch + m * micro, update * batch + (m + 1) * micro)
        real, y_real = images[rows], tf.one_hot(labels[rows], config.num_classes)
        z, y_fake = z_all[m * micro:(m + 1) * micro], y_all[m * micro:(m + 1) * micro]
        fake = generator(z, y_fake, training=True)  # No tape: D's update only.
        with tf.GradientTape() as tape:
          logits = discriminator(augment(tf.concat([real, fake], 0), step, update, m),
                                 tf.concat([y_real, y_fake], 0), training=True)
          loss = _d_loss(logits[:micro], logits[micro:], config.loss)
          if config.r1_gamma:
            x = tf.constant(real)
            with tf.GradientTape() as inner:
              inner.watch(x)
              total = tf.reduce_sum(discriminator(augment(x, step, update, m), y_real))
            slopes = tf.reduce_sum(tf.square(inner.gradient(total, x)), axis=[1, 2, 3])
            loss += config.r1_gamma / 2.0 * tf.reduce_mean(slopes)
          if config.lecam_weight:  # The config allows LeCam only without accumulation.
            decay = config.lecam_decay
            lecam["count"] += 1
            anchors = {}
            for part, values in (("real", logits[:micro]), ("fake", logits[micro:])):
              lecam[part] = decay * lecam[part] + (1 - decay) * float(tf.reduce_mean(values))
              anchors[part] = lecam[part] / (1 - decay ** lecam["count"])
            loss += config.lecam_weight * (
                tf.reduce_mean(tf.nn.relu(logits[:micro] - anchors["fake"]) ** 2) +
                tf.reduce_mean(tf.nn.relu(anchors["real"] - logits[micro:]) ** 2))
          loss /= k
        gradients.append(tape.gradient(loss, d_trained))
      d_adam.apply(d_trained, summed(gradients))
    k = config.g_accumulations
    micro = batch // k
    z_all, y_all = noise(step, config.d_steps)
    gradients = []
    for m in range(k):
      z, y_fake = z_all[m * micro:(m + 1) * micro], y_all[m * micro:(m + 1) * micro]
      with tf.GradientTape() as tape:
        # One training-mode call: each one advances SN's power iteration and BN's averages.
        raw, blocks = generator.synthesize(z, generator.shared_embedding(y_fake), training=True,
                                           block_outputs=True)
        fake = augment(raw, step, config.d_steps, m)
        loss = _g_loss(discriminator(fake, y_fake, training=True), config.loss)
        if config.mode_seeking_weight:
          # MSGAN (Mao et al. 2019): pairs (2i, 2i + 1) of one class, the images before
          # DiffAugment; weight * mean over pairs of 1 / (mean|dG| / mean|dz| + 1e-5).
          labels_fake = np.argmax(y_fake, axis=1)
          assert np.array_equal(labels_fake[0::2], labels_fake[1::2])
          pixels = tf.reshape(raw, [micro // 2, 2, -1])
          pairs = tf.reshape(z, [micro // 2, 2, -1])
          ratio = (tf.reduce_mean(tf.abs(pixels[:, 0] - pixels[:, 1]), axis=1) /
                   tf.reduce_mean(tf.abs(pairs[:, 0] - pairs[:, 1]), axis=1))
          loss += config.mode_seeking_weight * tf.reduce_mean(1.0 / (ratio + 1e-5))
        if config.cdc_weight:
          # CDC (Ojha et al. 2021): in each group of 4 rows, a softmax over the cosine
          # similarities of each sample's block outputs to the other three's, from the source
          # G and from G; KL(source || G), its mean over the 4 x 3 entries, then over blocks
          # (Ojha et al. draw one per anchor) and groups.
          def distributions(blocks):
            per_block = []
            for h in blocks:
              unit = tf.math.l2_normalize(tf.reshape(h, [micro // 4, 4, -1]), axis=-1)
              cosine = tf.matmul(unit, unit, transpose_b=True)
              others = tf.stack([tf.gather(cosine[:, i], [j for j in range(4) if j != i],
                                           axis=1) for i in range(4)], axis=1)
              per_block.append(tf.nn.softmax(others))
            return per_block
          kl = [tf.reduce_mean(s * (tf.math.log(s) - tf.math.log(t)))
                for s, t in zip(distributions(source_g.synthesize(
                    z, source_g.shared_embedding(y_fake), training=True,
                    block_outputs=True)[1]), distributions(blocks))]
          loss += config.cdc_weight * tf.add_n(kl) / len(kl)
        loss /= k
      gradients.append(tape.gradient(loss, g_trained))
    grads = summed(gradients)
    if config.ortho_reg:
      by_path = {w.path: _ortho_gradient(w, config.ortho_reg) for w in kernels}
      grads = [g + by_path.get(w.path, 0.0) for g, w in zip(grads, g_trained)]
    g_adam.apply(g_trained, grads)
    decay = 0.0 if step + 1 < config.ema_start_step else config.ema_decay
    for target, source in zip(ema.trainable_weights, generator.trainable_weights):
      target.assign(decay * target.numpy() + (1 - decay) * source.numpy())
    for target, source in zip(ema.non_trainable_weights, generator.non_trainable_weights):
      target.assign(source.numpy())
  return generator, discriminator, ema


def _copy_models(target, source):
  pairs = [(target.generator, source.generator), (target.discriminator, source.discriminator),
           (target.ema.ema_generator, source.ema.ema_generator)]
  if target.source_generator is not None and source.source_generator is not None:
    pairs.append((target.source_generator, source.source_generator))
  for model, weights_of in pairs:
    model.set_weights(weights_of.get_weights())


def _trainer_after(config, batches, start=None, loss_scale=None, **options):
  """(a Trainer on one device after training on `batches`, a copy of its initial state);
  with `start` (a Trainer), it starts from start's weights; `loss_scale` sets float16's."""
  strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
  trainer = Trainer(config, strategy, seed=SEED, **options)
  if start is not None:
    _copy_models(trainer, start)
  if loss_scale is not None:
    trainer.d_loss_scale.scale.assign(loss_scale)
    trainer.g_loss_scale.scale.assign(loss_scale)
  if trainer.source_generator is not None and start is None:
    # A source G other than G's start, so that CDC pulls from the first step.
    trainer.source_generator.set_weights(tfbiggan.Generator(config).get_weights())
  initial = Trainer(config, strategy, seed=SEED)
  _copy_models(initial, trainer)
  dataset = tf.data.Dataset.from_tensor_slices(
      tuple(np.stack(part) for part in zip(*batches)))
  trainer.train(iter(strategy.experimental_distribute_dataset(dataset)), len(batches))
  return trainer, initial


def _worst(models_a, models_b):
  """Largest |a - b| / max(1, |b|) over every weight of paired models."""
  return max(float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b))))
             for model_a, model_b in zip(models_a, models_b)
             for a, b in zip(model_a.get_weights(), model_b.get_weights()))


CASES = {
    "hinge, 1 D step": dict(d_steps=1, ortho_reg=0.0),
    "hinge, 2 D steps, ortho reg": dict(d_steps=2, ortho_reg=1e-1),
    "non-saturating, R1": dict(d_steps=1, loss="non_saturating", r1_gamma=1.0, ortho_reg=0.0),
    "DiffAugment, EMA from step 2": dict(d_steps=2, diff_augment="color,translation,cutout",
                                         ema_start_step=2, ortho_reg=0.0),
    "LeCam, mode seeking, 2 D steps": dict(d_steps=2, lecam_weight=3.0, lecam_decay=0.5,
                                           mode_seeking_weight=0.05, ortho_reg=0.0),
    "FreezeD, G embedding and norms, ortho reg": dict(
        freeze_d_blocks=2, g_trainable="embedding_and_norms", ortho_reg=1e-1),
    # D's micro-batches of 4 rows, G's of 2 (a pair for mode seeking); G's BN normalises each.
    "accumulated: D x 2, G x 4, R1, DiffAugment, mode seeking, ortho reg": dict(
        d_steps=1, d_accumulations=2, g_accumulations=4, r1_gamma=1.0,
        diff_augment="translation,cutout", mode_seeking_weight=0.05, ortho_reg=1e-1),
    # Two groups of 4 rows in one micro-batch, one in each of G's two (a fine-tune's).
    "CDC, mode seeking": dict(cdc_weight=30.0, mode_seeking_weight=0.05, ortho_reg=0.0),
    "CDC, accumulated G x 2": dict(cdc_weight=30.0, g_accumulations=2, ortho_reg=0.0),
}


@pytest.mark.parametrize("case", [
    pytest.param(case, marks=[pytest.mark.smoke] if "ortho" in case else [])
    for case in sorted(CASES)])
def test_steps_equal_the_written_out_recipe(case):
  config = tfbiggan.get_config("digits-32", **{**TINY, **CASES[case]})
  batches = _batches(config, STEPS)
  trainer, initial = _trainer_after(config, batches)
  paired = bool(config.mode_seeking_weight)  # G's batch comes in pairs of one class.
  noise = lambda step, update: trainer.fake_inputs(  # noqa: E731
      step, update, 0, paired and update == config.d_steps)
  key = lambda step, update, micro: tf.random.experimental.stateless_fold_in(  # noqa: E731
      trainer._key(step, update, 2), micro, alg="philox")  # pylint: disable=protected-access
  expected = reference_training(config, initial, batches, noise, key)
  got = (trainer.generator, trainer.discriminator, trainer.ema.ema_generator)
  # float32 forward and backward passes in another order of operations: ~1e-7 apart.
  assert _worst(got, expected) <= 1e-5, case
  # Not vacuous: the steps moved G's and D's trainable weights by about the learning rate.
  for trained, start in zip(got[:2], (initial.generator, initial.discriminator)):
    assert max(float(np.max(np.abs(a.numpy() - b.numpy()))) for a, b in
               zip(trained.trainable_weights, start.trainable_weights)) > 5e-5


def _updates(after, before):
  """All trainable weights' changes of a model, one flat array."""
  return np.concatenate([(a.numpy() - b.numpy()).ravel() for a, b in
                         zip(after.trainable_weights, before.trainable_weights)])


@pytest.fixture(scope="module")
def float32_steps():
  """(config, batches, the float32 Trainer after them, its initial state): the reference
  that each of the other arithmetics is compared with, trained once from seeded weights."""
  keras.utils.set_random_seed(0)
  config = tfbiggan.get_config("digits-32", **{**TINY, "d_steps": 1, "ortho_reg": 0.0,
                                                "adam_epsilon": 1.0, "g_lr": 1e-2,
                                                "d_lr": 1e-2})
  batches = _batches(config, STEPS)
  return (config, batches, *_trainer_after(config, batches))


@pytest.mark.parametrize("options, tolerance", [
    (dict(xla=True), 1e-4), (dict(precision="bfloat16"), 0.15),
    (dict(precision="float16", loss_scale=2.0 ** 8), 0.06)])
def test_xla_bfloat16_and_float16_steps_follow_the_float32_step(options, tolerance,
                                                                float32_steps):
  """Two steps' weight updates against the float32 step's: ||got - want|| / ||want||.

  Adam's epsilon is 1 here, so that its update is about lr * g and the comparison measures
  the step's arithmetic. (With a small epsilon the first updates are lr * g / (|g| + eps),
  about lr * sign(g): a gradient entry near zero flips between lr and -lr on any rounding
  difference, which says nothing about the step.) XLA only reorders float32 operations, and
  draws the same noise (`standard_normal`): measured 1e-5, asserted 1e-4. bfloat16 keeps 8
  bits of mantissa (0.4 % relative error per operation), compounded over G's and D's layers
  forward and backward: measured 0.2-6.7 % from five initial weights, asserted 15 %.
  float16 keeps 11 bits (0.05 %), eight times finer: measured 0.3-0.9 % (D) and 1.1-4.0 %
  (G) from the same five, asserted 6 %; its loss scale is set to 2^8, where no update of
  these two steps overflows (at the initial 2^15 the first ones are skipped,
  tests/test_loss_scale.py), and dividing by a power of two is exact. A step on other noise
  or data, or with another loss, is off by about 100 %; one whose gradients are not
  unscaled, by 5,000 %.
  """
  config, batches, plain, initial = float32_steps
  other, _ = _trainer_after(config, batches, start=initial, **options)
  if options.get("loss_scale"):  # The comparison is of applied updates: none overflowed.
    assert other.d_loss_scale.skipped.numpy() == other.g_loss_scale.skipped.numpy() == 0
  if "precision" in options:
    assert other.generator.compute_dtype == options["precision"]
    assert other.discriminator.compute_dtype == options["precision"]
    assert other.generator.trainable_weights[0].dtype == "float32"
  for name in ("generator", "discriminator"):
    got = _updates(getattr(other, name), getattr(initial, name))
    want = _updates(getattr(plain, name), getattr(initial, name))
    assert np.abs(want).max() > 1e-3  # The steps moved the weights.
    assert np.linalg.norm(got - want) / np.linalg.norm(want) <= tolerance, name
