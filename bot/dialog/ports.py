"""What the core needs from the directory, the FAQ and the category model: small
interfaces, easy to swap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from directory import Directory
    from faq import FaqMatcher


class DirectorySource(Protocol):
    @property
    def current(self) -> Directory: ...


class CategoryGuesser(Protocol):
    def guess(self, text: str) -> str | None:
        """A key of texts.CATEGORIES the text is about, or None when unsure."""
        ...


class FaqSource(Protocol):
    @property
    def matcher(self) -> FaqMatcher: ...

    def reload(self) -> list[str]: ...

    async def areload(self) -> list[str]:
        """reload() off the event loop (a big file takes seconds to parse and index)."""
        ...
