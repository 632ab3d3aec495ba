"""The second look before answering: is the message really about the best entry, and about health?

The score ranks entries by how much of the message they explain; a wrong entry can still
come first on words that are not what it is about ("рецепт" in "рецепт борща" scores the
free-medicines entry, "работа" in "как устроиться на работу в больницу" the opening-hours
entry). Before an entry is given as the answer, two checks, both cheap set look-ups:

* Key concepts. Every entry is about a few concepts that its phrasings keep saying: the
  concepts shared by at least two of its question, alternative phrasings and tags, minus
  the weak and the very common ones (the most repeated, then the rarest by IDF, first),
  and the concepts that no other entry's phrasings say. The message must say
  at least one of them (any synonym counts: synonyms are one concept). Derived from the
  FAQ automatically, so an operator's new entry gets its keys too; KEY_OVERRIDES below
  corrects the few seed entries where the phrasings alone give the wrong keys.
* A medical sense. A message that names something the FAQ does not know ("почта",
  "сбербанк", "борщ") and says nothing about health is about something else, even when
  its other words ("режим работы", "рецепт") are FAQ words. MEDICAL lists the words that
  give a message a health sense; it is a lexicon, not a list of the FAQ's topics.
* Not clinical advice. The entries are about how care is organised; a message that asks
  what to take or drink, about doses or symptoms ("какие таблетки пить от давления",
  "можно ли пить алкоголь после прививки") is a question for a doctor, whatever entry
  its other words match (ADVICE), unless the FAQ's own phrasings say the word; in a short
  message only (`advice_max_words`).

A failed check never drops the entry: it is offered as a suggestion instead of answered.
Greetings and thanks get neither an answer nor suggestions (`MessageFacts.content`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import textnorm
from faq.analysis import Analyzer
from faq.config import MatcherConfig
from faq.index import FaqIndex
from faq.model import FaqEntry
from textnorm.morphology import morph

__all__ = ["ADVICE", "KEY_OVERRIDES", "MEDICAL", "OTHER_INSURANCE", "POLITE", "POLITE_CONTENT",
           "EntryKeys", "MessageFacts", "derive_keys", "is_small_talk", "message_facts",
           "passes_gate", "said_keys"]


@dataclass(frozen=True, slots=True)
class EntryKeys:
    core: frozenset[str]  # shared by its phrasings (and the manual additions)
    any: frozenset[str]  # core and the concepts only this entry's phrasings say
    # Of `any`, the concepts that count only in a message with a medical sense.
    medical_only: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What the gate needs to know about a message (from message_facts())."""

    concepts: frozenset[str]  # concepts said with weight >= broader (not only weak words)
    content: bool  # says anything the FAQ knows beyond weak words and small talk
    medical: bool  # has a word of MEDICAL
    unknown_share: float  # share of its words the FAQ does not know (or of other services)
    unknown_nouns: int  # dictionary nouns the FAQ does not know ("почта", "борщ")
    # Concepts said in full (not only as a broader or class concept, nor weak words).
    strong: frozenset[str] = frozenset()
    # Asks for clinical advice (a word of ADVICE that no entry's phrasings say).
    advice: bool = False

# Concepts (after synonyms) that by themselves say the message is about health care.
# Words outside the FAQ vocabulary are here too ("перелом", "инфаркт"): a story about a
# broken arm is about health although no entry says "перелом".
MEDICAL = frozenset("""
    врач терапевт педиатр лечащий_врач специалист фельдшер медсестра медработник медик
    поликлиника больница регистратура црб фап роддом травмпункт диспансер санаторий
    скорая неотложный минздрав здравоохранение медицинский медицина лечебный
    омс вмп мсэ квота инвалидность диспансеризация медосмотр прививка больничный
    лекарство аптека стоматолог зубы пломба протезирование
    анализ обследование мрт кт узи рентген флюорография экг госпитализация операция
    лечение лечить вылечить заболеть болеть болезнь больной боль заболевание пациент
    здоровье температура давление инсульт инфаркт перелом сломать травма ушиб рана
    беременность беременный роды кровь диагноз рак онкология диабет ковид грипп орви
    простуда кашель ветрянка сердце желчный гинекология хирургия родить
    медкарта медкарточка медкомиссия медосвидетельствование медполис бюллетень травмпункт
    окулист офтальмолог кардиолог невролог лор хирург эндокринолог гинеколог уролог
    дерматолог психиатр онколог травматолог гастроэнтеролог ревматолог аллерголог
    психотерапевт нефролог лора полис прикрепиться
""".split())
# ("лора": the dictionary reads "к лору" as the name Лора; "полис" is the health policy
# of ОМС, unless the message says what else is insured: OTHER_INSURANCE.)
OTHER_INSURANCE = frozenset("""
    пожар имущество жилье недвижимость ипотека осаго каско автомобиль машина авто дача
    выезд выезжать заграница турист туристический
""".split())

# Words that ask for clinical advice, which no FAQ entry gives (see the module docstring).
ADVICE = frozenset("""
    пить выпить попить запить алкоголь спиртное симптом дозировка доза посоветовать
    противопоказание побочка
""".split())

