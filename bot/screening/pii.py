"""Personal data out of citizens' free text before it is kept in statistics (152-FZ).

`mask_personal_data` replaces what identifies a person with a placeholder in square
brackets and leaves every other character as it was, so the text still says what the
citizen asked about: "записаться к Ивановой, тел. 8 912 345-67-89" becomes
"записаться к [имя], тел. [телефон]".

Numbers are found by their shape: e-mails, dates, the 16 digits of an OMS policy, the
3-3-3-2 of a SNILS, Russian phone numbers, passports, then any other run of five or
more digits. Names are found by the morphology: a capitalised word that pymorphy3
reads as a first name, surname or patronymic. Many such words are also ordinary words
or places ("Вера", "Надежда", "Роза", "Киров"), so those are masked only where the text
itself says they are names: next to another name or to initials ("Вера Петровна",
"Зайцев А.П."), after a word that introduces a name ("зовут", "ФИО", "врач", "дочь"), or
in the middle of a sentence where only a name would be capitalised. A chain after a
street or place word ("ул. Ленина", "больница им. Кирова") is an address and is kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import IntEnum
from functools import lru_cache
from typing import Any

from textnorm import lemma, morph

NAME = "[имя]"
PHONE = "[телефон]"
EMAIL = "[почта]"
SNILS = "[снилс]"
POLICY = "[полис]"
PASSPORT = "[паспорт]"
NUMBER = "[число]"
DATE = "[дата]"
PLACEHOLDERS = (NAME, PHONE, EMAIL, SNILS, POLICY, PASSPORT, NUMBER, DATE)

# --- numbers -------------------------------------------------------------------------

_D = "[0-9]"
_NB = r"(?<![\w+])"  # not glued to a word, a digit or a "+" before
_NA = r"(?![0-9])"
_MONTHS = ("января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря")

_EMAIL_RE = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
_DATE_RE = re.compile(
    r"(?<![\w.])(?:0?[1-9]|[12][0-9]|3[01])\.(?:0?[1-9]|1[0-2])\.(?:19|20)?[0-9]{2}(?![0-9]|[./-][0-9])"
    r"|(?<![\w.])(?:0?[1-9]|[12][0-9]|3[01])([/-])(?:0?[1-9]|1[0-2])\1(?:19|20)[0-9]{2}(?![0-9]|[./-][0-9])"
    rf"|(?<![\w.])(?:0?[1-9]|[12][0-9]|3[01])\s+(?:{_MONTHS})\s+(?:19|20)[0-9]{{2}}(?![0-9])"
    r"|(?<![\w.])(?:19|20)[0-9]{2}(?=\s*(?:г\.\s*р\.|года\s+рождения|г\.р))",
    re.IGNORECASE,
)
_POLICY_RE = re.compile(rf"{_NB}{_D}{{4}}([ -]?){_D}{{4}}\1{_D}{{4}}\1{_D}{{4}}{_NA}")
_SNILS_RE = re.compile(rf"{_NB}{_D}{{3}}[- ]{_D}{{3}}[- ]{_D}{{3}}(?:[- ]|  ){_D}{{2}}{_NA}")
_PHONE_RU_RE = re.compile(rf"{_NB}(?:\+\s?7|[78])(?:[ \-.()]{{0,3}}{_D}){{10}}{_NA}")
_PHONE_INTL_RE = re.compile(rf"{_NB}\+{_D}(?:[ \-.()]{{0,3}}{_D}){{7,14}}{_NA}")
_PHONE_MOBILE_RE = re.compile(rf"{_NB}\(?9{_D}{{2}}\)?(?:[ \-.]{{0,2}}{_D}){{7}}{_NA}")
_PASSPORT_RE = re.compile(rf"{_NB}{_D}{{2}} ?{_D}{{2}} (?:№ ?)?{_D}{{6}}{_NA}")
# The cues must not be glued to a letter; a digit before them is fine (a masked number
# before them reads the same, so masking twice changes nothing more).
_PASSPORT_CUE_RE = re.compile(
    rf"(?<![^\W\d_])(паспорт[а-я]*|серия)(\s*[:№]?\s*)({_D}{{2}} ?{_D}{{2}}(?: ?{_D}{{6}})?){_NA}", re.IGNORECASE
)
_SNILS_BARE_RE = re.compile(rf"{_NB}[0-69]{_D}{{10}}{_NA}")
_PHONE_LOCAL_RE = re.compile(
    rf"(?<![^\W\d_])(тел(?:ефон(?:а|у|ом|е|ы)?)?\.?|тлф\.?|т\.)([ \t]*[:№#-]?[ \t]*)({_D}(?:[ -]?{_D}){{4,6}}){_NA}",
    re.IGNORECASE,
)
_LONG_NUMBER_RE = re.compile(rf"{_D}{{5,}}")

_NUMBER_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (_EMAIL_RE, EMAIL),
    (_DATE_RE, DATE),
    (_POLICY_RE, POLICY),
    (_SNILS_RE, SNILS),
    (_PHONE_RU_RE, PHONE),
    (_PHONE_INTL_RE, PHONE),
    (_PHONE_MOBILE_RE, PHONE),
    (_PASSPORT_RE, PASSPORT),
    (_SNILS_BARE_RE, SNILS),
)


def _mask_numbers(text: str) -> str:
    for pattern, placeholder in _NUMBER_RULES:
        text = pattern.sub(placeholder, text)
    text = _PASSPORT_CUE_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{PASSPORT}", text)
    text = _PHONE_LOCAL_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{PHONE}", text)
    return _LONG_NUMBER_RE.sub(NUMBER, text)


# --- names ---------------------------------------------------------------------------


class _Kind(IntEnum):
    NONE = 0
    PLACE = 1  # a name or a place: a name only next to another name or after "зовут"
    WEAK = 2  # a name or a word: a name where the text says so
    STRONG = 3  # a name by itself


_NAME_TAGS = frozenset({"Name", "Surn", "Patr"})
_NOT_NOUN = frozenset({"ADJF", "ADJS", "PRTF", "PRTS", "VERB", "INFN", "ADVB", "PRCL", "CONJ", "PREP", "NPRO",
                       "PRED", "INTJ", "NUMR", "COMP"})
# Surname endings: -ов/-ев/-ин/-ын and their cases (not -ский: those are mostly places).
_SURNAME_END = re.compile(r"(?:ов|ев|ёв|ин|ын)(?:а|у|ым|ом|е|ой|ою|ых|ыми|ы)?$")
_SURNAME_OV = re.compile(r"[^аеёиоуыэюя](?:ов|ев|ёв)(?:а|у|ым|ом|е|ой|ых)?$")
# Words the dictionary also reads as names but that a citizen of a health system means otherwise.
_NEVER_NAMES = frozenset({
    "лор", "лора", "лору", "лором", "лоре", "лоры", "лоров", "марта", "мая", "августа", "август", "мир", "слава",
    "нечипоренко", "зимницкому", "зимницкого", "гаи",
})
# Towns of the regions served that the dictionary reads mostly as surnames.
_ALSO_PLACES = frozenset({
    "киров", "кирова", "кирову", "кировом", "кирове", "орлов", "орлова", "орлову", "орловом", "орлове",
})
# A name follows these words: surely ("меня зовут ...", "ФИО: ...") or most likely ("к врачу ...", "дочь ...").
_NAMING_CUES = frozenset({"звать", "фио", "фамилия", "имя", "отчество", "уважаемый"})
_PERSON_CUES = frozenset({
    "пациент", "пациентка", "гражданин", "гражданка", "врач", "доктор", "медсестра", "фельдшер", "заведующий",
    "главврач", "акушерка", "медбрат", "сотрудник", "сотрудница", "мама", "папа", "мать", "отец", "сын", "дочь",
    "дочка", "муж", "жена", "брат", "сестра", "бабушка", "дедушка", "внук", "внучка", "сосед", "соседка", "подруга",
    "ребенок", "свекровь", "теща", "племянник", "племянница", "тетя", "дядя",
})
# An address, a dedication or an eponym follows these ("ул. Ленина", "им. Бехтерева", "г. Киров",
# "болезнь Паркинсона", "анализ мочи по Нечипоренко").
_ADDRESS_WORDS = frozenset({
    "улица", "проспект", "переулок", "площадь", "бульвар", "набережная", "шоссе", "город", "поселок", "село",
    "деревня", "микрорайон", "район", "область", "тупик", "проезд", "станция", "болезнь", "синдром", "реакция",
    "проба", "метод", "симптом", "операция", "аппарат", "институт", "университет", "академия",
})
_ADDRESS_FORMS = frozenset({"имени", "пр-т", "б-р", "р-н", "пгт"})
_ADDRESS_ABBRS = frozenset({"ул", "пр", "пер", "пл", "им", "наб", "ш", "г", "пос", "с", "д", "мкр", "обл", "ст"})

_TOKEN_RE = re.compile(
    r"(?P<ph>\[(?:имя|телефон|почта|снилс|полис|паспорт|число|дата)\])"
    r"|(?P<ini>(?<![\w.])[А-ЯЁ]\.(?:[ \t]?[А-ЯЁ]\.)?(?:(?![\w\[])|(?=[А-ЯЁ][а-яё])))"
    r"|(?P<word>(?<![\w-])[А-ЯЁа-яё]+(?:-[А-ЯЁа-яё]+)*(?![\w-]))"
)
_GAP_RE = re.compile(r"[ \t\u00a0]*")
_CUE_GAP_RE = re.compile(r"[ \t\u00a0]*[:—–-]?[ \t\u00a0]*")
_ABBR_GAP_RE = re.compile(r"\.?[ \t\u00a0]*")
_SENTENCE_END = frozenset(".!?…\n")
_OPENERS = " \t\u00a0\"'«„“(—–-"


@lru_cache(maxsize=100_000)
def _reading(word: str) -> tuple[_Kind, _Kind]:
    """How a capitalised word reads as a name: (at the start of a sentence, inside one)."""
    w = word.lower()
    if len(w) < 3 or w in _NEVER_NAMES:
        return _Kind.NONE, _Kind.NONE
    if w in _ALSO_PLACES:
        return _Kind.PLACE, _Kind.PLACE
    analyzer = morph()
    parses = analyzer.parse(w)
    if not analyzer.word_is_known(w):
        return _unknown_reading(w, parses)
    name = patr = geo = not_noun = other_noun = 0.0
    surname = False
    for p in parses:
        tags = p.tag.grammemes
        if tags & _NAME_TAGS:
            name += p.score
            patr += p.score if "Patr" in tags else 0.0
            surname = surname or "Surn" in tags
        elif "Geox" in tags:
            geo += p.score
        elif p.tag.POS in _NOT_NOUN and "Poss" not in tags:
            not_noun += p.score
        elif p.tag.POS == "NOUN":
            other_noun += p.score
    if name < 0.05:
        # "Кузин", "Лапин": a surname the dictionary reads only as another word, a name beside a name.
        plain = any(p.tag.POS == "NOUN" and {"nomn", "sing"} <= p.tag.grammemes for p in parses)
        shaped = len(w) >= 5 and not plain and geo < 0.1 and bool(_SURNAME_END.search(w))
        return (_Kind.PLACE, _Kind.PLACE) if shaped else (_Kind.NONE, _Kind.NONE)
    if patr >= 0.3:
        return _Kind.STRONG, _Kind.STRONG
    if geo >= 0.1:
        # "Павлова" is a woman more often than the town of Павлово; "Ростова" is the town.
        return (_Kind.STRONG if name >= 4 * geo else _Kind.PLACE), (_Kind.STRONG if name >= 2.5 * geo else _Kind.PLACE)
    if not_noun >= 0.2:
        return _Kind.WEAK, _Kind.WEAK
    best_is_name = bool(parses[0].tag.grammemes & _NAME_TAGS)
    surname_shaped = surname and bool(_SURNAME_END.search(w))
    inside = _Kind.STRONG if name >= 0.1 else _Kind.WEAK
    if (best_is_name and other_noun < 0.25) or (surname_shaped and name >= 0.4):
        return _Kind.STRONG, inside
    return _Kind.WEAK, inside


def _unknown_reading(w: str, parses: Sequence[Any]) -> tuple[_Kind, _Kind]:
    """A word the dictionary lacks: a rare surname ("Копысов", "Чупраковой") or anything else."""
    if _SURNAME_OV.search(w):
        return _Kind.WEAK, _Kind.STRONG
    if _SURNAME_END.search(w):  # "-ин" is also a drug ("Амиксин"): a name only beside a name
        return _Kind.PLACE, _Kind.PLACE
    if parses[0].tag.grammemes & _NAME_TAGS and parses[0].score >= 0.5:
        return _Kind.WEAK, _Kind.WEAK
    return _Kind.NONE, _Kind.NONE


@lru_cache(maxsize=100_000)
def _lower_is_name(word: str) -> bool:
    """A lower-case word that is first of all a name ("зовут мария петрова")."""
    if len(word) < 3 or word in _NEVER_NAMES or not morph().word_is_known(word):
        return False
    best = morph().parse(word)[0]
    return bool(best.tag.grammemes & _NAME_TAGS) and best.score >= 0.5


@lru_cache(maxsize=100_000)
def _is_genitive_noun(word: str) -> bool:
    """ "академика", "братьев", "маршала": a title between "имени"/"улица" and the name."""
    tag = morph().parse(word)[0].tag
    return tag.POS == "NOUN" and "gent" in tag.grammemes


def _word_kind(word: str, sentence_start: bool, shouting: bool) -> _Kind:
    """A capitalised word's reading; a hyphenated one ("Петрова-Водкина") reads as its most name-like part."""
    kinds = []
    for part in word.split("-"):
        if shouting and part.isupper():
            part = part.capitalize()
        if not (part[0].isupper() and (len(part) == 1 or part[1:].islower())):
            return _Kind.NONE
        at_start, inside = _reading(part)
        kinds.append(at_start if sentence_start or shouting else inside)
    return max(kinds)


