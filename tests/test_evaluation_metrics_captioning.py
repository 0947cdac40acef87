"""BLEU, ROUGE-L and CIDEr-D after pycocoevalcap, against hand-computed values."""

import math

import pytest

from crab_plus.evaluation.metrics import (
    MetricInputError,
    bleu,
    caption_metrics,
    cider_d,
    rouge_l_sample,
    tokenize_caption,
)


def test_tokenize_like_ptb_without_punctuation():
    assert tokenize_caption("The dog's barking, isn't it?") == ["the", "dog", "'s", "barking", "is", "n't", "it"]
    assert tokenize_caption("  A man -- playing the GUITAR... ") == ["a", "man", "playing", "the", "guitar"]


def test_bleu_hand_computed():
    # candidate 3 words, reference 4: all 1-, 2-, 3-grams match, no 4-gram exists
    # brevity penalty exp(1 - 4/3); BLEU-4's 4-gram precision is (0 + 1e-15) / (0 + 1e-9) = 1e-6
    cand, ref = ["a", "dog", "runs"], ["a", "dog", "runs", "fast"]
    bp = math.exp(1 - 4 / 3)
    b1, b2, b3, b4 = bleu([cand], [[ref]])
    assert (b1, b2, b3) == pytest.approx((bp, bp, bp))
    assert b4 == pytest.approx(1e-6**0.25 * bp)


def test_bleu_clips_counts_and_uses_closest_reference_length():
    # "the" x4 against max count 1 in the references -> precision 1/4; closest ref length is 4 -> no penalty
    b1 = bleu([["the"] * 4], [[["the", "cat"], ["the", "cat", "is", "here"]]])[0]
    assert b1 == pytest.approx(0.25)


def test_rouge_l_hand_computed():
    # LCS 3: precision 3/3, recall 3/4; F_beta with beta^2 = 1.44: 2.44 * 0.75 / (0.75 + 1.44)
    assert rouge_l_sample(["a", "dog", "runs"], [["a", "dog", "runs", "fast"]]) == pytest.approx(2.44 * 0.75 / 2.19)
    # max precision and max recall are taken over references separately
    two = rouge_l_sample(["a", "b"], [["a", "b", "c", "d"], ["a"]])
    # precisions 2/2, 1/2 -> 1; recalls 2/4, 1/1 -> 1 -> F = 1
    assert two == pytest.approx(1.0)
    assert rouge_l_sample([], [["a"]]) == 0.0


def test_cider_d_hand_computed():
    ref_a = "a dog runs on grass".split()
    ref_b = "a cat sleeps on sofa".split()
    # two documents: "a", "on" occur in both -> idf log2 - log2 = 0; every other n-gram idf L = log 2
    # sample B candidate == reference: cosine 1 for n = 1..4, equal lengths -> 10 * mean(1, 1, 1, 1) = 10
    # sample A candidate "dog runs on grass" (drops "a"):
    #   n=1 cand {dog, runs, grass: L; on: 0}, ref the same (+ a: 0)          -> 3L^2 / (sqrt3 L * sqrt3 L) = 1
    #   n=2 cand 3 bigrams, ref 4 bigrams, 3 shared, all weight L            -> 3 / (sqrt3 * 2)
    #   n=3 cand 2, ref 3, 2 shared                                          -> 2 / (sqrt2 * sqrt3)
    #   n=4 cand 1, ref 2, 1 shared                                          -> 1 / (1 * sqrt2)
    #   length penalty on bigram counts 3 vs 4: exp(-1 / (2 * 36))
    cos = [1, 3 / (math.sqrt(3) * 2), 2 / (math.sqrt(2) * math.sqrt(3)), 1 / math.sqrt(2)]
    expected_a = 10 * sum(cos) / 4 * math.exp(-1 / 72)
    scores = cider_d(["dog runs on grass".split(), ref_b], [[ref_a], [ref_b]])
    assert scores == pytest.approx([expected_a, 10.0])


def test_cider_d_averages_over_references_and_zero_for_empty():
    ref = "a dog runs on grass".split()
    other = "a cat sleeps on sofa".split()
    # the candidate matches the first of its two references exactly and shares no informative n-gram with the
    # second ("a", "on" have idf 0) -> (10 * 1 + 0) / 2 references
    scores = cider_d([ref, other], [[ref, other], [other]])
    # idf: "a"/"on" are in both docs (0); cat/sleeps/sofa are in both docs too (0); dog/runs/grass only in doc 1
    # -> candidate 1 vs ref 1: cos 1 for each n; vs ref 2: 0 -> mean 5
    assert scores[0] == pytest.approx(5.0)
    assert cider_d([[]], [[ref]]) == [0.0]


def test_caption_metrics_end_to_end_and_unparsed():
    preds = ["A dog runs on grass.", None]
    refs = [["a dog runs on grass", "a puppy running"], "a cat sleeps on the sofa"]
    result = caption_metrics(preds, refs)
    assert set(result) == {"bleu_1", "bleu_2", "bleu_3", "bleu_4", "rouge_l", "cider", "num_samples"}
    # ROUGE-L: first sample exact match -> 1, unparsed -> 0
    assert result["rouge_l"] == pytest.approx(0.5)
    assert 0 < result["bleu_4"] < 1 and result["cider"] > 0
    perfect = caption_metrics(["a dog runs on grass", "a cat sleeps on the sofa"], refs)
    assert perfect["bleu_4"] == pytest.approx(1.0) and perfect["rouge_l"] == pytest.approx(1.0)
    assert perfect["cider"] > result["cider"]


@pytest.mark.parametrize(
    "call",
    [
        lambda: caption_metrics(["a"], []),
        lambda: caption_metrics([], []),
        lambda: caption_metrics(["a"], [[]]),
        lambda: caption_metrics(["a"], [3]),
    ],
)
def test_bad_input_raises(call):
    with pytest.raises(MetricInputError):
        call()
