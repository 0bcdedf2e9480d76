"""Chapter 5: pretraining on unlabelled data.

Losses, the simple training loop, decoding strategies, and loading OpenAI's
GPT-2 weights into the chapter-4 ``GPTModel``.

``download_and_load_gpt2`` can also be imported from here, as from the English
book's package; it lives in ``gpt2`` (the download code, imported only when
that name is asked for).
"""

import importlib
import itertools

import numpy as np
import torch

from .arg_checks import (
    check_block_count,
    check_generate_args,
    check_one_sequence,
    check_qkv_bias,
    check_same_shape,
    check_text,
)
from .ch04 import generate_text_simple


def text_to_token_ids(text, tokenizer):
    """Encode ``text`` into a (1, tokens) tensor of token IDs.

    ``<|endoftext|>`` written in the text is allowed and becomes GPT-2's one
    end-of-text token (ID 50256), as in the book; any other text is encoded
    as ordinary characters. An empty text gives a (1, 0) tensor, which
    ``generate`` refuses as a prompt.
    """
    check_text(text)
    encoded = tokenizer.encode(text, allowed_special={"<|endoftext|>"})  # a list of IDs
    encoded = torch.tensor(encoded, dtype=torch.long)  # (num_tokens,)
    return encoded.unsqueeze(0)  # (1, num_tokens): a batch of one, as the model expects


def token_ids_to_text(token_ids, tokenizer):
    """Decode a (1, tokens) or (tokens,) tensor back into text."""
    check_one_sequence(token_ids)
    flat = token_ids.flatten()  # (num_tokens,): drop the batch dimension
    return tokenizer.decode(flat.tolist())


def calc_loss_batch(input_batch, target_batch, model, device):
    """Mean cross-entropy of the model's next-token predictions on one batch."""
    input_batch = input_batch.to(device)  # (b, num_tokens)
    target_batch = target_batch.to(device)  # (b, num_tokens): the next token at each position
    logits = model(input_batch)  # (b, num_tokens, vocab_size)
    # cross_entropy wants one row of scores per prediction: every position of
    # every text is one prediction, so the batch and token axes are merged.
    logits = logits.flatten(0, 1)  # (b * num_tokens, vocab_size)
    targets = target_batch.flatten()  # (b * num_tokens,)
    return torch.nn.functional.cross_entropy(logits, targets)


def calc_loss_loader(data_loader, model, device, num_batches=None):
    """Average ``calc_loss_batch`` over the first ``num_batches`` batches.

    Returns ``nan`` for an empty loader; ``num_batches=None`` means all.
    """
    available = len(data_loader)
    if available == 0:
        return float("nan")  # no batch, no loss (0 would look like a perfect model)
    used = available if num_batches is None else min(num_batches, available)
    total = 0.0
    # islice stops the loader after `used` batches (evaluating on a few is quicker).
    for inputs, targets in itertools.islice(data_loader, used):
        total += calc_loss_batch(inputs, targets, model, device).item()
    return total / used


def evaluate_model(model, train_loader, val_loader, device, eval_iter):
    """Training and validation loss over ``eval_iter`` batches each, in eval mode."""
    model.eval()  # dropout off: measure the model as it will be used
    with torch.no_grad():  # only the numbers, no graph for backward
        train = calc_loss_loader(train_loader, model, device, num_batches=eval_iter)
        val = calc_loss_loader(val_loader, model, device, num_batches=eval_iter)
    model.train()  # back to training mode for the next update
    return train, val


def generate_and_print_sample(model, tokenizer, device, start_context):
    """Print a 50-token greedy continuation of ``start_context`` on one line."""
    model.eval()
    prompt = text_to_token_ids(start_context, tokenizer).to(device)  # (1, num_tokens)
    context_size = model.pos_emb.num_embeddings  # the model's context length
    with torch.no_grad():
        out = generate_text_simple(model, prompt, 50, context_size)  # (1, num_tokens + 50)
    model.train()
    text = token_ids_to_text(out, tokenizer)
    print(" ".join(text.split("\n")))  # on one line, so the training log stays readable


