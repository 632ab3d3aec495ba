"""What a transport needs from the rest of the bot, and nothing more: small interfaces the
core implements (the composition root, bot/app.py, hands the implementations in).

A transport translates: updates into `Incoming` for `Core.handle`, the delivery's
messages into platform calls (its own Sender). Whatever else it needs is one of these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.dead_letters import Unreadable
    from bot.delivery.ports import Sender
    from bot.dialog.types import Incoming
    from bot.message import Attachment
    from bot.staff_roles import StaffMenu


class Core(Protocol):
    """The one entry of the core (bot.dialog.dialog.Dialog): it decides, and queues the
    replies with the turn; the delivery sends them."""

    async def handle(self, incoming: Incoming, /) -> object: ...


class StaffMenus(Protocol):
    """Who gets which command menu (bot.staff_roles.StaffRoles)."""

    async def staff_chats(self, platform: str, /) -> dict[str, StaffMenu]: ...

    async def menu_of(self, platform: str, user_id: str, /) -> StaffMenu | None: ...


class DeadLetters(Protocol):
    """Where updates that cannot be read are kept (bot.dead_letters.DeadLetterStore)."""

    async def keep(self, platform: str, letters: Sequence[Unreadable], /) -> None: ...


class Delivery(Protocol):
    """The console delivers by itself, in turn with its input (bot.delivery.Courier)."""

    def add_sender(self, sender: Sender, /) -> None: ...

    async def recover(self) -> object: ...

    async def flush(self) -> None: ...


class Personas(Protocol):
    """The console's `/as`: who to become (bot.staff_roles.StaffRoles)."""

    async def institution(self, query: str, /) -> tuple[str, str] | None: ...

    async def grant(self, platform: str, user_id: str, chat_id: str, role: str,
                    institution_id: str | None, /) -> None: ...


class OperatorAlerts(Protocol):
    """Tells the ministry operators about a transport's own trouble, through the outbox as
    the core's other alerts (bot.appeals.operator_alerts.OperatorAlerts). `problem` names
    the alert (a key of the catalogue's TRANSPORT_ALERTS: "webhook_dropped")."""

    async def transport_problem(self, platform: str, problem: str, /) -> object: ...


class TransportState(Protocol):
    """A transport's own small state kept in the database across restarts (MAX's long-poll
    marker); implemented in the composition root on storage's transport_state table."""

    async def load(self, platform: str, name: str, /) -> str | None: ...

    async def save(self, platform: str, name: str, value: str, /) -> None: ...


class MediaSource(Protocol):
    """The bytes of an attachment sent in another messenger, for a platform that takes files
    only as uploads (MAX); implemented by the messenger the attachment came from
    (handlers/telegram_media.py). None: it cannot be had (not a photo, too big, gone); a
    passing failure (the network, the platform's 5xx) raises."""

    async def fetch(self, attachment: Attachment, /) -> bytes | None: ...


class Relay(Protocol):
    """With several workers, where the one polling worker stores each batch of updates for
    every worker to take (bot.inbox.Inbox): (chat key, the update as JSON) each, in the
    order received. Raises when the batch could not be stored (it is fetched again)."""

    async def put(self, platform: str, updates: Sequence[tuple[str, str]], /) -> None: ...
