"""Turn Russian text into weighted FAQ concepts (lemmas, synonyms, phrases, stop words).

Reading the text (case, ё, punctuation, layout, transliteration, lemmas) is the
shared `textnorm`; this module only adds the FAQ's own vocabulary from
`faq.synonyms`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import textnorm
from faq import synonyms as syn

__all__ = ["BROADER_WEIGHT", "CLASS_WEIGHT", "WEAK_WEIGHT", "Analyzer", "Token", "shared_analyzer"]

WEAK_WEIGHT = 0.3  # generic words ("получить", "сделать")
BROADER_WEIGHT = 0.5  # "кардиолог" also counts as "специалист" with this weight
# A member of a word class ("лор", "кардиолог": faq.synonyms.CLASS_WORDS) counts as its
# class concept ("специалист") with this weight, and says nothing else.
CLASS_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class Token:
    surface: str  # folded word as typed (or as corrected)
    lemma: str


class Analyzer:
    """FAQ vocabulary: stop words, weak words, synonyms, phrases (all keyed by lemma)."""

    def __init__(self) -> None:
        # A stop word's lemma is a stop word too ("хочу" -> "хотеть"), unless the lemma
        # means something for the FAQ ("помогите" -> "помочь" -> "помощь").
        self.stop = frozenset(syn.STOP_WORDS) | {
            lem
            for lem in map(textnorm.lemma, syn.STOP_WORDS)
            if lem not in syn.SYNONYMS and lem not in syn.WEAK_WORDS
        }
        self.weak = frozenset(textnorm.lemma(w) for w in syn.WEAK_WORDS) | syn.WEAK_WORDS
        self.synonyms: dict[str, str] = {}
        for word, concept in syn.SYNONYMS.items():
            folded = textnorm.fold(word)
            self.synonyms[textnorm.lemma(folded)] = concept
            self.synonyms.setdefault(folded, concept)
        # Class members: their concept is the class, at CLASS_WEIGHT (see faq.everyday).
        members: set[str] = set()
        for word, concept in syn.CLASS_WORDS.items():
            folded = textnorm.fold(word)
            for form in (textnorm.lemma(folded), folded):
                if form not in self.synonyms:
                    self.synonyms[form] = concept
                    members.add(form)
        self.members = frozenset(members)
        self.phrases: dict[tuple[str, ...], str] = {
            tuple(textnorm.lemma(w) for w in key): concept for key, concept in syn.PHRASES.items()
        }
        # The same phrases said with a synonym of one of their words ("отказаться от
        # талона" is "отказаться от записи": талон -> запись), matched after the lemmas.
        self.concept_phrases: dict[tuple[str, ...], str] = {}
        for key, concept in self.phrases.items():
            self.concept_phrases.setdefault(tuple(self.synonyms.get(w, w) for w in key), concept)
        self.max_phrase = max((len(k) for k in self.phrases), default=1)
        self.phrase_words = frozenset(w for key in self.phrases for w in key)
        self.broader = dict(syn.BROADER)
        # Any form of an off-topic word -> its lemma ("сантехника" -> "сантехник").
        self.off_topic_forms: dict[str, str] = {}
        for word in syn.OFF_TOPIC:
            lem = textnorm.lemma(word)
            self.off_topic_forms[word] = lem
            self.off_topic_forms[lem] = lem
        self.off_topic = frozenset(self.off_topic_forms.values())

    def is_stop(self, surface: str, lemma: str) -> bool:
        return surface in self.stop or lemma in self.stop

    def tokens(self, text: str) -> list[Token]:
        return [Token(w, textnorm.lemma(w)) for w in textnorm.words(text)]

    def concept(self, lemma: str) -> str:
        return self.synonyms.get(lemma, lemma)

    def terms(self, tokens: list[Token]) -> dict[str, float]:
        """Concepts of a token sequence with their weights (max when repeated)."""
        out: dict[str, float] = {}
        lemmas = [t.lemma for t in tokens]
        said = [self.synonyms.get(t.lemma) or self.synonyms.get(t.surface) or t.lemma
                for t in tokens] if self.concept_phrases else lemmas
        i = 0
        while i < len(tokens):
            # Longest phrase first ("листок нетрудоспособности" -> "больничный"), by
            # lemmas, then by concepts (see concept_phrases).
            for n in range(min(self.max_phrase, len(lemmas) - i), 1, -1):
                concept = (self.phrases.get(tuple(lemmas[i : i + n]))
                           or self.concept_phrases.get(tuple(said[i : i + n])))
                if concept is not None:
                    for c in concept.split():  # "запись врач": a phrase may say two things
                        self._add(out, c, 1.0)
                    i += n
                    break
            else:
                tok = tokens[i]
                i += 1
                if self.is_stop(tok.surface, tok.lemma):
                    continue
                concept = (
                    self.synonyms.get(tok.lemma)
                    or self.synonyms.get(tok.surface)
                    or self.off_topic_forms.get(tok.surface)
                    or tok.lemma
                )
                if concept in self.weak:
                    weight = WEAK_WEIGHT
                elif tok.lemma in self.members or tok.surface in self.members:
                    weight = CLASS_WEIGHT
                else:
                    weight = 1.0
                self._add(out, concept, weight)
        return out

    def _add(self, out: dict[str, float], concept: str, weight: float) -> None:
        if out.get(concept, 0.0) < weight:
            out[concept] = weight
        wider = self.broader.get(concept)
        if wider is not None and out.get(wider, 0.0) < weight * BROADER_WEIGHT:
            out[wider] = weight * BROADER_WEIGHT


@cache
def shared_analyzer() -> Analyzer:
    """The FAQ vocabulary of the process: pure data from faq.synonyms, shared by all matchers."""
    return Analyzer()
