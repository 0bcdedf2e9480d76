import subprocess
import sys

import numpy as np
import pytest
import torch

from llms_from_scratch.ch02 import create_dataloader_v1
from llms_from_scratch.ch04 import GPTModel, generate_text_simple
from llms_from_scratch.ch05 import (
    assign,
    calc_loss_batch,
    calc_loss_loader,
    evaluate_model,
    generate,
    load_weights_into_gpt,
    plot_losses,
    text_to_token_ids,
    token_ids_to_text,
    train_model_simple,
)

GPT_CONFIG_124M = {"vocab_size": 50257, "context_length": 256, "emb_dim": 768, "n_heads": 12,
                   "n_layers": 12, "drop_rate": 0.1, "qkv_bias": False}


@pytest.fixture(scope="module")
def seed_model():
    torch.manual_seed(123)
    model = GPTModel(GPT_CONFIG_124M)
    model.eval()
    return model


def test_seed_figure_first_generated_text(seed_model, tokenizer):
    ids = generate_text_simple(seed_model, text_to_token_ids("Every effort moves you", tokenizer),
                               max_new_tokens=10, context_size=256)
    assert token_ids_to_text(ids, tokenizer) == (
        "Every effort moves you rentingetic wasnم refres RexMeCHicular stren")


def test_seed_figure_first_losses(seed_model, verdict):
    split = int(0.90 * len(verdict))
    torch.manual_seed(123)
    train_loader = create_dataloader_v1(verdict[:split], batch_size=2, max_length=256,
                                        stride=256, drop_last=True, shuffle=True)
    val_loader = create_dataloader_v1(verdict[split:], batch_size=2, max_length=256,
                                      stride=256, drop_last=False, shuffle=False)
    assert len(train_loader) == 9 and len(val_loader) == 1
    torch.manual_seed(123)
    with torch.no_grad():
        train_loss = calc_loss_loader(train_loader, seed_model, "cpu")
        val_loss = calc_loss_loader(val_loader, seed_model, "cpu")
    assert round(train_loss, 6) == round(10.98758347829183, 6)
    assert round(val_loss, 6) == round(10.98110580444336, 6)


def test_round_trip_and_special_token(tokenizer):
    ids = text_to_token_ids("Hello<|endoftext|>吾輩は猫である", tokenizer)
    assert ids.shape[0] == 1 and 50256 in ids[0].tolist()
    assert token_ids_to_text(ids, tokenizer) == "Hello<|endoftext|>吾輩は猫である"


def test_loss_equals_manual_cross_entropy(tiny_cfg):
    model = GPTModel(tiny_cfg).eval()
    x = torch.randint(0, 50257, (2, 5))
    y = torch.randint(0, 50257, (2, 5))
    with torch.no_grad():
        loss = calc_loss_batch(x, y, model, "cpu")
        probs = torch.softmax(model(x), dim=-1)
    manual = -torch.log(probs.gather(-1, y.unsqueeze(-1))).mean()
    torch.testing.assert_close(loss, manual, rtol=1e-4, atol=1e-4)


def test_calc_loss_loader_limits_batches_and_handles_empty(tiny_cfg):
    model = GPTModel(tiny_cfg).eval()
    batches = [(torch.randint(0, 50257, (1, 4)), torch.randint(0, 50257, (1, 4)))
               for _ in range(3)]
    with torch.no_grad():
        first = calc_loss_batch(*batches[0], model, "cpu").item()
        assert calc_loss_loader(batches, model, "cpu", num_batches=1) == pytest.approx(first)
        assert calc_loss_loader(batches, model, "cpu", num_batches=99) == pytest.approx(
            calc_loss_loader(batches, model, "cpu"))
    assert np.isnan(calc_loss_loader([], model, "cpu"))


