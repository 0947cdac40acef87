"""Captioning metrics: BLEU-1..4, ROUGE-L and CIDEr-D, re-implemented after pycocoevalcap (the COCO caption
evaluation code, ``pycocoevalcap/{bleu/bleu_scorer.py, rouge/rouge.py, cider/cider_scorer.py}``), which is not a
dependency of crab-plus. Values agree with pycocoevalcap given the same tokens:

* **BLEU** (``Bleu(4)``, ``option="closest"``): corpus-level; clipped n-gram counts against the per-n-gram max
  over a sample's references; the effective reference length of each sample is the reference length closest to
  the candidate's (ties -> the shorter); brevity penalty ``exp(1 - r/c)`` when ``c < r``; the smoothing
  constants ``tiny = 1e-15`` / ``small = 1e-9`` of the original keep zero counts from dividing by zero.
* **ROUGE-L** (``Rouge``): per sample, LCS-based precision and recall against each reference; F with
  ``beta = 1.2`` of the *maximum* precision and the *maximum* recall; averaged over samples.
* **CIDEr-D** (``Cider``, which is CIDEr-D): n = 1..4 tf-idf vectors with document frequencies counted over the
  references of the whole evaluated set (``idf = log(N) - log(max(1, df))``), candidate weights clipped to the
  reference weights, Gaussian length penalty ``sigma = 6``, mean over n, mean over references, x10; averaged
  over samples. Like the original, the "length" in the penalty counts bigrams. Where the original divides 0 by
  0 (an empty candidate, or a one-sample corpus where every idf is 0) we score 0 instead of NaN.

Tokenisation (the original runs Stanford's PTBTokenizer in Java and drops punctuation tokens): lower-case, split
the clitics ``n't`` and ``'s 're 've 'll 'd 'm`` off as their own tokens as PTB does, keep runs of letters and
digits, drop every other character (punctuation). ``"The dog's barking, isn't it?"`` ->
``the dog 's barking is n't it``.

METEOR is not provided: it needs the METEOR 1.5 jar and its paraphrase tables, which are not available offline
here (pycocoevalcap may not be installed).

An unparsed prediction (``None``) is scored as the empty caption.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from .common import MetricInputError, check_not_empty, check_same_length

_CLITIC = re.compile(r"(n't|'s|'re|'ve|'ll|'d|'m)\b")
_TOKEN = re.compile(r"n't|'(?:s|re|ve|ll|d|m)\b|[^\W_]+")

Tokens = list[str]
NGramCounts = Counter  # Counter[tuple[str, ...]]


def tokenize_caption(text: str) -> Tokens:
    """Lower-cased word tokens without punctuation (see the module doc)."""
    return _TOKEN.findall(_CLITIC.sub(r" \1", text.lower()))


def ngram_counts(tokens: Tokens, n: int = 4) -> NGramCounts:
    """Counts of every 1..n-gram of ``tokens``."""
    return Counter(tuple(tokens[i : i + k]) for k in range(1, n + 1) for i in range(len(tokens) - k + 1))


def _as_reference_list(reference: str | Sequence[str]) -> list[str]:
    refs = [reference] if isinstance(reference, str) else reference
    if not isinstance(refs, Sequence) or not refs or not all(isinstance(r, str) for r in refs):
        raise MetricInputError(
            f"each caption reference must be a string or a non-empty list of strings, got {reference!r}."
        )
    return list(refs)


# --- BLEU -------------------------------------------------------------------------------------------------------
def bleu(candidates: Sequence[Tokens], references: Sequence[Sequence[Tokens]], n: int = 4) -> list[float]:
    """Corpus BLEU-1..n as pycocoevalcap ``Bleu(n)`` computes it (``option="closest"``)."""
    tiny, small = 1e-15, 1e-9
    guess, correct = np.zeros(n), np.zeros(n)
    test_len = ref_len = 0
    for cand, refs in zip(candidates, references):
        counts = ngram_counts(cand, n)
        max_ref: Counter = Counter()
        for ref in refs:
            max_ref |= ngram_counts(ref, n)  # per-n-gram maximum over the references
        test_len += len(cand)
        ref_len += min((abs(len(r) - len(cand)), len(r)) for r in refs)[1]
        for k in range(n):
            guess[k] += max(0, len(cand) - k)
        for gram, count in counts.items():
            correct[len(gram) - 1] += min(max_ref[gram], count)
    ratio = (test_len + tiny) / (ref_len + small)
    brevity = math.exp(1 - 1 / ratio) if ratio < 1 else 1.0
    precisions = (correct + tiny) / (guess + small)
    return [float(np.prod(precisions[:k]) ** (1 / k) * brevity) for k in range(1, n + 1)]


# --- ROUGE-L ----------------------------------------------------------------------------------------------------
def lcs_length(a: Tokens, b: Tokens) -> int:
    """Length of the longest common subsequence of two token lists (O(len(a) * len(b)))."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge_l_sample(candidate: Tokens, references: Sequence[Tokens], beta: float = 1.2) -> float:
    """pycocoevalcap ``Rouge.calc_score`` on tokens; an empty candidate scores 0."""
    if not candidate:
        return 0.0
    lcs = [lcs_length(ref, candidate) for ref in references]
    prec = max(l / len(candidate) for l in lcs)
    rec = max(l / len(ref) if ref else 0.0 for l, ref in zip(lcs, references))
    if prec == 0 or rec == 0:
        return 0.0
    return (1 + beta**2) * prec * rec / (rec + beta**2 * prec)


