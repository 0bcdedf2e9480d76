"""Bad input to the models, the data loaders, generation and the tokenisers.

Every public entry point answers a bad argument with a ValueError or
TypeError whose message says what was wrong; a prompt longer than the
window is not an error but is cropped to its last ``context_size`` tokens.
"""

import math

import pytest
import torch

from llms_from_scratch import data
from llms_from_scratch.arg_checks import check_gpt_config
from llms_from_scratch.ch02 import GPTDatasetV1, create_dataloader_v1
from llms_from_scratch.ch04 import GPTModel, generate_text_simple
from llms_from_scratch.ch05 import generate, text_to_token_ids, token_ids_to_text
from llms_from_scratch.fast import FastMultiHeadAttention, GPTModelFast
from llms_from_scratch.kvcache import generate_cached

MODELS = [GPTModel, GPTModelFast]
EOT = 50256


def _cfg(**overrides):
    cfg = {"vocab_size": 50, "context_length": 8, "emb_dim": 16, "n_heads": 2,
           "n_layers": 1, "drop_rate": 0.0, "qkv_bias": False}
    cfg.update(overrides)
    return cfg


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return GPTModel(_cfg()).eval()


# --- model configs -------------------------------------------------------------------


@pytest.mark.parametrize("model_cls", MODELS)
@pytest.mark.parametrize("change, match", [
    ({"emb_dim": 30, "n_heads": 4}, "divisible"),
    ({"emb_dim": 16, "n_heads": 3}, "divisible"),
    ({"emb_dim": 0}, "emb_dim"),
    ({"emb_dim": -16}, "emb_dim"),
    ({"n_heads": 0}, "n_heads"),
    ({"n_layers": 0}, "n_layers"),
    ({"vocab_size": 0}, "vocab_size"),
    ({"context_length": 0}, "context_length"),
    ({"context_length": -1}, "context_length"),
    ({"emb_dim": 16.0}, "emb_dim"),
    ({"n_layers": True}, "n_layers"),
    ({"drop_rate": -0.1}, "drop_rate"),
    ({"drop_rate": 1.0}, "drop_rate"),
    ({"drop_rate": "0.1"}, "drop_rate"),
    ({"qkv_bias": "no"}, "qkv_bias"),
])
def test_bad_config_is_rejected_by_both_models(model_cls, change, match):
    with pytest.raises(ValueError, match=match):
        model_cls(_cfg(**change))


@pytest.mark.parametrize("model_cls", MODELS)
def test_config_must_be_a_complete_dict(model_cls):
    with pytest.raises(TypeError, match="dict"):
        model_cls([("emb_dim", 16)])
    cfg = _cfg()
    del cfg["n_heads"]
    with pytest.raises(ValueError, match="lacks n_heads"):
        model_cls(cfg)


def test_valid_edge_configs_are_accepted():
    check_gpt_config(_cfg(n_heads=1, n_layers=1, context_length=1, vocab_size=1))
    check_gpt_config(_cfg(drop_rate=0))  # an int rate is a number in [0, 1)


@pytest.mark.parametrize("kwargs, match", [
    ({"d_in": 16, "d_out": 16, "num_heads": 3}, "divisible"),
    ({"d_in": 16, "d_out": 16, "num_heads": 0}, "num_heads"),
    ({"d_in": 0, "d_out": 16, "num_heads": 2}, "d_in"),
    ({"d_in": 16, "d_out": 16, "num_heads": None}, "num_heads"),
])
def test_fast_attention_rejects_bad_sizes(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FastMultiHeadAttention(dropout=0.0, **kwargs)


@pytest.mark.parametrize("model_cls", MODELS)
def test_forward_longer_than_the_context_says_to_crop(model_cls):
    m = model_cls(_cfg())
    with pytest.raises(ValueError, match="crop the input.*context_size"):
        m(torch.zeros(1, 9, dtype=torch.long))


# --- data loaders --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "\n\n  \t", "hello"])
def test_dataset_needs_max_length_plus_one_tokens(tokenizer, text):
    n = len(tokenizer.encode(text))
    with pytest.raises(ValueError, match=rf"has {n} tokens.*max_length \+ 1"):
        GPTDatasetV1(text, tokenizer, max_length=max(n, 1), stride=1)


def test_dataset_with_exactly_max_length_plus_one_tokens_has_one_window(tokenizer):
    text = " one two three four five"
    ids = tokenizer.encode(text)
    ds = GPTDatasetV1(text, tokenizer, max_length=len(ids) - 1, stride=1)
    assert len(ds) == 1
    assert ds[0][0].tolist() == ids[:-1] and ds[0][1].tolist() == ids[1:]


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"max_length": 0}, ValueError, "max_length"),
    ({"max_length": -3}, ValueError, "max_length"),
    ({"max_length": 4.0}, ValueError, "max_length"),
    ({"stride": 0}, ValueError, "stride"),
    ({"stride": -1}, ValueError, "stride"),
    ({"stride": True}, ValueError, "stride"),
    ({"txt": b"bytes, not text"}, TypeError, "str"),
    ({"txt": None}, TypeError, "str"),
])
def test_dataset_rejects_bad_arguments(tokenizer, kwargs, exc, match):
    args = {"txt": "a short text " * 10, "max_length": 4, "stride": 4, **kwargs}
    with pytest.raises(exc, match=match):
        GPTDatasetV1(tokenizer=tokenizer, **args)