def test_train_model_simple_lowers_the_loss(tiny_cfg, tokenizer, verdict, capsys):
    torch.manual_seed(123)
    loader = create_dataloader_v1(verdict[:2000], batch_size=2, max_length=16, stride=16)
    val = create_dataloader_v1(verdict[2000:3000], batch_size=2, max_length=16, stride=16,
                               shuffle=False, drop_last=False)
    model = GPTModel({**tiny_cfg, "emb_dim": 64})
    before, _ = evaluate_model(model, loader, val, "cpu", eval_iter=5)
    opt = torch.optim.AdamW(model.parameters(), lr=4e-3, weight_decay=0.1)
    train, vals, seen = train_model_simple(model, loader, val, opt, "cpu", num_epochs=2,
                                           eval_freq=5, eval_iter=5,
                                           start_context="Every effort", tokenizer=tokenizer)
    assert len(train) == len(vals) == len(seen) > 0
    assert seen == sorted(seen) and seen[-1] <= 2 * len(loader) * 2 * 16
    assert train[-1] < before - 1.0
    out = capsys.readouterr().out
    assert out.count("Every effort") == 2 and "Train loss" in out
    fig = plot_losses(list(range(len(train))), seen, train, vals)
    assert len(fig.axes) == 2


class _FixedLogits(torch.nn.Module):
    """A stand-in model whose next-token logits are always the same."""

    def __init__(self, logits):
        super().__init__()
        self.logits = logits
        self.out_head = torch.nn.Linear(1, len(logits), bias=False)

    def forward(self, idx):
        return self.logits.expand(idx.shape[0], idx.shape[1], -1)


def test_generate_greedy_matches_generate_text_simple(tiny_cfg):
    model = GPTModel(tiny_cfg).eval()
    idx = torch.randint(0, 50257, (2, 3))
    torch.testing.assert_close(generate(model, idx, 5, 32),
                               generate_text_simple(model, idx, 5, 32))


def test_top_k_and_top_p_restrict_the_candidates():
    logits = torch.tensor([4.0, 3.0, 2.0, 1.0, 0.0, -1.0])
    model = _FixedLogits(logits)
    idx = torch.zeros(1, 1, dtype=torch.long)
    torch.manual_seed(0)
    drawn = {int(t) for _ in range(200)
             for t in generate(model, idx, 1, 8, temperature=1.0, top_k=2)[0, 1:]}
    assert drawn == {0, 1}
    probs = torch.softmax(logits, 0)  # ~0.64, 0.24, 0.09, ...
    drawn = {int(t) for _ in range(300)
             for t in generate(model, idx, 1, 8, temperature=1.0, top_p=0.8)[0, 1:]}
    assert drawn == {0, 1} and probs[:2].sum() >= 0.8 > probs[0]
    drawn = {int(t) for _ in range(50)
             for t in generate(model, idx, 1, 8, temperature=1.0, top_p=0.5)[0, 1:]}
    assert drawn == {0}


def test_temperature_flattens_the_distribution():
    model = _FixedLogits(torch.tensor([2.0, 1.0, 0.0]))
    idx = torch.zeros(1, 1, dtype=torch.long)
    torch.manual_seed(0)

    def share_of_top(t):
        out = generate(model, idx.expand(2000, 1), 1, 8, temperature=t)
        return (out[:, 1] == 0).float().mean().item()
    assert share_of_top(0.1) > 0.99
    assert 0.25 < share_of_top(10.0) < 0.45


def test_eos_stops_generation():
    model = _FixedLogits(torch.tensor([0.0, 5.0, 0.0]))
    idx = torch.zeros(1, 2, dtype=torch.long)
    assert generate(model, idx, 10, 8, eos_id=1).shape == (1, 2)
    assert generate(model, idx, 10, 8).shape == (1, 12)


@pytest.mark.parametrize("kwargs, match", [
    ({"temperature": -0.5}, "temperature"),
    ({"top_k": 0}, "top_k"),
    ({"top_k": 4}, "top_k"),
    ({"top_p": 0.0}, "top_p"),
    ({"top_p": 1.5}, "top_p"),
    ({"eos_id": 3}, "eos_id"),
    ({"max_new_tokens": -1}, "max_new_tokens"),
])
def test_generate_rejects_bad_arguments(kwargs, match):
    model = _FixedLogits(torch.tensor([0.0, 1.0, 2.0]))
    args = {"max_new_tokens": 1, **kwargs}
    with pytest.raises(ValueError, match=match):
        generate(model, torch.zeros(1, 1, dtype=torch.long), context_size=4, **args)


