"""The message value's files (a chart, a workbook the bot made): in the one JSON codec as
base64, old payloads without them read as before, sizes within Telegram's upload limits."""

from __future__ import annotations

import base64
import json

import pytest

from bot.message import (
    Attachment,
    Button,
    FileKind,
    FileTooBig,
    Message,
    OutFile,
    decode,
    encode,
    message_from_dict,
    message_to_dict,
)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
XLSX = b"PK\x03\x04" + b"\x00\xff" * 300


def report() -> Message:
    return Message("Отчёт за неделю", [[Button("Открыть", "wk:1")]],
                   (Attachment("photo", "AgAD", "1001", "7", "telegram"),),
                   files=(OutFile(FileKind.PHOTO, "week.png", PNG, "image/png"),
                          OutFile(FileKind.DOCUMENT, "Отчёт.xlsx", XLSX, "application/x")))


def test_files_round_trip_byte_for_byte() -> None:
    message = report()
    again = decode(encode(message))
    assert again == message
    assert again.files[0].content == PNG and again.files[1].content == XLSX
    assert again.files[1].name == "Отчёт.xlsx" and again.files[0].kind is FileKind.PHOTO


def test_the_payload_keeps_the_codec_compact_style() -> None:
    data = message_to_dict(report())
    assert data["f"] == [["photo", "week.png", "image/png", base64.b64encode(PNG).decode()],
                         ["document", "Отчёт.xlsx", "application/x",
                          base64.b64encode(XLSX).decode()]]
    assert "f" not in message_to_dict(Message("без файлов"))  # absent fields are left out


def test_a_payload_from_before_files_reads_as_before() -> None:
    old = ('{"t":"Напоминание","b":[[["Взять","st:take:3"]]],'
           '"a":[["photo","p1","5","6","vk"]],"card":3}')
    message = decode(old)
    assert message.files == () and message.text == "Напоминание" and message.card_of == 3
    assert message.buttons == [[Button("Взять", "st:take:3")]]
    assert message_from_dict(json.loads(encode(message))) == message


def test_a_damaged_file_in_a_payload_is_an_error_not_garbage() -> None:
    data = message_to_dict(report())
    data["f"][0][3] = "not base64!"
    with pytest.raises(ValueError):  # the courier records such a row as rejected
        message_from_dict(data)


def test_files_within_telegrams_upload_limits() -> None:
    OutFile(FileKind.PHOTO, "ok.png", b"x" * (10 * 1024 * 1024))
    with pytest.raises(FileTooBig):
        OutFile(FileKind.PHOTO, "big.png", b"x" * (10 * 1024 * 1024 + 1))
    OutFile(FileKind.DOCUMENT, "big.xlsx", b"x" * (10 * 1024 * 1024 + 1))  # a document may
    with pytest.raises(FileTooBig):
        OutFile(FileKind.DOCUMENT, "huge.xlsx", b"x" * (50 * 1024 * 1024 + 1))
    with pytest.raises(ValueError):
        OutFile(FileKind.DOCUMENT, "", b"x")
