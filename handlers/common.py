"""What every messenger transport needs alike: splitting long texts, cross-platform notes."""

from __future__ import annotations

from bot import texts
from bot.dialog.types import Attachment


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, line or word when possible."""
    if limit <= 0:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def foreign_attachments_note(attachments: tuple[Attachment, ...], source_platform: str) -> str:
    """A file id of one messenger means nothing in another: say what was attached, and where."""
    kinds = ", ".join(sorted({texts.ATTACHMENT_KINDS.get(a.kind, a.kind) for a in attachments}))
    return texts.ATTACHMENT_ELSEWHERE.format(
        count=len(attachments), kinds=kinds,
        platform=texts.PLATFORM_NAMES_IN.get(source_platform, texts.ANOTHER_MESSENGER))
