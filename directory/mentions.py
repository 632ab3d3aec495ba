"""Institutions named or implied in a free text (an appeal): `Directory.mentions`.

A citizen writes "вчера в котельничской црб не приняли" or "у нас в Уржуме в поликлинике":
the name is a few words somewhere in the text. The text is cut into words; a word the
directory knows as distinctive (a name or place word few institutions share, or a number
such as "№ 3") anchors the spans of up to MAX_SPAN words around it, and each span is looked
up with the ordinary search. A span counts only when its best institution is both good
(MENTION_MIN) and clearly ahead of the next one (MENTION_GAP): a wrong suggestion is worse
than none, so "в больнице" or "в Кирове" (dozens of institutions) suggest nothing.

An institution the citizen addresses rather than complains about (the ministry: "Минздрав,
разберитесь с ...") comes after the ones the text is about.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from directory.abbreviations import ordinal_value
from directory.model import Match

MAX_SPAN = 4  # words in a span: "детской городской поликлинике № 3"
MAX_WORDS = 400  # of a text, from its start: an appeal's names come early
MENTION_MIN = 75.0
MENTION_GAP = 10.0
ADDRESSEE_KINDS = frozenset({"ministry"})

_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё№]+(?:-[0-9A-Za-zА-Яа-яЁё]+)*")
# Words that say what kind of institution, not which one: never an anchor alone ("в
# поликлинике" names none), and what makes a number in the text a name's number.
KIND_STEMS = ("больниц", "поликлиник", "диспансер", "центр", "госпитал", "амбулатор",
              "стационар", "клиник", "лечебниц", "санчаст", "медсанчаст", "мсч", "црб", "рб",
              "гб", "гкб", "дгб", "дгкб", "гп", "дгп", "фап", "роддом", "родильн", "консультац",
              "станци", "подстанци", "отделени", "медпункт", "скор")
NUMBER_MARKS = frozenset({"№", "n", "no", "номер", "номером"})
CARDINALS = frozenset({"один", "одна", "два", "две", "три", "четыре", "пять", "шесть",
                       "семь", "восемь", "девять", "десять"})
BREAK = ""  # where a word was dropped: no span runs across it


def is_kind_word(word: str) -> bool:
    return word.lower().startswith(KIND_STEMS)


def _is_number(word: str) -> bool:
    return word.isdigit() or ordinal_value(word.lower()) is not None


def _is_cardinal(word: str) -> bool:
    """"два", "три": in a text a quantity ("два часа"), not a name's number."""
    return word.lower() in CARDINALS


def words_of(text: str) -> list[str]:
    """The text's words in order; "7-й" gives its number. A number, in digits or words,
    stays only beside a kind word or a "№" ("больница № 2", "во второй поликлинике"):
    "два часа", "3 дня" or "в 7 утра" name no institution."""
    raw: list[str] = []
    for word in _WORD.findall(text):
        if word.startswith("№") and word[1:].isdigit():
            raw.extend(("№", word[1:]))
            continue
        head, _, tail = word.partition("-")
        if head.isdigit() and tail.isalpha() and len(tail) <= 3:  # "7-й", "2-ю"
            word = head
        raw.append(word)
        if len(raw) >= MAX_WORDS:
            break
    out = []
    for i, word in enumerate(raw):
        if _is_cardinal(word):
            word = BREAK
        elif _is_number(word):
            near = raw[max(0, i - 2):i] + raw[i + 1:i + 3]
            if not any(is_kind_word(w) or w.lower() in NUMBER_MARKS for w in near):
                word = BREAK
        out.append(word)
    return out


def spans(words: list[str], anchored: Callable[[str], bool]) -> list[tuple[int, int]]:
    """(start, end) of every span of up to MAX_SPAN words holding an anchor word (a
    distinctive word that is not a kind word), shortest first."""
    anchors = [i for i, word in enumerate(words)
               if word and not is_kind_word(word) and anchored(word)]
    found: dict[tuple[int, int], None] = {}
    for a in anchors:
        for start in range(max(0, a - MAX_SPAN + 1), a + 1):
            for end in range(a + 1, min(len(words), start + MAX_SPAN) + 1):
                if BREAK not in words[start:end]:
                    found[(start, end)] = None
    return sorted(found, key=lambda se: (se[1] - se[0], se[0]))


def find_mentions(text: str, limit: int, search: Callable[[str, int], list[Match]],
                  anchored: Callable[[str], bool]) -> list[Match]:
    if not text or limit <= 0:
        return []
    words = words_of(text)
    best: dict[str, tuple[Match, tuple[int, int]]] = {}
    for start, end in spans(words, anchored):
        matches = search(" ".join(words[start:end]), 2)
        if not matches or matches[0].score < MENTION_MIN:
            continue
        if len(matches) > 1 and matches[0].score - matches[1].score < MENTION_GAP:
            continue  # two institutions fit this span: it names neither clearly
        top = matches[0]
        kept = best.get(top.institution.id)
        if kept is None or top.score > kept[0].score:
            best[top.institution.id] = (top, (start, end))
    # "детской областной": the adult hospital found in "областной" alone is not meant
    inside = {inst for inst, (_, (s1, e1)) in best.items()
              if any(other != inst and s2 <= s1 and e1 <= e2 and (s2, e2) != (s1, e1)
                     for other, (_, (s2, e2)) in best.items())}
    ordered = sorted((m for inst, (m, _) in best.items() if inst not in inside),
                     key=lambda m: (m.institution.kind in ADDRESSEE_KINDS, -m.score,
                                    m.institution.id))
    return ordered[:limit]
