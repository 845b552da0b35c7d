"""Without pulumi and Go the real-engine tests skip with one line saying how to enable them; with
AZDR_REAL_ENGINE_REQUIRED (set by .ci/run) that is a failure. No real engine needed."""

import pytest

from tests.real_engine import harness
from tools.realengine import env as E


def unavailable():
    raise E.RealEngineUnavailable("no compatible pulumi (v3.274+) on PATH and no Go to build one")


def test_skips_with_one_line_saying_how_to_enable(monkeypatch):
    monkeypatch.setattr(E, "ensure_pulumi", unavailable)
    with pytest.raises(pytest.skip.Exception) as exc:
        harness.resolve_pulumi({})
    msg = str(exc.value)
    assert "\n" not in msg and "make real-engine" in msg and "AZDR_REAL_ENGINE_REQUIRED=1" in msg


def test_required_variable_turns_the_skip_into_a_failure(monkeypatch):
    monkeypatch.setattr(E, "ensure_pulumi", unavailable)
    with pytest.raises(pytest.fail.Exception) as exc:
        harness.resolve_pulumi({"AZDR_REAL_ENGINE_REQUIRED": "1"})
    assert "no Go to build one" in str(exc.value)


def test_compatible_versions():
    assert E._compatible("v3.274.1\n") and E._compatible("v3.280.0") and E._compatible("3.274.0")
    assert not E._compatible("v3.273.9") and not E._compatible("v4.0.0") and not E._compatible("")
