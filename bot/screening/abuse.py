"""Obscene language and threats in a citizen's appeal (59-FZ, art. 11, part 3).

An appeal "containing obscene or offensive expressions, threats to the life, health or
property of an official or of members of his family" may be left without an answer on the
merits, the author being told not to abuse the right. `screen` says which of the two a text
holds; what to do about it is the caller's decision.

Obscene: the mat roots (хуй, пизд-, ебать, блядь, мудак, пидор, сука, залупа, манда) as
words, matched on a normalised reading that undoes the usual disguises: Latin or digit
look-alikes ("xyй", "6ля"), repeated letters ("сууука"), letters spaced or dotted apart
("х у й", "б.л.я"), a star for a letter ("п**да", "х*й"), the Latin keyboard layout and
transliteration ("pizdec"). Roots sit at the start of a word or after a prefix, so "хлеба",
"небо", "себе", "страхует", "мандарин", "команда", "сукно", "ухудшение" are left alone.

Threat: a first-person promise of violence against people or property ("убью", "взорвём",
"подожгу", "голову оторву", "вам не жить"), or a harm verb aimed at a person ("убить
врача"). Medicine ("убить инфекцию", "боль убивает", "ребёнок порезался") and the lawful
ways to complain ("подам в суд", "напишу в прокуратуру") are not threats.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache

from textnorm import from_translit, from_wrong_layout


class AbuseKind(StrEnum):
    OBSCENE = "obscene"
    THREAT = "threat"


# --- normalisation -------------------------------------------------------------------

# Latin and digit look-alikes inside a Cyrillic word, by shape or by sound.
_LATIN_LOOKALIKE = {
    "a": "а", "b": "б", "c": "с", "d": "д", "e": "е", "h": "н", "k": "к", "m": "м", "n": "п", "o": "о", "p": "р",
    "r": "г", "t": "т", "u": "и", "x": "х", "y": "у", "z": "з",
}
_LETTERS_ONLY = str.maketrans(_LATIN_LOOKALIKE)
_LOOKALIKE = str.maketrans({**_LATIN_LOOKALIKE, "0": "о", "3": "з", "4": "ч", "6": "б", "9": "я", "@": "а"})
_WILDCARDS = "*#%"
_SQUEEZE = re.compile(r"([а-я])\1+")
_INNER_PUNCT = re.compile(r"(?<=[а-я*])[.\-_'\"`~^|,]+(?=[а-я*])")
_SPACED_LETTERS = re.compile(r"(?<![^\s.,!?])(?:[а-яa-z*][\s.,_\-]+){2,}[а-яa-z*](?![^\s.,!?])")
_TOKEN = re.compile(r"[^\s]+")
_PARTS = re.compile(r"[^\w*@]+")
_NOT_LETTER = re.compile(r"[^а-я*]+")
_HAS_CYRILLIC = re.compile(r"[а-яё]")
_HAS_LATIN = re.compile(r"[a-z]")


def _fold(text: str) -> str:
    return text.lower().replace("ё", "е")


def _latin_readings(token: str) -> set[str]:
    """A Latin word read as Russian: look-alikes, transliteration, the wrong keyboard layout.
    A reading that leaves a Latin letter unread is no reading ("web" is not "w" + "еб")."""
    readings = {token.translate(_LOOKALIKE), from_translit(token), from_wrong_layout(token).lower()}
    return {r for r in readings if not _HAS_LATIN.search(r)}


def _words(token: str) -> tuple[set[str], set[str]]:
    """The Russian words a token may have been meant as: (from Cyrillic, from Latin letters)."""
    cyrillic: set[str] = set()
    latin: set[str] = set()
    for variant in {token, _INNER_PUNCT.sub("", token)}:  # "х.у.й", but also "сука-бля"
        for part in _PARTS.split(variant):
            if _HAS_CYRILLIC.search(part) or "*" in part:
                mapped = part.translate(_LOOKALIKE)
                if not _HAS_LATIN.search(mapped):
                    cyrillic.update(_NOT_LETTER.split(mapped))
            elif _HAS_LATIN.search(part):
                latin.update(w for r in _latin_readings(part) for w in _NOT_LETTER.split(r))
        if _HAS_LATIN.search(variant) and not _HAS_CYRILLIC.search(variant):
            latin.update(w for r in _latin_readings(variant.rstrip(".,!?:;")) for w in _NOT_LETTER.split(r))
    squeeze = _SQUEEZE.sub
    return ({w for x in cyrillic if x for w in (x, squeeze(r"\1", x))},
            {w for x in latin if x for w in (x, squeeze(r"\1", x))})


# --- obscene -------------------------------------------------------------------------

_PREFIX = r"(?:на|по|ни|от|о|об|за|до|при|про|рас|раз|под|пере|недо|у|вы|с|долбо)?"
_HARD_PREFIX = r"(?:за|на|вы|у|до|по|при|пере|про|недо|от|о|ху|долбо|(?:от|в|с|под|об|из|раз|вз)[ъь])?"
_OBSCENE_WORD = re.compile(
    rf"^{_PREFIX}ху(?:[йеияюы])"  # хуй, хуе-, хуя, нахуй, охуеть (not "худой", "хуже", "ухудшение")
    r"|п[иеё][зс]д"  # пизда, пиздец, спиздить, писдец
    rf"|^{_HARD_PREFIX}еб(?:[аеиоуылнкчт]|$)|долбо[её]б|^(?:за|на|вы|у)?иба(?:[лтн])"  # ебать, заебал, съебись
    r"|^(?:вы|на|ис|по|раз|с)?бля(?:[дт]|$)"  # бля, блядь, блять, выблядок (not "бляха", "бляшка")
    r"|^(?:об)?муд(?:а[кч]|ил|озвон|оеб)"  # мудак, мудила (not "мудрый")
    r"|^п[иеё]д(?:[оа]р|рил|ри[лк]|р$|ры$)|педераст|^педик(?:а|и|у|ов|ом|ами)?$"  # not "педиатр", "педикюр"
    r"|^сук(?:а|и|е|у|ой|ою|ин|ина|ины|иного|ину|ины)$|^сучк(?:а|и|е|у|ой)$|^сучар|^суч(?:ий|ье|ья|ьи)$"
    r"|залуп"
    r"|^манд(?:а|ы|е|у|ой|авошк[а-я]*|ец)$"
)
# Russian typed in Latin letters is checked for the plain roots only ("ebay" and "ebook" are no "ебать").
_OBSCENE_LATIN = re.compile(
    r"^(?:на|по|ни|от|за|до|вы)?ху(?:[йияею]|ил|ел)|пизд|^(?:за|на|вы|у|до|от|отъ|съ)?еб(?:а[лтнш]|ан|л[аои]|н[уи])"
    r"|^бля(?:[дт]|$)|^сук[аи]$|^пид[оа]р|^муда[кч]|залуп"
)
# Whole words a star may stand in ("х*й", "п**да", "б***ь"): each star is one letter.
_STARRED_WORDS = (
    "хуй", "хуя", "хуе", "хую", "хуи", "хуйня", "хуйню", "хуево", "хуета", "нахуй", "похуй", "нихуя", "охуеть",
    "охуел", "пизда", "пизде", "пизду", "пизды", "пиздец", "пиздеж", "пиздит", "ебать", "ебал", "ебала", "ебали",
    "ебло", "ебаный", "ебанутый", "ебаться", "заебал", "заебали", "заебись", "отъебись", "уебок", "уебище",
    "блядь", "блять", "бляди", "бля", "мудак", "мудила", "пидор", "пидорас", "пидарас", "сука", "суки", "сучка",
    "залупа", "манда",
)
_STARRED_BY_LENGTH: dict[int, tuple[str, ...]] = {}
for _w in _STARRED_WORDS:
    _STARRED_BY_LENGTH[len(_w)] = (*_STARRED_BY_LENGTH.get(len(_w), ()), _w)


def _starred_match(word: str) -> bool:
    letters = sum(ch != "*" for ch in word)
    if letters < 2 or (word[0] == "*" and word[-1] == "*"):  # "*очень*" is emphasis
        return False
    return any(all(c == "*" or c == k for c, k in zip(word, known, strict=True))
               for known in _STARRED_BY_LENGTH.get(len(word), ()))


@lru_cache(maxsize=50_000)
def _is_obscene_word(word: str) -> bool:
    if "*" in word:
        return _starred_match(word)
    return bool(_OBSCENE_WORD.search(word))


def is_obscene(text: str) -> bool:
    """True if the text holds a mat word, disguised or not."""
    low = _fold(text)
    for ch in _WILDCARDS:
        low = low.replace(ch, "*")
    low = _SPACED_LETTERS.sub(lambda m: re.sub(r"[\s.,_\-]+", "", m.group()), low)
    for token in _TOKEN.findall(low):
        cyrillic, latin = _words(token)
        if any(_is_obscene_word(w) for w in cyrillic) or any(_OBSCENE_LATIN.search(w) for w in latin):
            return True
    return False


# --- threats -------------------------------------------------------------------------

_W = r"(?:\s+[а-я-]+){0,2}?\s+"  # up to two words between
# Promises of violence in the first person: a threat by themselves.
_HARM_1ST = (
    r"убью|убьем|пристрелю|пристрелим|застрелю|застрелим|расстреляю|расстреляем|перестреляю|перестреляем|"
    r"зарежу|зарежем|прирежу|прирежем|взорву|взорвем|подожгу|подожжем|задушу|задушим|придушу|придушим|"
    r"удавлю|удавим|прикончу|прикончим|урою|уроем|закопаю|закопаем|покалечу|покалечим|изувечу|изобью|изобьем|"
    r"отпизжу|отмудохаю|замочу|замочим|грохну|грохнем|пришибу|прибью|прибьем|порешу|сожгу|сожжем|спалю|спалим|"
    r"порежу|порежем|перережу|подорву|подорвем"
)
# Of those, the ones with a harmless everyday sense need a person or property after them.
_NEEDS_OBJECT = frozenset({"замочу", "замочим", "грохну", "грохнем", "прибью", "прибьем", "порежу", "порежем",
                           "перережу", "спалю", "спалим", "подорву", "подорвем", "сожгу", "сожжем", "закопаю",
                           "закопаем", "урою", "уроем", "порешу"})
_HARMLESS_OBJECT = re.compile(
    r"(?:себя|сам|сама|сами|не|боль|боли|болью|время|день|вечер|час|лук|хлеб|пол|мозг|мозги|нервы|здоровье|"
    r"белье|семена|рассаду|траву|мусор|листья|ногти|волосы|фото|"
    r"(?:инфекци|вирус|бактери|микроб|грибок|грибк|паразит|глист|клещ|таракан|комар|мух|моль|мяс|овощ|вещ|"
    r"бумаг|дров|ленточк|капуст|огурц|бутылк|конверт)[а-я]*)$"
)
# Infinitives and other forms that threaten only with a person or property as the object.
_HARM_ANY = (
    r"уб(?:ить|ивать|ью|ьем)|пристрел\w*|застрел(?:ить|ю|им)|расстрел(?:ять|ивать|яю|яем)|перестрел(?:ять|яю)|"
    r"зарез(?:ать|ать)|зареж\w*|прирез(?:ать)|прирежу|перережу|порежу|взорв(?:ать|у|ем)|подорв(?:ать|у|ем)|"
    r"подж(?:ечь|гу|жем)|подожг\w*|сж(?:ечь|гу|жем)|сожг\w*|спал(?:ить|ю|им)|задуш(?:ить|у|им)|придуш(?:ить|у)|"
    r"прикончить|закопа(?:ть|ю|ем)|покалечить|изби(?:ть)|изобью|прибить|прибью|грохнуть|грохну|замочить|замочу"
)
_PERSON = (
    r"(?:вас|тебя|вам|тебе|всех|вашего|вашу|ваших|ваш|ваше|вашим|твою|твоего|твоих|твой|эту|этого|этих|"
    r"врач[а-я]*|доктор[а-я]*|главврач[а-я]*|медсестр[а-я]*|сотрудни[а-я]*|регистратор[а-я]*|заведующ[а-я]*|"
    r"фельдшер[а-я]*|терапевт[а-я]*|хирург[а-я]*|педиатр[а-я]*|гинеколог[а-я]*|персонал|начальни[а-я]*|"
    r"директор[а-я]*|министр[а-я]*|чиновни[а-я]*|семь[июяе]|дет(?:ей|и)|жену|мужа|больниц[уы]|поликлиник[уи]|"
    r"здание|кабинет|машин[уы]|дом|квартир[уы]|офис|регистратур[уы])"
)
_BODY = r"(?:голову|башку|бошку|шею|руки|ноги|челюсть|хребет|кости|яйца|кишки|уши|язык)"
_TO_YOU = r"(?:вам|тебе|ему|ей|им)"
_TEAR_OFF = r"(?:оторву|оторвем|сверну|свернем|отрежу|отрежем|проломлю|проломим|снесу|снесем|выпущу|выпустим)"
_BREAK = r"(?:сломаю|сломаем|переломаю|переломаем|отобью|отобьем)"
_FACE = r"(?:морду|рожу|ебало|хлебало|физиономию|харю)"
_SMASH = r"(?:набью|набьем|разобью|разобьем|расквашу|начищу)"
_THREAT_PHRASES = re.compile(
    r"\b(?:вам|тебе|вам\s+всем)\s+(?:не\s+жить|конец|хана|крышка|кранты|не\s+поздоровится|мало\s+не\s+покажется)\b"
    r"|\bне\s+жить\s+(?:вам|тебе)\b|\bжить\s+(?:вам|тебе)\s+(?:осталось|недолго)"
    r"|\bготовь(?:те)?\s+гроб|\bкровью\s+(?:умоет|умоешь|харкать|ссать)"
    rf"|\b{_BODY}\s+(?:{_TO_YOU}\s+)?{_TEAR_OFF}\b|\b{_TEAR_OFF}\s+(?:{_TO_YOU}\s+)?{_BODY}"
    rf"|\b{_BODY}\s+{_TO_YOU}\s+{_BREAK}\b|\b{_BREAK}\s+{_TO_YOU}\s+{_BODY}"  # not "ноги сломаю на льду"
    rf"|\b{_FACE}\s+(?:{_TO_YOU}\s+)?{_SMASH}\b|\b{_SMASH}\s+(?:{_TO_YOU}\s+)?{_FACE}"
    r"|\b(?:зубы|глаза)\s+(?:вам\s+|тебе\s+)?(?:выбью|выколю|вышибу)|\b(?:выбью|выколю|вышибу)\s+(?:вам\s+|тебе\s+)?"
    r"(?:зубы|глаза|мозги)"
    r"|\bприд(?:у|ем)\s+(?:к\s+вам\s+)?с\s+(?:нож|топор|ружь|бит|пистолет|обрез|автомат|гранат|канистр|бензин|"
    r"арматур|кувалд|молотк)"
    r"|\b(?:заложу|заложил|подложу|принесу)\s+(?:вам\s+)?(?:бомб|взрывчатк|гранат)|\bзаминир"
    r"|\bпущу\s+(?:вам\s+|тебе\s+)?(?:пулю|кровь)|\bпулю\s+в\s+лоб"
    r"|\b(?:разнесу|разнесем|разгромлю|разгромим)\s+(?:к\s+чертям\s+)?(?:всю\s+)?(?:вашу|ваш|твою|эту|этот|больниц|"
    r"поликлиник|регистратур|кабинет|офис|здание|приемн)"
    r"|\b(?:разобью|разобьем|побью|перебью)\s+(?:вам\s+|все\s+)?(?:окна|стекла|машину|витрин)"
    r"|\b(?:вы|ты)\s+(?:все\s+)?(?:у\s+меня\s+)?(?:сдохнете|сдохнешь)"
    r"|\bзнаю,?\s+где\s+(?:ты\s+живешь|вы\s+живете|живут\s+ваш|живет\s+ваш|учатся\s+ваш|живет\s+тво)"
    r"|\bдоберусь\s+до\s+(?:вас|тебя|ваш|тво)|\bдо\s+(?:вас|тебя)\s+(?:еще\s+)?доберусь"
)
# Threats whose other reading is a lawful complaint ("вы пожалеете: я подам в суд").
_VAGUE_THREATS = re.compile(
    r"(?<!не )\b(?:пожалеете|пожалеешь|отомщу|отомстим|поплатитесь|поплатишься|ответишь\s+за|ответите\s+за)\b"
    r"|(?<!не )\bнайду\s+(?:тебя|вас|каждого|где\s+(?:ты|вы))"
)
_LAWFUL = re.compile(
    r"суд|прокурор|прокуратур|минздрав|министерств|жалоб|пожалуюсь|роспотреб|росздрав|полици|депутат|губернатор|"
    r"администрац|тфомс|страхов|омбудсмен|уполномоченн|президент|журналист|сми\b|телевиден|юрист|адвокат|"
    r"заявлени|следствен|ск\b|фсб|проверк|огласк|лицензи"
)
_HARM_1ST_RE = re.compile(rf"(?<![а-я-])({_HARM_1ST})(?![а-я])")
_HARM_OBJECT_RE = re.compile(
    rf"(?<![а-я-])(?:{_HARM_ANY})(?![а-я])(?P<between>{_W}){_PERSON}(?![а-я])"
    rf"|(?<![а-я-])(?:вас|тебя|всех|таких|этих|этого|эту)(?P<between2>{_W})(?:{_HARM_ANY})(?![а-я])"
)
_PERSON_WORD = re.compile(_PERSON)
_OBJECT_AFTER = re.compile(rf"{_W}{_PERSON}(?![а-я])")
_NEGATION = re.compile(r"(?:^|\s)(?:не|ни|никого|никогда)\s+(?:[а-я]+\s+)?$")
_SENTENCES = re.compile(r"[^.!?\n]+")
_THREAT_TEXT = re.compile(r"[^а-я0-9\s.!?,:;-]+")


def _next_words(text: str, end: int, n: int = 2) -> list[str]:
    return re.findall(r"[а-я]+", text[end:end + 15 * n])[:n]


def _harmless_object_follows(sentence: str, end: int) -> bool:
    """The next few words name something harmless before they name anyone."""
    for word in _next_words(sentence, end, 4):
        if word in ("вам", "тебе"):  # "взорву вам мозг": whom to, not whom
            continue
        if _PERSON_WORD.fullmatch(word):
            return False
        if _HARMLESS_OBJECT.match(word):
            return True
    return False


def _threatens(sentence: str) -> bool:
    for m in _HARM_1ST_RE.finditer(sentence):
        if _NEGATION.search(sentence[:m.start()]):
            continue
        before = re.findall(r"[а-я]+", sentence[max(0, m.start() - 20):m.start()])[-2:]
        if any(_HARMLESS_OBJECT.match(w) for w in before) or _harmless_object_follows(sentence, m.end()):
            continue  # "себя убью", "убью себя", "закопаю семена", "убью на это целый день"
        if m.group(1) in _NEEDS_OBJECT and not _OBJECT_AFTER.match(sentence, m.end()):
            continue
        return True
    for m in _HARM_OBJECT_RE.finditer(sentence):
        # "всех паразитов убить", "вас не убью", "взорву вам мозг": not at a person.
        between = re.findall(r"[а-я]+", m.group("between") or m.group("between2") or "")
        if m.group().endswith(("вам", "тебе")):
            between += _next_words(sentence, m.end(), 1)
        if not _NEGATION.search(sentence[:m.start()]) and not any(_HARMLESS_OBJECT.match(w) for w in between):
            return True
    if _THREAT_PHRASES.search(sentence):
        return True
    return bool(_VAGUE_THREATS.search(sentence)) and not _LAWFUL.search(sentence)


def is_threat(text: str) -> bool:
    """True if the text threatens the life, health or property of a person."""
    low = _fold(text)
    if _HAS_LATIN.search(low) and _HAS_CYRILLIC.search(low):
        low = low.translate(_LETTERS_ONLY)
    low = _THREAT_TEXT.sub(" ", low)
    return any(_threatens(" " + s.strip() + " ") for s in _SENTENCES.findall(low))


def screen(text: str) -> frozenset[AbuseKind]:
    """Which kinds of abuse (art. 11 of 59-FZ) the text holds; empty for a clean text."""
    if not text:
        return frozenset()
    found: set[AbuseKind] = set()
    if is_obscene(text):
        found.add(AbuseKind.OBSCENE)
    if is_threat(text):
        found.add(AbuseKind.THREAT)
    return frozenset(found)
