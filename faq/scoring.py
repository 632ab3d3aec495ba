"""Score a citizen's message against every FAQ entry (0..100), best first.

1. The text is read the way the shared `textnorm` reads it (case, ё, punctuation);
   text with Latin letters is also read as the wrong keyboard layout and as
   transliteration, and the reading that matches best wins.
2. Each word is lemmatised; a word the FAQ vocabulary does not know is corrected to the
   nearest vocabulary word when it is close enough (faq.typos), then mapped to a concept
   (synonyms, multi-word phrases); stop words are dropped, generic words weigh little.
3. Every concept weighs its IDF over the entries (faq.index). A word that no entry knows
   ("сантехник", "погода") keeps a high weight in the question, so a question about
   something else scores low even if it shares "вызвать" and "дом" with an entry.
4. score = phrase_share * best Dice overlap with the question or one alternative
        + (1 - phrase_share) * share of the question covered by the whole entry, where
          the question and alternatives count fully, tags partly and the answer text little.
5. A long message is also scored clause by clause (clauses()), and the leading
   candidates get a character-level second opinion (rapidfuzz).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping

from rapidfuzz import fuzz

import textnorm
from faq.config import MatcherConfig
from faq.index import FaqIndex
from faq.model import FaqEntry

__all__ = ["Ranked", "clauses", "rank"]

Ranked = list[tuple[FaqEntry, float]]  # entries with their scores, best first

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


def rank(index: FaqIndex, config: MatcherConfig, text: str, limit: int) -> tuple[Ranked, str]:
    """The best `limit` entries for a message with their scores (0..100), best first, and
    the reading of the text (layout, transliteration) they were scored as."""
    if not isinstance(text, str):
        return [], ""
    cap = config.max_query_chars
    if len(text) > cap:
        # The question is usually at the start or at the end of a long message.
        text = text[: cap // 3] + " . " + text[-(cap - cap // 3) :]
    if not text.strip() or not index.entries:
        return [], text
    best: list[tuple[float, int]] = []
    best_reading = text
    for reading in textnorm.cyrillic_readings(text):
        scored = _score_message(index, config, reading)
        if scored and (not best or scored[0][0] > best[0][0]):
            best, best_reading = scored, reading
    if best and config.fuzzy_share > 0.0:
        best = _fuzzy_rescore(index, config, best_reading, best)
    return [(index.entries[i], s) for s, i in best[:limit]], best_reading


def _score_message(index: FaqIndex, config: MatcherConfig, text: str) -> list[tuple[float, int]]:
    """The whole message, and each clause of a long one: the best reading per entry."""
    segments = clauses(text)
    merged: dict[int, float] = {}
    terms = index.terms(text)
    for s, i in _score(index, config, terms):
        merged[i] = s
    if len(segments) > 1:
        factor = config.clause_factor
        # Words of other services anywhere in the message still speak against a clause:
        # in "не убирают снег во дворе куда жаловаться" the clause "куда жаловаться" is
        # about the snow. Outside the clause they count for less: a story may mention a
        # lift or a bus.
        foreign = config.story_foreign * _foreign_mass(index, terms)
        whole = _known_mass(index, terms)
        for seg in segments:
            # A clause that leaves out much of what the FAQ knows in the message counts
            # for less ("участковая хамит, можно ли сменить на другую": not "сменить" alone).
            seg_terms = index.terms(seg)
            kept = min(1.0, _known_mass(index, seg_terms) / whole) if whole > 0 else 1.0
            seg_factor = factor * (1.0 - config.clause_known_loss * (1.0 - kept))
            for s, i in _score(index, config, seg_terms, foreign):
                s *= seg_factor
                if s > merged.get(i, 0.0):
                    merged[i] = s
    scored = [(s, i) for i, s in merged.items()]
    scored.sort(key=lambda x: (-x[0], x[1]))
    return scored


def _fuzzy_rescore(
    index: FaqIndex, config: MatcherConfig, text: str, scored: list[tuple[float, int]]
) -> list[tuple[float, int]]:
    """Blend a character-level second opinion into the leading candidates' scores.

    rapidfuzz's token_sort_ratio between the message and each phrasing of the entry,
    both as concept strings (lemmas after synonyms, stop words dropped), so it sees
    what the word-level score may miss: a typo left uncorrected, a word split or
    glued, a different order. Only the top few candidates are rescored (speed).
    """
    k = config.fuzzy_candidates
    q = " ".join(index.terms(text))
    if not q:
        return scored
    share = config.fuzzy_share
    head = []
    for s, i in scored[:k]:
        fz = max((fuzz.token_sort_ratio(q, p) for p in index.entry_concepts[i]), default=0.0)
        # The fuzzy opinion only scales with the word-level evidence: it can reorder
        # close candidates and firm up a right one, not make something out of nothing.
        head.append(((1.0 - share) * s + share * fz * min(1.0, s / config.fuzzy_floor), i))
    head.sort(key=lambda x: (-x[0], x[1]))
    return head + scored[k:]


def _known_mass(index: FaqIndex, terms: Mapping[str, float]) -> float:
    idf = index.idf
    return sum(idf[t] * w for t, w in terms.items() if t in idf)


def _foreign_mass(index: FaqIndex, terms: Mapping[str, float]) -> float:
    off_topic, weight = index.off_topic, index.idf_off_topic
    return sum(weight * w for t, w in terms.items() if t in off_topic)


def _score(
    index: FaqIndex, config: MatcherConfig, terms: Mapping[str, float],
    foreign_extra: float = 0.0,
) -> list[tuple[float, int]]:
    """Every entry that shares a concept with a text (its terms: FaqIndex.terms), scored
    (see the module docstring)."""
    if not terms:
        return []
    idf, unknown = index.idf, index.idf_unknown
    off_topic, foreign = index.off_topic, index.idf_off_topic
    qw = {t: (foreign if t in off_topic else idf.get(t, unknown)) * w for t, w in terms.items()}
    # Words nobody in the FAQ uses: the first few count fully (one is enough to say
    # "сантехник" is not a doctor), the rest of a long story adds little.
    unknown_terms = [t for t in terms if t not in idf and t not in off_topic]
    sat = config.unknown_saturation
    if len(unknown_terms) > sat:
        scale = (sat + math.log(1.0 + len(unknown_terms) - sat)) / len(unknown_terms)
        for t in unknown_terms:
            qw[t] *= scale
    q_total = sum(qw.values())
    if foreign_extra > 0.0:
        # Off-topic words of the whole message not in this clause.
        q_total += max(0.0, foreign_extra - sum(q for t, q in qw.items() if t in off_topic))
    if q_total <= 0.0:
        return []

    postings_of, phrase_postings = index.postings, index.phrase_postings
    coverage: dict[int, float] = defaultdict(float)
    overlap: dict[int, float] = defaultdict(float)
    for t, w in terms.items():
        postings = postings_of.get(t)
        if postings is None:
            continue
        q = qw[t]
        for idx, fw in postings:
            coverage[idx] += q * fw
        t_idf = idf[t]
        for p, pw in phrase_postings.get(t, ()):
            overlap[p] += t_idf * (w if w < pw else pw)
    if not coverage:
        return []

    dice: dict[int, float] = defaultdict(float)
    totals, owners = index.phrase_total, index.phrase_owner
    alpha = config.phrase_recall
    for p, ov in overlap.items():
        # How much of the phrasing the message says (recall) and how much of the message
        # the phrasing explains (precision); a long message is judged more by recall.
        recall = ov / totals[p] if totals[p] > 0 else 0.0
        precision = ov / q_total
        d = recall**alpha * precision ** (1.0 - alpha)
        if d > dice[owners[p]]:
            dice[owners[p]] = d
    # A question made of one common word ("врач") says too little to be sure of anything.
    evidence = sum(q for t, q in qw.items() if t in postings_of)
    min_evidence = index.min_evidence
    specific = min(1.0, evidence / min_evidence) if min_evidence > 0 else 1.0
    # Words of another service (housing, taxes, transport, ...) are evidence against every
    # entry, also against one whose phrasing the rest of the message matches well.
    foreign_mass = foreign_extra + sum(q for t, q in qw.items() if t in off_topic)
    if foreign_mass > 0.0:
        specific *= evidence / (evidence + config.foreign_penalty * foreign_mass)
    share = config.phrase_share
    scored = []
    for idx, cov in coverage.items():
        raw = share * dice.get(idx, 0.0) + (1.0 - share) * cov / q_total
        scored.append((min(100.0, 100.0 * specific * raw), idx))
    scored.sort(key=lambda x: (-x[0], x[1]))
    return scored
