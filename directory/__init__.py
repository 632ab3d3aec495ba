"""Institution directory: CSV import with validation, and search for how citizens type.

    from directory import Directory
    d = Directory.from_csv("region.csv")
    matches = d.search("котельничская црб", limit=5)
    Directory.clear_winner(matches)  # one institution, or None -> show the top 3
"""

from directory.importer import (
    DirectoryImportError,
    ImportDiff,
    ImportReport,
    RowError,
    diff_import,
    parse_csv,
)
from directory.model import Institution, Match
from directory.search import Directory

__all__ = [
    "Directory",
    "DirectoryImportError",
    "ImportDiff",
    "ImportReport",
    "Institution",
    "Match",
    "RowError",
    "diff_import",
    "parse_csv",
]
