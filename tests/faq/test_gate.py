"""The second-stage gate (faq.gate): near misses are suggested, not answered confidently."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import pytest

from faq import FaqEntry, FaqMatcher
from faq.analysis import shared_analyzer
from faq.gate import KEY_OVERRIDES, derive_keys


def ids(entries: Iterable[FaqEntry]) -> set[str]:
    return {e.id for e in entries}


def test_keys_are_derived_from_the_phrasings(matcher: FaqMatcher) -> None:
    # What every phrasing of the policy entries says: полис / ОМС.
    assert {"полис", "омс"} <= matcher.key_concepts("oms_policy_get")
    assert "больничный" in matcher.key_concepts("sick_leave")
    assert "прививка" in matcher.key_concepts("vaccination")
    # A concept only this entry's phrasings say is its own too.
    assert "нагрубить" in matcher.key_concepts("complaint_doctor")
    # Weak words are never keys.
    assert "получить" not in matcher.key_concepts("oms_policy_get")
    assert matcher.key_concepts("no_such_id") == frozenset()


def test_manual_override_applies(matcher: FaqMatcher) -> None:
    keys = matcher.key_concepts("working_hours")
    assert "работа" not in keys  # "устроиться на работу" is not the opening hours
    assert {"режим", "выходной"} <= keys
    assert KEY_OVERRIDES["working_hours"]["drop"] == frozenset({"работа"})


def test_derive_keys_without_overrides_for_new_entries() -> None:
    entries = [
        FaqEntry(id="policy", question="Как получить полис ОМС?", answer="В страховой.",
                 alt=("Где сделать полис", "Полис для ребёнка")),
        FaqEntry(id="ambulance", question="Как вызвать скорую помощь?", answer="103.",
                 alt=("Номер скорой",)),
    ]
    m = FaqMatcher.from_entries(entries)
    keys = derive_keys(entries, shared_analyzer(), m.index.idf, overrides={})
    assert "полис" in keys[0].core
    assert "скорая" in keys[1].core


@pytest.mark.parametrize(
    ("text", "suggested"),
    [
        # FAQ words in another sense: suggested at most, never answered.
        ("рецепт борща", "free_medicines"),
        ("режим работы почты", "working_hours"),
        ("во сколько открывается сбербанк", "working_hours"),
        ("горячая линия ростелекома", "hotline"),
        ("страховой полис на квартиру от пожара", "oms_policy_lost"),
        ("как устроиться на работу в больницу", "working_hours"),
    ],
)
def test_near_miss_is_suggested_not_answered(
    matcher: FaqMatcher, text: str, suggested: str
) -> None:
    r = matcher.match(text)
    assert r.answer is None
    assert suggested in ids(r.suggestions)


@pytest.mark.parametrize(
    "text",
    ["рецепт борща", "режим работы почты", "горячая линия ростелекома",
     "как устроиться на работу в больницу"],
)
def test_without_the_gate_these_were_answered(matcher: FaqMatcher, text: str) -> None:
    # The same ranking without the second look answers them: the gate is what stops them.
    plain = FaqMatcher.from_entries(matcher.entries, replace(matcher.config, key_gate=False))
    assert plain.match(text).answer is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # In scope, the key concept said through a synonym or an entry's own word.
        ("страховка потерялась что делать", "oms_policy_lost"),
        ("поликлиника работает в субботу", "working_hours"),
        ("до которого часа работает регистратура", "working_hours"),
        ("хамство в регистратуре", "complaint_doctor"),
        ("сколько рассматривают жалобу", "appeal_deadline"),
        ("бюллетень по уходу за ребенком", "sick_leave"),
        ("я в другом городе в командировке заболел", "emergency_without_policy"),
        ("нужна выписка из медкарты для военкомата куда обращаться", "medical_records"),
        # An unknown noun beside two of the entry's key concepts is a circumstance, not
        # another service.
        ("как отменить запись если сайт не работает", "appointment_cancel"),
        ("как удалить мою переписку с ботом", "personal_data"),
    ],
)
def test_in_scope_still_answered(matcher: FaqMatcher, text: str, expected: str) -> None:
    r = matcher.match(text)
    assert r.answer is not None and r.answer.id == expected


def test_gate_fails_without_key_concept() -> None:
    entries = [
        FaqEntry(id="policy", question="Как получить полис ОМС?", answer="В страховой компании.",
                 alt=("Где оформить полис ОМС", "Полис ОМС для новорождённого")),
        FaqEntry(id="vaccination", question="Где сделать прививку?", answer="В поликлинике.",
                 alt=("Прививка от гриппа", "Прививка новорождённому")),
    ]
    m = FaqMatcher.from_entries(entries)
    assert m.match("где оформить полис омс").answer.id == "policy"
    facts = m.facts("где оформить для новорожденного")
    assert not m.passes_gate(m.get("policy"), facts)
    r = m.match("где оформить для новорожденного")
    assert r.answer is None
    assert "policy" in ids(r.suggestions)


def test_facts_of_a_message(matcher: FaqMatcher) -> None:
    f = matcher.facts("режим работы почты")
    assert not f.medical and f.unknown_nouns == 1 and f.content
    f = matcher.facts("у ребенка температура как вызвать врача")
    assert f.medical and "вызвать" in f.concepts
    assert matcher.facts("спасибо").content is False


@pytest.mark.parametrize(
    "text",
    ["спасибо большое вы мне очень помогли", "спасибо за ответ", "добрый день 🙂", "👍👍",
     "доброе утро", "здравствуйте", "спасибо всё понятно"],
)
def test_small_talk_is_never_answered_or_suggested(matcher: FaqMatcher, text: str) -> None:
    r = matcher.match(text)
    assert r.answer is None and r.suggestions == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("спасибо, а как узнать статус обращения", "appeal_status"),
     ("здравствуйте помогите вызвать скорую", "ambulance"),
     ("доброе утро, как записаться к врачу", "appointment_how")],
)
def test_politeness_around_a_question_is_not_small_talk(
    matcher: FaqMatcher, text: str, expected: str
) -> None:
    r = matcher.match(text)
    assert r.answer is not None and r.answer.id == expected