class _Tok:
    __slots__ = ("end", "kind", "role", "start")

    def __init__(self, start: int, end: int, role: str, kind: _Kind = _Kind.NONE) -> None:
        self.start, self.end, self.role, self.kind = start, end, role, kind


def _starts_sentence(text: str, start: int, prev: _Tok | None) -> bool:
    k = start
    while k and text[k - 1] in _OPENERS:
        k -= 1
    if not k:
        return True
    if text[k - 1] not in _SENTENCE_END:
        return False
    # "А.П. Сидорова", "ул. Ленина": the dot of initials or of an abbreviation ends no sentence.
    return not (prev is not None and prev.role in ("ini", "anti") and prev.end >= k - 1)


def _is_address_word(text: str, low: str, end: int) -> bool:
    if low in _ADDRESS_ABBRS:
        return text[end:end + 1] == "."
    return low in _ADDRESS_FORMS or lemma(low) in _ADDRESS_WORDS


def _tokens(text: str) -> list[_Tok]:
    shouting = not any(ch.islower() for ch in text if "а" <= ch.lower() <= "я")
    toks: list[_Tok] = []
    prev: _Tok | None = None
    for m in _TOKEN_RE.finditer(text):
        group = m.lastgroup or ""
        start, end = m.span()
        if group == "ph":
            tok = _Tok(start, end, "anchor" if m.group() == NAME else "other")
        elif group == "ini":
            tok = _Tok(start, end, "ini")
        else:
            word = m.group()
            low = word.lower()
            kind = _word_kind(word, _starts_sentence(text, start, prev), shouting)
            if kind:
                tok = _Tok(start, end, "name", kind)
            elif _is_address_word(text, low, end):
                tok = _Tok(start, end, "anti")
            elif (base := lemma(low)) in _NAMING_CUES:
                tok = _Tok(start, end, "cue")
            elif base in _PERSON_CUES:
                tok = _Tok(start, end, "cue?")
            elif _lower_is_name(low):
                tok = _Tok(start, end, "lower")
            else:
                tok = _Tok(start, end, "other")
        toks.append(tok)
        prev = tok
    return toks


