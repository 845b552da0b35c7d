"""Reading registration values in the DR documents: preview unknowns (`known`, `show`) and nested inputs (`get`)."""

from __future__ import annotations

from typing import Any

from ..capture import UNKNOWN

AFTER_UP = "<{} known after pulumi up>"


def known(value: Any) -> bool:
    return value is not None and value != UNKNOWN and "<pulumi.output.Unknown" not in str(value)


def show(value: Any, what: str = "name") -> str:
    """A value for display: unknown (preview) values become ``<name known after pulumi up>``."""
    if not known(value):
        return AFTER_UP.format(what)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def get(d: Any, *path: str) -> Any:
    """``d[path[0]][path[1]]...``; None where a step is missing or not a mapping."""
    for p in path:
        if not isinstance(d, dict):
            return None
        d = d.get(p)
    return d
