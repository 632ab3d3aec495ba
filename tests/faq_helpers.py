"""What the FAQ tests share: the seed file and a short way to ask which entry answered."""

from __future__ import annotations

from bot.config import PROJECT_ROOT
from faq import FaqMatcher

SEED = PROJECT_ROOT / "faq" / "data" / "faq.yaml"


def answer_id(m: FaqMatcher, text: str) -> str | None:
    r = m.match(text)
    return r.answer.id if r.answer else None
