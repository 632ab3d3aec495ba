"""Screening of citizens' free text: personal data out of statistics, abuse flagged (59-FZ art. 11)."""

from bot.screening.abuse import AbuseKind, screen
from bot.screening.pii import contains_personal_data, mask_personal_data

__all__ = ["AbuseKind", "contains_personal_data", "mask_personal_data", "screen"]
