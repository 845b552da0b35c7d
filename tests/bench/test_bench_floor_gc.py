"""The floor is the bare SDK (its own alias path) with the cyclic GC paused exactly as posture.capture runs the
program (like for like on garbage), once more with the default GC for reference, and once with the SDK's unread
alias URNs deferred as posture.capture defers them (a diagnostic beside the program alone); the report shows
them (issues 6 and 17, bench/NOTES.md)."""

from __future__ import annotations

import gc
import json

import pytest

import bench.run as run
from bench.report import render

from test_bench_fleet import _dump, _program_registrations, _row

META = {"date": "2026-01-01 00:00 UTC", "command": "make bench",
        "machine": {"cpu": "cpu", "cores": "2", "memory": "4 GiB", "os": "Linux", "python": "3.11"},
        "versions": {"pulumi": "1"}}


def _floor(tmp_path, monkeypatch, cap, gc_paused, **kw):
    dump = tmp_path / "capture.json"
    dump.write_text(json.dumps(_dump(cap)))
    seen = []
    real = run.replay

    def spy(doc):
        import pulumi.resource

        seen.append(gc.isenabled())
        seen.append(pulumi.resource.collapse_alias_to_urn.__name__)  # deferred as posture.capture does, or not
        return real(doc)

    monkeypatch.setattr(run, "replay", spy)
    return run.worker_floor(dump, gc_paused=gc_paused, **kw), seen


def test_floor_gc_paused_like_the_capture(tmp_path, monkeypatch, fleet_capture):
    cap = fleet_capture(2)
    res, seen = _floor(tmp_path, monkeypatch, cap, True)
    assert seen == [False, "collapse_alias_to_urn"]  # the bare SDK: its own alias path
    assert gc.isenabled()
    assert sorted(res) == ["floor_resources", "floor_rss_mib", "floor_s"]
    assert res["floor_resources"] == len(_program_registrations(cap))


def test_floor_with_alias_urns_deferred(tmp_path, monkeypatch, fleet_capture):
    res, seen = _floor(tmp_path, monkeypatch, fleet_capture(2), True, defer_aliases=True)
    assert seen == [False, "deferred"]
    assert sorted(res) == ["floor_deferred_rss_mib", "floor_deferred_s"]
    assert res["floor_deferred_s"] > 0
    import pulumi.resource

    assert pulumi.resource.collapse_alias_to_urn.__name__ == "collapse_alias_to_urn"  # put back
    # the default GC floor is a plain program's: never deferred
    res, seen = _floor(tmp_path, monkeypatch, fleet_capture(2), False, defer_aliases=True)
    assert (seen, sorted(res)) == ([True, "collapse_alias_to_urn"], ["floor_default_gc_rss_mib", "floor_default_gc_s"])


def test_program_alone_registers_what_the_preview_does(fleet_capture):
    res = run.worker_program(2)
    assert sorted(res) == ["program_resources", "program_rss_mib", "program_s"]
    assert res["program_resources"] == len(fleet_capture(2).resources)
    assert res["program_s"] > 0


def test_floor_default_gc(tmp_path, monkeypatch, fleet_capture):
    res, seen = _floor(tmp_path, monkeypatch, fleet_capture(2), False)
    assert seen == [True, "collapse_alias_to_urn"]  # a plain program: the SDK's own path
    assert sorted(res) == ["floor_default_gc_rss_mib", "floor_default_gc_s"]
    assert res["floor_default_gc_s"] > 0


def test_report_shows_the_default_gc_floor_or_a_dash():
    row = _row(10, 1.0, 0.5)
    text = render([row], META)
    assert "| 10 | 60 | 0.80 | 0.20 | 0.20 | 1.00 | 1.50 | 0.50 | 2.00 | 3.00 | 100.00 | 50.00 | - |" in text
    assert "| 10 | 833 | 167 | 0.10 | 900 | 1,000 | 0 | yes | 1 | 1 | 1 | 1 | 1.00 | - |" in text
    row.update(floor_default_gc_s=1.5, floor_default_gc_rss_mib=3)
    text = render([row], META)
    assert "| 10 | 60 | 0.80 | 0.20 | 0.20 | 1.00 | 1.50 | 0.50 | 2.00 | 3.00 | 100.00 | 50.00 | 1.50 |" in text
    assert "| 10 | 833 | 167 | 0.10 | 900 | 1,000 | 0 | yes | 1 | 1 | 1 | 1 | 1.00 | 3 |" in text


