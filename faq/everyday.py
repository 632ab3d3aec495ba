"""Everyday words for what the FAQ's entries say (issue 18): how citizens really write.

The entries say "узкий специалист", "пожаловаться на врача", "больничный лист"; comments
in VK and Telegram say "к лору", "нахамили в регистратуре", "больняк". The families
below map the everyday words to the concepts the entries use, so a question far from
an entry's words still lands on it. faq.synonyms merges them into its SYNONYMS,
CLASS_WORDS and PHRASES; they are plain data, like it.

* SPECIALISTS (a word class, CLASSES): every narrow specialist, by name or by its
  everyday name ("лор", "глазник", "кожник"), says the concept "специалист" with
  faq.analysis.CLASS_WEIGHT and nothing else. The FAQ says nothing about one specialty
  that it does not say about all of them ("нужно ли направление к ..."), and a
  specialty no entry names would otherwise count as a word the FAQ does not know
  (evidence against every entry). Partly, because naming a specialist does not yet say
  what about ("запись к урологу" is a booking). The dentist and the primary-care
  doctors (терапевт, педиатр) are topics of their own and are not here.
* RUDENESS: the ways of saying that staff were rude, one concept ("нагрубить", which
  the complaint entry says). Said without anything medical ("начальник накричал") it is
  not a health question: faq.gate.KEY_OVERRIDES counts it for the complaint entry only
  in a message with a medical sense.
* STAFF: the registrar is the registry ("регистраторша" -> "регистратура").
* OTHER: everyday names of the things the entries are about ("больняк", "эпикриз",
  "приписаться", "манту").
"""

from __future__ import annotations

__all__ = ["CLASSES", "PHRASES", "SYNONYMS"]

_SPECIALIST_NAMES = """
    кардиолог невролог невропатолог окулист офтальмолог лор отоларинголог хирург
    эндокринолог гинеколог акушер уролог дерматолог дерматовенеролог венеролог психиатр
    нарколог онколог травматолог ортопед гастроэнтеролог ревматолог аллерголог
    иммунолог психотерапевт нефролог пульмонолог инфекционист гематолог маммолог
    проктолог колопроктолог сурдолог гепатолог флеболог сомнолог андролог
    лора лорик лорврач ухогорлонос глазник кожник кожвенеролог гинек
""".split()

SPECIALISTS: dict[str, str] = dict.fromkeys(_SPECIALIST_NAMES, "специалист")

RUDENESS: dict[str, str] = dict.fromkeys(
    """наорать накричать оскорбить оскорблять оскорбление унизить унижать
       хамло хабалка грубиян грубиянка хамоватый невежливый невежливо неуважительно
       неуважение""".split(),
    "нагрубить",
)

# A registrar is asked about as the registry ("нахамила регистраторша" is "нагрубили в
# регистратуре"). Nurses and orderlies are not mapped: "медсестра" stays a word the FAQ
# does not know, so "курсы медсестёр" is not a question for it, and "медсестра
# нахамила" is a complaint by its rudeness.
STAFF: dict[str, str] = dict.fromkeys("регистраторша регистратор".split(), "регистратура")