_CHAIN_ROLES = frozenset({"name", "ini", "anchor", "lower"})


def _is_name_chain(chain: list[_Tok], cue: str) -> bool:
    """Whether adjacent name-like words, initials and placeholders name a person."""
    named = [t for t in chain if t.role == "name"]
    if any(t.role == "anchor" for t in chain) or any(t.kind == _Kind.STRONG for t in named):
        return True
    if len(named) >= 2 or (named and any(t.role == "ini" for t in chain)):
        return True  # "Вера Кирова", "Зайцев А.П."
    first = chain[0]
    if cue == "cue":  # "меня зовут Лена", "ФИО: зайцев иван"
        return first.role in ("name", "ini", "lower")
    if cue == "cue?":  # "к врачу Розе", not "врач Кирова" (the city's doctor)
        return first.role == "lower" or (first.role == "name" and first.kind >= _Kind.WEAK)
    return False


def _after_address_word(text: str, toks: list[_Tok], i: int) -> bool:
    """ "ул. Ленина", "улица маршала Жукова", "больница имени академика В.М. Бехтерева"."""
    k = i - 1
    while k >= 0 and i - k <= 3:
        before = toks[k]
        if before.role == "anti":
            return bool(_ABBR_GAP_RE.fullmatch(text, before.end, toks[k + 1].start))
        word = text[before.start:before.end]
        if before.role not in ("other", "cue?") or not word.islower() or not _is_genitive_noun(word) or not (
                _GAP_RE.fullmatch(text, before.end, toks[k + 1].start)):
            return False
        k -= 1
    return False


