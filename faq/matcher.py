"""Match a citizen's question to an FAQ entry: answer when sure, suggest when not, else nothing.

How a question is scored against an entry:

1. The text is read the way the shared `bot.textnorm` reads it (case, ё, punctuation);
   text with Latin letters is also read as the wrong keyboard layout and as
   transliteration, and the reading that matches best wins.
2. Each word is lemmatised; a word the FAQ vocabulary does not know is corrected to the
   nearest vocabulary word when it is close enough (typos), then mapped to a concept
   (synonyms, multi-word phrases); stop words are dropped, generic words weigh little.
3. Every concept weighs its IDF over the entries. A word that no entry knows
   ("сантехник", "погода") keeps a high weight in the question, so a question about
   something else scores low even if it shares "вызвать" and "дом" with an entry.
4. score = PHRASE_SHARE * best Dice overlap with the question or one alternative
        + (1 - PHRASE_SHARE) * share of the question covered by the whole entry, where
          the question and alternatives count fully, tags partly and the answer text little.
5. The best entry is the answer when its score is >= answer_threshold and ahead of the
   second by >= margin, or when it is >= lone_threshold and far ahead (>= lone_margin) of
   the second; entries scoring >= suggest_threshold are suggestions.
   The values are measured by benchmarks/bench_faq.py (tune split), not guessed.
6. Before answering, a second look (faq.gate): the message must say one of the best
   entry's key concepts (derived from its phrasings) and, if it names things the FAQ does
   not know, have a medical sense; otherwise the entry is only suggested. Greetings and
   thanks get neither an answer nor suggestions.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz, process

from bot import textnorm
from faq.analysis import Analyzer, Token
from faq.gate import MEDICAL, POLITE, POLITE_CONTENT, derive_keys
from faq.loader import load_faq
from faq.model import FaqEntry, FaqResult

__all__ = ["FaqMatcher", "MatcherConfig", "MessageFacts", "clauses", "confidence"]

# Words that open the question inside a longer message ("... как вызвать врача на дом").
_QUESTION_OPENERS = frozenset("""
    как где куда когда сколько почему зачем кто кому что чем можно могут можете могу нужно
    нужен нужна надо положено подскажите скажите помогите хочу имеют имею обязаны законно
    есть ли какой какая какие каким какую