OTHER: dict[str, str] = {
    # sick leave
    "больняк": "больничный", "больничник": "больничный", "лн": "больничный", "элн": "больничный",
    # records: the discharge summary is the "выписка" of the records entry
    "эпикриз": "выписка",
    # attaching to a clinic ("по месту жительства", "не только по прописке")
    "прописка": "жительство", "приписаться": "прикрепиться", "приписка": "прикрепиться", "приписать": "прикрепиться",
    # the insurers (СМО) by name ("перейти из согаза в другую страховую")
    **dict.fromkeys("согаз согаза согазе согазу ингосстрах альфастрахование".split(), "страховая"),
    # dentist
    "зубник": "стоматолог",
    # vaccination: the Mantoux test and boosters are asked about as vaccinations
    "манту": "прививка", "ревакцинация": "прививка", "бцж": "прививка",
    "диаскинтест": "прививка",
    # a specialist without a referral: "напрямую", "минуя участкового"
    "напрямую": "направление", "минуя": "направление",
    # planned hospitalisation: "ложиться в стационар" ("положить" is too many other things)
    "ложиться": "лечь",
    # cancelling or moving an appointment
    "отписаться": "отмена", "сдвинуть": "перенос", "передвинуть": "перенос",
    "перезаписаться": "перенос",
    # choosing a doctor: "не нравится участковый" is "не устраивает лечащий врач"
    "нравиться": "устраивать",
    # dentist: a crown is a prosthesis ("протезирование в базовую программу не входит")
    "коронка": "протезирование",
    # appeals: a letter to the clinic or the ministry is an appeal
    "письмо": "обращение",
    # check-ups
    "диспансеризацию": "диспансеризация", "диспансерка": "диспансеризация",
}

SYNONYMS: dict[str, str] = {**RUDENESS, **STAFF, **OTHER}
# Word classes (faq.analysis.CLASS_WEIGHT): members say their class, partly.
CLASSES: dict[str, str] = {**SPECIALISTS}

PHRASES: dict[tuple[str, ...], str] = {
    # "группа" is a VK group elsewhere (faq.synonyms); not in "группа инвалидности"
    ("группа", "инвалидность"): "инвалидность",
    ("глазной", "врач"): "специалист",
    ("ухо", "горло", "нос"): "специалист",
    ("врач", "ухо", "горло"): "специалист",
    ("грубо", "разговаривать"): "нагрубить", ("грубо", "говорить"): "нагрубить",
    ("грубо", "общаться"): "нагрубить", ("грубо", "ответить"): "нагрубить",
    ("плохой", "отношение"): "нагрубить", ("хамский", "отношение"): "нагрубить",
    ("грубый", "отношение"): "нагрубить",
    # a bad attitude to patients is the complaint entry's "хамское отношение персонала"
    **{(adj, "отношение"): "нагрубить" for adj in """ужасный отвратительный наплевательский
       безразличный равнодушный халатный пренебрежительный""".split()},
    ("профилактический", "осмотр"): "диспансеризация",
    ("удалить", "запись"): "отмена",
    # who reads what I send: the personal data entry's "кто увидит моё обращение"
    ("кто", "читать"): "увидеть", ("кто", "быть", "читать"): "увидеть",
    # "попасть к врачу" is getting an appointment with one's own doctor (a specialist is
    # faq.everyday.SPECIALISTS: "попасть к кардиологу" stays the referral's question)
    **{key: f"запись {doctor}" for doctor in "врач терапевт педиатр".split()
       for key in (("попасть", "к", doctor), ("к", doctor, "попасть"))},
    ("попасть", "на", "прием"): "запись прием", ("на", "прием", "попасть"): "запись прием",
    # the driving licence: "справка на права", "медкомиссия для прав"
    ("на", "право"): "водительский", ("для", "право"): "водительский",
    # opening hours: "в субботу поликлиника открыта"
    **{(place, "открыть"): "режим" for place in "поликлиника больница регистратура".split()},
    # complaints about the treatment: "плохое лечение", "неправильное лечение"
    ("плохой", "лечение"): "плохо", ("неправильный", "лечение"): "неправильно",
    # "к гинекологу сразу или сначала к терапевту": the referral
    **{("сначала", "к", doctor): "направление" for doctor in "терапевт участковый педиатр".split()},
    # "что с моим обращением", "что там с ней": the status of something sent
    ("что", "с", "мой"): "статус", ("что", "там", "с"): "статус",
    ("что", "с", "она"): "статус", ("что", "с", "он"): "статус",
    ("неотложный", "медицинский", "помощь"): "неотложный",
    ("скорый", "медицинский", "помощь"): "скорая",
    ("высокотехнологичный", "операция"): "вмп", ("высокотехнологичный", "лечение"): "вмп",
}
