"""The answer policy: from ranked candidates to an answer, suggestions, or nothing.

The best entry is the answer when the calibrated probability that it is right
(confidence()) is >= answer_confidence, its score is >= answer_threshold and it is ahead
of the second by >= margin, and, when the message's facts are given, it passes the gate
(faq.gate); otherwise it is only suggested. Entries scoring >= suggest_threshold are
suggestions. A message with no content (greetings, thanks) gets neither.
The values are measured by benchmarks/bench_faq.py (tune split), not guessed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from faq.config import MatcherConfig
from faq.gate import EntryKeys, MessageFacts, passes_gate
from faq.model import FaqEntry, FaqResult

__all__ = ["confidence", "decide"]


def confidence(config: MatcherConfig, top: float, second: float) -> float:
    """Calibrated probability that the best entry is the right answer (see MatcherConfig)."""
    z = (config.conf_bias + config.conf_score * top / 100.0
         + config.conf_margin * (top - second) / 100.0)
    if z < -30.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


def decide(
    ranked: Sequence[tuple[FaqEntry, float]],
    config: MatcherConfig,
    facts: MessageFacts | None = None,
    keys: Mapping[str, EntryKeys] | None = None,
) -> FaqResult:
    """Apply the thresholds to ranked candidates (best first), and the gate when the
    message's facts are given (`keys`: the entries' key concepts, by entry id)."""
    if not ranked:
        return FaqResult(answer=None)
    if facts is not None and not facts.content:
        # Greetings, thanks, "добрый день": nothing to answer or to suggest.
        return FaqResult(answer=None)
    best, top_score = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    close = [(e, s) for e, s in ranked if s >= config.suggest_threshold]
    sure = (
        confidence(config, top_score, second) >= config.answer_confidence
        and top_score >= config.answer_threshold
        and top_score - second >= config.margin
    )
    if sure and facts is not None:
        sure = passes_gate((keys or {}).get(best.id), facts, config)
    if sure:
        # Confident: the other close entries are offered as "see also".
        rest = close[1 : 1 + config.max_suggestions]
        return FaqResult(
            answer=best,
            suggestions=tuple(e for e, _ in rest),
            score=round(top_score, 1),
            scores=tuple(round(s, 1) for _, s in rest),
        )
    close = close[: config.max_suggestions]
    return FaqResult(
        answer=None,
        suggestions=tuple(e for e, _ in close),
        score=round(top_score, 1),
        scores=tuple(round(s, 1) for _, s in close),
    )
