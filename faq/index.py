"""The FAQ index: every entry as weighted concepts, their IDF and the postings to score with.

An entry's concepts come from its question and alternative phrasings (full weight, more
when several phrasings say them), its tags (the operator's word for what it is about,
`tag_weight`) and its answer text (`answer_weight`). Every concept weighs its IDF over
the entries; a word no entry knows keeps a high weight (`unknown_weight`) and a word of
another public service a higher one (`off_topic_weight`). Built once per FAQ content;
the only state that changes afterwards is the typo corrector's cache.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from faq.analysis import Analyzer, Token
from faq.config import MatcherConfig
from faq.model import FaqEntry
from faq.typos import TypoCorrector

__all__ = ["FaqIndex"]


class FaqIndex:
    """Concept weights and postings over a fixed sequence of entries (see the module docstring)."""

    def __init__(
        self, entries: Sequence[FaqEntry], config: MatcherConfig, analyzer: Analyzer
    ) -> None:
        self.entries: tuple[FaqEntry, ...] = tuple(entries)
        self.analyzer = analyzer
        n = len(self.entries)
        field_w: list[dict[str, float]] = []
        phrases: list[tuple[int, dict[str, float]]] = []
        topical_sets: list[set[str]] = []
        surfaces: set[str] = set()
        for idx, entry in enumerate(self.entries):
            weights, topical = self._entry_weights(entry, idx, config, phrases, surfaces)
            field_w.append(weights)
            topical_sets.append(topical)

        df: dict[str, float] = defaultdict(float)
        for weights, topical in zip(field_w, topical_sets, strict=True):
            for t in weights:
                # A mention in an answer counts less towards "common word" than a question.
                df[t] += 1.0 if t in topical else config.answer_df
        self.idf: dict[str, float] = {t: math.log(1.0 + n / max(d, 1.0)) for t, d in df.items()}
        one_entry = math.log(1.0 + max(n, 1))  # the IDF of a concept only one entry says
        self.idf_unknown = config.unknown_weight * one_entry
        self.idf_off_topic = config.off_topic_weight * one_entry
        self.min_evidence = config.min_evidence * one_entry

        # Concept -> (entry, weight in the entry): the whole-entry coverage.
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for idx, weights in enumerate(field_w):
            for t, w in weights.items():
                self.postings[t].append((idx, w))
        # Every question and alternative phrasing on its own: the phrase overlap.
        self.phrase_owner: list[int] = [idx for idx, _ in phrases]
        self.phrase_total: list[float] = [
            sum(self.idf[t] * w for t, w in terms.items()) for _, terms in phrases
        ]
        self.phrase_postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for p, (_, terms) in enumerate(phrases):
            for t, w in terms.items():
                self.phrase_postings[t].append((p, w))
        # Each phrasing as a concept string, for the character-level second opinion.
        self.entry_concepts: list[list[str]] = [[] for _ in self.entries]
        for idx, terms in phrases:
            self.entry_concepts[idx].append(" ".join(terms))

        # Off-topic words the operator's FAQ itself asks about are not off topic.
        topical_terms: set[str] = set().union(*topical_sets) if topical_sets else set()
        self.topical_terms = frozenset(topical_terms)
        self.off_topic = analyzer.off_topic - topical_terms
        known = frozenset(
            set(self.idf) | set(analyzer.synonyms) | analyzer.phrase_words | analyzer.weak
        )
        # Words a typo may be corrected to: everything the entries say, the synonym
        # keys and the stop words (so "пажалуйста" is still dropped).
        vocabulary = surfaces | set(analyzer.synonyms) | analyzer.phrase_words | analyzer.stop
        self.typos = TypoCorrector(analyzer, vocabulary, known)

    def _entry_weights(
        self,
        entry: FaqEntry,
        idx: int,
        config: MatcherConfig,
        phrases: list[tuple[int, dict[str, float]]],
        surfaces: set[str],
    ) -> tuple[dict[str, float], set[str]]:
        """One entry's concept weights and its topical concepts (phrasings and tags);
        its phrasings' terms are appended to `phrases`, its words to `surfaces`."""
        an = self.analyzer
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
        keep = 1.0 - config.phrase_tf
        for t, c in count.items():
            weights[t] *= keep + config.phrase_tf * c / len(texts)
        topical = set(weights)
        # Tags are the operator's word for what the entry is about.
        tag_tokens = an.tokens(" ".join(entry.tags))
        tag_terms = an.terms(tag_tokens)
        surfaces.update(t.surface for t in tag_tokens)
        topical.update(tag_terms)
        for t, w in tag_terms.items():
            weights[t] = max(weights.get(t, 0.0), w * config.tag_weight)
        toks = an.tokens(entry.answer)
        surfaces.update(t.surface for t in toks)
        for t, w in an.terms(toks).items():
            weights[t] = max(weights.get(t, 0.0), w * config.answer_weight)
        return weights, topical

    def __len__(self) -> int:
        return len(self.entries)

    def token(self, word: str) -> Token | None:
        """A folded query word as the index reads it (typos corrected; see faq.typos)."""
        return self.typos.token(word)

    def tokens(self, text: str) -> list[Token]:
        return self.typos.tokens(text)

    def terms(self, text: str) -> dict[str, float]:
        """The weighted concepts of a query text (see faq.analysis)."""
        return self.analyzer.terms(self.typos.tokens(text))
