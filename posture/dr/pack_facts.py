"""The Azure facts the DR documents need, read as data from the policy pack's generated facts module
(`policies/azdr_policies/facts.py`, written from `components/facts.py` by `python -m tools.genfacts`): the
region pairs and the cross-region RPO. Loaded by file: the module imports nothing, and neither the pack nor
`components/` is imported (docs/DESIGN.md). A missing file is an error naming it, never a quiet fallback.
"""

from __future__ import annotations

import importlib.util
import types
from pathlib import Path

from ..errors import PostureError

PATH = Path(__file__).resolve().parents[2] / "policies" / "azdr_policies" / "facts.py"


def load(path: Path = PATH) -> types.ModuleType:
    """The pack's generated facts module, loaded by file (it imports nothing; the pack is not imported)."""
    spec = importlib.util.spec_from_file_location("_azdr_pack_facts", path)
    if spec is None or spec.loader is None or not path.is_file():
        raise PostureError(f"{path}: the policy pack's generated facts are missing (run `python -m tools.genfacts`)")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def region_pairs(path: Path = PATH) -> dict[str, str]:
    """Region -> its Azure paired region (`REGION_PAIRS`)."""
    return dict(load(path).REGION_PAIRS)


def cross_region_rpo_hours(path: Path = PATH) -> int:
    """The cross-region RPO a geo-redundant vault with cross-region restore achieves (`CROSS_REGION_RPO_HOURS`)."""
    return int(load(path).CROSS_REGION_RPO_HOURS)
