"""Property-based tests (hypothesis): tokenisers, data loaders and generation.

The settings are modest (a few dozen examples each, no deadline, no example
database) so that the file runs in seconds on one CPU core.
"""

from collections import Counter

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from llms_from_scratch.ch02 import create_dataloader_v1
from llms_from_scratch.ch04 import GPTModel, generate_text_simple
from llms_from_scratch.ch05 import generate, text_to_token_ids, token_ids_to_text
from llms_from_scratch.data import CharTokenizer, tokenizer_from_spec
from llms_from_scratch.kvcache import generate_cached

EOT = 50256
MODEST = settings(max_examples=40, deadline=None, database=None)

# Kana, CJK punctuation and the CJK ideographs block.
JAPANESE = st.characters(min_codepoint=0x3000, max_codepoint=0x9FFF)
# st.text() draws any Unicode character except lone surrogates (which no
# UTF-8 text can hold), so this is "arbitrary text".
TEXT = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=JAPANESE, max_size=100),
    st.lists(st.one_of(st.text(max_size=20), st.text(alphabet=JAPANESE, max_size=20),
                       st.sampled_from([" ", "  ", "\n", "\r\n", "\t", "。", "、"])),
             max_size=12).map("".join),
)


# --- tokenisers ----------------------------------------------------------------------


@MODEST
@given(text=TEXT)
def test_gpt2_round_trip_over_arbitrary_text(tokenizer, text):
    ids = tokenizer.encode(text)
    assert all(0 <= i < tokenizer.n_vocab for i in ids)
    assert tokenizer.decode(ids) == text
    # byte-level BPE: the tokens' bytes are the text's UTF-8 bytes, even where
    # one Japanese character is split over two tokens
    assert b"".join(tokenizer.decode_single_token_bytes(i) for i in ids) == text.encode()
    # the book's helpers give the same IDs as a (1, tokens) tensor
    as_tensor = text_to_token_ids(text, tokenizer)
    assert as_tensor.shape == (1, len(ids)) and as_tensor[0].tolist() == ids
    assert token_ids_to_text(as_tensor, tokenizer) == text


@MODEST
@given(pieces=st.lists(st.one_of(TEXT, st.just("<|endoftext|>")), max_size=6))
def test_endoftext_in_the_text_is_one_special_token_each(tokenizer, pieces):
    text = "".join(pieces)
    ids = text_to_token_ids(text, tokenizer)[0].tolist()
    assert ids.count(EOT) == text.count("<|endoftext|>")
    assert token_ids_to_text(torch.tensor(ids), tokenizer) == text


@MODEST
@given(alphabet=st.text(min_size=1, max_size=40), data=st.data())
def test_char_tokenizer_round_trip(alphabet, data):
    tok = CharTokenizer.from_text(alphabet)
    assert tok.chars == "".join(sorted(set(alphabet))) and tok.n_vocab == len(set(alphabet))
    text = data.draw(st.text(alphabet=tok.chars, max_size=200), label="text")
    ids = tok.encode(text)
    assert len(ids) == len(text) and all(0 <= i < tok.n_vocab for i in ids)
    assert tok.decode(ids) == text
    assert tokenizer_from_spec(tok.spec()).encode(text) == ids  # as a checkpoint rebuilds it
    stranger = data.draw(st.characters().filter(lambda c: c not in tok.chars), label="stranger")
    with pytest.raises(ValueError, match="not in the model's vocabulary"):
        tok.encode(text + stranger)


# --- data loaders --------------------------------------------------------------------

# Each word gives at least one GPT-2 token, so n words give >= n tokens.
WORD = st.text(alphabet="abcxyz猫犬の。,!7 ", min_size=1, max_size=6).filter(str.strip)


def _windows(loader):
    xs, ys = zip(*loader, strict=True)
    return torch.cat(xs), torch.cat(ys), [x.shape[0] for x in xs]


@MODEST
@given(max_length=st.integers(1, 8), stride=st.integers(1, 10), batch_size=st.integers(1, 5),
       shuffle=st.booleans(), drop_last=st.booleans(), data=st.data())
def test_dataloader_windows(tokenizer, max_length, stride, batch_size, shuffle, drop_last,
                            data):
    words = data.draw(st.lists(WORD, min_size=max_length + 1, max_size=40), label="words")
    text = " ".join(words)
    ids = tokenizer.encode(text)
    starts = range(0, len(ids) - max_length, stride)
    expected = [(tuple(ids[s:s + max_length]), tuple(ids[s + 1:s + max_length + 1]))
                for s in starts]
    assert expected  # the text is long enough for one window
    args = dict(batch_size=batch_size, max_length=max_length, stride=stride,
                shuffle=shuffle, drop_last=drop_last)
    if drop_last and len(expected) < batch_size:
        with pytest.raises(ValueError, match="drop_last"):
            create_dataloader_v1(text, **args)
        return
    x, y, sizes = _windows(create_dataloader_v1(text, **args))

    n_kept = len(expected) // batch_size * batch_size if drop_last else len(expected)
    assert x.shape == y.shape == (n_kept, max_length) and x.dtype == torch.long
    assert all(size == batch_size for size in sizes[:-1]) and 1 <= sizes[-1] <= batch_size
    assert torch.equal(x[:, 1:], y[:, :-1])  # targets are the inputs shifted by one
    got = [(tuple(a), tuple(b)) for a, b in zip(x.tolist(), y.tolist(), strict=True)]
    if shuffle:  # a permutation (drop_last: of a subset) of the windows
        assert not Counter(got) - Counter(expected)
    else:
        assert got == expected[:n_kept]