@pytest.mark.parametrize("kwargs, match", [
    ({"batch_size": 0}, "batch_size"),
    ({"batch_size": -2}, "batch_size"),
    ({"batch_size": 2.0}, "batch_size"),
    ({"batch_size": True}, "batch_size"),
    ({"stride": 0}, "stride"),
    ({"max_length": 0}, "max_length"),
    ({"txt": ""}, "0 tokens"),
    ({"txt": "   "}, "tokens.*max_length"),
    ({"txt": "too short"}, "max_length"),
])
def test_dataloader_rejects_bad_arguments(kwargs, match):
    args = {"txt": "a short text " * 30, "batch_size": 2, "max_length": 4, "stride": 4,
            **kwargs}
    with pytest.raises(ValueError, match=match):
        create_dataloader_v1(**args)


def test_dataloader_that_would_drop_every_window_is_an_error(tokenizer):
    text = " one two three four five six seven eight nine"  # 9 tokens: 2 windows of 4
    assert len(tokenizer.encode(text)) == 9
    with pytest.raises(ValueError, match="2 windows, fewer than batch_size=4.*drop_last"):
        create_dataloader_v1(text, batch_size=4, max_length=4, stride=4)
    # without drop_last the two windows form one short batch
    loader = create_dataloader_v1(text, batch_size=4, max_length=4, stride=4, drop_last=False)
    assert [x.shape for x, _ in loader] == [(2, 4)]


# --- generation ----------------------------------------------------------------------


def _simple(model, idx, max_new_tokens, context_size, **kw):
    assert not kw
    return generate_text_simple(model, idx, max_new_tokens, context_size)


GENERATORS = {"generate_text_simple": _simple, "generate": generate,
              "generate_cached": generate_cached}
SAMPLERS = {"generate": generate, "generate_cached": generate_cached}


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("idx, kwargs, exc, match", [
    (torch.zeros(1, 0, dtype=torch.long), {}, ValueError, "at least one token"),
    (torch.zeros(0, 3, dtype=torch.long), {}, ValueError, "at least one prompt"),
    (torch.zeros(3, dtype=torch.long), {}, ValueError, "2-D.*unsqueeze"),
    ([[1, 2, 3]], {}, ValueError, "2-D"),
    (torch.zeros(1, 3), {}, TypeError, "integer token IDs.*long"),
    (torch.tensor([[1, 50]]), {}, ValueError, "token ID 50.*0..49"),
    (torch.tensor([[-1, 2]]), {}, ValueError, "token ID -1"),
    (torch.ones(1, 3, dtype=torch.long), {"max_new_tokens": -1}, ValueError, "max_new_tokens"),
    (torch.ones(1, 3, dtype=torch.long), {"max_new_tokens": 2.0}, ValueError, "max_new_tokens"),
    (torch.ones(1, 3, dtype=torch.long), {"context_size": 0}, ValueError, "context_size"),
    (torch.ones(1, 3, dtype=torch.long), {"context_size": -4}, ValueError, "context_size"),
])
def test_generators_reject_bad_prompts_and_lengths(model, name, idx, kwargs, exc, match):
    args = {"max_new_tokens": 2, "context_size": 8, **kwargs}
    with pytest.raises(exc, match=match):
        GENERATORS[name](model, idx, **args)