def train_model_simple(model, train_loader, val_loader, optimizer, device, num_epochs,
                       eval_freq, eval_iter, start_context, tokenizer):
    """The chapter's training loop.

    Every ``eval_freq`` steps (from step 0, right after that step's update) it
    records the training and validation loss over ``eval_iter`` batches and the
    tokens seen so far; after each epoch it prints a sample. Returns
    ``(train_losses, val_losses, tokens_seen)``.
    """
    train_losses, val_losses, tokens_seen_log = [], [], []
    seen = 0  # tokens the model has been trained on
    step = 0  # updates so far, over all epochs
    for epoch in range(1, num_epochs + 1):
        model.train()  # dropout on
        for inputs, targets in train_loader:  # each (b, num_tokens)
            # 1. Clear the previous batch's gradients (backward adds to them).
            optimizer.zero_grad()
            # 2. How wrong the model is on this batch.
            loss = calc_loss_batch(inputs, targets, model, device)
            # 3. The gradient of the loss with respect to every weight.
            loss.backward()
            # 4. Move every weight a small step against its gradient.
            optimizer.step()
            seen += inputs.numel()

            # Every eval_freq updates (from the first one): measure and record.
            if step % eval_freq == 0:
                train, val = evaluate_model(model, train_loader, val_loader, device, eval_iter)
                train_losses.append(train)
                val_losses.append(val)
                tokens_seen_log.append(seen)
                print(f"Ep {epoch} (Step {step:06d}): Train loss {train:.3f}, Val loss {val:.3f}")
            step += 1

        # After each epoch: a sample text shows what the numbers mean.
        generate_and_print_sample(model, tokenizer, device, start_context)
    return train_losses, val_losses, tokens_seen_log


def plot_losses(epochs_seen, tokens_seen, train_losses, val_losses):
    """Plot training and validation loss against epochs, with tokens seen on top.

    The labels are Japanese, as in the book; importing ``matplotlib_fontja``
    registers the IPAex Gothic font that draws them. Returns the matplotlib
    ``Figure``. matplotlib is imported here, when a plot is asked for, so that
    importing this module (and the commands built on it) stays quick.
    """
    import matplotlib.pyplot as plt
    import matplotlib_fontja  # noqa: F401  (registers IPAex Gothic for the labels)

    fig, ax1 = plt.subplots(figsize=(5, 3))
    ax1.plot(epochs_seen, train_losses, label="学習損失")
    ax1.plot(epochs_seen, val_losses, linestyle="-.", label="検証損失")
    ax1.set_xlabel("エポック")
    ax1.set_ylabel("損失")
    ax1.legend(loc="upper right")
    # A second x-axis that shares the curves but counts tokens instead.
    ax2 = ax1.twiny()
    ax2.plot(tokens_seen, train_losses, alpha=0)
    ax2.set_xlabel("読んだトークン数")
    fig.tight_layout()
    return fig


def sample_next_token(logits, temperature=0.0, top_k=None, top_p=None):
    """Pick the next token IDs (B, 1) from last-position logits (B, vocab).

    ``top_k`` first keeps the k largest logits; a positive ``temperature``
    then divides the logits, ``top_p`` keeps the nucleus, and a token is
    sampled; ``temperature=0.0`` takes the argmax instead.
    """
    # 1. top-k: every logit below the k-th largest becomes -inf (probability 0).
    if top_k is not None:
        kth_largest = torch.topk(logits, top_k, dim=-1).values[:, -1:]  # (b, 1)
        logits = logits.masked_fill(logits < kth_largest, float("-inf"))
    if temperature > 0.0:
        # 2. Temperature: dividing the logits sharpens (< 1) or flattens (> 1)
        #    the distribution that the softmax makes of them.
        logits = logits / temperature
        # 3. top-p: keep the smallest set of likely tokens that holds top_p of the mass.
        if top_p is not None and top_p < 1.0:
            # Sort each row from the most to the least likely token.
            sorted_logits, sorted_ids = torch.sort(logits, descending=True, dim=-1)  # (b, vocab)
            sorted_probs = torch.softmax(sorted_logits, dim=-1)  # (b, vocab)
            # The probability of the tokens ranked above each one: a token stays while
            # those have not yet reached top_p (so the most likely token always stays).
            mass_before = torch.cumsum(sorted_probs, dim=-1) - sorted_probs  # (b, vocab)
            sorted_logits = sorted_logits.masked_fill(mass_before >= top_p, float("-inf"))
            # Put every logit back at its token's position in the vocabulary.
            kept = torch.full_like(logits, float("-inf"))  # (b, vocab)
            logits = kept.scatter(-1, sorted_ids, sorted_logits)  # (b, vocab)
        # 4. Draw one token per row from the probabilities.
        probs = torch.softmax(logits, dim=-1)  # (b, vocab_size)
        return torch.multinomial(probs, num_samples=1)  # (b, 1)
    # Temperature 0 is greedy: no randomness, the highest score wins.
    return torch.argmax(logits, dim=-1, keepdim=True)  # (b, 1)


