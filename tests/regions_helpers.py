"""Several regions in one deployment, for the tests: the demo directory (Кировская область)
with institutions of two more regions, and staff invited for one region."""

from __future__ import annotations

from pathlib import Path

from bot.app import App
from bot.appeals.staff_power import create_invite
from directory.regions import region_key
from tests.chat import Chat, RecordingSender
from tests.conftest import DEMO_CSV
from tests.texts_helpers import filled, invite_accepted

KIROV_REGION = "Кировская область"  # the demo's: region A
MARI_REGION = "Республика Марий Эл"  # region B
PERM_REGION = "Пермский край"  # region C: no operator of its own
SERNUR = "mar-crb-sernur"  # B, no inbox chat
KUNGUR = "perm-crb-kungur"  # C, no inbox chat
RODNIK_KIROV = "kir-rodnik"  # one name in A and in B
RODNIK_MARI = "mar-rodnik"

EXTRA_ROWS = [
    f"{SERNUR},ГБУ РМЭ «Сернурская центральная районная больница»,Сернурская ЦРБ,,hospital,"
    "Марий Эл,пгт Сернур,Сернурский район,,,,,,,Europe/Kirov,",  # B, spelt otherwise
    f"{RODNIK_KIROV},Центр медицинской реабилитации «Родник»,,,rehab,{KIROV_REGION},"
    "г. Киров,,,,,,,,Europe/Kirov,",
    f"{RODNIK_MARI},Центр медицинской реабилитации «Родник»,,,rehab,{MARI_REGION},"
    "г. Йошкар-Ола,,,,,,,,Europe/Kirov,",
    f"{KUNGUR},ГБУЗ ПК «Кунгурская центральная районная больница»,Кунгурская ЦРБ,,hospital,"
    f"{PERM_REGION},г. Кунгур,Кунгурский район,,,,,,,Europe/Kirov,",
]


def regions_csv(folder: Path) -> Path:
    """The demo directory and the institutions of regions B and C."""
    path = folder / "regions.csv"
    demo = DEMO_CSV.read_text(encoding="utf-8").rstrip("\n")
    path.write_text(demo + "\n" + "\n".join(EXTRA_ROWS) + "\n", encoding="utf-8")
    return path


async def invited(app: App, sender: RecordingSender, role: str, region: str, user_id: str,
                  platform: str = "telegram", name: str = "") -> Chat:
    """A person who accepted an invite for `role` bound to `region` ('' none)."""
    chat = Chat(app, sender, platform, user_id=user_id, name=name)
    async with app.db.unit() as repos:
        token = await create_invite(repos, role, None, app.clock.now(), region_key(region))
    await chat.say(f"/start inv_{token}")
    assert filled(invite_accepted(role), chat.texts()), chat.texts()
    return chat
