"""The directory the bot searches: built from the database's active institutions.

Rebuilt when an import changes the table, so `import-directory` reaches a running bot.
Building the search index takes seconds for a big directory, so it runs in a worker
thread: the event loop keeps serving with the previous directory meanwhile.
"""

from __future__ import annotations

import asyncio

from directory import Directory
from storage.store import Store


class DirectoryHolder:
    def __init__(self) -> None:
        self._directory = Directory.from_institutions([])
        self._signature: tuple[int, str] | None = None
        self._refreshing = asyncio.Lock()  # one rebuild at a time: the newest data wins

    @property
    def current(self) -> Directory:
        return self._directory

    async def refresh(self, db: Store) -> bool:
        """Rebuild if the institutions changed since the last build; True if rebuilt."""
        async with self._refreshing:
            async with db.unit() as repos:
                signature = await repos.institutions.signature()
                if signature == self._signature:
                    return False
                institutions = await repos.institutions.list(active_only=True)
            self._directory = await asyncio.to_thread(Directory.from_institutions, institutions)
            self._signature = signature
            return True
