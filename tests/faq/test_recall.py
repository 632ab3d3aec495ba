"""Recall work on the FAQ matcher (2026-11): answer-grounded concept groups, swapped letters,
story words, near misses of other services, the decision knobs and the blind2 split."""

from __future__ import annotations

import pytest

from faq import FaqEntry, FaqMatcher
from faq.analysis import Analyzer
from tests.faq_helpers import answer_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("пломба по омс", "dental_oms"),  # "пломбы" is in the dentistry answer
        ("кариес лечат бесплатно по полису", "dental_oms"),
        ("нужно ли направлять к гинекологу", "referral_specialist"),
        ("куда идти уколоться от гриппа", "vaccination"),
        ("надо оформить мсэк папе", "disability_mse"),
        ("заставляют платить за анализы по омс", "paid_services"),
        ("хочу стереть свои данные из бота", "personal_data"),
    ],
)
def test_answer_grounded_groups(matcher: FaqMatcher, text: str, expected: str) -> None:
    assert answer_id(matcher, text) == expected


def test_concepts_of_new_groups() -> None:
    an = Analyzer()
    terms = an.terms(an.tokens("поменять дату приема"))
    assert "перенос" in terms
    assert "отмена" in an.terms(an.tokens("снять запись к врачу"))
    assert "платный" in an.terms(an.tokens("купить за свой счёт"))
    assert an.terms(an.tokens("участковый"))["лечащий_врач"] == 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [("вызвать врча на дом", "doctor_home_visit"), ("потерял полси", "oms_policy_lost")],
)
def test_swapped_letters_in_short_words(matcher: FaqMatcher, text: str, expected: str) -> None:
    assert answer_id(matcher, text) == expected


def test_swap_correction_only_for_unknown_words(matcher: FaqMatcher) -> None:
    tok = matcher.index.token("врча")
    assert tok is not None and tok.lemma == "врач"
    tok = matcher.index.token("сантехник")  # a real word the FAQ does not know stays itself
    assert tok is not None and tok.lemma == "сантехник"


def test_story_words_do_not_block_the_answer(matcher: FaqMatcher) -> None:
    assert answer_id(matcher, "ребенку месяц полиса до сих пор нет где его делают") == (
        "oms_policy_get"
    )


@pytest.mark.parametrize(
    "text",
    [
        "прививка собаке где сделать",
        "где поставить прививку коту",
        "как найти официальную страницу администрации города",
        "где купить лекарство подешевле",
    ],
)
def test_near_misses_of_other_services(matcher: FaqMatcher, text: str) -> None:
    assert matcher.match(text).answer is None


def test_a_dog_bite_is_still_health(matcher: FaqMatcher) -> None:
    an = Analyzer()
    assert "ветеринар" not in an.terms(an.tokens("меня укусила собака нужна прививка"))


def test_entry_answer_text_words_still_count_little() -> None:
    # An operator's new entry is found by a word only its answer says.
    e = FaqEntry(id="x", question="Как оформить пропуск в стационар",
                 answer="Пропуск оформляет охрана по паспорту.", alt=(), tags=())
    m = FaqMatcher([e])
    assert m.rank("охрана")[0][0].id == "x"


def test_blind2_split_is_hidden_unless_asked() -> None:
    from benchmarks.bench_faq import BLIND2_FILE, load_all_queries

    assert BLIND2_FILE.exists()
    assert all(q.split != "blind2" for q in load_all_queries())
    shown = load_all_queries(blind2=True)
    blind = [q for q in shown if q.split == "blind2"]
    assert sum(1 for q in blind if q.expected) >= 150
    assert sum(1 for q in blind if not q.expected) >= 50
    assert len({q.expected for q in blind if q.expected}) == 33
