"""Memory of the word caches under unseen words (`python -m benchmarks memory`).

The FAQ matcher and the directory search are built as the bot builds them (bot/app.py:
a ReloadingFaq over faq/data/faq.yaml, a Directory from the institutions; here the
generated national directory of bench_directory), then 50,000 citizens' messages go
through them as a question turn does (faq.is_small_talk, matcher.match) and as an
institution search does (Directory.search, limit 5). Every message has Russian-looking
words nobody typed before (generated from syllables, seeded), among common words.

Printed: resident memory (RSS, /proc/self/statm) at the start (after building and one
warm-up message) and its peak over the run, sampled every 500 messages, against the
issue's ceiling; and what the textnorm.memo caches hold against their budgets.
Set MEMORY_MESSAGES to run fewer messages.
"""

from __future__ import annotations

import gc
import os
import random
import time
from pathlib import Path

from benchmarks.bench_directory import national_directory
from directory import Directory
from faq import ReloadingFaq, is_small_talk

ROOT = Path(__file__).resolve().parent.parent
FAQ_FILE = ROOT / "faq" / "data" / "faq.yaml"
MESSAGES = 50_000
CEILING_MB = 60.0
SAMPLE_EVERY = 500

_ONSETS = ["б", "в", "г", "д", "ж", "з", "к", "л", "м", "н", "п", "р", "с", "т", "ф", "х",
           "ц", "ч", "ш", "щ", "бр", "гл", "кр", "пр", "ст", "тв", "зд", "вл", "шк", "дв"]
_VOWELS = "аеиоуыяюэ"
_ENDINGS = ["", "ка", "ом", "ой", "ами", "ных", "ская", "ость", "ение", "ать", "ить", "ую"]
_COMMON = ["как", "записаться", "к", "врачу", "где", "больница", "поликлиника", "справка",
           "полис", "мне", "нужно", "в", "на", "по", "номер", "телефон", "анализы", "скорая",
           "городская", "детская", "запись", "почему", "не", "могу", "получить"]


def unseen_word(rng: random.Random, serial: int) -> str:
    """A Russian-looking word; the serial (as letters) makes it new to every cache."""
    syllables = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(2, 4)))
    tag = ""
    while True:
        serial, digit = divmod(serial, len(_VOWELS))
        tag += _ONSETS[digit] + _VOWELS[digit]
        if not serial:
            break
    return syllables + tag + rng.choice(_ENDINGS)


def messages(n: int, seed: int = 15) -> list[str]:
    rng = random.Random(seed)
    out = []
    serial = 0
    for _ in range(n):
        words = []
        for _ in range(rng.randint(3, 7)):
            if rng.random() < 0.45:
                words.append(rng.choice(_COMMON))
            else:
                words.append(unseen_word(rng, serial))
                serial += 1
        out.append(" ".join(words))
    return out


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as f:
        resident = int(f.read().split()[1])
    return resident * os.sysconf("SC_PAGE_SIZE") / 1e6


def main() -> None:
    n = int(os.environ.get("MEMORY_MESSAGES", MESSAGES))
    texts = messages(n)  # generated before the start figure: the input is not the cache
    faq = ReloadingFaq(FAQ_FILE)
    directory = Directory.from_institutions(national_directory())

    def turn(text: str) -> None:
        if is_small_talk(text) is None:
            faq.matcher.match(text)
        directory.search(text, limit=5)

    turn("как записаться к врачу в городскую поликлинику")  # lazy imports, first parses
    gc.collect()
    start = peak = rss_mb()
    started = time.perf_counter()
    for i, text in enumerate(texts, 1):
        turn(text)
        if i % SAMPLE_EVERY == 0:
            peak = max(peak, rss_mb())
    elapsed = time.perf_counter() - started
    peak = max(peak, rss_mb())
    words = sum(len(t.split()) for t in texts)
    print(f"{n} messages ({words} words, most never seen before) through the FAQ matcher and "
          f"the directory search ({len(directory)} institutions): {1000 * elapsed / n:.2f} ms a message")
    print(f"  RSS at start             {start:8.1f} MB")
    print(f"  peak RSS                 {peak:8.1f} MB")
    above = peak - start
    verdict = "ok" if above <= CEILING_MB else "OVER"
    print(f"  peak RSS above start     {above:8.1f} MB   (ceiling ≤ {CEILING_MB:.0f} MB above start: {verdict})")
    _print_caches()


def _print_caches() -> None:
    try:
        from textnorm import memo
    except ImportError:  # a tree from before the byte-bounded caches
        return
    print("  word caches (textnorm.memo)          entries    MB used  MB budget (each)")
    for name, s in sorted(memo.stats().items()):
        if s.caches:
            print(f"    {name:32} {s.entries:9} {s.bytes / 1e6:10.1f} {s.budget / 1e6:10.1f}"
                  + (f"  x{s.caches}" if s.caches > 1 else ""))


if __name__ == "__main__":
    main()