def _mask_names(text: str) -> str:
    toks = _tokens(text)
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(toks):
        if toks[i].role not in _CHAIN_ROLES:
            i += 1
            continue
        j = i
        while (j + 1 < len(toks) and toks[j + 1].role in _CHAIN_ROLES
               and _GAP_RE.fullmatch(text, toks[j].end, toks[j + 1].start)):
            j += 1
        chain = toks[i:j + 1]
        before = toks[i - 1] if i else None
        cue = before.role if before is not None and before.role in ("cue", "cue?") and _CUE_GAP_RE.fullmatch(
            text, before.end, chain[0].start) else ""
        address = _after_address_word(text, toks, i)
        if not address and _is_name_chain(chain, cue):
            spans.append((chain[0].start, chain[-1].end))
        i = j + 1
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end in spans:
        out.append(text[pos:start])
        out.append(NAME)
        pos = end
    out.append(text[pos:])
    return "".join(out)


# --- public --------------------------------------------------------------------------


def mask_personal_data(text: str) -> str:
    """The text with phones, e-mails, SNILS, policy and passport numbers, long numbers,
    dates of birth and people's names replaced by placeholders such as "[телефон]"."""
    if not text:
        return text
    return _mask_names(_mask_numbers(text))


def contains_personal_data(text: str) -> bool:
    """True if masking would change the text."""
    return mask_personal_data(text) != text