# Greetings and thanks. A message with one of them whose other words are only these
# pleasantries ("спасибо большое вы мне очень помогли") is small talk: not answered and
# given no suggestions.
POLITE = frozenset("""
    спасибо спс пасиб благодарю благодарить благодарность привет приветствую здравствуйте
    здравствуй добрый доброе доброго свидания пока hi hello thanks
""".split())
POLITE_CONTENT = frozenset("""
    помощь помочь большой огромный очень хороший отлично понятно ясно ответ день утро вечер
    все всё весь вы бот
""".split())

_THANKS = frozenset({"спасибо", "спс", "пасиб", "благодарю", "благодарить", "благодарность",
                     "thanks"})
_FILLER = frozenset("я мне вы вам ты тебе мы нам и а за по так вот ну уже всем".split())


def is_small_talk(text: str) -> str | None:
    """'thanks' or 'greeting' when a message is only pleasantries, else None: the bot
    greets back instead of saying it has no answer (and it is no content gap)."""
    words = textnorm.words(text)
    if not words or len(words) > 8:
        return None
    lemmas = {textnorm.lemma(w) for w in words} | set(words)
    allowed = POLITE | POLITE_CONTENT | _FILLER
    if not lemmas & POLITE or any(
            textnorm.lemma(w) not in allowed and w not in allowed for w in words):
        return None
    return "thanks" if lemmas & _THANKS else "greeting"


def message_facts(index: FaqIndex, config: MatcherConfig, text: str) -> MessageFacts:
    """What the gate looks at in a message (one reading of it: see faq.scoring.rank)."""
    tokens = index.tokens(text)
    terms = index.analyzer.terms(tokens)
    idf, off_topic, weak = index.idf, index.off_topic, index.analyzer.weak
    # Counted in words, not IDF: a common known word ("поликлиника") is as much a sign of
    # being on topic as a rare one.
    known = foreign = 0.0
    unknown_terms: list[str] = []
    for t, w in terms.items():
        if t in off_topic:
            foreign += w
        elif t in idf:
            known += w
        else:
            unknown_terms.append(t)
    said_medical = {t for t in terms if t in MEDICAL} | {
        w for tok in tokens for w in (tok.lemma, tok.surface) if w in MEDICAL}
    # A policy of another insurance ("страховой полис на квартиру от пожара") is not health.
    medical = bool(said_medical - {"полис"}) or bool(
        said_medical and not any(t in OTHER_INSURANCE for t in terms))
    sat = config.unknown_saturation
    k = len(unknown_terms)
    # As in the score: a long story's many unknown words add up only logarithmically.
    unknown = foreign + (k if k <= sat else sat + math.log(1.0 + k - sat))
    total = known + unknown
    # Nouns the FAQ does not know, or knows only from its answer texts ("почта" is in
    # "запрос почтой"), name what a message is about when it is not health.
    topical = index.topical_terms
    nouns = sum(
        1
        for t in terms
        if t not in MEDICAL and (t in off_topic or (t not in topical and _names_a_thing(t)))
    )
    content = any(t in idf and t not in weak for t in terms)
    if content and any(tok.surface in POLITE for tok in tokens):
        # "спасибо большое, вы очень помогли": thanks, not a question.
        content = any(t in idf and t not in weak and t not in POLITE_CONTENT for t in terms)
    return MessageFacts(
        concepts=frozenset(t for t, w in terms.items() if w >= 0.5),
        content=content,
        medical=medical,
        unknown_share=unknown / total if total > 0 else 1.0,
        unknown_nouns=nouns,
        # In a long message the word is more often the story ("врач говорит пейте
        # таблетки, а мне надо к хирургу") than the question.
        advice=len(tokens) <= config.advice_max_words
        and any(t in ADVICE and t not in topical for t in {*terms, *(k.lemma for k in tokens)}),
        strong=frozenset(t for t, w in terms.items() if w >= 1.0),
    )


def _names_a_thing(term: str) -> bool:
    """A dictionary noun, or a Cyrillic word the dictionary does not know at all: mostly
    abbreviations and names ("снилс", "егрн"), since typos are corrected before."""
    return textnorm.is_noun(term) or (
        len(term) >= 3 and term.isalpha() and textnorm.has_cyrillic(term)
        and not morph().word_is_known(term))


def said_keys(keys: EntryKeys, facts: MessageFacts) -> frozenset[str]:
    """The entry's key concepts that the message says (see EntryKeys.medical_only)."""
    said = keys.any & facts.concepts
    return said if facts.medical else said - keys.medical_only


def passes_gate(keys: EntryKeys | None, facts: MessageFacts, config: MatcherConfig) -> bool:
    """May the entry with these key concepts be answered to this message? (Else it is only
    suggested.)"""
    if facts.advice:
        return False  # what to take, doses, symptoms: a question for a doctor
    if facts.unknown_share > (
        config.max_unknown_share_medical if facts.medical else config.max_unknown_share
    ):
        return False  # mostly words the FAQ does not know: about something else
    said = len(said_keys(keys, facts)) if keys else 0
    if not facts.medical and facts.unknown_nouns >= max(config.foreign_nouns, said):
        # Names as many things the FAQ does not know as it says of the entry, and nothing
        # about health: "режим работы почты", "рецепт борща" (but "как отменить запись,
        # если сайт не работает" says two of its entry's key concepts).
        return False
    # Fails when none of what the entry is about is in the message.
    return keys is None or not keys.any or said > 0


