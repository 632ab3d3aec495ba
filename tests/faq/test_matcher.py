"""FaqMatcher behaviour on the seed FAQ: colloquial Russian, typos, layout, translit, scope."""

from __future__ import annotations

import pytest

from faq import FaqEntry, FaqMatcher, FaqResult
from tests.faq_helpers import answer_id


def test_contract_example(matcher: FaqMatcher) -> None:
    r = matcher.match("как вызвать врача на дом")
    assert isinstance(r, FaqResult)
    assert isinstance(r.answer, FaqEntry)
    assert r.answer.id == "doctor_home_visit"
    assert r.score >= matcher.config.answer_threshold
    assert len(r.suggestions) <= 3
    assert r.answer not in r.suggestions
    assert len(r.scores) == len(r.suggestions)


def test_entries_and_get(matcher: FaqMatcher) -> None:
    assert len(matcher.entries) == 33
    assert matcher.get("ambulance").question == "Как вызвать скорую помощь?"
    assert matcher.get("no_such_id") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("записаться к врачу", "appointment_how"),
        ("как отменить запись к врачу", "appointment_cancel"),
        ("номер скорой", "ambulance"),
        ("как прикрепиться к поликлинике", "attach_clinic"),
        ("потерял полис", "oms_policy_lost"),
        ("как сменить страховую компанию", "oms_change_insurer"),
        ("сроки ожидания мрт", "waiting_times"),
        ("как пройти диспансеризацию", "dispanserization"),
        ("прививка от гриппа бесплатно", "vaccination"),
        ("как открыть больничный", "sick_leave"),
        ("врач нагрубил", "complaint_doctor"),
        ("навязывают платные услуги", "paid_services"),
        ("лечение зубов бесплатно", "dental_oms"),
        ("где посмотреть результаты анализов", "test_results"),
        ("как оформить инвалидность", "disability_mse"),
        ("справка для гибдд", "driver_medical"),
        ("статус обращения", "appeal_status"),
        ("во сколько открывается поликлиника", "working_hours"),
        ("телефон минздрава", "hotline"),
        ("удалить мои данные", "personal_data"),
    ],
)
def test_plain_questions(matcher: FaqMatcher, text: str, expected: str) -> None:
    assert answer_id(matcher, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("маме плохо, как вызвать доктора домой", "doctor_home_visit"),
        ("у ребенка температура 39 нужен педиатр на дом", "doctor_home_visit"),
        ("хочу сменить поликлинику", "attach_clinic"),
        ("забыл полис дома, примут ли меня", "oms_policy_lost"),
        ("помогут ли без полиса", "emergency_without_policy"),
        ("ЗдравСтвуйте!!! Подскажите пожалуйста, как записаться к терапевту?", "appointment_how"),
    ],
)
def test_colloquial(matcher: FaqMatcher, text: str, expected: str) -> None:
    assert answer_id(matcher, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("номерок к доктору", "appointment_how"),  # номерок = талон = запись, доктор = врач
        ("талончик к врачу", "appointment_how"),
        ("как вызвать доктора на дом", "doctor_home_visit"),
        ("03", "ambulance"),  # скорая / 03 / 103
        ("скорая 103 с мобильного", "ambulance"),
        ("бюллетень", "sick_leave"),
        ("льготные препараты", "free_medicines"),
        ("вакцинация взрослых от гриппа", "vaccination"),
        ("украли страховой полис", "oms_policy_lost"),
    ],
)
def test_synonyms(matcher: FaqMatcher, text: str, expected: str) -> None:
    assert answer_id(matcher, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("как записатся к терапефту", "appointment_how"),
        ("бальничный", "sick_leave"),
        ("диспансеризацыя", "dispanserization"),
        ("прикрепиться к поликленике", "attach_clinic"),
        ("вызвать скорю", "ambulance"),
    ],
)
def test_typos(matcher: FaqMatcher, text: str, expected: str) -> None:
    assert answer_id(matcher, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rfr dspdfnm dhfxf yf ljv", "doctor_home_visit"),  # "как вызвать врача на дом"
        (",jkmybxysq", "sick_leave"),  # "больничный": ',' is the Б key
        ("lbcgfycthbpfwbz", "dispanserization"),
        ("kak vyzvat vracha na dom", "doctor_home_visit"),
        ("skoraya pomoshch", "ambulance"),
        ("privivka ot grippa", "vaccination"),
        ("как вызвать dhfxf на дом", "doctor_home_visit"),  # one word on the wrong layout
    ],
)
def test_wrong_layout_and_translit(matcher: FaqMatcher, text: str, expected: str) -> None:
    assert answer_id(matcher, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "привет", "Здравствуйте!", "спасибо", "спасибо большое", "ок", "до свидания",
        "ghbdtn", "hi", "добрый вечер",
        "какая погода завтра", "как оплатить жкх", "не работает лифт",
        "налоговый вычет", "как получить загранпаспорт", "вызвать сантехника на дом",
        "записаться к ветеринару", "оплатить штраф", "курс доллара",
    ],
)
def test_out_of_scope_is_not_answered(matcher: FaqMatcher, text: str) -> None:
    assert matcher.match(text).answer is None


@pytest.mark.parametrize("text", ["привет", "спасибо", "какая погода завтра", "курс доллара"])
def test_small_talk_gets_no_suggestions(matcher: FaqMatcher, text: str) -> None:
    r = matcher.match(text)
    assert r.answer is None and r.suggestions == ()


