"""Institutions named or implied in a free text (an appeal): `Directory.mentions`.

A citizen writes "вчера в котельничской црб не приняли" or "у нас в Уржуме в поликлинике":
the name is a few words somewhere in the text. The text is cut into words; a word the
directory knows as distinctive (a name or place word few institutions share, or a number
such as "№ 3") anchors the spans of up to MAX_SPAN words around it, and each span is looked
up with the ordinary search. A span counts only when its best institution is both good
(MENTION_MIN) and clearly ahead of the next one (MENTION_GAP): a wrong suggestion is worse
than none, so "в больнице" or "в Кирове" (dozens of institutions) suggest nothing.

The institution the citizen writes to rather than about (the ministry: "Минздрав,
разберитесь с ...") is never suggested: the appeal would go where it was going anyway.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from directory.abbreviations import ordinal_value
from directory.model import Match

MAX_SPAN = 4  # words in a span: "детской городской поликлинике № 3"
MAX_WORDS = 400  # of a text, from its start: an appeal's names come early
MENTION_MIN = 75.0
MENTION_MIN_ONE_WORD = 85.0  # "ребёнка" is in "Дом ребёнка" too: one word must fit better
MENTION_GAP = 10.0
ADDRESSEE_KINDS = frozenset({"ministry"})  # written to, not about: never suggested

_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё№]+(?:-[0-9A-Za-zА-Яа-яЁё]+)*")
# Words that say what kind of institution, not which one: never an anchor ("в поликлинике"
# names none), and they must be in the names of the institution a span finds.
KIND_STEMS = ("больниц", "поликлиник", "диспансер", "центр", "госпитал", "амбулатор",
              "стационар", "клиник", "лечебниц", "санчаст", "медсанчаст", "црб", "рб", "фап",
              "консультац", "станци", "подстанци", "отделени", "медпункт", "скор", "участков")
# and what makes a number beside it a name's number: "гп 3", "мсч 62"
NUMBERED = KIND_STEMS + ("гб", "гкб", "дгб", "дгкб", "гп", "дгп", "мсч", "роддом")
# Doctors, not institutions ("нарколога нет" names no narcology dispensary): never
# anchors, but like a kind word they say the text is about care there ("в Омутнинске
# терапевт в отпуске").
_SPECIALIST = re.compile(
    r"^(нарколог|психиатр|онколог|кардиолог|стоматолог|дерматолог|венеролог|фтизиатр|"
    r"инфекционист|гинеколог|офтальмолог|окулист|педиатр|терапевт|хирург|невролог|"
    r"эндокринолог|лор|уролог|фельдшер|врач)(а|у|ом|е|и|ов|ам|ами|ах|ы)?$")
# Words of many names that name none in a text ("медикам области"): never anchors.
GENERIC_STEMS = ("медик", "медицин", "здравоохран", "район", "регион", "государств",
                 "бюджет", "учрежден")
KIND_NEAR = 5  # one name word needs a kind word or a doctor this close ("в Уржуме в поликлинике")
CLEAR_ONE_WORD = 95.0  # ... or to be a whole name by itself ("окб", "лепсе")
_FAP = re.compile(r"^фап(а|е|у|ом|ы|ов|ах)$")
NUMBER_MARKS = frozenset({"№", "n", "no", "номер", "номером"})
CARDINALS = frozenset({"один", "одна", "два", "две", "три", "четыре", "пять", "шесть",
                       "семь", "восемь", "девять", "десять"})
BREAK = ""  # where a word was dropped: no span runs across it


def is_kind_word(word: str) -> bool:
    return word.lower().startswith(KIND_STEMS)


def is_specialist(word: str) -> bool:
    return _SPECIALIST.match(word.lower()) is not None


def _about_care(word: str) -> bool:
    return is_kind_word(word) or is_specialist(word)


def _is_number(word: str) -> bool:
    return word.isdigit() or ordinal_value(word.lower()) is not None


def words_of(text: str) -> list[str]:
    """The text's words in order; "7-й" gives its number. A number, in digits or words,
    stays only beside a kind word or a "№" ("больница № 2", "во второй поликлинике"):
    "два часа", "3 дня" or "в 7 утра" name no institution."""
    raw: list[str] = []
    for word in _WORD.findall(text):
        if word.startswith("№") and word[1:].isdigit():
            raw.extend(("№", word[1:]))
            continue
        if _FAP.match(word.lower()):  # an abbreviation declined as a noun: "в фапе"
            word = "ФАП"
        head, _, tail = word.partition("-")
        if head.isdigit() and tail.isalpha() and len(tail) <= 3:  # "7-й", "2-ю"
            word = head
        raw.append(word)
        if len(raw) >= MAX_WORDS:
            break
    out = []
    for i, word in enumerate(raw):
        if word.lower() in CARDINALS:  # "два часа": a quantity, not a name's number
            word = BREAK
        elif _is_number(word):
            near = raw[max(0, i - 2):i] + raw[i + 1:i + 3]
            if not any(w.lower().startswith(NUMBERED) or w.lower() in NUMBER_MARKS
                       for w in near):
                word = BREAK
        out.append(word)
    return out


def spans(words: list[str], anchored: Callable[[str], bool]) -> list[tuple[int, int]]:
    """(start, end) of every span of up to MAX_SPAN words holding an anchor word (a
    distinctive word that is not a kind word), shortest first."""
    anchors = [i for i, word in enumerate(words)
               if word and not is_kind_word(word) and not is_specialist(word)
               and not word.lower().startswith(GENERIC_STEMS) and anchored(word)]
    found: dict[tuple[int, int], None] = {}
    for a in anchors:
        for start in range(max(0, a - MAX_SPAN + 1), a + 1):
            for end in range(a + 1, min(len(words), start + MAX_SPAN) + 1):
                if BREAK not in words[start:end]:
                    found[(start, end)] = None
    return sorted(found, key=lambda se: (se[1] - se[0], se[0]))


_KIND_CHECKS = ("поликлиник", "больниц", "диспансер")


def _agrees(span: list[str], near: list[str], match: Match) -> bool:
    """The span's numbers are the name's ("пятой поликлинике" is not "поликлиника" without
    one) and the kind words in and beside it are in the name ("второй детской |
    поликлинике" is no hospital)."""
    inst = match.institution
    name = " ".join((inst.name, inst.short_name, *inst.aliases)).lower()
    if re.search(r"\b(црб|рб|гб|гкб|дгкб|окб)\b", name):
        name += " больница"
    numbers = {str(v) for v in (int(w) if w.isdigit() else ordinal_value(w.lower())
                                for w in span if _is_number(w)) if v is not None}
    if numbers and not numbers <= set(re.findall(r"\d+", name)):
        return False
    kinds = {k for k in _KIND_CHECKS for w in near if w.lower().startswith(k)}
    return all(k in name for k in kinds) or (
        "больниц" in kinds and "госпитал" in name and kinds == {"больниц"})


def find_mentions(text: str, limit: int, search: Callable[[str, int], list[Match]],
                  anchored: Callable[[str], bool]) -> list[Match]:
    if not text or limit <= 0:
        return []
    words = words_of(text)
    best: dict[str, tuple[Match, tuple[int, int]]] = {}
    for start, end in spans(words, anchored):
        named = [w for w in words[start:end] if not _is_number(w) and len(w) > 2]
        if not named:
            continue  # "первая", "7": a number alone names nothing
        matches = search(" ".join(words[start:end]), 2)
        least = MENTION_MIN_ONE_WORD if len(named) == 1 else MENTION_MIN
        if not matches or matches[0].score < least:
            continue
        if len(named) == 1 and matches[0].score < CLEAR_ONE_WORD and not any(
                _about_care(w) for w in words[max(0, start - KIND_NEAR):end + KIND_NEAR]):
            continue  # "прописка в Слободском": a place, not an institution
        if len(matches) > 1 and matches[0].score - matches[1].score < MENTION_GAP:
            continue  # two institutions fit this span: it names neither clearly
        top = matches[0]
        near = [w for w in words[max(0, start - 1):end + 1] if w]  # "второй детской | поликлинике"
        if top.institution.kind in ADDRESSEE_KINDS or not _agrees(words[start:end], near, top):
            continue
        kept = best.get(top.institution.id)
        if kept is None or top.score > kept[0].score:
            best[top.institution.id] = (top, (start, end))
    # "детской областной": the adult hospital found in "областной" alone is not meant
    inside = {inst for inst, (_, (s1, e1)) in best.items()
              if any(other != inst and s2 <= s1 and e1 <= e2 and (s2, e2) != (s1, e1)
                     for other, (_, (s2, e2)) in best.items())}
    ordered = sorted((m for inst, (m, _) in best.items() if inst not in inside),
                     key=lambda m: (-m.score, m.institution.id))
    return ordered[:limit]