# Manual corrections for entries whose phrasings alone give the wrong key concepts.
# entry id -> {"add": concepts that also count, "drop": derived concepts that do not,
# "medical": concepts that count only in a message with a medical sense}.
# Keep it short: the derivation is the rule, this is the exception.
KEY_OVERRIDES: dict[str, dict[str, frozenset[str]]] = {
    # "работа" is the job more often than the opening hours ("устроиться на работу в
    # больницу"); the hours are said with режим/график/часы/выходные/суббота.
    "working_hours": {
        "add": frozenset("""режим час часы выходной суббота воскресенье воскресение праздник
                            праздничный""".split()),
        "drop": frozenset({"работа"}),
    },
    # The free-medicines entry is also asked as "инсулин не дают в аптеке", "по рецепту".
    "free_medicines": {"add": frozenset({"лекарство", "льготный", "аптека"}),
                       "drop": frozenset()},
    # Rudeness is a complaint about staff when the message is about health care
    # ("нахамили в регистратуре"), not in "начальник накричал на работе".
    "complaint_doctor": {"medical": frozenset({"нагрубить"})},
    # "куда писать" is asked of every appeal ("куда написать жалобу на врача"): the
    # ministry-or-clinic entry is named by минздрав/больница/медорганизация.
    "where_to_appeal": {"drop": frozenset({"писать"})},
    # The licence alone is the driving school's or the traffic police's ("как сдать на
    # права"); the medical certificate for it is said with справка/медкомиссия/медосмотр.
    "driver_medical": {"medical": frozenset({"водительский", "гибдд", "право"})},
}


def derive_keys(
    entries: Iterable[FaqEntry],
    analyzer: Analyzer,
    idf: Mapping[str, float],
    *,
    generic_share: float = 0.25,
    max_keys: int = 4,
    exclusive: bool = True,
    overrides: Mapping[str, Mapping[str, frozenset[str]]] | None = None,
    terms: Callable[[str], dict[str, float]] | None = None,
) -> list[EntryKeys]:
    """Key concepts of each entry (see the module docstring), in the order of `entries`."""
    entries = list(entries)
    overrides = KEY_OVERRIDES if overrides is None else overrides

    def strong_terms(text: str) -> set[str]:
        found = terms(text) if terms else analyzer.terms(analyzer.tokens(text))
        # Weak words (0.3) and broader concepts (0.5) are not what an entry is about.
        return {t for t, w in found.items() if w >= 1.0 and t not in analyzer.weak}

    per_entry: list[list[set[str]]] = []
    topical_df: dict[str, int] = defaultdict(int)
    for e in entries:
        sets = [strong_terms(t) for t in (e.question, *e.alt)]
        if e.tags:
            sets.append(strong_terms(" ".join(e.tags)))
        per_entry.append(sets)
        for t in set().union(*sets):
            topical_df[t] += 1

    n = max(len(entries), 1)
    keys: list[EntryKeys] = []
    for e, sets in zip(entries, per_entry, strict=True):
        count: dict[str, int] = defaultdict(int)
        for s in sets:
            for t in s:
                count[t] += 1
        question = sets[0]
        shared = [t for t, c in count.items() if c >= 2] if len(sets) > 1 else list(question)
        # Concepts most entries say ("врач", "поликлиника") tell the entries apart
        # only with more words; a key concept must be rarer (unless nothing else is left).
        specific = [t for t in shared if topical_df[t] / n <= generic_share or n < 4]

        chosen = _by_weight(specific, count, idf)[:max_keys]
        if not chosen:
            # Nothing specific is shared: the question's rarest concepts, then anything shared.
            chosen = (sorted(question, key=lambda t: (-idf.get(t, 0.0), t))[:2]
                      or _by_weight(shared, count, idf)[:2])
        core = set(chosen)
        fix = overrides.get(e.id)
        if fix:
            core = (core | set(fix.get("add", ()))) - set(fix.get("drop", ()))
        own: set[str] = set()
        if exclusive:
            # A concept that no other entry's phrasings say is this entry's own ("нагрубить",
            # "командировка"), however few of its phrasings say it.
            own = {t for s in sets for t in s if topical_df[t] == 1}
            if fix:
                own -= set(fix.get("drop", ()))
        medical_only = frozenset(fix.get("medical", ())) if fix else frozenset()
        keys.append(EntryKeys(frozenset(core), frozenset(own | core), medical_only))
    return keys


def _by_weight(ts: list[str], count: Mapping[str, int], idf: Mapping[str, float]) -> list[str]:
    """The most repeated concepts first, then the rarest (highest IDF)."""
    return sorted(ts, key=lambda t: (-count[t], -idf.get(t, 0.0), t))
