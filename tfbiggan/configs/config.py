"""`BigGANConfig`: one frozen dataclass that fully describes a BigGAN experiment.

A config names the architecture (BigGAN or BigGAN-deep), its widths and layout, the numerics
of the official modules (epsilons, number of spectral-norm vectors) and the training recipe.
Presets live beside this file (`biggan.py`, `biggan_deep.py`, `digits.py`) with provenance
comments; `tfbiggan.get_config(name, **overrides)` returns one.
"""

import dataclasses
import json
from typing import Optional, Tuple

ARCHITECTURES = ("biggan", "biggan-deep")
DIFF_AUGMENT_OPS = ("color", "translation", "cutout")
# The official BigGAN-deep modules' truncation grid: 51 points 0, 0.02, ..., 1 (spec §1.2).
OFFICIAL_TRUNCATION_GRID = tuple(round(0.02 * i, 2) for i in range(51))
LOSSES = ("hinge", "non_saturating")
# What G's optimizer updates: everything, or (batch-statistics adaptation, Noguchi & Harada,
# ICCV 2019) only the shared class embedding and the gains and biases of G's batch norms.
G_TRAINABLE = ("all", "embedding_and_norms")
INITIALIZERS = ("orthogonal", "normal", "glorot_normal")
# Cross-domain correspondence compares each sample with the others of its group of this many
# (Ojha et al. 2021's batch of 4 for the penalty, `feat_const_batch`).
CDC_GROUP_SIZE = 4


def flag(default, help, choices=None):  # pylint: disable=redefined-builtin
  """A field that `tfbiggan-train` overrides by a flag of its name, with this help (and, for
  an enum flag, its choices)."""
  return dataclasses.field(default=default, metadata={"flag_help": help, "choices": choices})


def flag_fields():
  """The fields of `BigGANConfig` that have a `tfbiggan-train` flag (`flag`)."""
  return [f for f in dataclasses.fields(BigGANConfig) if "flag_help" in f.metadata]

# The fields a resumed run may change: learning rates, loss weights and how a batch is split,
# which change no variable and no data order (e.g. lowering the learning rates mid-run, or
# more accumulation after running out of memory).
RESUMABLE_CHANGES = ("g_lr", "d_lr", "ema_decay", "ortho_reg", "r1_gamma",
                     "mode_seeking_weight", "diff_augment", "d_accumulations",
                     "g_accumulations", "d_warmup_steps", "g_lr_warmup_steps")


