"""Repeats (issue 18): the same citizen writing the same thing to the same institution
again within a week is an addition to their open appeal, not a new one."""

from __future__ import annotations

from datetime import timedelta

from rapidfuzz import fuzz

from storage.records import Appeal
from textnorm import words

REPEAT_WINDOW = timedelta(days=7)
# Scores of the texts' words: the same words in another order or with a typo are a repeat,
# and so is the same text with a few words more ("..., помогите"); one doctor for another
# in a short text ("к неврологу" / "к кардиологу", about 66) is not.
REPEAT_MIN = 92
# The words of one inside the other's count only when the texts' lengths are this close.
SUBSET_LENGTHS = 0.8


def near_identical(a: str, b: str) -> bool:
    left, right = " ".join(words(a)), " ".join(words(b))
    if not (left and right):
        return False
    score = fuzz.token_sort_ratio(left, right)
    if min(len(left), len(right)) >= SUBSET_LENGTHS * max(len(left), len(right)):
        score = max(score, fuzz.token_set_ratio(left, right))
    return score >= REPEAT_MIN


def repeat_of(text: str, open_appeals: list[Appeal]) -> Appeal | None:
    """The open appeal `text` repeats (the newest such), or None."""
    return next((a for a in open_appeals if a.text and near_identical(text, a.text)), None)
