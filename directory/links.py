"""Links in a directory row: a clean http(s) URL, or None when the value is clearly broken.

A missing scheme gets https://; a bare VK/OK name or a Telegram @username becomes a link.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_HOST = re.compile(r"^(?=.{3,253}$)([a-z0-9а-яё]([a-z0-9а-яё-]*[a-z0-9а-яё])?\.)+[a-zа-я]{2,}$", re.I)
_TG_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
_SOCIAL_PATH = re.compile(r"^[A-Za-z0-9_.\-/]+$")


def _url(value: str, hosts: tuple[str, ...] | None = None) -> str | None:
    """A clean http(s) URL or None when clearly broken; a missing scheme gets https://."""
    if any(ch.isspace() for ch in value):
        return None
    candidate = value if "://" in value else "https://" + value
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower()
    if not _HOST.match(host):
        return None
    if hosts is not None and not any(host == h or host.endswith("." + h) for h in hosts):
        return None
    return candidate


def website_link(value: str) -> str | None:
    return _url(value)


def _social(value: str, hosts: tuple[str, ...], base: str) -> str | None:
    if "." in value.split("/")[0] or "://" in value:
        url = _url(value, hosts)
        if url is None or not urlsplit(url).path.strip("/"):
            return None
        return url
    name = value.lstrip("@").strip("/")
    if not name or not _SOCIAL_PATH.match(name):
        return None
    return base + name


def vk_link(value: str) -> str | None:
    return _social(value, ("vk.com", "vk.ru", "vkontakte.ru"), "https://vk.com/")


def ok_link(value: str) -> str | None:
    return _social(value, ("ok.ru", "odnoklassniki.ru"), "https://ok.ru/")


def telegram_link(value: str) -> str | None:
    if "." in value.split("/")[0] or "://" in value:
        url = _url(value, ("t.me", "telegram.me", "telegram.org"))
        if url is None or not urlsplit(url).path.strip("/"):
            return None
        return url
    name = value.lstrip("@")
    if not _TG_USERNAME.match(name):
        return None
    return "https://t.me/" + name