def test_unsure_suggests_instead_of_answering(matcher: FaqMatcher) -> None:
    # "поликлиника" alone fits many entries: not a confident answer, but worth suggestions.
    r = matcher.match("поликлиника")
    assert r.answer is None
    assert 1 <= len(r.suggestions) <= 3
    assert list(r.scores) == sorted(r.scores, reverse=True)
    # Ambiguous between the two "appeal" entries: both suggested, neither answered.
    r = matcher.match("куда обращаться если больница не отвечает")
    assert r.answer is None
    assert {"where_to_appeal", "appeal_deadline"} <= {e.id for e in r.suggestions}


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n\t", "👍", "🙂🙂🙂", "???", "...", "12345", None, "а" * 10_000,
     "\x00\x01", "ёЁё"],
)
def test_odd_input_does_not_crash(matcher: FaqMatcher, text: str) -> None:
    r = matcher.match(text)  # type: ignore[arg-type]
    assert isinstance(r, FaqResult)
    assert r.answer is None and r.suggestions == () and r.score == 0  # not even a guess


def test_a_huge_repeated_question_does_not_crash_and_is_answered(matcher: FaqMatcher) -> None:
    assert answer_id(matcher, "как вызвать врача на дом " * 2_000) == "doctor_home_visit"


@pytest.mark.parametrize("text", ["", "   ", "👍", "🙂🙂🙂", "???", None])
def test_empty_input_gives_empty_result(matcher: FaqMatcher, text: str) -> None:
    r = matcher.match(text)  # type: ignore[arg-type]
    assert r.answer is None and r.suggestions == ()


def test_very_long_input_is_truncated(matcher: FaqMatcher) -> None:
    long = "как вызвать врача на дом " + "бла " * 5_000
    r = matcher.match(long)
    assert r.answer is not None and r.answer.id == "doctor_home_visit"


def test_single_generic_word_is_less_confident(matcher: FaqMatcher) -> None:
    # One common word weighs less than a specific one, even when both match an entry fully.
    assert matcher.match("поликлиника").score < matcher.match("диспансеризация").score
    assert matcher.match("скорая").answer.id == "ambulance"


def test_answer_text_counts_as_evidence(matcher: FaqMatcher) -> None:
    # "пломба" appears only in the dental answer text.
    assert answer_id(matcher, "пломба по омс") == "dental_oms"


def test_from_entries_and_operator_content_wins_over_off_topic() -> None:
    entries = [
        FaqEntry(id="school_note", question="Как получить справку для школы?",
                 answer="Справку выдаёт педиатр.", alt=("Справка в школу",)),
        FaqEntry(id="weather_ill", question="Болит голова при смене погоды",
                 answer="Обратитесь к терапевту.", alt=("Метеозависимость",)),
        FaqEntry(id="ambulance", question="Как вызвать скорую помощь?", answer="103."),
    ]
    m = FaqMatcher.from_entries(entries)
    assert answer_id(m, "справка в школу") == "school_note"
    assert answer_id(m, "болит голова при смене погоды") == "weather_ill"  # погода is in the FAQ
    assert answer_id(m, "скорая") == "ambulance"
    assert m.get("school_note") is entries[0]


def test_duplicate_ids_rejected() -> None:
    e = FaqEntry(id="x", question="Вопрос", answer="Ответ")
    with pytest.raises(ValueError):
        FaqMatcher.from_entries([e, e])


def test_empty_faq_matches_nothing() -> None:
    m = FaqMatcher.from_entries([])
    r = m.match("как вызвать врача на дом")
    assert r.answer is None and r.suggestions == ()


@pytest.mark.parametrize(
    ("text", "answer", "suggestions"),
    [
        # a long story: not sure enough to answer, but the right entry is the one suggestion
        pytest.param(
            "здравствуйте у меня отец после инсульта не ходит везти его в поликлинику мы не "
            "можем 5 этаж без лифта как вызвать доктора на дом", None, ["doctor_home_visit"],
            marks=pytest.mark.xfail(strict=True, reason=(
                "known regression of the 2026-12-04 matcher work: the question's clause "
                "leaves out most of the story's known words and scores 20.6, below the "
                "suggestion floor (faq.config clause_known_loss; 0 brings it back but "
                "costs 3.6 points on the fresh split)"))),
        ("добрый день у меня температура третий день на работе требуют справку "
         "как открыть больничный", "sick_leave", []),
    ],
)
def test_long_message_with_the_question_inside(matcher: FaqMatcher, text: str,
                                               answer: str | None,
                                               suggestions: list[str]) -> None:
    # The story around the question (even "лифт", a housing word) does not hide it.
    r = matcher.match(text)
    assert (r.answer.id if r.answer else None) == answer
    assert [e.id for e in r.suggestions] == suggestions


def test_clauses_split_at_question_openers() -> None:
    from faq.scoring import clauses

    parts = clauses("у мамы давление двести третий день как вызвать врача на дом")
    assert "как вызвать врача на дом" in parts
    assert clauses("скорая") == []


@pytest.mark.parametrize(
    "text",
    ["где купить полис осаго", "не убирают снег во дворе куда жаловаться",
     "во сколько открывается налоговая", "записаться на маникюр"],
)
def test_near_miss_of_other_services_is_not_answered(matcher: FaqMatcher, text: str) -> None:
    assert matcher.match(text).answer is None


def test_confidence_is_monotone() -> None:
    from faq.config import MatcherConfig
    from faq.policy import confidence

    cfg = MatcherConfig()
    assert confidence(cfg, 80, 20) > confidence(cfg, 60, 20) > confidence(cfg, 60, 55)
    assert 0.0 <= confidence(cfg, 0, 0) <= confidence(cfg, 100, 0) <= 1.0
