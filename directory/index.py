"""The search index: every name of every institution as terms, an inverted index
from term to names, term weights, and a forgiving lookup of a typed word in
the vocabulary (typos, truncated words, longer forms).

Built once per directory in plain Python (about 1 s for 20,000 institutions).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from directory.model import Institution
from directory.normalize_names import analyse_name, numbers_of, place_terms
from textnorm.memo import MB, ByteLRU, declare

# How much a fuzzy hit is worth compared with an exact one.
SIM_ONE_EDIT_LONG = 0.9  # one typo in a word of 7+ letters
SIM_ONE_EDIT_SHORT = 0.82  # one typo in a word of 4-6 letters
PREFIX_BASE, PREFIX_SPAN = 0.5, 0.45  # "онко" in "онколог": 0.5 + 0.45 * 4/7
MAX_PREFIX_ALTS = 12
FUZZY_CUTOFF = 72  # rapidfuzz ratio for words with two typos
LOOKUP_CACHE_BUDGET = 4 * MB  # default bytes of the lookup cache of an index (textnorm.memo)
declare("directory.lookup", LOOKUP_CACHE_BUDGET)


@dataclass(slots=True)
class Entry:
    """One name of an institution: the official name, the short name, an alias, a former
    name or an initialism."""

    inst: int  # position of the institution in Index.institutions
    text: str  # what Match.matched shows
    terms: frozenset[str]
    total: float  # sum of the weights of its terms
    numbers: frozenset[str]
    former: bool = False  # a name the institution had before it was renamed or merged


class Index:
    def __init__(self, institutions: Sequence[Institution]) -> None:
        self.institutions = list(institutions)
        self.entries: list[Entry] = []
        self.context: list[frozenset[str]] = []  # city/district/region terms per institution
        self.postings: dict[str, list[int]] = {}  # term -> entries having it
        self.context_postings: dict[str, list[int]] = {}  # term -> entries of institutions
        self.weight: dict[str, float] = {}
        self._build()

    # ---- building -------------------------------------------------------------------------
    def _build(self) -> None:
        raw: list[tuple[int, str, tuple[str, ...], bool]] = []
        inst_terms: list[set[str]] = []
        for i, inst in enumerate(self.institutions):
            names = [(inst.name, False)]
            if inst.short_name:
                names.append((inst.short_name, False))
            names.extend((alias, False) for alias in inst.aliases)
            names.extend((former, True) for former in inst.former_names)
            analysed = [(text, former, *analyse_name(text)) for text, former in names]
            own: set[str] = set()
            seen: set[frozenset[str]] = set()
            for text, former, terms, _ in analysed:
                key = frozenset(terms)
                if terms and key not in seen:  # a current name first: former only if new
                    seen.add(key)
                    raw.append((i, text, terms, former))
                    own.update(terms)
            numbers = tuple(sorted(numbers_of(own)))
            for text, former, _, abbrs in analysed:
                for abbr in abbrs:
                    key = frozenset((abbr, *numbers))
                    if key not in seen:
                        seen.add(key)
                        raw.append((i, text, (abbr, *numbers), former))
                        own.add(abbr)
            ctx = place_terms(inst.city) | place_terms(inst.district) | place_terms(inst.region)
            self.context.append(ctx)
            inst_terms.append(own | ctx)

        df: dict[str, int] = defaultdict(int)
        for bag in inst_terms:
            for t in bag:
                df[t] += 1
        n = max(len(self.institutions), 1)
        self.weight = {t: math.log(1.0 + n / c) for t, c in df.items()}
        self.unknown_weight = 0.5 * math.log(1.0 + n)

        postings: dict[str, list[int]] = defaultdict(list)
        for i, text, terms, former in raw:
            tset = frozenset(terms)
            total = sum(self.weight[t] for t in tset)
            entry_id = len(self.entries)
            self.entries.append(Entry(i, text, tset, total, numbers_of(terms), former))
            for t in tset:
                postings[t].append(entry_id)
        # Most specific (shortest) names first, so a cap on candidates keeps the best ones.
        totals = [e.total for e in self.entries]
        self.postings = {t: sorted(ids, key=totals.__getitem__) for t, ids in postings.items()}

        entries_of: list[list[int]] = [[] for _ in self.institutions]
        for entry_id, e in enumerate(self.entries):
            entries_of[e.inst].append(entry_id)
        self.entries_of = entries_of
        ctx_postings: dict[str, list[int]] = defaultdict(list)
        for i, ctx in enumerate(self.context):
            for t in ctx:
                ctx_postings[t].extend(entries_of[i])
        self.context_postings = dict(ctx_postings)
        self.posting_sets = {t: frozenset(ids) for t, ids in self.postings.items()}
        self.context_sets = {t: frozenset(ids) for t, ids in self.context_postings.items()}

        self.vocab = sorted(self.weight)
        self._vocab_set = frozenset(self.vocab)
        deletes: dict[str, list[str]] = defaultdict(list)
        by_start_length: dict[tuple[str, int], list[str]] = defaultdict(list)
        for t in self.vocab:
            by_start_length[t[0], len(t)].append(t)
            if len(t) >= 4 and not t.isdigit():
                for d in _deletes(t):
                    deletes[d].append(t)
        self._deletes = dict(deletes)
        self._by_start_length = dict(by_start_length)
        # Query terms -> their alternatives: grows with every unseen word, so bounded in bytes.
        self._lookup_cache: ByteLRU[str, tuple[tuple[str, float], ...]] = ByteLRU(
            "directory.lookup", LOOKUP_CACHE_BUDGET)
        # lookup(term): the vocabulary terms a query term may mean, with a similarity 0..1,
        # best first (_lookup behind the cache, as one call: it runs for every query word).
        self.lookup: Callable[[str], tuple[tuple[str, float], ...]] = self._lookup_cache.memoize(
            self._lookup)

    # ---- looking words up -----------------------------------------------------------------

    def _lookup(self, s: str) -> tuple[tuple[str, float], ...]:
        if s in self._vocab_set:
            return ((s, 1.0),)
        if s.isdigit() or len(s) < 3 or not ("а" <= s[0] <= "я"):
            return ()  # numbers match exactly; Latin words only as they are
        alts: dict[str, float] = {}

        def add(t: str, sim: float) -> None:
            if sim > alts.get(t, 0.0):
                alts[t] = sim

        if len(s) >= 4:
            one_edit = SIM_ONE_EDIT_LONG if len(s) >= 7 else SIM_ONE_EDIT_SHORT
            for t in self._deletes.get(s, ()):  # a letter missing from the query
                add(t, one_edit)
            for d in _deletes(s):
                if d in self._vocab_set and len(d) >= 4:  # an extra letter in the query
                    add(d, one_edit)
                for t in self._deletes.get(d, ()):  # a wrong or swapped letter
                    add(t, one_edit)
        # A truncated word ("онко", "котельн") or a longer form ("мурашинск").
        lo = bisect_left(self.vocab, s)
        longer = []
        for t in self.vocab[lo:lo + 200]:
            if not t.startswith(s):
                break
            longer.append(t)
        longer.sort(key=len)
        for t in longer[:MAX_PREFIX_ALTS]:
            add(t, PREFIX_BASE + PREFIX_SPAN * len(s) / len(t))
        for k in range(len(s) - 1, 3, -1):
            if s[:k] in self._vocab_set:
                add(s[:k], PREFIX_BASE + PREFIX_SPAN * k / len(s))
                break
        if not alts and len(s) >= 5:  # two typos: a scan of words of similar length and start
            pool = [t for n in range(len(s) - 2, len(s) + 3)
                    for t in self._by_start_length.get((s[0], n), ())]
            for t, score, _ in process.extract(
                s, pool, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=5
            ):
                add(t, 0.85 * score / 100.0)
        return tuple(sorted(alts.items(), key=lambda kv: -kv[1]))


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}
