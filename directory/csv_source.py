"""Read a directory file's bytes as text: UTF-8 (with or without a BOM), UTF-16 with a BOM,
or Windows-1251 when the bytes are not UTF-8 but read as plausible Russian text.

Excel on a Russian Windows saves «CSV» in Windows-1251; a file in any other encoding is
refused with an error naming the problem, never imported as garbage.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from enum import StrEnum

# A Windows-1251 reading is believed when at least this share of its non-ASCII characters
# are Russian letters or the punctuation Russian texts use.
CP1251_PLAUSIBLE_SHARE = 0.9
# ... and at most this share of its Russian words also hold Latin letters (Latin-1 read as
# Windows-1251 turns «Hôpital» into «Hфpital»).
CP1251_MIXED_WORDS_SHARE = 0.1
CP1251_SAMPLE = 200_000  # characters looked at: the start of a file tells its encoding
_WORD = re.compile(r"[^\W\d_]+")
_LATIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_SAVE_AS = "сохраните его как «CSV UTF-8 (разделитель — запятая)»"
_RUSSIAN = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")
_PUNCTUATION = frozenset("«»—–№…“”„‘’\xa0·")


class SourceEncoding(StrEnum):
    UTF8 = "utf-8"
    UTF8_BOM = "utf-8-sig"
    UTF16 = "utf-16"
    CP1251 = "cp1251"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    SourceEncoding.UTF8: "UTF-8",
    SourceEncoding.UTF8_BOM: "UTF-8 (с BOM)",
    SourceEncoding.UTF16: "UTF-16",
    SourceEncoding.CP1251: "Windows-1251",
}


class UndecodableError(ValueError):
    """The bytes are in no encoding the importer reads; the message names the problem."""


@dataclass(frozen=True, slots=True)
class DecodedText:
    text: str
    encoding: SourceEncoding


def decode_bytes(data: bytes) -> DecodedText:
    """The text of a file and the encoding it was read in, or UndecodableError."""
    if data.startswith(b"PK\x03\x04"):
        raise UndecodableError(f"это книга Excel (.xlsx) или другой архив, а не CSV; {_SAVE_AS}")
    if data.startswith(codecs.BOM_UTF8):
        return DecodedText(_strict(data[len(codecs.BOM_UTF8):], "utf-8", "UTF-8 (с BOM)"),
                           SourceEncoding.UTF8_BOM)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return DecodedText(_strict(data, "utf-16", "UTF-16").lstrip("\ufeff"),
                           SourceEncoding.UTF16)
    try:
        return DecodedText(data.decode("utf-8"), SourceEncoding.UTF8)
    except UnicodeDecodeError as exc:
        utf8_error = exc
    text = _cp1251(data)
    if text is None:
        raise UndecodableError(
            f"файл не в кодировке UTF-8 (неверный байт {utf8_error.start}) и не похож на "
            f"Windows-1251; {_SAVE_AS}"
        )
    return DecodedText(text, SourceEncoding.CP1251)


def _strict(data: bytes, codec: str, label: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise UndecodableError(
            f"файл начинается как {label}, но байт {exc.start} в этой кодировке неверен; "
            f"{_SAVE_AS}"
        ) from None


def _cp1251(data: bytes) -> str | None:
    """The Windows-1251 reading of the bytes when it looks like Russian text, else None."""
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None  # binary or UTF-16 without a BOM
    sample = text[:CP1251_SAMPLE]
    foreign = [ch for ch in sample if ord(ch) > 127]
    plausible = sum(1 for ch in foreign if ch in _RUSSIAN or ch in _PUNCTUATION)
    if not foreign or plausible < CP1251_PLAUSIBLE_SHARE * len(foreign):
        return None
    russian_words = [w for w in _WORD.findall(sample) if not _RUSSIAN.isdisjoint(w)]
    mixed = sum(1 for w in russian_words if not _LATIN.isdisjoint(w))
    return None if mixed > CP1251_MIXED_WORDS_SHARE * len(russian_words) else text
