"""`posture.capture.alias_urns_deferred`: while the program runs, the SDK's `Resource.__init__` keeps each alias
uncollapsed (nothing reads those URNs when the monitor takes alias specs), and the recorded registrations are
exactly those of the SDK's own path."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pulumi
import pulumi.resource as sdk_resource
import pulumi.runtime.resource as sdk_runtime_resource
import pytest

from posture import capture
from posture.capture import alias_urns_deferred, capture_program, run_in_mocks

ROOT = Path(__file__).resolve().parents[2]


def _program():
    parent = pulumi.ComponentResource("x:c:Comp", "c", opts=pulumi.ResourceOptions(
        aliases=[pulumi.Alias(name="oldc")]))
    pulumi.CustomResource("x:r:R", "r", {"a": 1}, pulumi.ResourceOptions(parent=parent, aliases=[
        pulumi.Alias(type_="x:r/v1:R"), pulumi.Alias(name="old")]))
    pulumi.CustomResource("x:r:R", "s", {}, pulumi.ResourceOptions(aliases=["urn:pulumi:s::p::x:r:R::was-s"]))


def _off(monkeypatch):
    """The SDK's own path: the deferral refuses this SDK version."""
    monkeypatch.setattr(capture, "ALIAS_SDK_VERSION", "0.0.0")


def _recorded(cap) -> str:
    """Every registration, with the enrollment timestamps (`"at"`, the clock) masked."""
    return re.sub(r'"at": "[^"]*"', '"at": "-"', json.dumps([dataclasses.asdict(r) for r in cap.resources],
                                                          sort_keys=True, default=repr))


def test_applied_on_the_pinned_sdk_and_undone_after():
    before = (sdk_resource.collapse_alias_to_urn, sdk_runtime_resource.all_aliases)
    with alias_urns_deferred() as reason:
        assert reason == ""
        assert sdk_resource.collapse_alias_to_urn is not before[0]
        assert sdk_runtime_resource.all_aliases is not before[1]
    assert (sdk_resource.collapse_alias_to_urn, sdk_runtime_resource.all_aliases) == before


def test_a_resource_keeps_its_aliases_uncollapsed_while_the_program_runs():
    seen = []

    def program():
        c = pulumi.ComponentResource("x:c:Comp", "c", opts=pulumi.ResourceOptions(
            aliases=[pulumi.Alias(name="oldc"), "urn:pulumi:s::p::x:c:Comp::was"]))
        seen.append([type(a).__name__ for a in c._aliases])  # noqa: SLF001

    run_in_mocks(program, project="p", stack="s")
    assert seen == [["_DeferredAliasUrn", "_DeferredAliasUrn"]]


def test_the_same_registrations_as_the_sdks_own_path(monkeypatch):
    on = _recorded(run_in_mocks(_program, project="p", stack="s"))
    _off(monkeypatch)
    off = _recorded(run_in_mocks(_program, project="p", stack="s"))
    assert on == off
    assert '"urn:pulumi:s::p::x:c:Comp$x:r:R::old"' in on and '"urn:pulumi:s::p::x:r:R::was-s"' in on


@pytest.mark.parametrize("stack, vms", [("dev", None), ("dev", 10)])
def test_the_same_registrations_for_the_project(monkeypatch, stack, vms):
    override = None
    if vms is not None:
        from bench.fleet import fleet_config

        override = fleet_config(vms)
    on = capture_program(ROOT, stack, preview=True, config_override=override)
    _off(monkeypatch)
    off = capture_program(ROOT, stack, preview=True, config_override=override)
    assert _recorded(on) == _recorded(off)
    assert len(on.resources) > 100
    assert sum(len(r.options.get("aliases") or ()) for r in on.resources) > 1000  # azure-native's aliases