def generate(model, idx, max_new_tokens, context_size, temperature=0.0, top_k=None,
             eos_id=None, top_p=None):
    """Generate up to ``max_new_tokens`` tokens after the prompt ``idx``.

    - ``temperature=0.0`` picks the most likely token (greedy); a positive
      temperature divides the logits and samples (below 1 sharper, above 1 flatter).
    - ``top_k`` keeps only the k most likely tokens before sampling.
    - ``top_p`` (nucleus sampling, off by default) keeps the smallest set of
      tokens whose probability adds up to ``top_p``.
    - ``eos_id`` stops early once every sequence in the batch produced it.

    Prompts longer than ``context_size`` are cropped to their last
    ``context_size`` tokens before each step, as in ``generate_text_simple``.
    """
    check_generate_args(model, idx, max_new_tokens, context_size, temperature, top_k,
                        top_p, eos_id)
    for _ in range(max_new_tokens):
        window = idx[:, -context_size:]  # what the model can see: (b, <= context_size)
        with torch.no_grad():
            logits = model(window)  # (b, num_tokens, vocab_size)
        last = logits[:, -1, :]  # the prediction for the next token: (b, vocab_size)
        next_id = sample_next_token(last, temperature, top_k, top_p)  # (b, 1)
        # Stop once every text in the batch has produced the end token.
        if eos_id is not None and bool((next_id == eos_id).all()):
            break
        idx = torch.cat((idx, next_id), dim=1)  # (b, num_tokens + 1)
    return idx


def assign(left, right, name=None):
    """Return ``right`` as a Parameter shaped like ``left``, or raise on a mismatch.

    ``name`` (e.g. ``"trf_blocks.0.att.W_query.weight"``) makes the error say
    which parameter did not fit.
    """
    if not torch.is_tensor(right):
        right = torch.as_tensor(np.asarray(right))  # a NumPy array from the checkpoint
    check_same_shape(left, right, name)
    # contiguous: a transposed NumPy view would otherwise keep column-major strides,
    # which sends matmuls down a different (numerically not identical) path
    right = right.detach().clone(memory_format=torch.contiguous_format)
    # A model built on the "meta" device has shapes but no memory: its weights go to the CPU.
    device = left.device
    if left.is_meta:
        device = "cpu"
    return torch.nn.Parameter(right.to(dtype=left.dtype, device=device))