# --- CIDEr-D ----------------------------------------------------------------------------------------------------
def cider_d(
    candidates: Sequence[Tokens], references: Sequence[Sequence[Tokens]], n: int = 4, sigma: float = 6.0
) -> list[float]:
    """Per-sample CIDEr-D scores as pycocoevalcap ``Cider`` computes them (mean = the reported CIDEr)."""
    ref_counts = [[ngram_counts(r, n) for r in refs] for refs in references]
    doc_freq: Counter = Counter()
    for refs in ref_counts:
        doc_freq.update({gram for counts in refs for gram in counts})
    log_num_docs = math.log(float(len(references)))

    def tfidf(counts: NGramCounts) -> tuple[list[dict], np.ndarray, int]:
        vec: list[dict] = [{} for _ in range(n)]
        for gram, tf in counts.items():
            vec[len(gram) - 1][gram] = tf * (log_num_docs - math.log(max(1.0, doc_freq[gram])))
        norm = np.array([math.sqrt(sum(w * w for w in v.values())) for v in vec])
        length = sum(tf for gram, tf in counts.items() if len(gram) == 2)  # bigram count, as the original
        return vec, norm, length

    scores = []
    for cand, refs in zip(candidates, ref_counts):
        vec, norm, length = tfidf(ngram_counts(cand, n))
        total = np.zeros(n)
        for ref in refs:
            vec_r, norm_r, length_r = tfidf(ref)
            penalty = math.exp(-((length - length_r) ** 2) / (2 * sigma**2))
            for k in range(n):
                dot = sum(min(w, vec_r[k].get(g, 0.0)) * vec_r[k].get(g, 0.0) for g, w in vec[k].items())
                denominator = norm[k] * norm_r[k]
                total[k] += (dot / denominator if denominator > 0 else 0.0) * penalty
        scores.append(float(np.mean(total) / len(refs) * 10.0))
    return scores


# --- all together -----------------------------------------------------------------------------------------------
def caption_metrics(
    predictions: Sequence[str | None], references: Sequence[str | Sequence[str]]
) -> dict[str, float]:
    """BLEU-1..4, ROUGE-L and CIDEr(-D) of generated captions against one or more reference captions each.

    Returns ``bleu_1 .. bleu_4``, ``rouge_l`` (fractions in [0, 1]), ``cider`` (pycocoevalcap's scale, 0..10)
    and ``num_samples``. METEOR is not computed (see the module doc).
    """
    check_same_length(predictions, references)
    check_not_empty(references, "caption metrics")
    candidates = [tokenize_caption(p) if p is not None else [] for p in predictions]
    refs = [[tokenize_caption(r) for r in _as_reference_list(rs)] for rs in references]
    result = {f"bleu_{k}": v for k, v in enumerate(bleu(candidates, refs), start=1)}
    result["rouge_l"] = float(np.mean([rouge_l_sample(c, r) for c, r in zip(candidates, refs)]))
    result["cider"] = float(np.mean(cider_d(candidates, refs)))
    result["num_samples"] = len(references)
    return result
