"""The teaching byte-level BPE: learn merges from a text, encode and decode with them.

Chapter 2's from-scratch BPE (ch02/bpe-from-scratch.ipynb) made fast enough
for a whole novel: ``train_bpe`` keeps the pair counts between merges and
updates only the chunks that contain the merged pair. The notebook's rules:
chunks by GPT-2's pre-tokenization pattern (merges never cross them), each
starting as its UTF-8 bytes (IDs 0..255); each merge takes the most frequent
pair, ties to the smallest ``(a, b)``; new IDs 256, 257, ...; encoding applies
merges in the order learned. ``bpe_tokenizer`` (Hugging Face's library) learns
the same merges when ties follow ``gpt2_byte_order()``.
"""

import heapq
import re
from collections import Counter, defaultdict

# GPT-2's pre-tokenization pattern with Python's re: [^\W\d_] are letters (\p{L}).
PRETOKENIZE_PATTERN = re.compile(
    r"""'(?:s|t|re|ve|m|ll|d)"""  # English contractions
    r"""| ?[^\W\d_]+"""            # an optional space and a run of letters
    r"""| ?\d+"""                  # an optional space and a run of digits
    r"""| ?(?:[^\s\w]|_)+"""       # an optional space and a run of other symbols
    r"""|\s+(?!\S)|\s+"""          # whitespace (one space before a word stays with it)
)


def pretokenize(text):
    """The chunks of ``text``; joined, they give ``text`` back."""
    return PRETOKENIZE_PATTERN.findall(text)


def gpt2_byte_order():
    """The 256 byte values in the order Hugging Face's byte-level BPE numbers them.

    GPT-2 shows each byte as a printable character: printable bytes as
    themselves, the others (space, control bytes, 0x7F..0xA0, 0xAD) as
    characters from U+0100 on; the library numbers bytes in that order.
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
                 *range(ord("®"), ord("ÿ") + 1)]
    return printable + [b for b in range(256) if b not in printable]


def adjacent_pairs(ids):
    """The pairs of neighbouring IDs: [1, 2, 3] -> (1, 2), (2, 3)."""
    return zip(ids, ids[1:], strict=False)  # the second list is one shorter


def merge_pair(ids, pair, new_id):
    """``ids`` with each occurrence of ``pair`` (left to right) replaced by ``new_id``."""
    merged, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            merged.append(new_id)
            i += 2
        else:
            merged.append(ids[i])
            i += 1
    return merged


def train_bpe(text, num_merges, byte_order=None):
    """Learn up to ``num_merges`` merges from ``text``; return ``(merges, vocab)``.

    ``merges`` maps a pair of IDs to its new ID (in the order learned);
    ``vocab`` maps every ID to its bytes. ``byte_order`` (a permutation of
    0..255) decides ties between bytes; by default a byte's value.
    """
    rank = list(range(256))
    for position, byte in enumerate(byte_order or range(256)):
        rank[byte] = position

    def key(pair):  # the heap's order: highest count first, then the smallest IDs
        return (-counts[pair], [rank[i] if i < 256 else i for i in pair], pair)

    # Each distinct chunk once, as [byte IDs, how often it occurs].
    words = [[list(chunk.encode("utf-8")), n] for chunk, n in Counter(pretokenize(text)).items()]
    counts = Counter()             # (a, b) -> occurrences in the whole text
    where = defaultdict(set)       # (a, b) -> indices of the words that contain it
    for index, (ids, n) in enumerate(words):
        for pair in adjacent_pairs(ids):
            counts[pair] += n
            where[pair].add(index)
    heap = [key(pair) for pair in counts]
    heapq.heapify(heap)
    merges, vocab = {}, {i: bytes([i]) for i in range(256)}
    while len(merges) < num_merges and heap:
        neg_count, _, pair = heapq.heappop(heap)
        if -neg_count != counts[pair] or counts[pair] <= 0:
            continue  # an outdated entry: the pair's count changed after it was pushed
        new_id = 256 + len(merges)
        merges[pair] = new_id
        vocab[new_id] = vocab[pair[0]] + vocab[pair[1]]
        delta = Counter()  # how the merge changes each pair's count
        for index in where.pop(pair):
            ids, n = words[index]
            for old in adjacent_pairs(ids):      # take the word's pairs out ...
                delta[old] -= n
            ids = words[index][0] = merge_pair(ids, pair, new_id)
            for new in adjacent_pairs(ids):      # ... and put the merged word's pairs back
                delta[new] += n
                if new_id in new:  # only pairs with the new token are new to this word
                    where[new].add(index)
        for other, change in delta.items():
            if change:
                counts[other] += change
                if counts[other] > 0:  # its new count, pushed; the old entry is outdated
                    heapq.heappush(heap, key(other))
    return merges, vocab


def encode_chunk(chunk, merges):
    """The IDs of one chunk: its bytes, merged in the order the merges were learned."""
    ids = list(chunk.encode("utf-8"))
    while len(ids) >= 2:
        pair = min(adjacent_pairs(ids), key=lambda p: merges.get(p, float("inf")))
        if pair not in merges:
            break  # no learned merge applies any more
        ids = merge_pair(ids, pair, merges[pair])
    return ids


def encode(text, merges):
    """The token IDs of ``text``."""
    cache, ids = {}, []
    for chunk in pretokenize(text):
        if chunk not in cache:
            cache[chunk] = encode_chunk(chunk, merges)
        ids.extend(cache[chunk])
    return ids


def decode(ids, vocab):
    """The text of token IDs (bytes that are no whole character become U+FFFD)."""
    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")


__all__ = ["PRETOKENIZE_PATTERN", "adjacent_pairs", "decode", "encode", "encode_chunk",
           "gpt2_byte_order", "merge_pair", "pretokenize", "train_bpe"]
