"""A tiny Whisper model built at test time, for running the real faster-whisper engine
without a downloaded checkpoint (none can be fetched here: no Hugging Face access, and no
Whisper model is on PyPI).

``make_whisper_model(path)`` writes a CTranslate2 model directory in the layout faster-whisper
loads (that of the ``Systran/faster-whisper-*`` conversions): ``model.bin`` (a
``ctranslate2.specs.WhisperSpec``, as ``ctranslate2.converters.TransformersConverter``
fills one), ``config.json`` (``suppress_ids``, ``suppress_ids_begin``, ``lang_ids``,
``alignment_heads``), ``vocabulary.json`` and a ``tokenizer.json`` built with ``tokenizers``.

What is real: the file formats, the CTranslate2 runtime (encoder, beam search with
Whisper's timestamp rules, int8 quantization at load), faster-whisper (feature extraction,
Silero VAD from its package assets, prompts, segment splitting at timestamp tokens, VAD time
restoration), and the tokenizer (GPT-2's byte-level BPE with Whisper's special tokens laid
out as Whisper's: text tokens, then ``<|endoftext|>``, ``<|startoftranscript|>``, the
language, task and other special tokens, ``<|notimestamps|>``, then the 1501 timestamp
tokens ``<|0.00|>`` ... ``<|30.00|>``). Its vocabulary is smaller than 51865 tokens, so
CTranslate2 treats it as an English-only model (like ``tiny.en``): ``supported_languages``
is ``["en"]``.

What is synthetic: the weights. The encoder and the decoder's attention and feed-forward
layers are random (seeded, small); the decoder's token embeddings are zero, its position
encodings one-hot per decoding step, and its output projection maps step ``k``'s one-hot to
the ``k``-th token of ``SCRIPT`` (timestamps and words), so whatever the audio, the model
writes ``SCRIPT``: ``<|0.00|> Hello and welcome to this course.<|2.00|><|2.40|> ...``
with a margin of ~65 logits over any other token (beam search and int8 keep it). It
recognises nothing: its words show that the pipeline carries a model's tokens and
timestamps into captions, not recognition quality. The positions count from the first
window's prompt (``<|startoftranscript|>`` alone), so only the first 30-s window of speech
(after VAD) gets ``SCRIPT``; later windows, whose prompt carries the previous text, get
no text (or, after a short previous text, the rest of the script).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: what the model writes: (start, end, text), seconds from the start of the speech VAD kept
SCRIPT: tuple[tuple[float, float, str], ...] = (
    (0.0, 2.0, " Hello and welcome to this course."),
    (2.4, 4.0, " Today we talk about history."),
)
#: Whisper's special tokens, in its order (``<|nocaptions|>``: Whisper's no-speech token)
SPECIAL_TOKENS = (
    "<|endoftext|>",
    "<|startoftranscript|>",
    "<|en|>",
    "<|translate|>",
    "<|transcribe|>",
    "<|startoflm|>",
    "<|startofprev|>",
    "<|nocaptions|>",
    "<|notimestamps|>",
)
#: <|0.00|> ... <|30.00|>, every 20 ms
TIMESTAMPS = tuple("<|%.2f|>" % (i * 0.02) for i in range(1501))

D_MODEL, HEADS, LAYERS, FFN = 64, 2, 2, 128
N_MELS, ENCODER_POSITIONS, DECODER_POSITIONS = 80, 1500, 448
#: the logit of the scripted token (10 * the layer-normed one-hot: ~79; others below 10)
SCALE = 10.0
#: the position dimension of every step past the script
TAIL = D_MODEL - 1
SEED = 5


@dataclass(frozen=True)
class SyntheticWhisper:
    """A model directory and what it writes (``SCRIPT``)."""

    path: Path
    script: tuple[tuple[float, float, str], ...]

    @property
    def text(self) -> str:
        return " ".join(" ".join(text.split()) for _s, _e, text in self.script)


def _tokenizer(words: list[str]):
    """Byte-level BPE (GPT-2's alphabet) whose merges spell each of ``words`` (with its
    leading space, ``Ġ``) as one token, then Whisper's special and timestamp tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    vocab = {c: i for i, c in enumerate(sorted(pre_tokenizers.ByteLevel.alphabet()))}
    merges: list[tuple[str, str]] = []
    for word in words:
        left = word[0]
        for char in word[1:]:
            if left + char not in vocab:
                vocab[left + char] = len(vocab)
                merges.append((left, char))
            left += char
    tokenizer = Tokenizer(models.BPE(vocab, merges))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens(list(SPECIAL_TOKENS) + list(TIMESTAMPS))
    return tokenizer


