"""A query that does not say a qualifier prefers the institution whose name lacks it.

A qualifier is a word of a name that says whom or what the institution serves: children
("детская"), a district or a town ("районная", "городская"), one specialty
("стоматологическая", "инфекционная"), one department's staff ("МВД", "РЖД"): the list is
abbreviations.QUALIFIERS. "Областная больница" means the adult hospital, not "областная
детская больница", even when the adult one's name has more words the query lacks
("клиническая", "№ 1", "имени ...") and so a smaller share of it is covered.

The rule, over the best candidates of a search: when two institutions cover the query
equally (same share of it, same number and former-name standing), and the qualifiers one
name has beyond what the query says are a strict part of the other's, the first comes
first; the other is put QUALIFIER_GAP points behind it (so no "clear winner" hides the
choice when the qualified one was ahead). A query that says the qualifier
("областная детская") covers more of itself with the qualified name: the rule does not apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from directory.normalize_names import QUALIFIER_TERMS

PREFER_SCAN = 20  # the best candidates the rule looks at
QUALIFIER_GAP = 1.0  # points the qualified institution is put behind the plain one
SAME_COVERAGE = 0.02  # shares of the query closer than this are the same


@dataclass(slots=True)
class Ranked:
    """One candidate institution of a search, with what the rule compares."""

    score: float
    inst: int  # position in Index.institutions
    entry: int  # the name that scored best
    q_cov: float  # the share of the query that name covers
    factor: float  # the number and former-name factors the score holds (1.0: none)
    preferred: bool  # in the boosted region/city, or no boost asked
    unsaid: frozenset[str] = frozenset()  # the name's qualifiers the query does not say


def unsaid_qualifiers(terms: frozenset[str], said: set[str]) -> frozenset[str]:
    return frozenset(t for t in terms & QUALIFIER_TERMS if t not in said)


def prefer_unqualified(ranked: list[Ranked]) -> None:
    """Lower, in place, the scores of the candidates a less qualified one should beat."""
    order = sorted(ranked, key=lambda r: len(r.unsaid))  # the plainer names are settled first
    for n, b in enumerate(order):
        if not b.unsaid:
            continue
        for c in order[:n]:
            if (c.unsaid < b.unsaid and c.q_cov >= b.q_cov - SAME_COVERAGE
                    and c.factor >= b.factor and c.preferred >= b.preferred
                    and b.score > c.score - QUALIFIER_GAP):
                b.score = round(c.score - QUALIFIER_GAP, 1)
