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

    python -m benchmarks routing
    BENCH_ROUTING_FAILURES=1 python -m benchmarks routing   # list what went wrong (dev only)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from benchmarks.bench_directory import split_of
from bot.config import PROJECT_ROOT
from directory import Directory

DATA = Path(__file__).resolve().parent / "data"
DIRECTORIES = {"kirov": PROJECT_ROOT / "directory" / "data" / "kirov_demo.csv",
               "astrakhan": DATA / "directory_astrakhan.csv"}
TARGET_WRONG = 0.02
SHOW_FAILURES = os.environ.get("BENCH_ROUTING_FAILURES") == "1"


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
    print("category from the text: not built yet (issue 18 item 2)")
    if SHOW_FAILURES:
        print("\n".join(failures))