def make_whisper_model(path: Path, script=SCRIPT) -> SyntheticWhisper:
    """Write the model directory at ``path`` (see the module doc); about 2.5 MB."""
    from ctranslate2.specs import whisper_spec
    from tokenizers import pre_tokenizers

    path.mkdir(parents=True, exist_ok=True)
    encode = pre_tokenizers.ByteLevel(add_prefix_space=False)
    words = sorted({w for _s, _e, text in script for w, _ in encode.pre_tokenize_str(text)})
    tokenizer = _tokenizer(words)
    tokenizer.save(str(path / "tokenizer.json"))
    token = tokenizer.token_to_id
    vocabulary = [tokenizer.id_to_token(i) for i in range(tokenizer.get_vocab_size())]

    # the decoder's script: one token per step after <|startoftranscript|>
    steps: list[int] = []
    for start, end, text in script:
        steps += [token(f"<|{start:.2f}|>"), *tokenizer.encode(text).ids, token(f"<|{end:.2f}|>")]
    steps.append(token("<|endoftext|>"))
    assert len(steps) < TAIL, "one position dimension per step"

    rng = np.random.default_rng(SEED)

    def random(*shape: int, scale: float = 0.02) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    def layer_norm(spec) -> None:
        spec.gamma = np.ones(D_MODEL, np.float32)
        spec.beta = np.zeros(D_MODEL, np.float32)

    def linear(spec, outputs: int, inputs: int) -> None:
        spec.weight, spec.bias = random(outputs, inputs), random(outputs)

    def feed_forward(spec) -> None:
        layer_norm(spec.layer_norm)
        linear(spec.linear_0, FFN, D_MODEL)
        linear(spec.linear_1, D_MODEL, FFN)

    spec = whisper_spec.WhisperSpec(LAYERS, HEADS, LAYERS, HEADS)
    encoder = spec.encoder
    encoder.conv1.weight, encoder.conv1.bias = random(D_MODEL, N_MELS, 3), random(D_MODEL)
    encoder.conv2.weight, encoder.conv2.bias = random(D_MODEL, D_MODEL, 3), random(D_MODEL)
    encoder.position_encodings.encodings = random(ENCODER_POSITIONS, D_MODEL)
    layer_norm(encoder.layer_norm)
    for layer in encoder.layer:
        layer_norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * D_MODEL, D_MODEL)  # fused q, k, v
        linear(layer.self_attention.linear[1], D_MODEL, D_MODEL)
        feed_forward(layer.ffn)

    decoder = spec.decoder
    for layer in decoder.layer:
        layer_norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * D_MODEL, D_MODEL)
        linear(layer.self_attention.linear[1], D_MODEL, D_MODEL)
        layer_norm(layer.attention.layer_norm)  # cross-attention over the encoder's output
        linear(layer.attention.linear[0], D_MODEL, D_MODEL)
        linear(layer.attention.linear[1], 2 * D_MODEL, D_MODEL)  # fused k, v
        linear(layer.attention.linear[2], D_MODEL, D_MODEL)
        feed_forward(layer.ffn)
    layer_norm(decoder.layer_norm)
    positions = np.zeros((DECODER_POSITIONS, D_MODEL), np.float32)
    projection = np.zeros((len(vocabulary), D_MODEL), np.float32)
    for step, token_id in enumerate(steps):
        positions[step, step] = 1.0
        projection[token_id, step] = SCALE
    # past the script (a later window, whose prompt carries the previous text): <|0.00|>
    # (a window's first token must be a timestamp) then <|endoftext|>: no text
    positions[len(steps) :, TAIL] = 1.0
    projection[token("<|endoftext|>"), TAIL] = SCALE
    projection[token("<|0.00|>"), TAIL] = SCALE / 2
    decoder.embeddings.weight = np.zeros((len(vocabulary), D_MODEL), np.float32)
    decoder.position_encodings.encodings = positions
    decoder.projection.weight = projection

    spec.register_vocabulary(vocabulary)
    config = spec.config
    config.suppress_ids = []
    config.suppress_ids_begin = [token("Ġ"), token("<|endoftext|>")]
    config.lang_ids = [token("<|en|>")]
    # the converter's default: every head of the last half of the decoder's layers
    config.alignment_heads = list(itertools.product(range(LAYERS // 2, LAYERS), range(HEADS)))
    spec.validate()
    spec.optimize(quantization=None)
    spec.save(str(path))
    return SyntheticWhisper(path=path, script=tuple(script))
