"""Issue 18: does the institution suggested from an appeal's text reach the competent one?

Over benchmarks/data/appeal_routing.yaml (appeals written like real complaints over the
Kirov demo directory and the Astrakhan one, each with the competent institution or none,
its category and what the citizen picked in the form), split by a hash of the text into
"dev" (looked at while tuning) and "held-out" (only evaluated), as bench_directory does:

- ours: `Directory.mentions(text, limit=1)`; right, wrong (a suggestion that is not the
  competent institution, or one for a text that names none: target <= 2% of all texts),
  none;
- baselines: the citizen's own choice, and a naive rule (the whole text as one search
  query, its best match).

And the category pre-selected from the text (issue 18 item 2, bot/appeals/category_model.py):
accuracy when it guesses, coverage (share of texts guessed), accuracy over all texts (None
counts as wrong); baselines: the majority category of dev, and a naive keyword rule (a
handful of obvious stems per category, the first category with a hit wins); time a guess.

    python -m benchmarks routing
    BENCH_ROUTING_FAILURES=1 python -m benchmarks routing   # list what went wrong (dev only)
    BENCH_ROUTING_CATEGORY_FAILURES=1 python -m benchmarks routing   # wrong or no category (dev)
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from benchmarks.bench_directory import split_of
from bot.appeals.category_model import CategoryModel
from bot.config import PROJECT_ROOT
from directory import Directory
from textnorm import fold, lemma

DATA = Path(__file__).resolve().parent / "data"
DIRECTORIES = {"kirov": PROJECT_ROOT / "directory" / "data" / "kirov_demo.csv",
               "astrakhan": DATA / "directory_astrakhan.csv"}
TARGET_WRONG = 0.02
SHOW_FAILURES = os.environ.get("BENCH_ROUTING_FAILURES") == "1"
SHOW_CATEGORY_FAILURES = os.environ.get("BENCH_ROUTING_CATEGORY_FAILURES") == "1"
# The naive keyword rule: obvious stems of each category, tried in this order.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "gratitude": ("спасиб", "благодар"),
    "medicines": ("лекарств", "льгот", "рецепт", "вакцин", "препарат"),
    "registry": ("дозвон", "регистратур", "сайт", "телефон"),
    "staff": ("хам", "груб", "накричал", "орал"),
    "appointment": ("запис", "очеред", "талон"),
    "quality": ("лечени", "диагноз", "операци"),
}


@dataclass
class Tally:
    texts: int = 0
    named: int = 0  # texts that name or imply an institution
    right: int = 0
    wrong: int = 0

    def add(self, expected: str | None, suggested: str | None) -> bool:
        self.texts += 1
        self.named += expected is not None
        if suggested is None:
            return True
        if suggested == expected:
            self.right += 1
            return True
        self.wrong += 1
        return False

    def line(self) -> str:
        return (f"right {self.right}/{self.named} ({100 * self.right / max(self.named, 1):.1f}%)"
                f"   wrong {self.wrong}/{self.texts} ({100 * self.wrong / max(self.texts, 1):.1f}%)")


def _items() -> dict[str, list[dict[str, str | None]]]:
    with (DATA / "appeal_routing.yaml").open(encoding="utf-8") as f:
        data: dict[str, list[dict[str, str | None]]] = yaml.safe_load(f)
    return data


def main() -> None:
    items = _items()
    tallies: dict[tuple[str, str], Tally] = {}
    failures: list[str] = []
    took: list[float] = []
    for region, path in DIRECTORIES.items():
        directory = Directory.from_csv(path)

        def ours(text: str, d: Directory = directory) -> str | None:
            started = time.perf_counter()
            found = d.mentions(text, limit=1)
            took.append(time.perf_counter() - started)
            return found[0].institution.id if found else None

        def naive(text: str, d: Directory = directory) -> str | None:
            found = d.search(text[:300], limit=1)
            return found[0].institution.id if found else None

        rules: dict[str, Callable[[str, str | None], str | None]] = {
            "ours (mentions)": lambda text, chosen: ours(text),
            "citizen's choice": lambda text, chosen: chosen,
            "naive (whole text searched)": lambda text, chosen: naive(text),
        }
        for item in items.get(region, []):
            text, expected = str(item["text"]), item["institution"]
            part = split_of(text)
            for name, rule in rules.items():
                suggested = rule(text, item.get("chosen"))
                ok = tallies.setdefault((name, part), Tally()).add(expected, suggested)
                if not ok and name.startswith("ours") and part == "dev":
                    failures.append(f"  [{region}] {text[:90]!r}: {suggested} (want {expected})")
    total = sum(len(v) for v in items.values())
    print(f"appeal texts: {total} ({', '.join(f'{k} {len(v)}' for k, v in items.items())}); "
          "the competent institution suggested from the text, best only")
    for part in ("dev", "held-out"):
        print(f"{part}:")
        for name in ("ours (mentions)", "citizen's choice", "naive (whole text searched)"):
            tally = tallies.get((name, part), Tally())
            print(f"  {name:<30} {tally.line()}")
    for part in ("dev", "held-out"):
        tally = tallies.get(("ours (mentions)", part), Tally())
        share = tally.wrong / max(tally.texts, 1)
        print(f"target wrong suggestions <= {TARGET_WRONG:.0%} ({part}): {share:.1%} -> "
              + ("met" if share <= TARGET_WRONG else "NOT met"))
    took.sort()
    if took:
        print(f"mentions per text: p50 {took[len(took) // 2] * 1000:.2f} ms, "
              f"p99 {took[min(len(took) - 1, int(0.99 * len(took)))] * 1000:.2f} ms")
    if SHOW_FAILURES:
        print("\n".join(failures))
    categories(items)


@dataclass
class Guesses:
    texts: int = 0
    guessed: int = 0
    right: int = 0

    def add(self, expected: str, guessed: str | None) -> bool:
        self.texts += 1
        self.guessed += guessed is not None
        self.right += guessed == expected
        return guessed == expected

    def line(self) -> str:
        return (f"right when guessing {self.right}/{self.guessed} ({100 * self.right / max(self.guessed, 1):.1f}%)"
                f"   coverage {100 * self.guessed / max(self.texts, 1):.1f}%"
                f"   overall {100 * self.right / max(self.texts, 1):.1f}%")


def _percentiles(took: list[float]) -> str:
    took = sorted(took)
    p99 = took[min(len(took) - 1, int(0.99 * len(took)))]
    return f"p50 {took[len(took) // 2] * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms, max {took[-1] * 1000:.2f} ms"


def keyword_rule(text: str) -> str | None:
    folded = fold(text)
    return next((c for c, stems in KEYWORDS.items() if any(s in folded for s in stems)), None)


def categories(items: dict[str, list[dict[str, str | None]]]) -> None:
    started = time.perf_counter()
    model = CategoryModel.default()
    built = time.perf_counter() - started
    labelled = [(str(item["text"]), str(item["category"])) for v in items.values() for item in v]
    by_part = Counter(split_of(t) for t, _ in labelled)
    majority = Counter(c for t, c in labelled if split_of(t) == "dev").most_common(1)[0][0]
    took: list[float] = []
    lemma.cache_clear()  # the texts' words are new to the guesses timed below, as a citizen's are

    def ours(text: str) -> str | None:
        started = time.perf_counter()
        guessed = model.guess(text)
        took.append(time.perf_counter() - started)
        return guessed

    rules: dict[str, Callable[[str], str | None]] = {
        "ours (category model)": ours,
        f"majority ({majority})": lambda text: majority,
        "naive keywords": keyword_rule,
    }
    tallies: dict[tuple[str, str], Guesses] = {}
    failures: list[str] = []
    for text, expected in labelled:
        part = split_of(text)
        for name, rule in rules.items():
            guessed = rule(text)
            ok = tallies.setdefault((name, part), Guesses()).add(expected, guessed)
            if not ok and name.startswith("ours") and part == "dev":
                top = ", ".join(f"{c} {p:.2f}" for c, p in model.ranked(text)[:2])
                failures.append(f"  {guessed} (want {expected}; {top}): {text[:100]!r}")
    print(f"category from the text: {len(labelled)} texts (dev {by_part['dev']}, held-out {by_part['held-out']}); "
          f"model built in {built:.2f} s")
    for part in ("dev", "held-out"):
        print(f"{part}:")
        for name in rules:
            print(f"  {name:<30} {tallies.get((name, part), Guesses()).line()}")
    print(f"guess per text, first sight of its words: {_percentiles(took)}")
    # Texts of 500 characters (appeals joined), their words again new to the model.
    long_texts = [" ".join(t for t, _ in labelled[i:i + 4])[:500] for i in range(0, len(labelled), 4)]
    lemma.cache_clear()
    took.clear()
    for text in long_texts:
        ours(text)
    print(f"guess per 500-character text ({len(long_texts)}), first sight of its words: {_percentiles(took)}")
    took.clear()
    for text in long_texts * 5:
        ours(text)
    print(f"guess per 500-character text, words seen before (lemmas cached): {_percentiles(took)}")
    if SHOW_CATEGORY_FAILURES:
        print("\n".join(sorted(failures)))
