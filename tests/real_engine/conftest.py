"""Fixtures for the real-engine tests: one pulumi (found or built), one isolated PULUMI_HOME per session."""

from __future__ import annotations

import pytest

from tests.real_engine.harness import Engine, resolve_pulumi


@pytest.fixture(scope="session")
def pulumi_bin():
    return resolve_pulumi()


@pytest.fixture(scope="session")
def engine(pulumi_bin, tmp_path_factory):
    return Engine(pulumi_bin, tmp_path_factory.mktemp("real-engine"))
