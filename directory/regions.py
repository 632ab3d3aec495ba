"""A region's identity: the institution's `region` field, normalised the way the
directory's region filter reads it ("Кировская обл." and "Кировская область" are one
region). The key is what staff roles, the duty roster and the region rules are bound to;
an empty key is "no region": whatever has none behaves as a one-region deployment did."""

from __future__ import annotations

from directory.normalize_names import place_terms

# Words that name the kind of region, not the region ("Республика Марий Эл" = "Марий Эл").
_KIND_WORDS = frozenset({"республ"})


def region_key(text: str) -> str:
    """The region's key: its terms without the generic words, sorted; '' for none."""
    return " ".join(sorted(place_terms(text or "") - _KIND_WORDS))
