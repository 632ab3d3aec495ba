"""Asserting on the catalogue (bot/texts): whether a text holds a template, filled in, and
with what."""

from __future__ import annotations

import re

_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}")


def template_pattern(template: str) -> re.Pattern[str]:
    """A template's fixed parts, in order, with a named group where each field is (a field
    with no text after it before the next field or the end takes the rest of its line)."""
    out: list[str] = []
    seen: set[str] = set()
    pos = 0
    found = list(_FIELD.finditer(template))
    for i, field in enumerate(found):
        out.append(re.escape(template[pos:field.start()]))
        name = field.group(1)
        bare = field.end() == (found[i + 1].start() if i + 1 < len(found) else len(template))
        if name in seen:
            out.append(f"(?P={name})")
        else:
            seen.add(name)
            out.append(f"(?P<{name}>[^\\n]*)" if bare else f"(?P<{name}>.*?)")
        pos = field.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out), re.DOTALL)


def filled(template: str, text: str) -> bool:
    """True if `text` contains `template` with its fields filled in somehow."""
    return template_pattern(template).search(text) is not None


def fields(template: str, text: str) -> dict[str, str]:
    """What filled the fields of `template` where `text` first contains it."""
    found = template_pattern(template).search(text)
    assert found is not None, f"{template!r} is not in {text!r}"
    return found.groupdict()


def invite_accepted(role: str) -> str:
    """What a person who accepted an invite for `role` is told (a template)."""
    from bot import texts

    return {"admin": texts.INVITE_ACCEPTED_ADMIN, "duty": texts.INVITE_ACCEPTED_DUTY,
            "operator": texts.INVITE_ACCEPTED_OPERATOR}[role]
