"""The hybrid decision: our gate decides whether to answer, a ranking model helps decide which.

Used by FaqMatcher only when it was given a Ranker (faq.ranker); the knobs are
MatcherConfig's ranker_* and hybrid_* fields (values: benchmarks/TUNING.md).

1. Re-rank (rerank()). The matcher's leading `ranker_candidates` entries keep their word
   score, less `ranker_weight` points for every 0.01 of similarity that the ranker puts
   them behind the most similar of them. Only entries the words found are candidates:
   the model cannot bring in an entry the message says nothing of.
2. Confidence (confidence()). P(the best entry is right) = logistic(hybrid_bias
   + hybrid_score * score/100 + hybrid_margin_weight * margin/100 + hybrid_ranker *
   ranker margin), the ranker margin being the best entry's similarity minus that of
   the most similar other entry of the whole FAQ: positive when the model agrees, negative
   when it prefers another. Fitted on the tune split like the matcher's own conf_*.
3. The rest is faq.policy.decide() on the re-ranked entries, unchanged: the score floor
   (answer_threshold), the gate (faq.gate: key concepts, a medical sense), the close-to-two
   rule and the suggestions; only the margin floor is `hybrid_margin`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import lru_cache

from faq import policy
from faq.config import MatcherConfig
from faq.gate import EntryKeys, MessageFacts
from faq.model import FaqEntry, FaqResult
from faq.scoring import Ranked

__all__ = ["confidence", "decide", "rerank"]


def rerank(ranked: Sequence[tuple[FaqEntry, float]], similarity: Mapping[str, float],
           config: MatcherConfig) -> Ranked:
    """The leading candidates re-scored by the ranker's similarities, best first (an entry
    the similarities do not have keeps its score)."""
    head = list(ranked[: config.ranker_candidates])
    known = [similarity[e.id] for e, _ in head if e.id in similarity]
    if not known:
        return head
    ref = max(known)
    points = 100.0 * config.ranker_weight
    out = [(e, max(0.0, s - points * (ref - similarity.get(e.id, ref)))) for e, s in head]
    out.sort(key=lambda x: -x[1])  # stable: a tie keeps the matcher's order
    return out


def confidence(config: MatcherConfig, reranked: Sequence[tuple[FaqEntry, float]],
               similarity: Mapping[str, float]) -> float:
    """P(the best of the re-ranked entries is right), see the module docstring."""
    if not reranked:
        return 0.0
    best, top = reranked[0]
    second = reranked[1][1] if len(reranked) > 1 else 0.0
    others = [v for eid, v in similarity.items() if eid != best.id]
    own = similarity.get(best.id)
    ranker_margin = own - max(others) if own is not None and others else 0.0
    z = (config.hybrid_bias + config.hybrid_score * top / 100.0
         + config.hybrid_margin_weight * (top - second) / 100.0
         + config.hybrid_ranker * ranker_margin)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@lru_cache(maxsize=32)
def _floors(config: MatcherConfig, sure: bool) -> MatcherConfig:
    """The config policy.decide() applies once the hybrid confidence is known."""
    return replace(config, answer_confidence=0.0 if sure else 2.0, margin=config.hybrid_margin)


def decide(
    ranked: Sequence[tuple[FaqEntry, float]],
    similarity: Mapping[str, float],
    config: MatcherConfig,
    facts: MessageFacts | None = None,
    keys: Mapping[str, EntryKeys] | None = None,
) -> FaqResult:
    """Answer, suggestions or nothing from the matcher's ranking and the ranker's
    similarities (of every entry, by id)."""
    reranked = rerank(ranked, similarity, config)
    if not reranked:
        return FaqResult(answer=None)
    sure = confidence(config, reranked, similarity) >= config.answer_confidence
    return policy.decide(reranked[: config.max_suggestions + 1], _floors(config, sure), facts, keys)
