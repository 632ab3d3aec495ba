from __future__ import annotations

from bot.dialog.types import Attachment
from handlers.common import foreign_attachments_note, split_text


def test_split_text_keeps_everything_and_respects_the_limit() -> None:
    text = "\n\n".join(f"Абзац {i}. " + "слово " * 150 for i in range(10))
    pieces = split_text(text, 4096)
    assert all(len(p) <= 4096 for p in pieces) and len(pieces) > 1
    assert " ".join(" ".join(pieces).split()) == " ".join(text.split())


def test_split_text_cuts_unbroken_text_hard() -> None:
    assert split_text("я" * 10, 4) == ["яяяя", "яяяя", "яя"]
    assert split_text("", 10) == [""]


def test_foreign_attachment_note_names_kinds_and_platform() -> None:
    note = foreign_attachments_note((Attachment("photo", "x"), Attachment("document", "y")), "vk")
    assert "2" in note and "фото" in note and "документ" in note and "ВКонтакте" in note
