"""`Directory`: find the institution a citizen means, from how people really type.

    d = Directory.from_csv("region.csv")
    matches = d.search("котельничская црб", limit=5)   # best first, score 0..100
    winner = Directory.clear_winner(matches)            # one button, or None -> top 3

How a query is scored (see index.py for the index):
  * the query is read as typed, as the wrong keyboard layout and as
    transliteration, with abbreviations and colloquial forms expanded; the best
    reading wins;
  * each query term is looked up in the vocabulary (exact, one typo, prefix,
    two typos) and weighted by rarity (idf), so "котельнич" counts far more than
    "больниц";
  * a name scores by the share of the query it covers (most of the score) and
    the share of the name the query covers (tie-breaker between a hospital and
    its branches); city/district/region fields can cover query words too;
  * a query that does not say a qualifier ("детская", "мвд") prefers the names
    without it (qualifiers.py); a former name counts a little less than a name now;
  * a number in the query must be the institution's number ("больница 2" never
    returns "больница № 7" first).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from directory.importer import (
    DEFAULT_MAX_ROWS,
    DirectoryImportError,
    ImportReport,
    RowError,
    parse_csv,
)
from directory.index import Index
from directory.mentions import find_mentions
from directory.model import Institution, Match
from directory.normalize_names import owner_terms, place_terms, query_readings, stem
from directory.qualifiers import PREFER_SCAN, Ranked, prefer_unqualified, unsaid_qualifiers
from textnorm.memo import MB, ByteLRU, declare

MIN_SCORE = 45.0  # below this a match is noise: the search returns []
MIN_QUERY_COVERAGE = 0.5  # a name must explain at least half the query (by weight)
CONTEXT_FACTOR = 0.85  # a word matched by the city/district/region, not the name
WRONG_NUMBER = 0.45  # the query names a number and the institution has another one
NO_NUMBER = 0.8  # the query names a number and the institution has none
BOOST_MISS = 0.8  # with boost_region/boost_city: institutions elsewhere
FORMER_NAME = 0.95  # a former name: an institution that has the name now comes first
COMMON_TERM = 400  # a term in more names than this is "common" (see _candidates)
COMMON_TAKE = 150
COMMON_SCAN = 4000
# clear_winner: the bot shows one institution when the best match is this good
# and this far ahead of the second one; otherwise the top 3 as buttons.
CLEAR_MIN_SCORE = 70.0
CLEAR_MIN_GAP = 10.0
ANCHOR_SIM = 0.9  # mentions: a word of a text anchors a name as written or with one typo
FILTER_CACHE_BUDGET = 4 * MB  # default bytes of the place filters of a directory (textnorm.memo)
declare("directory.filters", FILTER_CACHE_BUDGET)


@dataclass(slots=True)
class _Group:
    """One query term: the vocabulary terms it may mean (best first) and its weight."""

    alts: tuple[tuple[str, float], ...]
    weight: float
    number: str | None


class Directory:
    """Search over active institutions. Build once, search many times (thread-safe reads)."""

    def __init__(self, institutions: Iterable[Institution],
                 report: ImportReport | None = None) -> None:
        active = [i for i in institutions if i.active]
        self._by_id = {i.id: i for i in active}
        self._index = Index(list(self._by_id.values()))
        # (region, city) -> the institutions there: a set per place asked for, bounded in bytes.
        self._filters: ByteLRU[tuple[str, str], frozenset[int]] = ByteLRU(
            "directory.filters", FILTER_CACHE_BUDGET)
        self.import_report = report

    # ---- construction ---------------------------------------------------------------------
    @classmethod
    def from_institutions(cls, institutions: Iterable[Institution]) -> Directory:
        """From records (e.g. the database); inactive institutions are skipped."""
        return cls(institutions)

    @classmethod
    def from_csv(cls, source: str | Path | TextIO, strict: bool = False, *,
                 max_rows: int = DEFAULT_MAX_ROWS) -> Directory:
        """Import a CSV file (see importer.py for the format).

        Good rows are imported and bad rows skipped; the problems are in
        `d.import_errors` (and `d.import_report`). With `strict=True` any error
        raises `DirectoryImportError` instead, carrying the report. A file error
        (see importer.py) imports no row at all.
        """
        report = parse_csv(source, max_rows=max_rows)
        if strict and report.errors:
            raise DirectoryImportError(report)
        return cls(report.institutions, report)

    @property
    def import_errors(self) -> list[RowError]:
        return list(self.import_report.errors) if self.import_report else []

    # ---- container ------------------------------------------------------------------------
    def get(self, institution_id: str) -> Institution | None:
        return self._by_id.get(institution_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Institution]:
        return iter(self._by_id.values())

    def __contains__(self, institution_id: object) -> bool:
        return institution_id in self._by_id

    # ---- search ---------------------------------------------------------------------------
    def search(
        self,
        query: str,
        limit: int = 5,
        region: str | None = None,
        city: str | None = None,
        *,
        boost_region: str | None = None,
        boost_city: str | None = None,
    ) -> list[Match]:
        """Institutions matching the query, best first, score 0..100.

        `region`/`city` filter (only institutions whose region/city field names
        that place); `boost_region`/`boost_city` prefer them without hiding the
        others. Empty input, nonsense, or nothing good enough -> [].
        """
        if not query or not query.strip() or limit <= 0:
            return []
        allowed = self._allowed(region, city)
        if allowed is not None and not allowed:
            return []
        best: dict[int, Ranked] = {}
        said: set[str] = set()  # every term the query may mean, in any reading
        for terms in query_readings(query[:300]):
            self._score_reading(terms, allowed, best, said)
        if not best:
            return []
        preferred = self._allowed(boost_region, boost_city)
        index = self._index
        scored = []
        for r in best.values():
            if preferred is not None and r.inst not in preferred:
                r.score *= BOOST_MISS
                r.preferred = False
            if r.score >= MIN_SCORE:
                r.score = round(r.score, 1)
                scored.append(r)
        institutions = index.institutions

        def order(r: Ranked) -> tuple[float, int, str]:
            return -r.score, len(institutions[r.inst].name), institutions[r.inst].id

        ranked = heapq.nsmallest(max(limit, PREFER_SCAN), scored, key=order)
        for r in ranked:
            r.unsaid = unsaid_qualifiers(index.entries[r.entry].terms, said)
        prefer_unqualified(ranked)
        top = sorted(ranked, key=order)[:limit]
        return [Match(institutions[r.inst], r.score, index.entries[r.entry].text) for r in top]

    def mentions(self, text: str, limit: int = 3) -> list[Match]:
        """The institutions a free text (an appeal) names or implies, best first, as
        `search` returns them; [] when it names none clearly (directory/mentions.py). An
        institution run by another (a FAP by its ЦРБ: the `parent` column) gives the one
        that answers for it: the appeal goes there."""
        found = find_mentions(text, limit, lambda span, n: self.search(span, limit=n),
                              self._distinctive)
        out: dict[str, Match] = {}
        for match in found:
            owner = self.competent(match.institution.id) or match.institution
            if owner.id not in out:
                out[owner.id] = match if owner is match.institution else Match(
                    owner, match.score, match.matched)
        return list(out.values())

    def competent(self, institution_id: str) -> Institution | None:
        """The institution that answers for this one: its parent's parent... (the last
        active one), or itself; None when the id is not in the directory."""
        inst = self._by_id.get(institution_id)
        seen = {institution_id}
        while inst is not None and inst.parent and inst.parent not in seen:
            parent = self._by_id.get(inst.parent)
            if parent is None:
                break
            seen.add(parent.id)
            inst = parent
        return inst

    def _distinctive(self, word: str) -> bool:
        """A word of few institutions' names or places (or a number in a name): worth
        looking for a name around it in a text."""
        index = self._index
        cap = 4 * max(3, len(index.institutions) // 20)  # entries: some 3 names each
        for terms in [*query_readings(word)[:1], owner_terms(word)]:  # "железнодорожной"
            for term in terms:
                for alt, sim in index.lookup(term)[:3]:
                    if sim < ANCHOR_SIM:  # as written, or one typo in a long word
                        continue
                    held = len(index.postings.get(alt, ())) + len(
                        index.context_postings.get(alt, ()))
                    if 0 < held <= cap:
                        return True
        return False

    @staticmethod
    def clear_winner(matches: list[Match]) -> Match | None:
        """The match to show alone, or None when the bot should offer the top 3.

        Clear means: score >= CLEAR_MIN_SCORE and at least CLEAR_MIN_GAP points
        ahead of the runner-up.
        """
        if not matches or matches[0].score < CLEAR_MIN_SCORE:
            return None
        if len(matches) > 1 and matches[0].score - matches[1].score < CLEAR_MIN_GAP:
            return None
        return matches[0]

    # ---- internals ------------------------------------------------------------------------
    def _groups(self, terms: list[str]) -> list[_Group]:
        index = self._index
        groups = []
        for t in _compounds(list(dict.fromkeys(terms)), index.postings):
            alts = index.lookup(t)
            number = t if t.isdigit() else None
            weight = index.weight.get(alts[0][0], index.unknown_weight) if alts else (
                index.unknown_weight)
            groups.append(_Group(alts, weight, number))
        return groups

    def _score_reading(
        self, terms: list[str], allowed: frozenset[int] | None,
        best: dict[int, Ranked], said: set[str],
    ) -> None:
        index = self._index
        groups = self._groups(terms)
        said.update(terms)
        said.update(t for g in groups for t, _ in g.alts)
        total = sum(g.weight for g in groups)
        if total <= 0:
            return
        candidates = self._candidates(groups, total)
        if not candidates:
            return
        if allowed is not None:
            candidates = {e for e in candidates if index.entries[e].inst in allowed}
        # Per query term, the names (and places) holding it, via C-speed set intersections.
        weight, posting_sets, context_sets = index.weight, index.posting_sets, index.context_sets
        q_matched = dict.fromkeys(candidates, 0.0)
        d_matched = dict.fromkeys(candidates, 0.0)
        for g in groups:
            got: dict[int, float] = {}
            for t, sim in g.alts:
                names = posting_sets.get(t)
                if names:
                    w = weight[t] * sim
                    for e in candidates & names if len(candidates) < len(names) else (
                            names & candidates):
                        if e not in got:
                            got[e] = sim
                            d_matched[e] += w
            for t, sim in g.alts:
                places = context_sets.get(t)
                if places:
                    sim_ctx = sim * CONTEXT_FACTOR
                    for e in candidates & places:
                        if got.get(e, 0.0) < sim_ctx:
                            got[e] = sim_ctx
            gw = g.weight
            for e, sim in got.items():
                q_matched[e] += gw * sim
        query_numbers = {g.number for g in groups if g.number}
        entries = index.entries
        floor = MIN_QUERY_COVERAGE * total
        for e_id, matched in q_matched.items():
            if matched < floor:
                continue
            entry = entries[e_id]
            q_cov = matched / total
            d_cov = min(d_matched[e_id] / entry.total, 1.0) if entry.total > 0 else 0.0
            factor = FORMER_NAME if entry.former else 1.0
            if query_numbers:
                if not entry.numbers:
                    factor *= NO_NUMBER
                elif not (query_numbers & entry.numbers):
                    factor *= WRONG_NUMBER
            score = 100.0 * q_cov * (0.7 + 0.3 * d_cov) * factor
            previous = best.get(entry.inst)
            if previous is None or score > previous.score:
                best[entry.inst] = Ranked(score, entry.inst, e_id, q_cov, factor, True)

    def _candidates(self, groups: list[_Group], total: float) -> set[int]:
        """Names worth scoring: those holding one of the heaviest query terms.

        A name with none of the "essential" terms cannot reach MIN_QUERY_COVERAGE.
        Terms found in thousands of names ("больница", "центральная") only add
        their most specific names, and when every essential term is that common,
        the names holding all query terms (most specific first) are taken.
        """
        index = self._index
        postings, ctx_postings = index.postings, index.context_postings
        essential: list[_Group] = []
        remaining = total
        for g in sorted(groups, key=lambda g: -g.weight):
            if remaining < MIN_QUERY_COVERAGE * total:
                break
            remaining -= g.weight
            essential.append(g)
        candidates: set[int] = set()
        common: list[_Group] = []
        for g in essential:
            size = sum(len(postings.get(t, ())) + len(ctx_postings.get(t, ())) for t, _ in g.alts)
            if size > COMMON_TERM:
                common.append(g)
                continue
            for t, _ in g.alts:
                candidates.update(postings.get(t, ()))
                candidates.update(ctx_postings.get(t, ()))
        for g in common:
            for t, _ in g.alts[:3]:
                candidates.update(postings.get(t, ())[:COMMON_TAKE])
        if common and len(common) == len(essential):
            rarest = min(common, key=lambda g: len(postings.get(g.alts[0][0], ())))
            others = [[t for t, _ in g.alts] for g in groups if g is not rarest and g.alts]
            entries = index.entries
            found = 0
            for e_id in postings.get(rarest.alts[0][0], ())[:COMMON_SCAN]:
                terms = entries[e_id].terms
                if all(any(t in terms for t in alts) for alts in others):
                    candidates.add(e_id)
                    found += 1
                    if found >= COMMON_TAKE:
                        break
        return candidates

    def _allowed(self, region: str | None, city: str | None) -> frozenset[int] | None:
        if not region and not city:
            return None
        return self._filters.get_or_compute((region or "", city or ""), self._filter)

    def _filter(self, key: tuple[str, str]) -> frozenset[int]:
        region, city = key
        want_region = place_terms(region) if region else frozenset()
        want_city = place_terms(city) if city else frozenset()
        ok = []
        for i, inst in enumerate(self._index.institutions):
            if want_region and not want_region <= place_terms(inst.region):
                continue
            if want_city and not want_city <= (place_terms(inst.city) | place_terms(inst.district)):
                continue
            ok.append(i)
        return frozenset(ok)


_JOINTS = ("", "о", "ско", "е")


def _compounds(terms: list[str], vocab: dict[str, list[int]]) -> list[str]:
    """Join or split compound place names to meet the names' spelling.

    "вятские поляны" -> "вятскополян" (Вятскополянская), "черный яр" -> "чернояр";
    "кировочепецкая" -> "кир" + "чепец" (Кирово-Чепецкая).
    """
    out: list[str] = []
    i = 0
    while i < len(terms):
        t = terms[i]
        if i + 1 < len(terms) and not t.isdigit() and not terms[i + 1].isdigit():
            joined = next((t + j + terms[i + 1] for j in _JOINTS
                           if t + j + terms[i + 1] in vocab), None)
            if joined is not None:
                out.append(joined)
                i += 2
                continue
        if t not in vocab and len(t) >= 7 and not t.isdigit():
            for cut in range(3, len(t) - 2):
                left, right = stem(t[:cut]), t[cut:]
                if left in vocab and right in vocab and len(left) >= 3:
                    out.extend((left, right))
                    break
            else:
                out.append(t)
        else:
            out.append(t)
        i += 1
    return out
