"""Why a database cannot be used, as one word for the command line to explain: a file the
process may not write, a file that is not SQLite, a damaged one (PRAGMA quick_check)."""

from __future__ import annotations

import errno
import sqlite3
from enum import StrEnum


class DbProblem(StrEnum):
    READ_ONLY = "read_only"  # the file, or its folder (-wal, -shm), is not writable
    NOT_A_DATABASE = "not_a_database"
    CORRUPTED = "corrupted"
    UNAVAILABLE = "unavailable"  # cannot be opened or created at all


class DatabaseProblem(Exception):
    """The database at `path` cannot be used; `detail` is SQLite's or the OS's own words
    (never data from the file)."""

    def __init__(self, problem: DbProblem, path: str, detail: str = "") -> None:
        detail = " ".join(detail.split())  # one line, whatever SQLite's report looked like
        super().__init__(f"{problem}: {path}: {detail}")
        self.problem = problem
        self.path = path
        self.detail = detail


# SQLite's primary result codes by name (sqlite3.Error.sqlite_errorname, e.g.
# "SQLITE_READONLY_DIRECTORY" for the extended code of a read-only folder).
_BY_CODE = {
    "SQLITE_READONLY": DbProblem.READ_ONLY,
    "SQLITE_PERM": DbProblem.READ_ONLY,
    "SQLITE_NOTADB": DbProblem.NOT_A_DATABASE,
    "SQLITE_CORRUPT": DbProblem.CORRUPTED,
    "SQLITE_CANTOPEN": DbProblem.UNAVAILABLE,
}


def problem_of_sqlite(exc: sqlite3.Error) -> DbProblem | None:
    """The problem an SQLite error at open means, or None for any other error."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    for prefix, problem in _BY_CODE.items():
        if name == prefix or name.startswith(prefix + "_"):
            return problem
    text = str(exc).lower()  # older SQLite builds without error names
    if "readonly" in text or "read-only" in text:
        return DbProblem.READ_ONLY
    if "not a database" in text:
        return DbProblem.NOT_A_DATABASE
    if "malformed" in text:
        return DbProblem.CORRUPTED
    return None


def problem_of_os(exc: OSError) -> DbProblem:
    if isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
        return DbProblem.READ_ONLY
    return DbProblem.UNAVAILABLE
