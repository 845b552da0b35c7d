"""Issue 17: the pack evaluates while the program runs (preview) and while a document is read (check).

`posture.analyzer.PackEvaluation` must return exactly what the reference path -- capture first, then
`PolicyPackProcess.analyze` (one call at a time) -- returns: the same violations in the same order. Pinned here on
the dev stack and on a generated fleet with the real pack, and with the echo pack, which reports every request it
received in full (so equal lists mean equal requests, in the same order)."""

from __future__ import annotations

import contextlib
import gc
import os
from pathlib import Path

import pytest

from components.prior_state import CLOCK_VAR
from posture.analyzer import WINDOW, PackEvaluation, PolicyPackProcess
from posture.capture import Registration, capture_program, run_in_mocks
from posture.errors import PostureError
from posture.formats import read_stack_export
from posture.results import Violation

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "policies"
ECHO = ROOT / "tests" / "fixtures" / "packs" / "echo-pack"
FLEET_VMS = 10


@pytest.fixture(scope="module", autouse=True)
def _pinned_program_clock():
    """The program records when it registered VMs (deploymentRecord.registrations): the same instant for every
    capture of this module, so the reference and the streamed path see equal stack outputs."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(CLOCK_VAR, "2026-12-02T08:00:00Z")
        yield


def _fleet():
    from bench.fleet import fleet_config

    return fleet_config(FLEET_VMS)


@contextlib.contextmanager
def _sdk_speedups_off():
    """The pack as before issue 17: the policy SDK deserializing per policy (policies/azdr_policies/sdk_speedups.py
    not installed). The pack process copies the environment when it starts."""
    was = os.environ.get("AZDR_SDK_SPEEDUPS")
    os.environ["AZDR_SDK_SPEEDUPS"] = "0"
    try:
        yield
    finally:
        if was is None:
            del os.environ["AZDR_SDK_SPEEDUPS"]
        else:
            os.environ["AZDR_SDK_SPEEDUPS"] = was


def reference(pack_dir, resources) -> list[Violation]:
    """Today's path: the resources first, then one Analyze at a time and AnalyzeStack, on the pack as it was (the
    SDK's own per-policy deserialization), so the streamed paths below, on the pack as it runs now, are compared
    with what the pack answered before issue 17."""
    with _sdk_speedups_off(), PolicyPackProcess(pack_dir) as p:
        p.configure(None)
        return p.analyze(resources)


def streamed_preview(pack_dir, config_override=None):
    with PackEvaluation(pack_dir) as ev:
        cap = capture_program(ROOT, "dev", preview=True, config_override=config_override, observer=ev)
        return cap, ev.violations(cap.resources), ev


@pytest.fixture(scope="module")
def dev_capture():
    return capture_program(ROOT, "dev", preview=True)


@pytest.fixture(scope="module")
def fleet_capture():
    return capture_program(ROOT, "dev", preview=True, config_override=_fleet())


@pytest.mark.parametrize("pack_dir", [PACK, ECHO], ids=["pack", "echo"])
def test_preview_while_the_program_runs_equals_the_reference_on_the_dev_stack(dev_capture, pack_dir):
    expected = reference(pack_dir, dev_capture.resources)
    cap, got, ev = streamed_preview(pack_dir)
    assert [r.urn for r in cap.resources] == [r.urn for r in dev_capture.resources]
    assert got == expected
    # every resource went out while the program ran, plus the one AnalyzeStack
    assert ev.calls == len(cap.resources) + 1
    if pack_dir == ECHO:  # one report per resource from Analyze, one per resource from AnalyzeStack
        assert len(got) == 2 * len(cap.resources)
        assert [v.resourceUrn for v in got[:len(cap.resources)]] == [r.urn for r in cap.resources]
    else:  # the dev stack passes the pack; the echo pack (above) and the fleet (below) pin the order
        assert expected == []


@pytest.mark.parametrize("pack_dir", [PACK, ECHO], ids=["pack", "echo"])
def test_preview_while_the_program_runs_equals_the_reference_on_a_fleet(fleet_capture, pack_dir):
    expected = reference(pack_dir, fleet_capture.resources)
    cap, got, _ = streamed_preview(pack_dir, _fleet())
    assert got == expected
    if pack_dir == PACK:
        assert len(got) == 4  # the fleet's findings at 10 VMs (bench/RESULTS-issue6.md), so the order is pinned
        assert len({v.resourceUrn for v in got}) >= 2


@pytest.fixture(scope="module")
def fleet_export(tmp_path_factory, fleet_capture):
    from bench.export import write_stack_export

    path = write_stack_export(fleet_capture.resources, tmp_path_factory.mktemp("export") / "fleet.json")
    return read_stack_export(path)


@pytest.mark.parametrize("pack_dir", [PACK, ECHO], ids=["pack", "echo"])
def test_check_equals_the_reference(fleet_export, pack_dir):
    expected = reference(pack_dir, fleet_export)
    with PackEvaluation(pack_dir) as ev:
        info, got = ev.run(fleet_export)
    assert got == expected
    assert info.name == ("azure-iaas-dr-posture" if pack_dir == PACK else "echo-pack")
    assert ev.calls == len(fleet_export) + 1
    assert len(fleet_export) > 2 * WINDOW  # more calls than may be in flight: the window waited


def test_the_stack_export_of_the_fleet_reads_back_as_the_capture(fleet_capture, fleet_export):
    assert [r.urn for r in fleet_export] == [r.urn for r in fleet_capture.resources]
    by_urn = {r.urn: r for r in fleet_export}
    for r in fleet_capture.resources:
        back = by_urn[r.urn]
        assert (back.type, back.custom, back.parent, back.dependencies, back.property_dependencies, back.inputs,
                back.outputs) == (r.type, r.custom, r.parent, r.dependencies, r.property_dependencies, r.inputs,
                                  r.outputs)


# ---------------------------------------------------------------- the observer protocol of posture.capture


def _program():
    import pulumi

    a = pulumi.CustomResource("fx:index:A", "a", {"x": 1})
    pulumi.CustomResource("fx:index:B", "b", {"ref": a.id})


def test_observer_sees_each_registration_once_and_the_final_order_before_the_collection():
    registered: list[Registration] = []
    done: list[tuple[list[Registration], bool]] = []

    class Obs:
        def registered(self, reg):
            registered.append(reg)

        def program_done(self, resources):
            done.append((list(resources), gc.isenabled()))

    was = gc.isenabled()
    cap = run_in_mocks(_program, project="p", stack="s", observer=Obs())
    assert gc.isenabled() == was
    assert sorted(id(r) for r in registered) == sorted(id(r) for r in cap.resources)
    assert len(registered) == 3  # the Stack, a, b
    assert len(done) == 1
    resources, gc_on = done[0]
    assert [r.urn for r in resources] == [r.urn for r in cap.resources] == [
        "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", "urn:pulumi:s::p::fx:index:A::a", "urn:pulumi:s::p::fx:index:B::b"]
    assert gc_on is False  # handed over before the one collection after the program


def test_a_failed_program_never_reports_done():
    done = []

    class Obs:
        def registered(self, reg):
            pass

        def program_done(self, resources):
            done.append(resources)

    def failing():
        _program()
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        run_in_mocks(failing, project="p", stack="s", observer=Obs())
    assert done == []


# ---------------------------------------------------------------- edge cases of PackEvaluation


def _reg(urn_name: str, type_: str = "fx:index:T", provider: str = "", inputs=None, timeouts=None) -> Registration:
    urn = f"urn:pulumi:s::p::{type_}::{urn_name}"
    opts = {"provider": provider, "aliases": []}
    if timeouts is not None:
        opts["customTimeouts"] = timeouts
    return Registration(urn=urn, type=type_, name=urn_name, custom=True, provider=provider, options=opts,
                        inputs=inputs or {"k": urn_name}, outputs=inputs or {"k": urn_name}, id=f"{urn_name}-id")


def test_a_resource_sent_before_its_provider_is_sent_again_with_it():
    prov = _reg("prov", type_="pulumi:providers:fx", inputs={"region": "r1"})
    user = _reg("user", provider=f"{prov.urn}::prov-id")
    expected = reference(ECHO, [prov, user])
    with PackEvaluation(ECHO) as ev:
        ev.add(user)  # its provider is not known yet
        ev.add(prov)
        got = ev.violations([prov, user])
    assert got == expected
    assert '"provider": {"name": "prov"' in got[1].message
    assert ev.calls == 4  # prov, user without a provider, user again, the stack


def test_marshalling_and_start_errors_are_raised_in_the_reference_order(tmp_path):
    good, bad = _reg("good"), _reg("bad", timeouts={"create": "soon", "update": "", "delete": ""})
    with pytest.raises(PostureError) as ref:
        reference(ECHO, [good, bad])
    with PackEvaluation(ECHO) as ev:
        ev.add(good)
        ev.add(bad)  # never raises: it runs inside the SDK's threads
        with pytest.raises(PostureError) as got:
            ev.violations([good, bad])
    assert str(got.value) == str(ref.value)
    assert "customTimeouts.create: 'soon' is not a valid duration" in str(got.value)

    with PackEvaluation(tmp_path / "nope") as ev:
        ev.add(good)
        with pytest.raises(PostureError, match="policy pack directory not found"):
            ev.violations([good])
        with pytest.raises(PostureError, match="policy pack directory not found"):
            ev.info()


def test_a_pack_that_dies_is_a_clear_error():
    with PackEvaluation(ECHO) as ev:
        ev.info()
        ev.pack._proc.kill()  # noqa: SLF001
        ev.pack._proc.wait()  # noqa: SLF001
        ev.add(_reg("a"))
        with pytest.raises(PostureError, match=r"echo-pack: policy pack Analyze failed"):
            ev.violations([_reg("a")])


def test_the_stack_request_serialized_one_resource_at_a_time_is_the_whole_request(fleet_capture):
    from pulumi.runtime.proto import analyzer_pb2

    from posture.analyzer import analyze_stack_request, analyze_stack_request_bytes

    resources = fleet_capture.resources
    by_urn = fleet_capture.by_urn()
    data = analyze_stack_request_bytes(resources, by_urn)
    whole = analyze_stack_request(resources, by_urn)
    assert analyzer_pb2.AnalyzeStackRequest.FromString(data) == whole
    assert len(data) == whole.ByteSize() > 128 * len(resources)  # multi-byte lengths are encoded too
    assert analyze_stack_request_bytes([], {}) == b""


def test_at_most_a_window_of_calls_is_in_flight(monkeypatch):
    """Thousands of calls in flight on one channel end in CANCELLED (a 1,000-VM check did): the window bounds them,
    and the answers are still the reference's."""
    regs = [_reg(f"r{i}") for i in range(5 * WINDOW)]
    expected = reference(ECHO, regs)
    seen: list[int] = []
    real = PackEvaluation._call_async

    def counted(self, method, request):
        future = real(self, method, request)
        seen.append(self._in_flight)  # noqa: SLF001
        return future

    monkeypatch.setattr(PackEvaluation, "_call_async", counted)
    with PackEvaluation(ECHO) as ev:
        info, got = ev.run(regs)
    assert got == expected
    assert len(seen) == len(regs) + 1
    assert max(seen) <= WINDOW