@MODEST
@given(max_length=st.integers(1, 8), batch_size=st.integers(1, 4), data=st.data())
def test_stride_equal_to_max_length_covers_every_token_once(tokenizer, max_length, batch_size,
                                                            data):
    words = data.draw(st.lists(WORD, min_size=max_length + 1, max_size=40), label="words")
    text = " ".join(words)
    ids = tokenizer.encode(text)
    x, y, _ = _windows(create_dataloader_v1(text, batch_size=batch_size, max_length=max_length,
                                            stride=max_length, shuffle=False,
                                            drop_last=False))
    k = (len(ids) - 1) // max_length  # every window that has a target for its last token
    assert x.shape == (k, max_length)
    # the inputs tile ids[0 : k * max_length] without gap or overlap, the targets
    # ids[1 : k * max_length + 1]; at most max_length - 1 tokens at the end are unused
    assert x.flatten().tolist() == ids[:k * max_length]
    assert y.flatten().tolist() == ids[1:k * max_length + 1]
    assert len(ids) - k * max_length - 1 < max_length


# --- generation ----------------------------------------------------------------------

TINY = {"vocab_size": 50, "context_length": 8, "emb_dim": 16, "n_heads": 2, "n_layers": 1,
        "drop_rate": 0.0, "qkv_bias": False}


@pytest.fixture(scope="module")
def tiny_model():
    torch.manual_seed(0)
    return GPTModel(TINY).eval()


GEN_ARGS = dict(
    batch=st.integers(1, 3),
    prompt_len=st.integers(1, 12),  # up to 12 tokens: longer than the context of 8
    max_new_tokens=st.integers(0, 6),
    context_size=st.integers(1, 8),
    seed=st.integers(0, 2**31 - 1),
)


def _prompt(batch, prompt_len, seed):
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, TINY["vocab_size"], (batch, prompt_len), generator=gen)


def _draw_eos(data, generated, allow_none):
    """Any token ID, or (more often useful) one the model actually generated."""
    choices = [st.integers(0, TINY["vocab_size"] - 1)]
    choices += [st.none()] if allow_none else []
    choices += [st.sampled_from(generated)] if generated else []
    return data.draw(st.one_of(*choices), label="eos_id")


@MODEST
@given(**GEN_ARGS, data=st.data())
def test_greedy_generation_length_and_prefix(tiny_model, batch, prompt_len, max_new_tokens,
                                             context_size, seed, data):
    idx = _prompt(batch, prompt_len, seed)
    out = generate_text_simple(tiny_model, idx, max_new_tokens, context_size)
    assert out.shape == (batch, prompt_len + max_new_tokens)
    assert torch.equal(out[:, :prompt_len], idx)
    assert torch.equal(generate(tiny_model, idx, max_new_tokens, context_size), out)
    assert torch.equal(generate_cached(tiny_model, idx, max_new_tokens, context_size), out)

    eos_id = _draw_eos(data, out[:, prompt_len:].flatten().tolist(), allow_none=True)
    if eos_id is not None:
        stopped = generate(tiny_model, idx, max_new_tokens, context_size, eos_id=eos_id)
        _check_eos_stop(stopped, out, prompt_len, max_new_tokens, eos_id)
        cached = generate_cached(tiny_model, idx, max_new_tokens, context_size, eos_id=eos_id)
        assert torch.equal(cached, stopped)


@MODEST
@given(**GEN_ARGS, temperature=st.floats(0.05, 3.0),
       top_k=st.one_of(st.none(), st.integers(1, TINY["vocab_size"])),
       top_p=st.one_of(st.none(), st.floats(0.05, 1.0)), data=st.data())
def test_sampled_generation_length_prefix_and_eos(tiny_model, batch, prompt_len,
                                                  max_new_tokens, context_size, seed,
                                                  temperature, top_k, top_p, data):
    idx = _prompt(batch, prompt_len, seed)
    kw = dict(temperature=temperature, top_k=top_k, top_p=top_p)
    torch.manual_seed(seed)
    full = generate(tiny_model, idx, max_new_tokens, context_size, **kw)
    assert full.shape == (batch, prompt_len + max_new_tokens)
    assert torch.equal(full[:, :prompt_len], idx)
    assert int(full.min()) >= 0 and int(full.max()) < TINY["vocab_size"]
    eos_id = _draw_eos(data, full[:, prompt_len:].flatten().tolist(), allow_none=False)
    torch.manual_seed(seed)
    stopped = generate(tiny_model, idx, max_new_tokens, context_size, eos_id=eos_id, **kw)
    _check_eos_stop(stopped, full, prompt_len, max_new_tokens, eos_id)


def _check_eos_stop(stopped, full, prompt_len, max_new_tokens, eos_id):
    """``stopped`` is ``full`` cut just before the first step where every row drew eos_id."""
    k = stopped.shape[1] - prompt_len
    assert 0 <= k <= max_new_tokens
    assert torch.equal(stopped, full[:, :prompt_len + k])
    new = stopped[:, prompt_len:]
    assert not any(bool((new[:, j] == eos_id).all()) for j in range(k))  # eos is not appended
    if k < max_new_tokens:
        assert bool((full[:, prompt_len + k] == eos_id).all())
