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
    "больняк": "больничный", "больничник": "больничный",
    # records: the discharge summary is the "выписка" of the records entry
    "эпикриз": "выписка",
    # attaching to a clinic
    "приписаться": "прикрепиться", "приписка": "прикрепиться", "приписать": "прикрепиться",
    # dentist
    "зубник": "стоматолог",
    # vaccination: the Mantoux test and boosters are asked about as vaccinations
    "манту": "прививка", "ревакцинация": "прививка", "бцж": "прививка",
    "диаскинтест": "прививка",
    # planned hospitalisation: "ложиться в стационар" ("положить" is too many other things)
    "ложиться": "лечь",
    # cancelling an appointment
    "отписаться": "отмена",
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
    ("профилактический", "осмотр"): "диспансеризация",
}