""".split())
_CLAUSE_BREAK = re.compile(r"[.!?;\n]+|,\s+(?:а|но|и)\s+")


def clauses(text: str, min_words: int = 2, max_clauses: int = 6) -> list[str]:
    """Clauses of a message that may carry its question, for messages of several clauses.

    Split at sentence punctuation, and in an unpunctuated message at the words that open
    a question ("как", "где", "можно", ...): each piece runs from its opener to the end
    of its sentence. Returns [] for a message that is one short clause already.
    """
    out: list[str] = []
    for sentence in _CLAUSE_BREAK.split(text):
        ws = textnorm.words(sentence)
        if len(ws) < min_words:
            continue
        out.append(" ".join(ws))
        starts = [i for i, w in enumerate(ws) if w in _QUESTION_OPENERS and i > 0]
        for i in starts:
            if len(ws) - i >= min_words:
                out.append(" ".join(ws[i:]))
    if len(out) <= 1:
        return []
    # Question openers late in the message matter most; keep the count bounded.
    return out[-max_clauses:]


@dataclass(frozen=True, slots=True)
class MatcherConfig:
    # The answer decision: P(best entry is right) = logistic(conf_bias + conf_score * score/100
    # + conf_margin * (score - second)/100), fitted on the tune split by benchmarks/bench_faq.py;
    # answer when it is >= answer_confidence and the floors below hold, else suggest.
    # 0.6 (was 0.7) chosen on the tune split once the key-concept gate was in: the gate now
    # stops the wrong answers a lower bar lets through (see the sweep in bench_faq).
    answer_confidence: float = 0.6
    conf_bias: float = -0.81
    conf_score: float = 3.0
    conf_margin: float = 1.82
    answer_threshold: float = 35.0  # floors: never answer below this score ...
    margin: float = 8.0  # ... or closer than this to the second best entry
    lone_threshold: float = 101.0  # (kept for compatibility: a second, lower tier; off)
    lone_margin: float = 101.0
    suggest_threshold: float = 30.0  # entries at or above this are "did you mean"
    max_suggestions: int = 3
    max_query_chars: int = 600  # longer input keeps its beginning and its end (the question)
    phrase_share: float = 0.4  # weight of the best question/alt overlap vs whole-entry coverage
    tag_weight: float = 0.6  # field weights for the coverage part
    answer_weight: float = 0.35
    unknown_weight: float = 1.0  # weight of unknown words, as a share of ln(1 + N)
    off_topic_weight: float = 3.0  # weight of words of other services (faq.synonyms.OFF_TOPIC)
    min_evidence: float = 0.6  # scores shrink when the known words weigh less than this
    # (as a share of ln(1 + N), the weight of a word found in one entry only)
    phrase_tf: float = 0.3  # share of a phrase term's weight that depends on how many phrasings say it
    answer_df: float = 1.0  # how much an answer-only mention counts in document frequency
    unknown_saturation: float = 2.0  # unknown words beyond this many add only logarithmically
    # (a long message tells a story around its question; the story is not evidence against it)
    fuzzy_share: float = 0.2  # weight of the character-level second opinion (rapidfuzz)
    fuzzy_candidates: int = 5  # ... computed for this many leading candidates
    fuzzy_floor: float = 30.0  # ... and in full only for word-level scores at or above this
    story_foreign: float = 0.5  # share of off-topic mass outside a clause that counts against it
    foreign_penalty: float = 1.0  # scores shrink by known / (known + this * off-topic mass)
    phrase_recall: float = 0.7  # recall vs precision in the phrase part (0.5: geometric mean)
    clause_factor: float = 0.9  # a clause of the message scores this share of a whole message
    # The second look before answering (faq.gate): the best entry is answered only when the
    # message says one of its key concepts and, if it names things the FAQ does not know,
    # has a medical sense; otherwise it is only suggested.
    key_gate: bool = True
    key_generic_share: float = 0.25  # concepts in more than this share of entries are not keys
    key_max: int = 4  # key concepts per entry (the most repeated, then the rarest)
    max_unknown_share: float = 0.5  # share of the message's words the FAQ does not know ...
    max_unknown_share_medical: float = 0.75  # ... above which it is not answered
    foreign_nouns: int = 1  # this many unknown nouns (and no fewer than the entry's key concepts
    # said) without a medical word: another domain
    # A runner-up whose key concepts the message does not say is a weaker rival: for the
    # margin and the confidence its score counts this share (1.0: off; tried on tune:
    # +0.4 right there but more wrong answers elsewhere, so off).
    rival_discount: float = 1.0


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What the gate needs to know about a message (from FaqMatcher.facts)."""

    concepts: frozenset[str]  # concepts said with weight >= broader (not only weak words)
    content: bool  # says anything the FAQ knows beyond weak words and small talk
    medical: bool  # has a word of faq.gate.MEDICAL
    unknown_share: float  # share of its words the FAQ does not know (or of other services)
    unknown_nouns: int  # dictionary nouns the FAQ does not know ("почта", "борщ")


def confidence(cfg: MatcherConfig, top: float, second: float) -> float:
    """Calibrated probability that the best entry is the right answer (see MatcherConfig)."""
    z = cfg.conf_bias + cfg.conf_score * top / 100.0 + cfg.conf_margin * (top - second) / 100.0
    if z < -30.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


@cache
def _analyzer() -> Analyzer:
    # Pure vocabulary built from faq.synonyms; shared by all matchers of the process.
    return Analyzer()


