"""Fixtures for the real-engine tests: one pulumi (found or built), one isolated PULUMI_HOME/state per
session, and one shared `pulumi up` of the dev stack."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.real_engine.harness import HOW_TO_ENABLE, REQUIRED_VAR, Engine
from tools.realengine import env as E


@pytest.fixture(scope="session")
def pulumi_bin():
    try:
        return E.ensure_pulumi()
    except (E.RealEngineUnavailable, subprocess.CalledProcessError) as e:
        if os.environ.get(REQUIRED_VAR):
            pytest.fail(f"{REQUIRED_VAR} is set but the real engine is unavailable: {e}")
        pytest.skip(HOW_TO_ENABLE)


@pytest.fixture(scope="session")
def engine(pulumi_bin, tmp_path_factory):
    return Engine(pulumi_bin, tmp_path_factory.mktemp("real-engine"))
