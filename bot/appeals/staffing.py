"""Giving people staff roles without an invite: operators from settings, console personas."""

from __future__ import annotations

from datetime import datetime

from storage.repositories import Repositories


async def grant_role(
    repos: Repositories, *, platform: str, user_id: str, chat_id: str, role: str,
    institution_id: str | None, now: datetime, is_group: bool = False,
) -> None:
    """The same effect as accepting an invite in that chat."""
    user = await repos.people.ensure_user(platform, user_id, "" if is_group else chat_id, "",
                                          now)
    await repos.people.add_role(user.id, role, institution_id, now)
    if role == "admin" and institution_id:
        await repos.people.bind_inbox(institution_id, platform, chat_id, is_group, now)
        if is_group:
            await repos.staff.add_member(platform, chat_id, user.id, None, now)
