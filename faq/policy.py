"""The answer policy: from ranked candidates to an answer, suggestions, or nothing.

The best entry is the answer when the calibrated probability that it is right
(confidence()) is >= answer_confidence, its score is >= answer_threshold and it is ahead
of the second by >= margin, and, when the message's facts are given, it passes the gate
(faq.gate); otherwise it is only suggested. Entries scoring >= suggest_threshold are
suggestions. A message with no content (greetings, thanks) gets neither.

Close to two entries (rivals()): when a runner-up scores nearly as well as the best and
the message names it by a key concept of its own, one that the best entry's keys do not
have ("прививка и диспансеризация"), neither is clearly ahead: the best is not
answered, and both are offered, also when they score below suggest_threshold.
The values are measured by benchmarks/bench_faq.py (tune split), not guessed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from faq.config import MatcherConfig
from faq.gate import EntryKeys, MessageFacts, passes_gate, said_keys
from faq.model import FaqEntry, FaqResult

__all__ = ["confidence", "decide", "rivals"]


def confidence(config: MatcherConfig, top: float, second: float) -> float:
    """Calibrated probability that the best entry is the right answer (see MatcherConfig)."""
    z = (config.conf_bias + config.conf_score * top / 100.0
         + config.conf_margin * (top - second) / 100.0)
    if z < -30.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


def rivals(
    ranked: Sequence[tuple[FaqEntry, float]],
    config: MatcherConfig,
    facts: MessageFacts | None,
    keys: Mapping[str, EntryKeys] | None,
) -> list[tuple[FaqEntry, float]]:
    """The runners-up that are as plausible as the best entry (see the module docstring):
    scoring >= pair_ratio of the best and >= pair_floor, passing the gate, and said by a
    key concept that the best entry's keys do not have. [] when the best is not plausible
    itself or the facts are not known."""
    if facts is None or not keys or len(ranked) < 2:
        return []
    best, top = ranked[0]
    best_keys = keys.get(best.id)
    if top < config.pair_floor or best_keys is None or not passes_gate(best_keys, facts, config):
        return []
    said = facts.strong  # named in full: "стоматолог" names no specialist's entry
    # A best entry the message names only partly has rivals further behind.
    ratio = config.pair_ratio if said_keys(best_keys, facts) & said else config.pair_ratio_partial
    out = []
    for entry, score in ranked[1 : 1 + config.max_suggestions]:
        if score < config.pair_floor or score < ratio * top:
            break
        k = keys.get(entry.id)
        if (k is None or not (said_keys(k, facts) & said) - best_keys.any
                or not passes_gate(k, facts, config)):
            continue
        out.append((entry, score))
    return out


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
    rival = rivals(ranked, config, facts, keys)
    if rival:
        # Close to two entries: offer both (all), answer neither.
        sure = False
        if top_score < config.suggest_threshold:
            close = [ranked[0]]
        seen = {e.id for e, _ in close}
        close += [(e, s) for e, s in rival if e.id not in seen]
        close.sort(key=lambda x: -x[1])
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
