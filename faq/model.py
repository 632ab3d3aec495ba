"""FAQ content types shared by the matcher, the loader and the bot."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class FaqEntry:
    id: str  # stable: stored feedback refers to it
    question: str
    answer: str
    alt: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    links: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FaqResult:
    answer: FaqEntry | None  # set only when the matcher is confident
    suggestions: tuple[FaqEntry, ...] = ()  # up to 3, best first, for "did you mean"
    score: float = 0.0  # confidence of the best candidate, 0..100
    scores: tuple[float, ...] = field(default=(), compare=False)  # of the suggestions
