"""The FAQ benchmark's labelled questions (benchmarks/data/faq_queries*.yaml) and its metrics.

Splits, in the order they are printed:

* tune, holdout (faq_queries.yaml): "tune" may be looked at while choosing weights and
  thresholds; "holdout" is only evaluated.
* fresh (faq_queries_fresh.yaml): written later, before the matcher was reworked for
  generality; looked at several times, no longer blind.
* blind2 (faq_queries_blind2.yaml): written before the recall work; loaded only when asked
  (FAQ_SHOW_BLIND2=1 in bench_faq), totals only.
* wave2 (faq_queries_wave2.yaml): issue 18's split, written blind on 2026-12-03 by someone who
  never saw the matcher: totals only; never tune on it.
* wave3 (faq_queries_wave3.yaml): written blind on 2026-12-03 before the e5 hybrid
  (faq.hybrid) was designed or any matcher was run on it: totals only; never tune on it.
  wave2 and wave3 were looked at by the 2026-12-04 matcher work (no longer blind).
* wave5 (faq_queries_wave5.yaml): written blind on 2026-12-04 by a helper that never saw
  the matcher, its phrasings or any split's results: totals only; never tune on it.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from faq import FaqMatcher

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
FAQ_FILE = ROOT / "faq" / "data" / "faq.yaml"
QUERIES_FILE = DATA / "faq_queries.yaml"
FRESH_FILE = DATA / "faq_queries_fresh.yaml"
BLIND2_FILE = DATA / "faq_queries_blind2.yaml"
WAVE2_FILE = DATA / "faq_queries_wave2.yaml"
WAVE3_FILE = DATA / "faq_queries_wave3.yaml"
WAVE5_FILE = DATA / "faq_queries_wave5.yaml"
SPLITS = ("tune", "holdout", "fresh", "blind2", "wave2", "wave3", "wave5")


@dataclass(frozen=True)
class Query:
    text: str
    expected: str | None  # None: out of scope
    split: str


@dataclass
class Outcome:
    answer: str | None
    suggestions: tuple[str, ...]
    seconds: float


def load_queries(path: Path = QUERIES_FILE) -> list[Query]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Query(str(r["q"]), r["id"], r["split"]) for r in data["queries"]]


def load_all_queries(blind2: bool = False) -> list[Query]:
    """tune + holdout, then fresh (split "fresh"), blind2 if asked, wave2, wave3, wave5."""
    queries = load_queries()
    if FRESH_FILE.exists():
        queries += [replace(q, split="fresh") for q in load_queries(FRESH_FILE)]
    if blind2 and BLIND2_FILE.exists():
        queries += [replace(q, split="blind2") for q in load_queries(BLIND2_FILE)]
    for path in (WAVE2_FILE, WAVE3_FILE, WAVE5_FILE):
        if path.exists():
            queries += load_queries(path)
    return queries


def run_matcher(matcher: FaqMatcher, queries: list[Query]) -> list[Outcome]:
    out = []
    for q in queries:
        t = time.perf_counter()
        r = matcher.match(q.text)
        dt = time.perf_counter() - t
        out.append(
            Outcome(r.answer.id if r.answer else None, tuple(e.id for e in r.suggestions), dt)
        )
    return out


def metrics(queries: list[Query], outcomes: list[Outcome]) -> dict[str, float]:
    """Shares in % (right, right among the suggestions too, wrong: of in-scope; oos: of
    out-of-scope answered) and the time of one query (ms: median, p99)."""
    ins = [(q, o) for q, o in zip(queries, outcomes, strict=True) if q.expected]
    oos = [(q, o) for q, o in zip(queries, outcomes, strict=True) if not q.expected]
    n_in, n_oos = max(len(ins), 1), max(len(oos), 1)
    right = sum(o.answer == q.expected for q, o in ins)
    top = sum(o.answer == q.expected or q.expected in o.suggestions for q, o in ins)
    wrong = sum(o.answer is not None and o.answer != q.expected for q, o in ins)
    oos_ans = sum(o.answer is not None for _, o in oos)
    times = sorted(o.seconds for o in outcomes) or [0.0]
    return {
        "n_in": len(ins),
        "n_oos": len(oos),
        "right": 100.0 * right / n_in,
        "top": 100.0 * top / n_in,
        "wrong": 100.0 * wrong / n_in,
        "oos": 100.0 * oos_ans / n_oos,
        "ms": 1000.0 * statistics.median(times),
        "p99": 1000.0 * times[min(len(times) - 1, int(0.99 * len(times)))],
    }
