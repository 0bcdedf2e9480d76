"""The SentencePiece tokenizer of a pretrained Japanese GPT-2 (rinna's), with tiktoken's interface.

rinna's japanese-gpt2 models ship ``spiece.model`` and load it with
``transformers``' ``T5Tokenizer``. Two of its settings matter: the model cards
say to set ``do_lower_case = True`` by hand (it is not picked up from the
config), so text is lower-cased unless ``tokenizer_config.json`` says
``"do_lower_case": false``; and ``T5Tokenizer`` appends ``</s>``, which asks
the model to start a new text, so text is encoded here without it; the
model's ``eos_token_id`` is the ``eot_token`` that ends generation.
"""

import hashlib
from pathlib import Path

from .errors import UserError
from .i18n import _

SPIECE_FILE = "spiece.model"
_SPACE = "\u2581"  # SentencePiece's visible space ▁


class SentencePieceTokenizer:
    """``spiece.model`` read by ``sentencepiece``; ``lower_case`` and ``eos_id`` as above."""

    byte_exact = False  # its pieces spell the normalised text, not the original bytes

    def __init__(self, path, lower_case=True, eos_id=None):
        try:
            import sentencepiece
        except ImportError:
            raise UserError(_("reading a Japanese GPT-2's spiece.model needs the "
                              "sentencepiece package: pip install sentencepiece")) from None
        self.path = Path(path)
        try:
            self.sp = sentencepiece.SentencePieceProcessor(model_file=str(self.path))
        except (OSError, RuntimeError) as err:
            raise UserError(_("cannot read the SentencePiece model {path} ({error}); download "
                              "it again")
                            .format(path=self.path, error=str(err).splitlines()[0] if str(err)
                                    else type(err).__name__)) from None
        self.lower_case = bool(lower_case)
        self.n_vocab = self.sp.get_piece_size()
        # The model config's id; GPT-2's default 50256 left in a config of another
        # vocabulary names no piece, and then the SentencePiece model's own </s> counts.
        candidates = [int(eos_id)] if eos_id is not None else []
        candidates.append(self.sp.eos_id())
        self.eot_token = next((i for i in candidates if 0 <= i < self.n_vocab), None)
        self.sha256 = hashlib.sha256(self.path.read_bytes()).hexdigest()

    def encode_ordinary(self, text):
        """The piece IDs of ``text`` (lower-cased if set), without a final ``</s>``."""
        if not isinstance(text, str):
            raise TypeError(f"the text must be a str, got {type(text).__name__}")
        return self.sp.encode(text.lower() if self.lower_case else text)

    def encode(self, text, allowed_special=None):  # noqa: ARG002 (tiktoken's signature)
        return self.encode_ordinary(text)

    def decode(self, ids):
        return self.sp.decode([int(i) for i in ids])

    def decode_single_token_bytes(self, token):
        """A piece's text: ``▁`` as a space, control pieces (``</s>``) as nothing."""
        if not 0 <= token < self.n_vocab:
            raise KeyError(token)
        if self.sp.is_control(token):
            return b""
        piece = self.sp.id_to_piece(token)
        if self.sp.is_byte(token):  # "<0xE3>"
            return bytes([int(piece[3:5], 16)])
        return piece.replace(_SPACE, " ").encode("utf-8")

    def spec(self, file=None):
        """What a checkpoint stores to find and check this tokenizer again."""
        return {"kind": "sentencepiece", "file": str(file or self.path), "sha256": self.sha256,
                "lower_case": self.lower_case, "eos_id": self.eot_token}


__all__ = ["SPIECE_FILE", "SentencePieceTokenizer"]