def test_without_alias_specs_the_sdk_gets_the_urns_it_computes_itself(monkeypatch):
    """The one path that reads a parent's `_aliases` (`all_aliases`, when the monitor cannot take alias specs):
    the parent's aliases are computed then, and the child's alias URNs are those of the SDK's own path."""
    from pulumi.runtime.proto import resource_pb2

    real_supports = sdk_runtime_resource.monitor_supports_feature
    monkeypatch.setattr(sdk_runtime_resource, "monitor_supports_feature", lambda feature: False if feature == (
        resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS) else real_supports(feature))
    real_prepare = sdk_runtime_resource.prepare_aliases

    def runs() -> list:
        sent: list = []

        async def prepare_aliases(res, opts, supports_alias_specs):
            out = await real_prepare(res, opts, supports_alias_specs)
            sent.append((res._name, supports_alias_specs, sorted(a.urn for a in out)))  # noqa: SLF001
            return out

        monkeypatch.setattr(sdk_runtime_resource, "prepare_aliases", prepare_aliases)
        run_in_mocks(_program, project="p", stack="s")
        return sorted(sent)

    on = runs()
    _off(monkeypatch)
    off = runs()
    assert on == off
    child = next(urns for name, specs, urns in on if name == "r" and specs is False)
    # its own two, and the one inherited from the parent's alias `oldc` (the parent's URN computed on demand)
    assert child == ["urn:pulumi:s::p::x:c:Comp$x:r/v1:R::r", "urn:pulumi:s::p::x:c:Comp$x:r:R::old",
                     "urn:pulumi:s::p::x:c:Comp$x:r:R::r"]


def test_nothing_changes_on_another_sdk(monkeypatch):
    before = (sdk_resource.collapse_alias_to_urn, sdk_runtime_resource.all_aliases)
    _off(monkeypatch)
    with alias_urns_deferred() as reason:
        assert reason == "pulumi 3.272.0 is not 0.0.0, the SDK whose Resource.__init__ was read"
        assert (sdk_resource.collapse_alias_to_urn, sdk_runtime_resource.all_aliases) == before


def test_nothing_changes_when_the_sdk_code_is_not_as_read():
    class Resource:
        def __init__(self):
            self._aliases = []

    fake = type(sdk_resource)("pulumi.resource")
    fake.Resource = Resource
    fake.collapse_alias_to_urn = sdk_resource.collapse_alias_to_urn
    assert capture._alias_patch_reason(fake, sdk_runtime_resource, capture.ALIAS_SDK_VERSION) == (  # noqa: SLF001
        "pulumi.resource.Resource.__init__ no longer calls collapse_alias_to_urn")
    runtime = type(sdk_runtime_resource)("pulumi.runtime.resource")
    assert capture._alias_patch_reason(sdk_resource, runtime, capture.ALIAS_SDK_VERSION) == (  # noqa: SLF001
        "pulumi.runtime.resource has no all_aliases")


@pytest.mark.parametrize("alias, message", [
    (pulumi.Alias(name=None), "No valid 'name' passed in for alias."),
    (pulumi.Alias(type_=None), "No valid 'type_' passed in for alias."),
])
def test_a_bad_alias_fails_the_program_as_the_sdks_path_does(monkeypatch, alias, message):
    def program():
        pulumi.CustomResource("x:r:R", "r", {}, pulumi.ResourceOptions(aliases=[alias]))

    failures = []
    for off in (False, True):
        if off:
            _off(monkeypatch)
        with pytest.raises(Exception) as e:  # noqa: PT011 - the SDK raises a bare Exception
            run_in_mocks(program, project="p", stack="s")
        failures.append(str(e.value))
    assert failures == [message, message]


def test_an_alias_given_as_an_output_goes_to_the_sdk_at_once(monkeypatch):
    seen = []

    def program():
        c = pulumi.ComponentResource("x:c:Comp", "c", opts=pulumi.ResourceOptions(
            aliases=[pulumi.Output.from_input(pulumi.Alias(name="oldc")), pulumi.Alias(name="other")]))
        seen.append([type(a).__name__ for a in c._aliases])  # noqa: SLF001

    on = _recorded(run_in_mocks(program, project="p", stack="s"))
    _off(monkeypatch)
    off = _recorded(run_in_mocks(program, project="p", stack="s"))
    assert seen == [["Output", "_DeferredAliasUrn"], ["Output", "Output"]]
    assert on == off
