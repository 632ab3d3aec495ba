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

__all__ = ["confidence", "decide", "margin_floor", "rivals"]


def confidence(config: MatcherConfig, top: float, second: float) -> float:
    """Calibrated probability that the best entry is the right answer (see MatcherConfig)."""
    z = (config.conf_bias + config.conf_score * top / 100.0
         + config.conf_margin * (top - second) / 100.0)
    if z < -30.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


def margin_floor(
    ranked: Sequence[tuple[FaqEntry, float]],
    config: MatcherConfig,
    facts: MessageFacts | None,
    keys: Mapping[str, EntryKeys] | None,
) -> float:
    """How far ahead of the runner-up the best entry must be to be answered: `margin`,
    or `distinct_margin` when the message tells the two apart by their key concepts: it
    says one of the best's that the runner-up's keys lack, and none of the runner-up's
    that the best's keys lack ("жалоба на врача куда писать": the complaint entry by
    "врач" and "жалоба", the data entry behind it by nothing of its own)."""
    if facts is None or not keys or len(ranked) < 2:
        return config.margin
    best_keys, second_keys = keys.get(ranked[0][0].id), keys.get(ranked[1][0].id)
    if best_keys is None or second_keys is None:
        return config.margin
    own = said_keys(best_keys, facts) - second_keys.any
    other = said_keys(second_keys, facts) - best_keys.any
    return config.distinct_margin if own and not other else config.margin


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
    best_said = said_keys(best_keys, facts)
    # A best entry the message names only partly has rivals further behind.
    ratio = config.pair_ratio if best_said & said else config.pair_ratio_partial
    out = []
    for entry, score in ranked[1 : 1 + config.max_suggestions]:
        if score < config.pair_floor or score < config.pair_ratio_partial * top:
            break
        k = keys.get(entry.id)
        if (k is None or not (said_keys(k, facts) & said) - best_keys.any
                or not passes_gate(k, facts, config)):
            continue
        # So does one when all it is named by are the runner-up's keys too ("когда
        # неотложку, а когда 103": "103" is the ambulance's and the urgent care's).
        if score < ratio * top and not best_said <= k.any:
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
        and top_score - second >= margin_floor(ranked, config, facts, keys)
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
