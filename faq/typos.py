"""Typo correction: a query word the FAQ does not know, read as the vocabulary word it misspells.

Only words the FAQ does not know are corrected, to the nearest word its entries, synonyms
and stop words use: two neighbouring letters swapped ("врча" -> "врач") first, then the
closest rapidfuzz ratio, stricter for a real dictionary word ("сантехника" is a word, not
a typo of anything here) than for a non-word.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process

import textnorm
from faq.analysis import Analyzer, Token
from textnorm.memo import MB, ByteLRU, declare

__all__ = ["TypoCorrector"]

# Query words read per index, bounded in bytes (citizens repeat their typos; unseen words keep coming).
_CACHE_BUDGET = 4 * MB
declare("faq.typos", _CACHE_BUDGET)


class TypoCorrector:
    """Query words as tokens, corrected when they are a typo of a vocabulary word."""

    def __init__(
        self, analyzer: Analyzer, vocabulary: Iterable[str], known_lemmas: frozenset[str]
    ) -> None:
        self._an = analyzer
        self._vocab_list = sorted(w for w in vocabulary if len(w) >= 3 and not w.isdigit())
        self._vocab_set = frozenset(self._vocab_list)
        self._known = known_lemmas
        self._cache: ByteLRU[str, Token | None] = ByteLRU("faq.typos", _CACHE_BUDGET)
        self._token = self._cache.memoize(self._resolve)

    def token(self, word: str) -> Token | None:
        """A folded query word as a token: corrected if it is a typo of a vocabulary word;
        None for a number the FAQ does not know (noise)."""
        return self._token(word)

    def _resolve(self, word: str) -> Token | None:
        known = self._known
        if word.isdigit():
            # Numbers matter only when the FAQ knows them ("103"); "39" in "температура 39" is noise.
            return Token(word, word) if word in known else None
        lem = textnorm.lemma(word)
        if (
            self._an.is_stop(word, lem)
            or lem in known
            or word in known
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
        # A real dictionary word needs a closer match than a non-word.
        if textnorm.is_known_word(word):
            cutoff = 95.0
        else:
            cutoff = 80.0 if len(word) <= 5 else 75.0
        hit = process.extractOne(word, self._vocab_list, scorer=fuzz.ratio, score_cutoff=cutoff)
        if hit is None:
            return Token(word, lem)
        fixed = hit[0]
        return Token(fixed, textnorm.lemma(fixed))

    def tokens(self, text: str) -> list[Token]:
        """The words of a text as tokens (see token())."""
        token = self._token
        return [tok for w in textnorm.words(text) if (tok := token(w)) is not None]
