"""BigGAN's Keras layers, one per module."""

from tfbiggan.layers.conditional_batch_norm import ConditionalBatchNorm
from tfbiggan.layers.deep_discriminator_block import DeepDiscriminatorBlock
from tfbiggan.layers.deep_generator_block import DeepGeneratorBlock
from tfbiggan.layers.discriminator_block import DiscriminatorBlock
from tfbiggan.layers.generator_block import GeneratorBlock
from tfbiggan.layers.self_attention import SelfAttention
from tfbiggan.layers.sn_conv2d import SNConv2D
from tfbiggan.layers.sn_dense import SNDense
from tfbiggan.layers.sn_embedding import SNEmbedding

__all__ = [
    "ConditionalBatchNorm", "DeepDiscriminatorBlock", "DeepGeneratorBlock",
    "DiscriminatorBlock", "GeneratorBlock", "SNConv2D", "SNDense", "SNEmbedding",
    "SelfAttention",
]
