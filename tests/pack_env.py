"""The pack's rule package importable exactly as the language host has it (policies/ on sys.path) and "today"
pinned for exemption expiry: shared by the rule tests' and the change-rule tests' conftest.py. Never construct a
PolicyPack in a test (it serves forever)."""

import datetime as dt
import sys
from pathlib import Path

import pytest

PACK_DIR = Path(__file__).resolve().parents[1] / "policies"
if str(PACK_DIR) not in sys.path:
    sys.path.insert(0, str(PACK_DIR))

TODAY = dt.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _pinned_today():
    from azdr_policies import set_today

    set_today(TODAY)
    yield
    set_today(None)
