"""The one catalogue of user-facing Russian, in files by subject."""

from bot.texts.answers import *  # noqa: F403
from bot.texts.catalogue import *  # noqa: F403
from bot.texts.delivery import *  # noqa: F403
from bot.texts.duty_web import *  # noqa: F403
from bot.texts.errors import *  # noqa: F403
from bot.texts.exports import *  # noqa: F403
from bot.texts.reports import *  # noqa: F403
from bot.texts.routing import *  # noqa: F403
from bot.texts.transports import *  # noqa: F403
from bot.texts.trust import *  # noqa: F403
from bot.texts.web import *  # noqa: F403
from bot.texts.weekly import *  # noqa: F403
