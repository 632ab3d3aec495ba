"""Who of the ministry hears of an institution's appeals when several regions share one
deployment: the operators of the institution's region (its key: directory/regions.py)
and the operators bound to no region, who hear of every region's, as all operators did
before regions. A region none of them covers still reaches someone: every operator.
An institution with no region is everyone's."""

from __future__ import annotations

from dataclasses import replace

from bot.appeals.access import Actor
from directory.regions import region_key
from storage.records import ChatRef, Role
from storage.repositories import Repositories


async def operator_chats(repos: Repositories, region: str) -> list[ChatRef]:
    """The private chats of the operators of `region` (a key) and of those of none; every
    operator's when that is nobody, or the region is '' (none). One read of the operators
    however many regions there are."""
    return of_region(await repos.people.staff_regions(Role.OPERATOR), region)


def of_region(operators: list[tuple[ChatRef, str]], region: str) -> list[ChatRef]:
    """operator_chats among `operators` (chats with the region each is bound to)."""
    near = [chat for chat, bound in operators if bound in (region, "")] if region else []
    return list(dict.fromkeys(near or [chat for chat, _ in operators]))


async def operators_of(repos: Repositories, institution_id: str) -> list[ChatRef]:
    """operator_chats of the institution's region."""
    inst = await repos.institutions.get(institution_id)
    return await operator_chats(repos, inst.region_key if inst is not None else "")


async def region_names(repos: Repositories) -> dict[str, str]:
    """Each region key of the directory, with the name its rows write (the first of its
    spellings in order): what staff lists and invites show of a region."""
    names: dict[str, str] = {}
    for text in await repos.institutions.regions():
        if key := region_key(text):
            names.setdefault(key, text)
    return names


async def known_region(repos: Repositories, name: str) -> str | None:
    """The key of the region `name` means (any spelling), if the directory has it."""
    key = region_key(name)
    return key if key in await region_names(repos) else None


async def scoped(repos: Repositories, actor: Actor) -> Actor:
    """The actor with the institutions an operator bound to regions works for: those of
    their regions and those of none (whose cards reach every operator). Their queue,
    figures, exports and console pages show those, and they act on those appeals only."""
    regions = actor.operator_regions
    if regions is None:
        return actor
    return replace(actor, scope=tuple(
        inst.id for inst in await repos.institutions.list(active_only=False)
        if inst.region_key in regions or not inst.region_key))
