import math
import re

import pytest
import torch

from llms_from_scratch.appendix_d import (
    find_highest_gradient,
    lr_at_step,
    param_groups_for_adamw,
    train_model,
)
from llms_from_scratch.ch02 import create_dataloader_v1
from llms_from_scratch.ch04 import GPTModel


def test_schedule_warms_up_linearly_then_decays_by_cosine():
    lrs = [lr_at_step(s, total_steps=100, warmup_steps=10, peak_lr=1e-3,
                      initial_lr=1e-5, min_lr=1e-6) for s in range(100)]
    assert lrs[0] == pytest.approx(1e-5)
    steps = [b - a for a, b in zip(lrs[:10], lrs[1:11])]
    assert all(d == pytest.approx(steps[0]) for d in steps)  # linear warm-up
    assert lrs[10] == pytest.approx(1e-3)
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:]))  # monotone decay
    mid = 10 + 45
    assert lrs[mid] == pytest.approx(1e-6 + 0.5 * (1e-3 - 1e-6))
    assert lr_at_step(100, 100, 10, 1e-3, 1e-5, 1e-6) == pytest.approx(1e-6)


def test_highest_gradient_and_clipping():
    model = torch.nn.Linear(3, 2)
    assert find_highest_gradient(model) is None
    (model(torch.ones(4, 3)) * 100).sum().backward()
    before = find_highest_gradient(model)
    assert before == pytest.approx(max(p.grad.max().item() for p in model.parameters()))
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    after = find_highest_gradient(model)
    assert after < before and after <= 1.0


def test_param_groups_exclude_biases_norms_and_embeddings(tiny_cfg):
    model = GPTModel(tiny_cfg)
    decay, no_decay = param_groups_for_adamw(model, weight_decay=0.1)
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    decay_ids = {id(p) for p in decay["params"]}
    assert id(model.trf_blocks[0].att.W_query.weight) in decay_ids
    assert id(model.out_head.weight) in decay_ids
    for p in (model.tok_emb.weight, model.pos_emb.weight, model.final_norm.scale,
              model.trf_blocks[0].att.out_proj.bias):
        assert id(p) not in decay_ids
    n_all = sum(p.numel() for p in model.parameters())
    n_groups = sum(p.numel() for g in (decay, no_decay) for p in g["params"])
    assert n_all == n_groups


def test_tied_parameters_are_listed_once(tiny_cfg):
    model = GPTModel(tiny_cfg)
    model.out_head.weight = model.tok_emb.weight
    groups = param_groups_for_adamw(model)
    ids = [id(p) for g in groups for p in g["params"]]
    assert len(ids) == len(set(ids))
    torch.optim.AdamW(groups, lr=1e-3)  # AdamW refuses duplicates


def test_train_model_follows_the_schedule(tiny_cfg, tokenizer, verdict, capsys):
    torch.manual_seed(123)
    loader = create_dataloader_v1(verdict[:2000], batch_size=2, max_length=16, stride=16)
    val = create_dataloader_v1(verdict[2000:3000], batch_size=2, max_length=16, stride=16,
                               shuffle=False, drop_last=False)
    model = GPTModel({**tiny_cfg, "emb_dim": 64})
    opt = torch.optim.AdamW(param_groups_for_adamw(model), lr=5e-3)
    n_epochs, warmup = 2, 5
    train, vals, seen, lrs = train_model(model, loader, val, opt, "cpu", n_epochs=n_epochs,
                                         eval_freq=5, eval_iter=2, start_context="Every",
                                         tokenizer=tokenizer, warmup_steps=warmup,
                                         initial_lr=1e-4, min_lr=1e-5)
    total = n_epochs * len(loader)
    assert len(lrs) == total
    assert lrs == [lr_at_step(s, total, warmup, 5e-3, 1e-4, 1e-5) for s in range(total)]
    assert max(lrs) == pytest.approx(5e-3) and lrs[0] == pytest.approx(1e-4)
    assert all(g["lr"] == lrs[-1] for g in opt.param_groups)
    assert train[-1] < train[0] and not any(math.isnan(v) for v in vals)
    out = capsys.readouterr().out
    assert re.search(r"^Ep 1 \(Step 000000\): Train loss \d+\.\d{3}, Val loss \d+\.\d{3}$", out,
                     re.MULTILINE)  # the same log line as chapter 5
    assert "Iter" not in out


def test_train_model_clips_every_step_warm_up_included(tiny_cfg, tokenizer, verdict,
                                                       monkeypatch, capsys):
    torch.manual_seed(123)
    loader = create_dataloader_v1(verdict[:1000], batch_size=2, max_length=16, stride=16)
    model = GPTModel(tiny_cfg)
    opt = torch.optim.AdamW(param_groups_for_adamw(model), lr=1e-3)
    norms = []
    real_clip = torch.nn.utils.clip_grad_norm_

    def recording_clip(params, max_norm, **kwargs):
        norms.append(real_clip(params, max_norm, **kwargs).item())
        return norms[-1]

    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", recording_clip)
    warmup = len(loader)  # the whole run is warm-up
    train_model(model, loader, loader, opt, "cpu", n_epochs=1, eval_freq=100, eval_iter=1,
                start_context="Every", tokenizer=tokenizer, warmup_steps=warmup)
    capsys.readouterr()
    assert len(norms) == len(loader)
    after = math.sqrt(sum(p.grad.pow(2).sum().item() for p in model.parameters()))
    assert after <= 1.0 + 1e-4  # the last step's gradients were clipped to norm 1


def test_negative_warm_up_is_refused(tiny_cfg, tokenizer):
    model = GPTModel(tiny_cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    with pytest.raises(ValueError, match="warmup_steps must be >= 0"):
        train_model(model, [], [], opt, "cpu", n_epochs=1, eval_freq=1, eval_iter=1,
                    start_context="Every", tokenizer=tokenizer, warmup_steps=-1)
