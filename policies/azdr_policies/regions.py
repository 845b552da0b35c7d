"""Region look-ups for the pack, over the generated Azure facts (`facts.py`, written from
`components/facts.py` by `tools/genfacts.py`: the pack never imports `components/`).

ARM accepts display names too ('West Europe'), so every look-up normalizes the spelling first.
"""

from __future__ import annotations

from .facts import REGION_CAPABILITIES, REGION_PAIRS


def normalize_region(value: str) -> str:
    """ARM accepts display names too ('West Europe'): compare lower-case, without spaces."""
    return value.replace(" ", "").lower()


def paired_region(region: str) -> str | None:
    """The Azure paired region of `region` (any spelling), or None if it has none / is unknown."""
    return REGION_PAIRS.get(normalize_region(region))


def capabilities(region: str) -> dict | None:
    """The region's row of the capabilities table (pair, zones, grs, restricted, source), or None if unknown."""
    return REGION_CAPABILITIES.get(normalize_region(region))
