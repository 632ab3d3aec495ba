"""The institution record shared by the directory search, storage and the bot."""

from __future__ import annotations

from dataclasses import dataclass, field

from directory.regions import region_key


@dataclass(frozen=True, slots=True)
class Institution:
    id: str
    name: str
    short_name: str = ""
    aliases: tuple[str, ...] = ()
    kind: str = ""
    region: str = ""
    city: str = ""
    district: str = ""
    address: str = ""
    phone: str = ""
    website: str = ""
    vk: str = ""
    telegram: str = ""
    ok: str = ""
    timezone: str = ""
    active: bool = True
    parent: str = ""  # the id of the institution that runs this one (a FAP: its district's ЦРБ)
    # Names it had before it was renamed or merged into another ("Оричевская ЦРБ"): the
    # search finds it by them, the card shows them ("Ранее: ...").
    former_names: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        """What a citizen reads in a button: the short name when there is one."""
        return self.short_name or self.name

    @property
    def region_key(self) -> str:
        """The region it belongs to (directory/regions.py); '' when its row names none."""
        return region_key(self.region)


@dataclass(frozen=True, slots=True)
class Match:
    institution: Institution
    score: float  # 0..100, higher is better
    matched: str = field(default="", compare=False)  # which name/alias matched, for debugging
