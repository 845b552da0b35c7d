"""Captures of generated fleets, shared by the bench tests (a capture costs seconds)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@lru_cache(maxsize=None)
def _fleet_capture(n_vms: int):
    from bench.fleet import fleet_config
    from posture.capture import capture_program

    return capture_program(ROOT, "dev", config_override=fleet_config(n_vms))


@pytest.fixture(scope="session")
def fleet_capture():
    """fleet_capture(n) -> the (cached) capture of the project with an n-VM fleet config."""
    return _fleet_capture
