"""Institution directory: CSV import with validation, and search for how citizens type.

    from directory import Directory
    d = Directory.from_csv("region.csv")
    matches = d.search("котельничская црб", limit=5)
    Directory.clear_winner(matches)  # one institution, or None -> show the top 3
"""

from directory.csv_source import SourceEncoding
from directory.import_policy import ImportDiff, ImportOptions, ImportPlan, Refusal, plan_import
from directory.importer import (
    DEFAULT_MAX_ROWS,
    DirectoryImportError,
    FileProblem,
    ImportReport,
    RowError,
    parse_csv,
)
from directory.model import Institution, Match
from directory.search import Directory

__all__ = [
    "DEFAULT_MAX_ROWS",
    "Directory",
    "DirectoryImportError",
    "FileProblem",
    "ImportDiff",
    "ImportOptions",
    "ImportPlan",
    "ImportReport",
    "Institution",
    "Match",
    "Refusal",
    "RowError",
    "SourceEncoding",
    "parse_csv",
    "plan_import",
]
