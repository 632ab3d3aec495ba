"""Button payloads: a typed codec in the style of aiogram's CallbackData.

A payload is `prefix:field:field`: each kind of button is a frozen dataclass with its
prefix and typed fields (int, str, or a Literal of words). `pack()` writes the string,
within the platforms' limit (bot/message.py's one check); `unpack(text)` reads any payload
back into its dataclass, or None for one we did not make (an old client, tampering). The
strings are those that buttons already sent to chats carry: they must never change.

Only the last field may contain the separator (a FAQ entry id is taken whole).
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self

from bot.message import PAYLOAD_MAX_BYTES, Button, PayloadTooLong, payload_fits

SEP = ":"
_NO = object()  # a part that does not read as its field's type


def _int(part: str) -> Any:
    return int(part) if part.isascii() and part.isdigit() and len(part) < 12 else _NO


def _reader(hint: Any) -> Callable[[str], Any]:
    if hint is int:
        return _int
    if hint is str:
        return lambda part: part
    if typing.get_origin(hint) is Literal:
        words = typing.get_args(hint)
        return lambda part: part if part in words else _NO
    raise TypeError(f"a payload field cannot be {hint!r}")


class Payload:
    """The base of every payload kind: `prefix` and the dataclass fields define it."""

    prefix: ClassVar[str]
    __dataclass_fields__: ClassVar[dict[str, Any]]  # every kind is a dataclass

    if TYPE_CHECKING:
        def __init__(self, *values: Any) -> None: ...

    @classmethod
    @cache
    def _readers(cls) -> tuple[Callable[[str], Any], ...]:
        hints = typing.get_type_hints(cls)
        return tuple(_reader(hints[f.name]) for f in fields(cls))

    def pack(self) -> str:
        values = [str(getattr(self, f.name)) for f in fields(self)]
        if any(SEP in value for value in values[:-1]):
            raise ValueError(f"{SEP!r} inside a payload field: {values!r}")
        text = SEP.join([self.prefix, *values])
        if not payload_fits(text):
            raise PayloadTooLong(f"payload over {PAYLOAD_MAX_BYTES} bytes: {text!r}")
        return text

    def fits(self) -> bool:
        """Whether it packs within the limit (a FAQ entry's id may be long)."""
        try:
            self.pack()
        except ValueError:
            return False
        return True

    def button(self, text: str) -> Button:
        return Button(text, self.pack())

    def button_if_fits(self, text: str) -> Button | None:
        """The button, or None when the payload would not fit the platforms' limit."""
        return self.button(text) if self.fits() else None

    @classmethod
    def parse(cls, text: str) -> Self | None:
        readers = cls._readers()
        parts = text.split(SEP, len(readers)) if readers else [text]
        if len(parts) != len(readers) + 1 or parts[0] != cls.prefix:
            return None
        values = [read(part) for read, part in zip(readers, parts[1:], strict=True)]
        if any(value is _NO for value in values):
            return None
        return cls(*values)


class MenuItem(StrEnum):
    FAQ = "faq"
    FIND = "find"
    APPEAL = "appeal"
    MY = "my"
    HELP = "help"
    MENU = "menu"


@dataclass(frozen=True)
class Menu(Payload):
    """A menu item ("m:faq"); an item we do not know is the menu itself."""

    prefix: ClassVar[str] = "m"
    item: str


@dataclass(frozen=True)
class Cancel(Payload):
    prefix: ClassVar[str] = "cancel"


@dataclass(frozen=True)
class Pick(Payload):
    """One of a list of institutions ("pick:3"), in whichever flow showed it."""

    prefix: ClassVar[str] = "pick"
    index: int


@dataclass(frozen=True)
class AppealHere(Payload):
    """«Написать обращение сюда» under an institution's page."""

    prefix: ClassVar[str] = "apl"


@dataclass(frozen=True)
class Category(Payload):
    prefix: ClassVar[str] = "cat"
    key: str  # a key of texts.CATEGORIES


@dataclass(frozen=True)
class Consent(Payload):
    prefix: ClassVar[str] = "consent"
    answer: Literal["yes", "no"]

    @property
    def agreed(self) -> bool:
        return self.answer == "yes"


@dataclass(frozen=True)
class Confirm(Payload):
    prefix: ClassVar[str] = "confirm"
    action: Literal["send", "edit"]


@dataclass(frozen=True)
class Route(Payload):
    """The institution the bot suggested from an appeal's text: take it, or keep one's
    own choice ("route:accept", "route:keep")."""

    prefix: ClassVar[str] = "route"
    choice: Literal["accept", "keep"]

    @property
    def accepted(self) -> bool:
        return self.choice == "accept"


@dataclass(frozen=True)
class Suggestion(Payload):
    """A FAQ entry offered for a question the FAQ was not sure about ("faq:<entry>")."""

    prefix: ClassVar[str] = "faq"
    entry: str


@dataclass(frozen=True)
class Feedback(Payload):
    """«Помог ли ответ?» under a FAQ answer ("fb:y:<entry>")."""

    prefix: ClassVar[str] = "fb"
    vote: Literal["y", "n"]
    entry: str

    @classmethod
    def of(cls, helpful: bool, entry: str) -> Feedback:
        return cls("y" if helpful else "n", entry)

    @property
    def helpful(self) -> bool:
        return self.vote == "y"


@dataclass(frozen=True)
class Rate(Payload):
    prefix: ClassVar[str] = "rate"
    appeal: int
    stars: int


@dataclass(frozen=True)
class Unsolved(Payload):
    """«Вопрос не решён» under one answer (or closing) of an appeal: "unsolved:2:15"."""

    prefix: ClassVar[str] = "unsolved"
    answer: int  # the appeal's answers_given when the button was sent
    appeal: int


@dataclass(frozen=True)
class UnsolvedBefore(Payload):
    """The button as sent before answers were counted: "unsolved:15"."""

    prefix: ClassVar[str] = "unsolved"
    appeal: int


@dataclass(frozen=True)
class Forget(Payload):
    prefix: ClassVar[str] = "forget"
    answer: Literal["yes"]


class StaffVerb(StrEnum):
    CARD = "card"
    TAKE = "take"
    ANSWER = "ans"
    SEND_ANSWER = "ansok"
    EDIT_ANSWER = "ansedit"
    REDIRECT = "redir"
    CLOSE = "close"  # asks for the reason: "cl<reason>" closes
    EXTEND = "ext"


CLOSE_AS = "cl"


@dataclass(frozen=True)
class Staff(Payload):
    """A staff action on an appeal ("st:take:12"); `action` is a StaffVerb or a close
    with its reason ("st:clphone:12")."""

    prefix: ClassVar[str] = "st"
    action: str
    appeal: int

    @classmethod
    def close_as(cls, reason: str, appeal: int) -> Staff:
        return cls(CLOSE_AS + reason, appeal)

    @property
    def close_reason(self) -> str | None:
        """The reason of a close ("phone" of "clphone"); None for every other action."""
        if self.action.startswith(CLOSE_AS) and self.action != StaffVerb.CLOSE:
            return self.action.removeprefix(CLOSE_AS)
        return None


# Kinds sharing a prefix are tried in this order (today's form before an older one).
_KINDS: tuple[type[Payload], ...] = (
    Menu, Cancel, Pick, AppealHere, Category, Consent, Confirm, Route, Suggestion, Feedback,
    Rate, Unsolved, UnsolvedBefore, Forget, Staff,
)
_BY_PREFIX: dict[str, list[type[Payload]]] = {}
for _kind in _KINDS:
    _BY_PREFIX.setdefault(_kind.prefix, []).append(_kind)


def unpack(text: str) -> Payload | None:
    """The payload a button carried, or None for one we did not make."""
    for kind in _BY_PREFIX.get(text.partition(SEP)[0], ()):
        payload = kind.parse(text)
        if payload is not None:
            return payload
    return None