def load_weights_into_gpt(gpt, params):
    """Copy OpenAI GPT-2 weights (the nested NumPy dict) into a ``GPTModel``.

    In chapter 5's order: embeddings, each block, final LayerNorm, tied head.
    GPT-2's Conv1D weights are (in, out), ``nn.Linear``'s (out, in): matrices
    are transposed (``.T``); ``emb`` = emb_dim below. (``lean_load`` fills a
    model built on the ``meta`` device with this function, freeing each array
    once it is copied.)
    """
    check_block_count(params, gpt)
    # 1. Embeddings: positions (context_length, emb) and tokens (vocab_size, emb).
    gpt.pos_emb.weight = assign(gpt.pos_emb.weight, params["wpe"], "pos_emb.weight")
    gpt.tok_emb.weight = assign(gpt.tok_emb.weight, params["wte"], "tok_emb.weight")

    for b, block in enumerate(gpt.trf_blocks):
        p, name = params["blocks"][b], f"trf_blocks.{b}"
        att, ff = block.att, block.ff
        check_qkv_bias(att)
        # 2. Attention. GPT-2 keeps query, key and value side by side in one matrix
        #    c_attn (emb, 3*emb); split along the last axis into three (emb, emb).
        q_w, k_w, v_w = np.split(np.asarray(p["attn"]["c_attn"]["w"]), 3, axis=-1)
        q_b, k_b, v_b = np.split(np.asarray(p["attn"]["c_attn"]["b"]), 3, axis=-1)  # (emb,)
        att.W_query.weight = assign(att.W_query.weight, q_w.T, f"{name}.att.W_query.weight")
        att.W_query.bias = assign(att.W_query.bias, q_b, f"{name}.att.W_query.bias")
        att.W_key.weight = assign(att.W_key.weight, k_w.T, f"{name}.att.W_key.weight")
        att.W_key.bias = assign(att.W_key.bias, k_b, f"{name}.att.W_key.bias")
        att.W_value.weight = assign(att.W_value.weight, v_w.T, f"{name}.att.W_value.weight")
        att.W_value.bias = assign(att.W_value.bias, v_b, f"{name}.att.W_value.bias")
        proj = p["attn"]["c_proj"]  # w: (emb, emb), the heads' outputs mixed back together
        att.out_proj.weight = assign(att.out_proj.weight, np.asarray(proj["w"]).T,
                                     f"{name}.att.out_proj.weight")
        att.out_proj.bias = assign(att.out_proj.bias, proj["b"], f"{name}.att.out_proj.bias")
        # 3. Feed forward: c_fc (emb, 4*emb) widens, c_proj (4*emb, emb) narrows back.
        fc, fc_proj = p["mlp"]["c_fc"], p["mlp"]["c_proj"]
        ff.layers[0].weight = assign(ff.layers[0].weight, np.asarray(fc["w"]).T,
                                     f"{name}.ff.layers.0.weight")  # (4*emb, emb)
        ff.layers[0].bias = assign(ff.layers[0].bias, fc["b"], f"{name}.ff.layers.0.bias")
        ff.layers[2].weight = assign(ff.layers[2].weight, np.asarray(fc_proj["w"]).T,
                                     f"{name}.ff.layers.2.weight")  # (emb, 4*emb)
        ff.layers[2].bias = assign(ff.layers[2].bias, fc_proj["b"], f"{name}.ff.layers.2.bias")
        # 4. The block's two LayerNorms: g is GPT-2's name for scale, b for shift; (emb,).
        block.norm1.scale = assign(block.norm1.scale, p["ln_1"]["g"], f"{name}.norm1.scale")
        block.norm1.shift = assign(block.norm1.shift, p["ln_1"]["b"], f"{name}.norm1.shift")
        block.norm2.scale = assign(block.norm2.scale, p["ln_2"]["g"], f"{name}.norm2.scale")
        block.norm2.shift = assign(block.norm2.shift, p["ln_2"]["b"], f"{name}.norm2.shift")

    # 5. The final LayerNorm (emb,), and the output head tied to the token embedding:
    #    GPT-2 reuses (vocab_size, emb) for both, so both names share one Parameter.
    gpt.final_norm.scale = assign(gpt.final_norm.scale, params["g"], "final_norm.scale")
    gpt.final_norm.shift = assign(gpt.final_norm.shift, params["b"], "final_norm.shift")
    gpt.out_head.weight = gpt.tok_emb.weight


def __getattr__(name):
    # The download code is imported only when the English book's name is asked for,
    # so importing this module stays light. A stand-alone copy has no package.
    if name == "download_and_load_gpt2" and __package__:
        return importlib.import_module(".gpt2", __package__).download_and_load_gpt2
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
