"""Storage: the only place with SQL. `Database.unit()` yields the repositories."""

from storage.db import Database
from storage.repositories import Repositories

__all__ = ["Database", "Repositories"]