@pytest.mark.parametrize("name", SAMPLERS)
@pytest.mark.parametrize("kwargs, match", [
    ({"temperature": -1.0}, "temperature"),
    ({"temperature": math.nan}, "temperature"),
    ({"temperature": math.inf}, "temperature"),
    ({"temperature": None}, "temperature"),
    ({"top_k": 0}, "top_k.*1..50"),
    ({"top_k": -3}, "top_k"),
    ({"top_k": 51}, "top_k.*1..50"),
    ({"top_k": 2.5}, "top_k"),
    ({"top_p": 0.0}, "top_p"),
    ({"top_p": 1.01}, "top_p"),
    ({"eos_id": 50}, "eos_id.*0..49"),
    ({"eos_id": -1}, "eos_id"),
    ({"eos_id": 3.0}, "eos_id"),
])
def test_samplers_reject_bad_sampling_arguments(model, name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        SAMPLERS[name](model, torch.ones(1, 3, dtype=torch.long), 2, 8, **kwargs)


@pytest.mark.parametrize("name", SAMPLERS)
def test_sampling_edges_that_are_valid(model, name):
    idx = torch.ones(1, 3, dtype=torch.long)
    out = SAMPLERS[name](model, idx, 3, 8, temperature=1.0, top_k=50, eos_id=49)
    assert out.shape[1] <= 6 and torch.equal(out[:, :3], idx)
    top1 = SAMPLERS[name](model, idx, 3, 8, temperature=1.0, top_k=1)
    assert torch.equal(top1, generate_text_simple(model, idx, 3, 8))  # top_k=1 is greedy


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("prompt_len", [9, 20])
def test_prompt_longer_than_the_context_is_cropped(model, name, prompt_len):
    gen = GENERATORS[name]
    idx = torch.randint(0, 50, (2, prompt_len))
    out = gen(model, idx, 5, 8)
    assert out.shape == (2, prompt_len + 5)
    assert torch.equal(out[:, :prompt_len], idx)  # the whole prompt is kept in the output
    by_hand = gen(model, idx[:, -8:], 5, 8)  # cropped to the last context_size tokens
    assert torch.equal(out[:, prompt_len - 8:], by_hand)


@pytest.mark.parametrize("name", SAMPLERS)
def test_cropping_equals_cropping_by_hand_when_sampling(model, name):
    idx = torch.randint(0, 50, (1, 13))
    torch.manual_seed(7)
    out = SAMPLERS[name](model, idx, 6, 5, temperature=1.5, top_k=10)
    torch.manual_seed(7)
    by_hand = SAMPLERS[name](model, idx[:, -5:], 6, 5, temperature=1.5, top_k=10)
    assert torch.equal(out[:, 8:], by_hand)


def test_context_size_beyond_the_model_says_what_to_pass(model):
    idx = torch.ones(1, 3, dtype=torch.long)
    with pytest.raises(ValueError, match="context_size of at most context_length"):
        generate(model, torch.ones(1, 9, dtype=torch.long), 1, 16)
    with pytest.raises(ValueError, match="context_size.*exceeds.*context_length"):
        generate_cached(model, idx, 1, 16)
    # never longer than the model's context: still fine, as before
    assert generate_text_simple(model, idx, 2, 16).shape == (1, 5)


def test_empty_prompt_text_is_refused_by_generate_not_inside_the_model(model, tokenizer):
    idx = text_to_token_ids("", tokenizer)
    assert idx.shape == (1, 0) and idx.dtype == torch.long
    for gen in GENERATORS.values():
        with pytest.raises(ValueError, match="at least one token.*empty text"):
            gen(model, idx, 3, 8)


def test_int32_prompts_are_accepted(model):
    idx = torch.tensor([[1, 2, 3]], dtype=torch.int32)
    assert torch.equal(generate_text_simple(model, idx, 2, 8),
                       generate_text_simple(model, idx.long(), 2, 8))


# --- GPT-2 text <-> token IDs --------------------------------------------------------


def test_endoftext_written_in_the_text_is_the_special_token(tokenizer):
    # Intentional, as in the book: text_to_token_ids (and GPTDatasetV1) pass
    # allowed_special={"<|endoftext|>"}, so the literal string becomes ID 50256.
    assert text_to_token_ids("<|endoftext|>", tokenizer).tolist() == [[EOT]]
    ids = text_to_token_ids("Hello<|endoftext|>吾輩は猫である", tokenizer)
    assert ids[0].tolist().count(EOT) == 1
    assert token_ids_to_text(ids, tokenizer) == "Hello<|endoftext|>吾輩は猫である"
    # a near miss is ordinary text
    assert EOT not in text_to_token_ids("<|endoftext|", tokenizer)[0].tolist()


def test_whitespace_only_text_is_valid_text(tokenizer):
    for text in (" ", "\n", "  \t\n"):
        ids = text_to_token_ids(text, tokenizer)
        assert ids.shape[0] == 1 and ids.shape[1] >= 1
        assert token_ids_to_text(ids, tokenizer) == text


def test_text_to_token_ids_rejects_non_text(tokenizer):
    for bad in (None, b"bytes", 42):
        with pytest.raises(TypeError, match="str"):
            text_to_token_ids(bad, tokenizer)


def test_token_ids_to_text_takes_one_sequence(tokenizer):
    assert token_ids_to_text(torch.tensor([15496]), tokenizer) == "Hello"  # (tokens,) of 1
    assert token_ids_to_text(torch.tensor([[15496]]), tokenizer) == "Hello"
    assert token_ids_to_text(torch.zeros(1, 0, dtype=torch.long), tokenizer) == ""
    with pytest.raises(ValueError, match=r"one sequence.*\(2, 3\).*each row"):
        token_ids_to_text(torch.zeros(2, 3, dtype=torch.long), tokenizer)
    with pytest.raises(ValueError, match="one sequence"):
        token_ids_to_text(torch.tensor(5), tokenizer)
    with pytest.raises(TypeError, match="tokenizer.decode"):
        token_ids_to_text([15496], tokenizer)


def test_training_files_spell_endoftext_out_as_ordinary_text(tmp_path, tokenizer):
    # data.prepare_tokens (the `train` command) uses encode_ordinary on purpose:
    # a training file is plain text, so a literal "<|endoftext|>" in it stays text.
    text = "one<|endoftext|>two " * 40
    meta = data.prepare_tokens(text, "gpt2", tmp_path)
    ids = [int(i) for split in ("train", "val") for i in data.load_split(tmp_path, meta, split)]
    assert EOT not in ids
    assert tokenizer.decode(ids) == text


# --- char-level tokenizer and text files ---------------------------------------------


@pytest.mark.parametrize("chars, match", [
    ("", "non-empty"),
    (None, "non-empty"),
    ("aba", "repeat"),
])
def test_char_tokenizer_rejects_bad_vocabularies(chars, match):
    with pytest.raises(ValueError, match=match):
        data.CharTokenizer(chars)


def test_char_tokenizer_from_text_empty_and_whitespace():
    with pytest.raises(ValueError, match="empty"):
        data.CharTokenizer.from_text("")
    with pytest.raises(TypeError, match="str"):
        data.CharTokenizer.from_text(None)
    tok = data.CharTokenizer.from_text(" \n \n")  # whitespace is a vocabulary too
    assert tok.chars == "\n " and tok.decode(tok.encode("\n  \n")) == "\n  \n"


def test_char_tokenizer_unknown_characters_and_ids():
    tok = data.CharTokenizer("abc")
    assert tok.encode("") == [] and tok.decode([]) == ""
    with pytest.raises(ValueError, match="'d' is not in the model's vocabulary of 3.*replace"):
        tok.encode("abcd")
    with pytest.raises(ValueError, match="' ' is not in"):
        tok.encode("a b")
    # no special tokens: "<|endoftext|>" is ordinary characters, unknown ones here
    with pytest.raises(ValueError, match="'<' is not in"):
        tok.encode("<|endoftext|>", allowed_special={"<|endoftext|>"})
    with pytest.raises(TypeError, match="str"):
        tok.encode(None)
    for bad in ([3], [-1], [0, 1, 99]):
        with pytest.raises(ValueError, match=r"outside the vocabulary 0..2"):
            tok.decode(bad)
    assert tok.decode(torch.tensor([2, 0, 1])) == "cab"


def test_read_text_file_rejects_bad_files(tmp_path):
    bad = tmp_path / "sjis.txt"
    bad.write_bytes("吾輩は猫である".encode("shift_jis"))
    with pytest.raises(ValueError, match="not UTF-8.*iconv"):
        data.read_text_file(bad)
    truncated = tmp_path / "truncated.txt"
    truncated.write_bytes("猫".encode()[:2])
    with pytest.raises(ValueError, match="not UTF-8 text.*offset 0"):
        data.read_text_file(truncated)
    for content in (b"", b"  \n\t \n", "\ufeff".encode()):
        empty = tmp_path / "empty.txt"
        empty.write_bytes(content)
        with pytest.raises(ValueError, match="empty or holds only whitespace"):
            data.read_text_file(empty)
    with pytest.raises(FileNotFoundError, match="no text file"):
        data.read_text_file(tmp_path / "missing.txt")
    with pytest.raises(FileNotFoundError, match="no text file"):
        data.read_text_file(tmp_path)  # a folder


def test_read_text_file_reads_utf8_and_drops_the_bom(tmp_path):
    path = tmp_path / "ok.txt"
    path.write_bytes("\ufeff吾輩は猫である。\n".encode())
    assert data.read_text_file(path) == "吾輩は猫である。\n"