@dataclasses.dataclass(frozen=True)
class BigGANConfig:
  """Everything that defines a BigGAN / BigGAN-deep model and its training recipe.

  Channel layouts follow google/compare_gan: `g_channel_multipliers` lists the widths
  (in units of `g_ch`) between generator blocks, so block i maps `m[i] * g_ch` to
  `m[i + 1] * g_ch` channels. For BigGAN every G block upsamples by 2; for BigGAN-deep the
  blocks with an odd index do. The discriminator's `d_channel_multipliers` are the output
  widths of its blocks (BigGAN: the first block reads the 3-channel image; BigGAN-deep: an
  initial 3x3 conv maps the image to `m[0] * d_ch` channels and block i maps m[i] -> m[i+1]).

  Attributes:
    name: preset name, e.g. "biggan-128".
    architecture: "biggan" or "biggan-deep".
    resolution: output image side in pixels.
    num_classes: number of classes (1000 for ImageNet).
    dim_z: latent size.
    shared_dim: size of the shared class embedding in G (paper §3: 128).
    g_ch, d_ch: channel width multipliers of G and D.
    g_channel_multipliers, d_channel_multipliers: layouts described above.
    g_attention_block: index of the G block *before* which self-attention runs, or None.
    d_attention_block: index of the D block *after* which self-attention runs, or None.
    hierarchical_z: BigGAN's skip-z: z is split into (num_g_blocks + 1) chunks, chunk 0
      feeds the first linear layer and chunk i + 1 (concatenated with the class
      embedding) conditions block i. BigGAN-deep instead feeds [z, embedding] everywhere.
    g_rgb_channels: output channels of G's last conv before slicing to RGB (the official
      BigGAN-deep modules use 128 and keep the first 3).
    num_singular_vectors: singular vectors tracked per spectral-normalised weight (the
      official BigGAN modules keep 3, u0..u2, to monitor the top-3 singular values;
      BigGAN-deep keeps 1).
    bn_epsilon, sn_epsilon: 1e-4 in the official modules (paper §4 raises them to 1e-4).
    bn_momentum: decay of the moving-average BN statistics kept during training.
    cross_replica_bn: synchronise G's batch moments across replicas (paper §3).
    initializer: weight initialiser of G and D ("orthogonal" in the paper, App. B).
    truncation_grid: truncation values for which each BN can hold its own standing
      statistics (the official deep modules: 51 points 0, 0.02, ..., 1); empty for none.
    g_lr, d_lr, adam_beta1, adam_beta2, adam_epsilon, d_steps, batch_size, ema_decay,
    ema_start_step, ortho_reg, loss: the training recipe (paper §4 and App. C). `batch_size`
    is the global batch of each D and G step; every training step makes `d_steps` D updates,
    each on a fresh real batch, then one G update.
    r1_gamma: weight of the R1 penalty on D (0: off, as in the paper's final models).
    diff_augment: DiffAugment policy (Zhao et al. 2020) applied to every image D sees, a
      comma-separated subset of "color,translation,cutout"; "" for none.
    dataset: the training data (see `tfbiggan.data.DATASETS`).
    lecam_weight, lecam_decay: LeCam regularisation of D (Tseng et al., CVPR 2021) for small
      data: weight * (mean relu(D(real) - a_fake)^2 + mean relu(a_real - D(fake))^2), with
      a_real, a_fake zero-debiased EMAs (decay `lecam_decay`, 0.99 there) of D's mean outputs;
      0: off. Tseng et al. use 0.3 for BigGAN on CIFAR.
    freeze_d_blocks: FreezeD (Mo et al. 2020): D's first k blocks (and BigGAN-deep's initial
      conv, and self-attention placed among them) are not updated; 0: none.
    g_trainable: "all", or "embedding_and_norms" to update only G's shared class embedding and
      its batch norms' gains and biases (batch-statistics adaptation, Noguchi & Harada 2019).
    cdc_weight: cross-domain correspondence (Ojha et al., CVPR 2021) for fine-tuning on few
      images: G's loss adds weight * the KL divergence between how each sample's block
      features resemble those of the others of its group of `CDC_GROUP_SIZE`, under the
      source G (the fine-tune's G as it started, frozen) and under G (`tfbiggan.losses`);
      0: off (Ojha et al. use 1000). Needs a G micro-batch of whole groups.
    mode_seeking_weight: mode-seeking regularisation of G (MSGAN, Mao et al., CVPR 2019):
      G's batch comes in pairs of one class and its loss adds weight * E[1 / (mean|G(z_a) -
      G(z_b)| / mean|z_a - z_b| + 1e-5)]; 0: off (MSGAN uses 1). Needs an even batch per
      replica.
    d_accumulations, g_accumulations: gradient accumulation (BigGAN-PyTorch's
      --num_D_accumulations / --num_G_accumulations): each D (G) update sums the gradients of
      this many micro-batches, one after the other, so that a replica holds batch_size /
      (replicas * k) images at a time and the update is still over the global batch. G's
      batch norms then normalise each micro-batch by its own statistics, as in BigGAN-PyTorch
      (docs/training.md). 1: off.
    d_warmup_steps, g_lr_warmup_steps: for fine-tuning a pretrained G with a fresh D
      (`tfbiggan.training.fresh_d`): G is not updated in the first d_warmup_steps steps (D
      alone; G's optimizer state does not move either), then its learning rate rises
      linearly, g_lr * (s - d_warmup_steps + 1) / g_lr_warmup_steps at step s, to g_lr. 0: off.
  """
  name: str
  architecture: str
  resolution: int
  num_classes: int = flag(1000, "Number of classes of the data set.")
  dim_z: int = 120
  shared_dim: int = 128
  g_ch: int = 96
  d_ch: int = 96
  g_channel_multipliers: Tuple[int, ...] = (16, 16, 8, 4, 2, 1)
  d_channel_multipliers: Tuple[int, ...] = (1, 2, 4, 8, 16, 16)
  g_attention_block: Optional[int] = None
  d_attention_block: Optional[int] = None
  hierarchical_z: bool = True
  g_rgb_channels: int = 3
  num_singular_vectors: int = 1
  bn_epsilon: float = 1e-4
  sn_epsilon: float = 1e-4
  bn_momentum: float = 0.9
  cross_replica_bn: bool = flag(True, "Synchronise G's BN moments across replicas.")
  initializer: str = "orthogonal"
  truncation_grid: Tuple[float, ...] = flag((), "Truncation values whose standing statistics the "
                                                "EMA generator keeps, e.g. 0,0.25,0.5,0.75,1.")
  # Training recipe.
  g_lr: float = flag(5e-5, "G learning rate.")
  d_lr: float = flag(2e-4, "D learning rate.")
  adam_beta1: float = flag(0.0, "Adam beta1 (paper: 0).")
  adam_beta2: float = flag(0.999, "Adam beta2 (paper: 0.999).")
  # BP launch_BigGAN{,deep}_bs256x8.sh: --adam_eps 1e-6 (TF and CG default to 1e-8). With
  # beta1 = 0 a larger epsilon also keeps rounding noise in zero gradients (e.g. the conv
  # biases before a BN) from becoming full +-lr steps.
  adam_epsilon: float = flag(1e-6, "Adam epsilon.")
  d_steps: int = flag(2, "D steps per G step (paper: 2).")
  batch_size: int = flag(2048, "Global batch size of each D and G step.")
  ema_decay: float = flag(0.9999, "EMA decay of G (paper: 0.9999).")
  ema_start_step: int = flag(20000, "Step before which the EMA copies G.")
  # Fine-tuning with a fresh D (tfbiggan.training.fresh_d applies measured values).
  d_warmup_steps: int = flag(0, "D warm-up: G is not updated in the first this many steps, "
                                "so that a fresh D learns the data before its gradients reach "
                                "a pretrained G (0: off).")
  g_lr_warmup_steps: int = flag(0, "G's learning rate rises linearly from 0 to g_lr over this "
                                   "many steps after the D warm-up (0: off).")
  ortho_reg: float = flag(1e-4, "Orthogonal regularisation beta (paper: 1e-4).")
  loss: str = flag("hinge", "Adversarial loss (paper: hinge).", choices=LOSSES)
  r1_gamma: float = flag(0.0, "R1 penalty weight (0: off).")
  diff_augment: str = flag("", "DiffAugment policy, e.g. 'color,translation,cutout'.")
  dataset: str = flag("imagenet2012", "digits, imagenet2012, imagenet_resized/32x32, "
                                      "imagenet_resized/64x64, cifar10, folder:/path (local or "
                                      "gs://), or a tfds name.")
  # Small-data regularisers (off in the paper's recipe).
  lecam_weight: float = flag(0.0, "LeCam regularisation weight for small data (Tseng et al. 2021 "
                                  "use 0.3 for BigGAN; 0: off).")
  lecam_decay: float = flag(0.99, "Decay of LeCam's moving averages (paper: 0.99).")
  freeze_d_blocks: int = flag(0, "FreezeD: D's first k blocks stay as they started (Mo et al. "
                                 "2020; with --init_discriminator).")
  g_trainable: str = flag("all", "What G's optimizer updates: all, or embedding_and_norms (the "
                                 "class embedding and BN gains and biases, Noguchi & Harada "
                                 "2019).", choices=G_TRAINABLE)
  mode_seeking_weight: float = flag(0.0, "Mode-seeking regularisation of G for diverse samples "
                                         "(Mao et al. 2019 use 1; 0: off).")
  cdc_weight: float = flag(0.0, "Cross-domain correspondence for few-shot fine-tuning: keeps "
                                "how G's samples resemble one another as the source G's (Ojha "
                                "et al. 2021 use 1000; needs --init_generator; 0: off).")
  # Gradient accumulation (off in the paper's recipe, which fits its batch on a pod).
  d_accumulations: int = flag(1, "Gradient accumulation: each D update sums the gradients of this "
                                 "many micro-batches of its batch, so a device holds batch_size / "
                                 "(replicas * k) images at a time (1: off).")
  g_accumulations: int = flag(1, "The same for each G update.")

  def __post_init__(self):
    # Lists from JSON or users become tuples so that configs stay hashable and comparable.
    for field in ("g_channel_multipliers", "d_channel_multipliers", "truncation_grid"):
      object.__setattr__(self, field, tuple(getattr(self, field)))
    self.validate()

  # Derived quantities -------------------------------------------------------------------

  @property
  def is_deep(self) -> bool:
    return self.architecture == "biggan-deep"

  @property
  def num_g_blocks(self) -> int:
    return len(self.g_channel_multipliers) - 1

  @property
  def num_d_blocks(self) -> int:
    if self.is_deep:
      return len(self.d_channel_multipliers) - 1
    return len(self.d_channel_multipliers)

  @property
  def z_chunk_size(self) -> int:
    """Size of each z chunk (hierarchical z) or of the whole z (no hierarchy)."""
    if self.hierarchical_z:
      return self.dim_z // (self.num_g_blocks + 1)
    return self.dim_z

  @property
  def condition_dim(self) -> int:
    """Width of the vector that conditions every G batch norm."""
    return self.z_chunk_size + self.shared_dim

  @property
  def diff_augment_ops(self) -> Tuple[str, ...]:
    return tuple(op.strip() for op in self.diff_augment.split(",") if op.strip())

  def g_block_upsamples(self, index: int) -> bool:
    return (index % 2 == 1) if self.is_deep else True

  def d_block_downsamples(self, index: int) -> bool:
    if self.is_deep:
      return index % 2 == 0
    return index < self.num_d_blocks - 1

  # Validation and (de)serialisation ------------------------------------------------------

  def validate(self):
    """Raises ValueError naming the field and the fix when the config is inconsistent."""
    if self.architecture not in ARCHITECTURES:
      raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {self.architecture!r}")
    if self.loss not in LOSSES:
      raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
    if self.initializer not in INITIALIZERS:
      raise ValueError(f"initializer must be one of {INITIALIZERS}, got {self.initializer!r}")
    for field in ("num_classes", "dim_z", "shared_dim", "g_ch", "d_ch", "g_rgb_channels",
                  "num_singular_vectors", "d_steps", "batch_size", "d_accumulations",
                  "g_accumulations"):
      if getattr(self, field) < 1:
        raise ValueError(f"{field} must be >= 1, got {getattr(self, field)}")
    if self.g_rgb_channels < 3:
      raise ValueError(f"g_rgb_channels must be >= 3, got {self.g_rgb_channels}")
    if len(self.g_channel_multipliers) < 2:
      raise ValueError("g_channel_multipliers needs at least 2 entries (one block)")
    if not self.d_channel_multipliers:
      raise ValueError("d_channel_multipliers must not be empty")
    num_up = sum(self.g_block_upsamples(i) for i in range(self.num_g_blocks))
    if 4 * 2**num_up != self.resolution:
      raise ValueError(
          f"g_channel_multipliers give {self.num_g_blocks} G blocks that upsample 4x4 to "
          f"{4 * 2**num_up}x{4 * 2**num_up}, but resolution is {self.resolution}")
    if self.hierarchical_z and self.dim_z % (self.num_g_blocks + 1):
      raise ValueError(
          f"hierarchical z splits dim_z into {self.num_g_blocks + 1} equal chunks, but dim_z="
          f"{self.dim_z} is not divisible by {self.num_g_blocks + 1}; pick a multiple")
    if self.is_deep and self.hierarchical_z:
      raise ValueError("BigGAN-deep does not use hierarchical z; set hierarchical_z=False")
    if self.is_deep and any(m * self.g_ch % 4 for m in self.g_channel_multipliers):
      raise ValueError("BigGAN-deep blocks need widths divisible by 4 (bottleneck ratio 4)")
    if self.g_attention_block is not None and not 0 <= self.g_attention_block < self.num_g_blocks:
      raise ValueError(f"g_attention_block must be in [0, {self.num_g_blocks}), "
                       f"got {self.g_attention_block}")
    if self.d_attention_block is not None and not 0 <= self.d_attention_block < self.num_d_blocks:
      raise ValueError(f"d_attention_block must be in [0, {self.num_d_blocks}), "
                       f"got {self.d_attention_block}")
    grid = self.truncation_grid
    if grid and (any(b <= a for a, b in zip(grid, grid[1:])) or grid[0] < 0 or grid[-1] > 1):
      raise ValueError(f"truncation_grid must increase strictly within [0, 1], got {grid}")
    for field in ("bn_epsilon", "sn_epsilon"):
      if getattr(self, field) <= 0:
        raise ValueError(f"{field} must be > 0, got {getattr(self, field)}")
    if not 0 <= self.bn_momentum < 1:
      raise ValueError(f"bn_momentum must be in [0, 1), got {self.bn_momentum}")
    for field in ("g_lr", "d_lr", "adam_epsilon"):
      if getattr(self, field) <= 0:
        raise ValueError(f"{field} must be > 0, got {getattr(self, field)}")
    if not (0 <= self.adam_beta1 < 1 and 0 <= self.adam_beta2 < 1):
      raise ValueError(f"adam_beta1 and adam_beta2 must be in [0, 1), got "
                       f"{self.adam_beta1}, {self.adam_beta2}")
    if not 0 <= self.ema_decay < 1:
      raise ValueError(f"ema_decay must be in [0, 1), got {self.ema_decay}")
    for field in ("ema_start_step", "ortho_reg", "r1_gamma", "mode_seeking_weight",
                  "cdc_weight", "d_warmup_steps", "g_lr_warmup_steps"):
      if getattr(self, field) < 0:
        raise ValueError(f"{field} must be >= 0, got {getattr(self, field)}")
    if self.mode_seeking_weight and self.batch_size % 2:
      raise ValueError(f"mode_seeking_weight needs an even batch_size (its pairs), got "
                       f"{self.batch_size}")
    for field in ("d_accumulations", "g_accumulations"):
      if self.batch_size % getattr(self, field):
        raise ValueError(f"{field}={getattr(self, field)} splits each update's batch into equal "
                         f"micro-batches, but batch_size={self.batch_size} is not divisible by "
                         f"it; pick a divisor")
    if self.mode_seeking_weight and (self.batch_size // self.g_accumulations) % 2:
      raise ValueError(f"mode_seeking_weight pairs the rows of each G micro-batch, which has "
                       f"{self.batch_size // self.g_accumulations} rows (batch_size "
                       f"{self.batch_size} / g_accumulations {self.g_accumulations}); use "
                       f"an even micro-batch")
    if self.cdc_weight and (self.batch_size // self.g_accumulations) % CDC_GROUP_SIZE:
      raise ValueError(f"cdc_weight compares the rows of each G micro-batch in groups of "
                       f"{CDC_GROUP_SIZE}, but it has {self.batch_size // self.g_accumulations} "
                       f"rows (batch_size {self.batch_size} / g_accumulations "
                       f"{self.g_accumulations}); use a multiple of {CDC_GROUP_SIZE}")
    if self.lecam_weight and self.d_accumulations > 1:
      raise ValueError("lecam_weight needs d_accumulations=1: LeCam's anchors are moving "
                       "averages of D's outputs on the whole batch of an update, which its "
                       "penalty then uses, so the batch cannot be split into micro-batches")
    if self.lecam_weight < 0 or not 0 <= self.lecam_decay < 1:
      raise ValueError(f"lecam_weight must be >= 0 and lecam_decay in [0, 1), got "
                       f"{self.lecam_weight}, {self.lecam_decay}")
    if not 0 <= self.freeze_d_blocks <= self.num_d_blocks:
      raise ValueError(f"freeze_d_blocks must be in [0, {self.num_d_blocks}] (D has "
                       f"{self.num_d_blocks} blocks), got {self.freeze_d_blocks}")
    if self.g_trainable not in G_TRAINABLE:
      raise ValueError(f"g_trainable must be one of {G_TRAINABLE}, got {self.g_trainable!r}")
    unknown_ops = [op for op in self.diff_augment_ops if op not in DIFF_AUGMENT_OPS]
    if unknown_ops:
      raise ValueError(f"diff_augment has unknown op(s) {unknown_ops}; use a comma-separated "
                       f"subset of {DIFF_AUGMENT_OPS}, or '' for none")

  def replace(self, **overrides) -> "BigGANConfig":
    """Returns a copy with `overrides` applied (unknown fields raise a ValueError)."""
    known = {f.name for f in dataclasses.fields(self)}
    unknown = sorted(set(overrides) - known)
    if unknown:
      raise ValueError(f"unknown config field(s) {unknown}; known fields: {sorted(known)}")
    return dataclasses.replace(self, **overrides)

  def to_dict(self) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v
            for k, v in dataclasses.asdict(self).items()}

  @classmethod
  def from_dict(cls, values: dict) -> "BigGANConfig":
    return cls(**values)

  def to_json(self) -> str:
    return json.dumps(self.to_dict(), indent=2, sort_keys=True)
