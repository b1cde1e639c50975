"""The Transformer from its parts: attention, positional encodings, blocks, a GPT and an
encoder-decoder model."""

from course_lib.transformer.attention import MultiHeadAttention, causal_mask, scaled_dot_product_attention
from course_lib.transformer.blocks import DecoderBlock, FeedForward, TransformerBlock
from course_lib.transformer.gpt import GPT, GPTConfig
from course_lib.transformer.positional import (
    LearnedPositionalEncoding,
    SinusoidalPositionalEncoding,
    sinusoidal_positional_encoding,
)
from course_lib.transformer.seq2seq import Seq2SeqTransformer, Seq2SeqTransformerConfig

__all__ = [
    "GPT",
    "DecoderBlock",
    "FeedForward",
    "GPTConfig",
    "LearnedPositionalEncoding",
    "MultiHeadAttention",
    "Seq2SeqTransformer",
    "Seq2SeqTransformerConfig",
    "SinusoidalPositionalEncoding",
    "TransformerBlock",
    "causal_mask",
    "scaled_dot_product_attention",
    "sinusoidal_positional_encoding",
]
