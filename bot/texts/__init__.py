"""The one catalogue of user-facing Russian, in two files by subject."""

from bot.texts.catalogue import *  # noqa: F403
from bot.texts.delivery import *  # noqa: F403