class FaqMatcher:
    """An immutable index over FAQ entries; build a new one to change the content."""

    def __init__(self, entries: Iterable[FaqEntry], config: MatcherConfig | None = None) -> None:
        self.config = config or MatcherConfig()
        self._entries: tuple[FaqEntry, ...] = tuple(entries)
        self._by_id = {e.id: e for e in self._entries}
        if len(self._by_id) != len(self._entries):
            raise ValueError("FAQ entry ids must be unique")
        self._an = _analyzer()
        self._corrections: dict[str, Token | None] = {}
        self._build()

    # -- construction -------------------------------------------------------------

    @classmethod
    def from_yaml(cls, path: str | Path, config: MatcherConfig | None = None) -> FaqMatcher:
        """Load and validate a FAQ file (raises faq.FaqContentError) and index it."""
        return cls(load_faq(path), config)

    @classmethod
    def from_entries(
        cls, entries: Iterable[FaqEntry], config: MatcherConfig | None = None
    ) -> FaqMatcher:
        return cls(entries, config)

    @property
    def entries(self) -> tuple[FaqEntry, ...]:
        return self._entries

    def get(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    def __len__(self) -> int:
        return len(self._entries)

    def _build(self) -> None:
        cfg, an = self.config, self._an
        n = len(self._entries)
        field_w: list[dict[str, float]] = []
        phrases: list[tuple[int, dict[str, float]]] = []
        topical_sets: list[set[str]] = []
        surfaces: set[str] = set()
        for idx, entry in enumerate(self._entries):
            texts = [entry.question, *entry.alt]
            # How often a concept comes back in the entry's phrasings tells what the entry
            # is about: every phrasing of "ambulance" says "скорая", one of "urgent_care" does.
            count: dict[str, int] = defaultdict(int)
            weights: dict[str, float] = {}
            for text in texts:
                toks = an.tokens(text)
                surfaces.update(t.surface for t in toks)
                terms = an.terms(toks)
                phrases.append((idx, terms))
                for t, w in terms.items():
                    count[t] += 1
                    weights[t] = max(weights.get(t, 0.0), w)
            keep = 1.0 - cfg.phrase_tf
            for t, c in count.items():
                weights[t] *= keep + cfg.phrase_tf * c / len(texts)
            topical = set(weights)
            # Tags are the operator's word for what the entry is about.
            tag_terms = an.terms(an.tokens(" ".join(entry.tags)))
            surfaces.update(t.surface for t in an.tokens(" ".join(entry.tags)))
            topical.update(tag_terms)
            for t, w in tag_terms.items():
                weights[t] = max(weights.get(t, 0.0), w * cfg.tag_weight)
            toks = an.tokens(entry.answer)
            surfaces.update(t.surface for t in toks)
            for t, w in an.terms(toks).items():
                weights[t] = max(weights.get(t, 0.0), w * cfg.answer_weight)
            field_w.append(weights)
            topical_sets.append(topical)

        df: dict[str, float] = defaultdict(float)
        for weights, topical in zip(field_w, topical_sets, strict=True):
            for t in weights:
                # A mention in an answer counts less towards "common word" than a question.
                df[t] += 1.0 if t in topical else cfg.answer_df
        self._idf = {t: math.log(1.0 + n / max(d, 1.0)) for t, d in df.items()}
        self._idf_unknown = cfg.unknown_weight * math.log(1.0 + max(n, 1))
        self._idf_off_topic = cfg.off_topic_weight * math.log(1.0 + max(n, 1))
        self._min_evidence = cfg.min_evidence * math.log(1.0 + max(n, 1))

        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for idx, weights in enumerate(field_w):
            for t, w in weights.items():
                self._postings[t].append((idx, w))
        self._phrase_owner = [idx for idx, _ in phrases]
        self._entry_concepts: list[list[str]] = [[] for _ in self._entries]
        for idx, terms in phrases:
            self._entry_concepts[idx].append(" ".join(terms))
        self._phrase_total = [
            sum(self._idf[t] * w for t, w in terms.items()) for _, terms in phrases
        ]
        self._phrase_postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for p, (_, terms) in enumerate(phrases):
            for t, w in terms.items():
                self._phrase_postings[t].append((p, w))

        # Words a typo may be corrected to: everything the entries say, the synonym
        # keys and the stop words (so "пажалуйста" is still dropped).
        vocab = set(surfaces) | set(an.synonyms) | an.phrase_words | an.stop
        self._vocab_list = sorted(w for w in vocab if len(w) >= 3 and not w.isdigit())
        self._vocab_set = frozenset(self._vocab_list)
        # Off-topic words the operator's FAQ itself asks about are not off topic.
        topical_terms = set().union(*topical_sets) if topical_sets else set()
        self._topical_terms = frozenset(topical_terms)
        self._off_topic = an.off_topic - topical_terms
        self._known_lemmas = set(self._idf) | set(an.synonyms) | an.phrase_words | an.weak
        keys = derive_keys(
            self._entries, an, self._idf,
            generic_share=cfg.key_generic_share, max_keys=cfg.key_max,
        )
        self._keys = {e.id: k for e, k in zip(self._entries, keys, strict=True)}

    def key_concepts(self, entry_id: str) -> frozenset[str]:
        """The concepts of which a message must say one for this entry to be answered."""
        keys = self._keys.get(entry_id)
        return keys.any if keys else frozenset()

    # -- matching -----------------------------------------------------------------

    def match(self, text: str) -> FaqResult:
        """Answer (when confident), up to 3 suggestions and the confidence of the best entry."""
        ranked, reading = self._rank(text, limit=self.config.max_suggestions + 1)
        if not ranked:
            return FaqResult(answer=None)
        return self.decide(ranked, self.facts(reading) if self.config.key_gate else None)

    def decide(
        self, ranked: list[tuple[FaqEntry, float]], facts: MessageFacts | None = None
    ) -> FaqResult:
        """Apply the thresholds to candidates from rank(), and the gate when facts are given."""
        cfg = self.config
        if not ranked:
            return FaqResult(answer=None)
        if facts is not None and not facts.content:
            # Greetings, thanks, "добрый день": nothing to answer or to suggest.
            return FaqResult(answer=None)
        top_score = ranked[0][1]
        second = self._rival(ranked, facts)
        close = [(e, s) for e, s in ranked if s >= cfg.suggest_threshold]
        sure = (
            confidence(cfg, top_score, second) >= cfg.answer_confidence
            and top_score >= cfg.answer_threshold
            and top_score - second >= cfg.margin
        ) or (top_score >= cfg.lone_threshold and top_score - second >= cfg.lone_margin)
        if sure and facts is not None:
            sure = self.passes_gate(ranked[0][0], facts)
        if sure:
            # Confident: the other close entries are offered as "see also".
            rest = close[1 : 1 + cfg.max_suggestions]
            return FaqResult(
                answer=ranked[0][0],
                suggestions=tuple(e for e, _ in rest),
                score=round(top_score, 1),
                scores=tuple(round(s, 1) for _, s in rest),
            )
        close = close[: cfg.max_suggestions]
        return FaqResult(
            answer=None,
            suggestions=tuple(e for e, _ in close),
            score=round(top_score, 1),
            scores=tuple(round(s, 1) for _, s in close),
        )

    def _rival(self, ranked: list[tuple[FaqEntry, float]], facts: MessageFacts | None) -> float:
        """The score the best entry must beat: the runner-ups', discounted when the message
        says none of a runner-up's key concepts (it shares only generic words with it)."""
        if len(ranked) < 2:
            return 0.0
        disc = self.config.rival_discount
        if facts is None or disc >= 1.0:
            return ranked[1][1]
        best = 0.0
        for e, s in ranked[1:]:
            key = self._keys.get(e.id)
            if key is not None and key.any and not (key.any & facts.concepts):
                s *= disc
            best = max(best, s)
        return best

    def passes_gate(self, entry: FaqEntry, facts: MessageFacts) -> bool:
        """May this entry be answered to this message? (faq.gate; else it is only suggested)"""
        cfg = self.config
        if facts.unknown_share > (
            cfg.max_unknown_share_medical if facts.medical else cfg.max_unknown_share
        ):
            return False  # mostly words the FAQ does not know: about something else
        key = self._keys.get(entry.id)
        said = len(key.any & facts.concepts) if key else 0
        if not facts.medical and facts.unknown_nouns >= max(cfg.foreign_nouns, said):
            # Names as many things the FAQ does not know as it says of the entry, and nothing
            # about health: "режим работы почты", "рецепт борща" (but "как отменить запись,
            # если сайт не работает" says two of its entry's key concepts).
            return False
        # Fails when none of what the entry is about is in the message.
        return key is None or not key.any or said > 0

    def facts(self, text: str) -> MessageFacts:
        """What the gate looks at in a message (one reading of it: see rank())."""
        tokens = [tok for w in textnorm.words(text) if (tok := self._token(w)) is not None]
        terms = self._an.terms(tokens)
        idf, off_topic, weak = self._idf, self._off_topic, self._an.weak
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
        medical = any(t in MEDICAL for t in terms) or any(
            tok.lemma in MEDICAL or tok.surface in MEDICAL for tok in tokens
        )
        sat = self.config.unknown_saturation
        k = len(unknown_terms)
        # As in the score: a long story's many unknown words add up only logarithmically.
        unknown = foreign + (k if k <= sat else sat + math.log(1.0 + k - sat))
        total = known + unknown
        # Nouns the FAQ does not know, or knows only from its answer texts ("почта" is in
        # "запрос почтой"), name what a message is about when it is not health.
        topical = self._topical_terms
        nouns = sum(
            1
            for t in terms
            if t not in MEDICAL
            and (t in off_topic or (t not in topical and textnorm.is_noun(t)))
        )
        content = any(t in idf and t not in weak for t in terms)
        if content and any(tok.surface in POLITE for tok in tokens):
            # "спасибо большое, вы очень помогли": thanks, not a question.
            content = any(
                t in idf and t not in weak and t not in POLITE_CONTENT for t in terms
            )
        return MessageFacts(
            concepts=frozenset(t for t, w in terms.items() if w >= 0.5),
            content=content,
            medical=medical,
            unknown_share=unknown / total if total > 0 else 1.0,
            unknown_nouns=nouns,
        )

    def rank(self, text: str, limit: int = 5) -> list[tuple[FaqEntry, float]]:
        """Best entries for a question with their scores (0..100), best first."""
        return self._rank(text, limit)[0]

    def _rank(self, text: str, limit: int) -> tuple[list[tuple[FaqEntry, float]], str]:
        """rank() and the reading of the text (layout, transliteration) it was scored as."""
        if not isinstance(text, str):
            return [], ""
        cap = self.config.max_query_chars
        if len(text) > cap:
            # The question is usually at the start or at the end of a long message.
            text = text[: cap // 3] + " . " + text[-(cap - cap // 3) :]
        if not text.strip() or not self._entries:
            return [], text
        best: list[tuple[float, int]] = []
        best_reading = text
        for reading in textnorm.cyrillic_readings(text):
            scored = self._score_message(reading)
            if scored and (not best or scored[0][0] > best[0][0]):
                best, best_reading = scored, reading
        if best and self.config.fuzzy_share > 0.0:
            best = self._fuzzy_rescore(best_reading, best)
        return [(self._entries[i], s) for s, i in best[:limit]], best_reading

    def _fuzzy_rescore(
        self, text: str, scored: list[tuple[float, int]]
    ) -> list[tuple[float, int]]:
        """Blend a character-level second opinion into the leading candidates' scores.

        rapidfuzz.s token_sort_ratio between the message and each phrasing of the entry,
        both as concept strings (lemmas after synonyms, stop words dropped), so it sees
        what the word-level score may miss: a typo left uncorrected, a word split or
        glued, a different order. Only the top few candidates are rescored (speed).
        """
        cfg = self.config
        k = cfg.fuzzy_candidates
        q = self._concept_string(text)
        if not q:
            return scored
        share = cfg.fuzzy_share
        head = []
        for s, i in scored[:k]:
            fz = max(
                (fuzz.token_sort_ratio(q, p) for p in self._entry_concepts[i]), default=0.0
            )
            # The fuzzy opinion only scales with the word-level evidence: it can reorder
            # close candidates and firm up a right one, not make something out of nothing.
            head.append(((1.0 - share) * s + share * fz * min(1.0, s / cfg.fuzzy_floor), i))
        head.sort(key=lambda x: (-x[0], x[1]))
        tail = scored[k:]
        return head + tail

    def _concept_string(self, text: str) -> str:
        return " ".join(self._terms(text))

    def _score_message(self, text: str) -> list[tuple[float, int]]:
        """The whole message, and each clause of a long one: the best reading per entry."""
        segments = clauses(text)
        merged: dict[int, float] = {}
        for s, i in self._score(text):
            merged[i] = s
        if len(segments) > 1:
            factor = self.config.clause_factor
            # Words of other services anywhere in the message still speak against a clause:
            # in "не убирают снег во дворе куда жаловаться" the clause "куда жаловаться" is
            # about the snow.
            # Outside the clause they count for less: a story may mention a lift or a bus.
            foreign = self.config.story_foreign * self._foreign_mass(text)
            for seg in segments:
                for s, i in self._score(seg, foreign):
                    s *= factor
                    if s > merged.get(i, 0.0):
                        merged[i] = s
        scored = [(s, i) for i, s in merged.items()]
        scored.sort(key=lambda x: (-x[0], x[1]))
        return scored

    def _terms(self, text: str) -> dict[str, float]:
        tokens = [tok for w in textnorm.words(text) if (tok := self._token(w)) is not None]
        return self._an.terms(tokens)

    def _foreign_mass(self, text: str) -> float:
        return sum(
            self._idf_off_topic * w for t, w in self._terms(text).items() if t in self._off_topic
        )

    def _score(self, text: str, foreign_extra: float = 0.0) -> list[tuple[float, int]]:
        terms = self._terms(text)
        if not terms:
            return []
        idf, unknown = self._idf, self._idf_unknown
        off_topic, foreign = self._off_topic, self._idf_off_topic
        qw = {
            t: (foreign if t in off_topic else idf.get(t, unknown)) * w for t, w in terms.items()
        }
        # Words nobody in the FAQ uses: the first few count fully (one is enough to say
        # "сантехник" is not a doctor), the rest of a long story adds little.
        unknown_terms = [t for t in terms if t not in idf and t not in off_topic]
        sat = self.config.unknown_saturation
        if len(unknown_terms) > sat:
            scale = (sat + math.log(1.0 + len(unknown_terms) - sat)) / len(unknown_terms)
            for t in unknown_terms:
                qw[t] *= scale
        q_total = sum(qw.values())
        if foreign_extra > 0.0:
            # Off-topic words of the whole message not in this clause.
            q_total += max(0.0, foreign_extra - sum(
                q for t, q in qw.items() if t in off_topic))
        if q_total <= 0.0:
            return []

        coverage: dict[int, float] = defaultdict(float)
        overlap: dict[int, float] = defaultdict(float)
        for t, w in terms.items():
            postings = self._postings.get(t)
            if postings is None:
                continue
            q = qw[t]
            for idx, fw in postings:
                coverage[idx] += q * fw
            t_idf = idf[t]
            for p, pw in self._phrase_postings.get(t, ()):
                overlap[p] += t_idf * (w if w < pw else pw)
        if not coverage:
            return []

        dice: dict[int, float] = defaultdict(float)
        totals, owners = self._phrase_total, self._phrase_owner
        alpha = self.config.phrase_recall
        for p, ov in overlap.items():
            # How much of the phrasing the message says (recall) and how much of the message
            # the phrasing explains (precision); a long message is judged more by recall.
            recall = ov / totals[p] if totals[p] > 0 else 0.0
            precision = ov / q_total
            d = recall**alpha * precision ** (1.0 - alpha)
            if d > dice[owners[p]]:
                dice[owners[p]] = d
        # A question made of one common word ("врач") says too little to be sure of anything.
        evidence = sum(q for t, q in qw.items() if t in self._postings)
        specific = min(1.0, evidence / self._min_evidence) if self._min_evidence > 0 else 1.0
        # Words of another service (housing, taxes, transport, ...) are evidence against every
        # entry, also against one whose phrasing the rest of the message matches well.
        foreign_mass = foreign_extra + sum(q for t, q in qw.items() if t in off_topic)
        if foreign_mass > 0.0:
            specific *= evidence / (evidence + self.config.foreign_penalty * foreign_mass)
        share = self.config.phrase_share
        scored = []
        for idx, cov in coverage.items():
            raw = share * dice.get(idx, 0.0) + (1.0 - share) * cov / q_total
            scored.append((min(100.0, 100.0 * specific * raw), idx))
        scored.sort(key=lambda x: (-x[0], x[1]))
        return scored

    def _token(self, word: str) -> Token | None:
        """A query word as a token: corrected if it is a typo of a vocabulary word."""
        try:
            return self._corrections[word]
        except KeyError:
            pass
        tok = self._resolve(word)
        if len(self._corrections) < 50_000:
            self._corrections[word] = tok
        return tok

    def _resolve(self, word: str) -> Token | None:
        an = self._an
        if word.isdigit():
            # Numbers matter only when the FAQ knows them ("103"); "39" in "температура 39" is noise.
            return Token(word, word) if word in self._known_lemmas else None
        lem = textnorm.lemma(word)
        if (
            an.is_stop(word, lem)
            or lem in self._known_lemmas
            or word in self._known_lemmas
            or len(word) < 4
            or not textnorm.has_cyrillic(word)
        ):
            return Token(word, lem)
        # Unknown to the FAQ: a typo of a vocabulary word? Two neighbouring letters swapped
        # ("врча", "полси") first: in a short word that is too far for the ratio below.
        if len(word) <= 7:
            for i in range(len(word) - 1):
                swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
                if swapped in self._vocab_set:
                    return Token(swapped, textnorm.lemma(swapped))
        # A real dictionary word needs a closer match than a non-word ("сантехника" is not a
        # typo of anything here).
        if textnorm.is_known_word(word):
            cutoff = 95.0
        else:
            cutoff = 80.0 if len(word) <= 5 else 75.0
        hit = process.extractOne(
            word, self._vocab_list, scorer=fuzz.ratio, score_cutoff=cutoff
        )
        if hit is None:
            return Token(word, lem)
        fixed = hit[0]
        return Token(fixed, textnorm.lemma(fixed))
