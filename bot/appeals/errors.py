"""The one error of the appeal lifecycle."""

from __future__ import annotations


class AppealError(Exception):
    """An action that is not possible in the appeal's current state (shown to the user)."""