def test_floor_replays_alias_urns_of_the_same_parent_as_specs():
    """posture.capture records alias specs resolved to URNs; the floor turns azure-native's versioned-type
    aliases back into specs (so the SDK pays for them as for the program), and leaves other URNs alone."""
    import pulumi

    own = "urn:pulumi:s::p::x:c:Comp$azure-native:network:VirtualNetwork::vnet"
    a = run._alias("urn:pulumi:s::p::x:c:Comp$azure-native:network/v20150501preview:VirtualNetwork::vnet", own)
    assert isinstance(a, pulumi.Alias)
    assert (a.type_, a.name) == ("azure-native:network/v20150501preview:VirtualNetwork", ...)
    renamed = run._alias("urn:pulumi:s::p::x:c:Comp$azure-native:network:VirtualNetwork::old", own)
    assert (renamed.type_, renamed.name) == (..., "old")
    other_parent = "urn:pulumi:s::p::x:c:Other$azure-native:network:VirtualNetwork::vnet"
    other_stack = "urn:pulumi:t::p::x:c:Comp$azure-native:network/v2:VirtualNetwork::vnet"
    assert run._alias(other_parent, own) == other_parent
    assert run._alias(other_stack, own) == other_stack
    top = "urn:pulumi:s::p::azure-native:resources:ResourceGroup::rg"
    assert run._alias("urn:pulumi:s::p::azure-native:resources/v20240301:ResourceGroup::rg", top).type_ == \
        "azure-native:resources/v20240301:ResourceGroup"


def test_floor_sends_the_same_alias_urns(fleet_capture):
    from posture.capture import EchoMocks, run_in_mocks

    cap = fleet_capture(2)
    floor = run_in_mocks(lambda: run.replay(_dump(cap)), project=cap.project, stack=cap.stack, preview=True,
                         mocks=EchoMocks())
    got = {r.urn: r.options["aliases"] for r in floor.resources}
    want = {r.urn: r.options["aliases"] for r in _program_registrations(cap)}
    assert got == want
    assert sum(len(v) for v in want.values()) > 500


def test_floor_in_an_ending_process_freezes_like_the_cli(tmp_path, monkeypatch, fleet_capture):
    """As `posture.capture` in the CLI's process: nothing collected after the run, its objects frozen."""
    calls = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append(("collect", *a)) or 0)
    res, seen = _floor(tmp_path, monkeypatch, fleet_capture(2), True)
    assert (seen, calls) == ([False, "collapse_alias_to_urn"], [("collect", 1)])  # the default: one collection (a small run: young gens)
    calls.clear()
    dump = tmp_path / "capture.json"
    res = run.worker_floor(dump, gc_paused=True, process_ends=True)
    assert calls == ["freeze"]
    assert gc.isenabled()
    assert res["floor_resources"] == len(_program_registrations(fleet_capture(2)))


@pytest.mark.parametrize("kind", ["preview", "preview-serial", "program", "floor", "floor-default-gc",
                                  "floor-deferred"])
def test_every_worker_process_is_told_it_ends(tmp_path, monkeypatch, kind):
    seen = []
    fake = lambda *a, **kw: seen.append(kw) or {}  # noqa: E731
    for name in ("worker_preview", "worker_preview_serial", "worker_program", "worker_floor"):
        monkeypatch.setattr(run, name, fake)
    out = tmp_path / "r.json"
    assert run.main(["--worker", kind, "2", "--dump", str(tmp_path / "d.json"), "--result", str(out)]) == 0
    assert [kw.get("process_ends") for kw in seen] == [True]
    if kind.startswith("floor"):
        assert (seen[0]["gc_paused"], seen[0]["defer_aliases"]) == (kind != "floor-default-gc", kind == "floor-deferred")


def test_measure_runs_the_breakdown_workers_or_not(monkeypatch):
    kinds = []

    def fake(args):
        kinds.append(args[0])
        return {"preview": {"violation_list": []}}.get(args[0], {})

    monkeypatch.setattr(run, "_run_worker", fake)
    run.measure(2, serial=False, default_gc=False, check_baseline=None)
    assert kinds == ["preview", "floor", "program", "floor-deferred"]
    kinds.clear()
    run.measure(2, serial=False, default_gc=False, check_baseline=None, breakdown=False)
    assert kinds == ["preview", "floor"]


def test_report_shows_where_the_preview_time_goes_or_nothing():
    row = _row(1000, 40.0, 80.0)
    assert "## Where the preview's time goes" not in render([row], META)
    row.update(program_s=25.0, floor_deferred_s=15.0, program_rss_mib=900)
    text = render([row], META)
    assert "| 1,000 | 80.00 | 15.00 | 25.00 | 40.00 | 1.67 | 1.60 | 900 |" in text