def test_assign_checks_shapes():
    left = torch.nn.Parameter(torch.zeros(2, 3))
    assert torch.equal(assign(left, np.ones((2, 3), dtype=np.float32)), torch.ones(2, 3))
    with pytest.raises(ValueError, match=r"blocks\.0.*\(2, 3\).*\(3, 2\)"):
        assign(left, np.ones((3, 2)), "blocks.0.w")


def _random_openai_params(cfg, rng):
    d, v, c = cfg["emb_dim"], cfg["vocab_size"], cfg["context_length"]

    def lin(i, o):
        return {"w": rng.standard_normal((i, o)).astype(np.float32) * 0.02,
                "b": rng.standard_normal(o).astype(np.float32) * 0.02}

    def ln():
        return {"g": 1 + rng.standard_normal(d).astype(np.float32) * 0.1,
                "b": rng.standard_normal(d).astype(np.float32) * 0.1}
    return {
        "wte": rng.standard_normal((v, d)).astype(np.float32) * 0.02,
        "wpe": rng.standard_normal((c, d)).astype(np.float32) * 0.02,
        "g": ln()["g"], "b": ln()["b"],
        "blocks": [{"attn": {"c_attn": lin(d, 3 * d), "c_proj": lin(d, d)},
                    "mlp": {"c_fc": lin(d, 4 * d), "c_proj": lin(4 * d, d)},
                    "ln_1": ln(), "ln_2": ln()} for _ in range(cfg["n_layers"])],
    }


def test_load_weights_into_gpt_maps_every_tensor(tiny_cfg):
    cfg = {**tiny_cfg, "vocab_size": 100, "qkv_bias": True}
    params = _random_openai_params(cfg, np.random.default_rng(0))
    model = GPTModel(cfg)
    load_weights_into_gpt(model, params)
    blk = params["blocks"][1]
    d = cfg["emb_dim"]
    att = model.trf_blocks[1].att
    assert np.array_equal(att.W_key.weight.detach().numpy(),
                          blk["attn"]["c_attn"]["w"][:, d:2 * d].T)
    assert np.array_equal(att.W_value.bias.detach().numpy(), blk["attn"]["c_attn"]["b"][2 * d:])
    assert np.array_equal(model.trf_blocks[1].ff.layers[2].weight.detach().numpy(),
                          blk["mlp"]["c_proj"]["w"].T)
    assert np.array_equal(model.trf_blocks[1].norm2.shift.detach().numpy(), blk["ln_2"]["b"])
    assert model.out_head.weight is model.tok_emb.weight
    # transposed Conv1D weights are stored row-major like freshly built ones, so a
    # loaded model computes bit for bit what a model holding the same values does
    assert all(p.is_contiguous() for p in model.parameters())
    twin = GPTModel(cfg).eval()
    twin.load_state_dict(model.state_dict())
    x = torch.randint(0, cfg["vocab_size"], (2, 5))
    with torch.no_grad():
        assert torch.equal(model.eval()(x), twin(x))


def test_load_weights_into_gpt_names_the_mismatch(tiny_cfg):
    cfg = {**tiny_cfg, "vocab_size": 100, "qkv_bias": True}
    params = _random_openai_params(cfg, np.random.default_rng(0))
    params["blocks"][0]["mlp"]["c_fc"]["w"] = params["blocks"][0]["mlp"]["c_fc"]["w"][:, :-1]
    with pytest.raises(ValueError, match="trf_blocks.0.ff.layers.0.weight"):
        load_weights_into_gpt(GPTModel(cfg), params)
    with pytest.raises(ValueError, match="qkv_bias"):
        load_weights_into_gpt(GPTModel({**cfg, "qkv_bias": False}),
                              _random_openai_params(cfg, np.random.default_rng(0)))


def test_importing_ch05_does_not_import_matplotlib():
    # The train and generate commands import ch05; only plot_losses needs matplotlib.
    code = ("import sys; import llms_from_scratch.ch05, llms_from_scratch.appendix_d; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
