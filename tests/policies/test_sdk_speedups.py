"""`azdr_policies.sdk_speedups` (issue 17): one deserialization per message and request in the policy SDK's
servicer, with the same responses as the SDK's own per-policy deserialization.

The servicer (`pulumi_policy.policy._PolicyAnalyzerServicer`) is driven in this process, not a `PolicyPack` (which
starts a server): `PolicyPackProcess`'s protocol code (info, Configure with the engine's reconciliation, one
Analyze per resource, AnalyzeStack) talks to it through `_call`, and every response is compared byte for byte,
violations, not-applicable entries and diagnostics included. The pack process itself (with the module installed
by `policies/__main__.py`) is compared with the serial path in tests/posture/test_capture_streaming.py."""

from __future__ import annotations

import types
from pathlib import Path

import pytest
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy import policy as sdk_policy
from pulumi_policy import proxy as sdk_proxy
from pulumi_policy.version import VERSION as SDK_INSTALLED_VERSION

from azdr_policies import PACK_DESCRIPTION, PACK_NAME, POLICIES, sdk_speedups
from azdr_policies.framework import prepare_stack_resource

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "policies"


@pytest.fixture
def speedups(monkeypatch):
    monkeypatch.delenv(sdk_speedups.DISABLE_ENV, raising=False)
    done = _install()
    assert done.installed, done.reason
    yield done
    done.undo()


def _install():
    """As policies/__main__.py installs it."""
    return sdk_speedups.install(prepare_stack_resource=prepare_stack_resource)


def _servicer(policies=POLICIES):
    return sdk_policy._PolicyAnalyzerServicer(  # noqa: SLF001
        PACK_NAME, "0.0.1", policies, EnforcementLevel.ADVISORY, None, PACK_DESCRIPTION, None, None, None, None,
        None)


def _in_process(servicer):
    """`PolicyPackProcess` whose calls go to `servicer` in this process; every response recorded (serialized)."""
    from posture.analyzer import PolicyPackProcess

    pack = PolicyPackProcess(PACK)
    responses: list[tuple[str, bytes]] = []

    def call(method, request):
        response = getattr(servicer, method)(request, None)
        if method in ("Analyze", "AnalyzeStack"):
            responses.append((method, response.SerializeToString(deterministic=True)))
        return response

    pack._call = call  # type: ignore[method-assign]  # noqa: SLF001
    return pack, responses


def _responses(resources):
    pack, responses = _in_process(_servicer())
    pack.configure(None)
    violations = pack.analyze(resources)
    return responses, violations, pack.info()


def _stats():
    s = sdk_speedups.STATS
    return dict(s.misses), dict(s.hits), s.requests, s.stack_builds, s.stack_policies


@pytest.fixture(scope="module")
def dev_resources():
    from posture.capture import capture_program

    return capture_program(ROOT, "dev", preview=True).resources


@pytest.fixture(scope="module")
def fleet_resources():
    from bench.fleet import fleet_config
    from posture.capture import capture_program

    return capture_program(ROOT, "dev", preview=True, config_override=fleet_config(10)).resources


def test_installed_on_the_pinned_sdk(speedups):
    assert SDK_INSTALLED_VERSION == sdk_speedups.SDK_VERSION == "1.21.0"
    assert sdk_policy._PolicyAnalyzerServicer.Analyze.__azdr_sdk_speedups__  # noqa: SLF001
    assert sdk_speedups.install().reason == "already installed"


def test_the_pack_entry_installs_it_before_building_the_pack(monkeypatch):
    """policies/__main__.py run with a stand-in for PolicyPack (a real one would start a server)."""
    import runpy

    import pulumi_policy

    monkeypatch.delenv(sdk_speedups.DISABLE_ENV, raising=False)
    built = []

    def stand_in(**kwargs):
        built.append((kwargs["name"], len(kwargs["policies"]),
                      getattr(sdk_policy._PolicyAnalyzerServicer.Analyze, "__azdr_sdk_speedups__", False)))  # noqa: SLF001

    monkeypatch.setattr(pulumi_policy, "PolicyPack", stand_in)
    try:
        runpy.run_path(str(PACK / "__main__.py"), run_name="__main__")
    finally:
        if sdk_speedups.current is not None:
            sdk_speedups.current.undo()
    assert built == [(PACK_NAME, len(POLICIES), True)]
    assert len(POLICIES) == 49  # 25 resource and 24 stack policies: each would deserialize every message again


def test_undo_restores_the_sdk(monkeypatch):
    monkeypatch.delenv(sdk_speedups.DISABLE_ENV, raising=False)
    names = ("json_format", "deserialize_properties", "unknown_checking_proxy")
    before = {n: getattr(sdk_policy, n) for n in names}
    methods = {n: sdk_policy._PolicyAnalyzerServicer.__dict__[n] for n in ("Analyze", "AnalyzeStack")}  # noqa: SLF001
    done = _install()
    assert all(getattr(sdk_policy, n) is not before[n] for n in names)
    done.undo()
    assert {n: getattr(sdk_policy, n) for n in names} == before
    assert {n: sdk_policy._PolicyAnalyzerServicer.__dict__[n] for n in methods} == methods  # noqa: SLF001


@pytest.mark.parametrize("missing", ["_PolicyAnalyzerServicer", "json_format", "deserialize_properties",
                                     "unknown_checking_proxy", "Analyze", "_DictProxy", "PolicyResource",
                                     "_NotApplicableError"])
def test_does_nothing_when_the_sdk_is_not_as_read(monkeypatch, missing):
    monkeypatch.delenv(sdk_speedups.DISABLE_ENV, raising=False)
    servicer = type("S", (), {"Analyze": lambda *a: None, "AnalyzeStack": lambda *a: None})
    if missing == "Analyze":
        del servicer.Analyze
    policy = types.SimpleNamespace(_PolicyAnalyzerServicer=servicer, json_format=types.SimpleNamespace(
        MessageToDict=lambda m: {}), deserialize_properties=lambda p: p, unknown_checking_proxy=lambda p: p,
        **{name: object() for name in sdk_speedups._STACK_NAMES})  # noqa: SLF001
    proxy = types.SimpleNamespace(_DictProxy=type("D", (), {}), _ListProxy=type("L", (), {}))
    if missing == "_DictProxy":
        del proxy._DictProxy
    elif missing != "Analyze":
        delattr(policy, missing)
    before, analyze = dict(vars(policy)), getattr(servicer, "Analyze", None)
    done = sdk_speedups.install(policy, proxy, "1.21.0")
    assert not done.installed
    assert missing in done.reason
    assert vars(policy) == before
    assert getattr(servicer, "Analyze", None) is analyze


def test_does_nothing_on_another_sdk_version_or_when_turned_off(monkeypatch):
    monkeypatch.delenv(sdk_speedups.DISABLE_ENV, raising=False)
    done = sdk_speedups.install(version="1.22.0")
    assert not done.installed
    assert "pulumi_policy 1.22.0 is not 1.21.0" in done.reason
    monkeypatch.setenv(sdk_speedups.DISABLE_ENV, "0")
    done = sdk_speedups.install()
    assert (done.installed, done.reason) == (False, "AZDR_SDK_SPEEDUPS=0")
    assert not hasattr(sdk_policy._PolicyAnalyzerServicer.Analyze, "__azdr_sdk_speedups__")  # noqa: SLF001


def _expected_calls(resources, info):
    """Per step: (computed, remembered), and the stack policies that run. Analyze calls each step once per
    resource policy for each properties message (the resource's, its provider's); AnalyzeStack builds its
    resources once, so it calls each step once per message."""
    from posture.analyzer import _provider_of

    by_urn = {r.urn: r for r in resources}
    n_resource = sum(1 for p in info.policies if p.policy_type == "resource" and p.enforcement_level != "disabled")
    n_stack = sum(1 for p in info.policies if p.policy_type == "stack" and p.enforcement_level != "disabled")
    messages = sum(2 if _provider_of(r, by_urn) is not None else 1 for r in resources)
    calls = messages * n_resource + messages
    computed = 2 * messages
    return computed, calls - computed, n_stack


@pytest.mark.parametrize("which", ["dev", "fleet"])
def test_same_responses_and_one_deserialization_per_message(request, which, monkeypatch):
    resources = request.getfixturevalue(f"{which}_resources")
    without, violations_without, info = _responses(resources)

    monkeypatch.delenv(sdk_speedups.DISABLE_ENV, raising=False)
    done = _install()
    try:
        misses0, hits0, requests0, builds0, shared0 = _stats()
        with_, violations_with, _ = _responses(resources)
        misses1, hits1, requests1, builds1, shared1 = _stats()
    finally:
        done.undo()

    assert with_ == without  # every Analyze and AnalyzeStack response, byte for byte
    assert violations_with == violations_without
    assert len(with_) == len(resources) + 1
    if which == "fleet":
        assert len(violations_with) == 4  # the 10-VM fleet's findings (as tests/posture/test_capture_streaming.py)
    computed, remembered, n_stack = _expected_calls(resources, info)
    steps = ("MessageToDict", "deserialize_properties", "unknown_checking_proxy")
    assert {s: misses1[s] - misses0[s] for s in steps} == dict.fromkeys(steps, computed)
    assert {s: hits1[s] - hits0[s] for s in steps} == dict.fromkeys(steps, remembered)
    assert remembered > 10 * computed  # 25 resource policies: the cache serves almost every Analyze call
    assert requests1 - requests0 == len(resources) + 1
    assert (builds1 - builds0, shared1 - shared0) == (1, n_stack) == (1, 24)  # one build for the 24 stack policies


def test_the_proxy_is_the_sdks_made_read_only(speedups):
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

    props = {"a": {"b": [1, {"c": "x"}], "u": UNKNOWN_STRING_VALUE}, "n": 2.0}
    plain = sdk_proxy.unknown_checking_proxy(props)
    scope = sdk_speedups._Scope()  # noqa: SLF001
    sdk_speedups._local.scope = scope  # noqa: SLF001  # as inside Analyze
    try:
        from google.protobuf import struct_pb2

        msg = struct_pb2.Struct()
        msg.update(props)
        shared = sdk_policy.unknown_checking_proxy(sdk_policy.deserialize_properties(
            sdk_policy.json_format.MessageToDict(msg)))
        again = sdk_policy.unknown_checking_proxy(sdk_policy.deserialize_properties(
            sdk_policy.json_format.MessageToDict(msg)))
    finally:
        sdk_speedups._local.scope = None  # noqa: SLF001
    assert again is shared
    assert scope.hits == [1, 1, 1] and scope.misses == [1, 1, 1]

    def tree(p):
        """Types, unknown-value paths and values: what a rule can observe."""
        if isinstance(p, sdk_proxy._DictProxy):  # noqa: SLF001
            out = {}
            for k in p:
                try:
                    out[k] = tree(p[k])
                except UnknownValueError as e:
                    out[k] = ("unknown", e.message)
            return ("dict", out)
        if isinstance(p, sdk_proxy._ListProxy):  # noqa: SLF001
            return ("list", [tree(p[i]) for i in range(len(p))])
        return p

    assert tree(shared) == tree(plain)
    assert tree(shared)[1]["a"][1]["u"] == ("unknown", "string value at .a.u can't be known during preview")
    plain["n"] = 3.0  # the SDK's proxy takes the write (into its own copy)
    with pytest.raises(TypeError, match="policy props are read-only"):
        shared["n"] = 3.0
    with pytest.raises(TypeError, match="policy props are read-only"):
        shared["a"]["b"][1]["c"] = "y"
    assert shared["n"] == 2.0 and shared["a"]["b"][1]["c"] == "x"


def test_a_rule_that_writes_its_props_fails_and_the_next_rule_sees_them_unchanged(speedups):
    seen: list[tuple[str, object]] = []

    def writer(args, report):
        try:
            args.props["location"] = "changed"
            seen.append(("writer", "wrote"))
        except TypeError as e:
            seen.append(("writer", str(e)))

    def reader(args, report):
        seen.append(("reader", args.props["location"]))

    policies = [ResourceValidationPolicy("writer", "writes", writer), ResourceValidationPolicy("reader", "reads", reader),
                StackValidationPolicy("stack", "reads all", lambda args, report: seen.append(
                    ("stack", [r.props["location"] for r in args.resources])))]
    from posture.capture import Registration

    regs = [Registration(urn=f"urn:pulumi:s::p::fx:index:T::{n}", type="fx:index:T", name=n, custom=True,
                         inputs={"location": "westeurope"}, outputs={"location": "westeurope"}) for n in ("a", "b")]
    pack, _ = _in_process(_servicer(policies))
    pack.analyze(regs)
    assert seen == [("writer", "policy props are read-only (shared by every policy of the request; "
                               "azdr_policies.sdk_speedups): cannot set 'location'"), ("reader", "westeurope")] * 2 + [
        ("stack", ["westeurope", "westeurope"])]


def test_outside_analyze_nothing_is_remembered(speedups):
    from google.protobuf import struct_pb2

    msg = struct_pb2.Struct()
    msg.update({"a": 1})
    first = sdk_policy.json_format.MessageToDict(msg)
    assert sdk_policy.json_format.MessageToDict(msg) is not first
    d = {"a": 1.0}
    assert sdk_policy.deserialize_properties(d) is not sdk_policy.deserialize_properties(d)
    assert type(sdk_policy.unknown_checking_proxy(d)) is sdk_proxy._DictProxy  # noqa: SLF001  # writable, as the SDK's
    assert sdk_policy.json_format.Parse is sdk_policy.json_format._module.Parse  # noqa: SLF001  # the rest unchanged


def _stack_regs():
    """A provider, a vault (versioned type token) and a child of it that depends on it."""
    from posture.capture import Registration

    prov = "urn:pulumi:s::p::pulumi:providers:azure-native::default"
    vault = "urn:pulumi:s::p::azure-native:recoveryservices/v20240401:Vault::v"
    return [
        Registration(urn=prov, type="pulumi:providers:azure-native", name="default", custom=True,
                     inputs={"location": "westeurope"}, outputs={"location": "westeurope"}, id="p1"),
        Registration(urn=vault, type="azure-native:recoveryservices/v20240401:Vault", name="v", custom=True,
                     inputs={"location": "westeurope"}, outputs={"location": "westeurope"}, provider=f"{prov}::p1"),
        Registration(urn="urn:pulumi:s::p::fx:index:Child::c", type="fx:index:Child", name="c", custom=True,
                     parent=vault, dependencies=[vault], property_dependencies={"vaultName": [vault]},
                     inputs={"vaultName": "v"}, outputs={"vaultName": "v"}, provider=f"{prov}::p1"),
    ]


def test_stack_policies_share_one_read_only_build_of_the_resources(speedups):
    """Every stack policy of a request gets the same resource objects (its own list), canonical types (the
    framework's preparation, once), and no way to change what the next policy sees."""
    seen: list = []
    attempts = {
        "name": lambda r: setattr(r, "name", "x"),
        "type": lambda r: setattr(r, "resource_type", "fx:index:Other"),
        "dependencies": lambda r: r.dependencies.append(r),
        "property_dependencies": lambda r: r.property_dependencies.update({"k": []}),
        "property_dependencies value": lambda r: r.property_dependencies["vaultName"].clear(),
        "opts": lambda r: setattr(r.opts, "protect", True),
        "custom_timeouts": lambda r: setattr(r.opts.custom_timeouts, "create_seconds", 1),
        "provider": lambda r: setattr(r.provider, "name", "x"),
    }

    def writer(args, report):
        args.resources.pop(0)  # its own list: the next policy still gets all three
        child = next(r for r in args.resources if r.name == "c")
        for what, attempt in attempts.items():
            try:
                attempt(child)
                seen.append((what, "changed"))
            except TypeError as e:
                seen.append((what, str(e).split(": ", 1)[1]))

    def reader(args, report):
        seen.append(("reader", [(r.resource_type, r.name) for r in args.resources]))
        child = args.resources[2]
        seen.append(("links", child.parent is args.resources[1], child.dependencies == [args.resources[1]],
                     child.property_dependencies == {"vaultName": [args.resources[1]]},
                     child.provider.name, child.opts.protect))
        seen.append(("objects", [id(r) for r in args.resources]))

    policies = [StackValidationPolicy("reader", "reads", reader), StackValidationPolicy("writer", "writes", writer),
                StackValidationPolicy("reader2", "reads", reader)]
    pack, _ = _in_process(_servicer(policies))
    pack.analyze(_stack_regs())
    first, second = seen[2], seen[-1]
    assert first == second and first[0] == "objects"  # the same three objects for both readers
    assert seen[:2] == seen[-3:-1] == [
        ("reader", [("pulumi:providers:azure-native", "default"), ("azure-native:recoveryservices:Vault", "v"),
                    ("fx:index:Child", "c")]),
        ("links", True, True, True, "default", False)]
    assert seen[3:-3] == [
        ("name", "cannot set PolicyResource.name"),
        ("type", "cannot set PolicyResource.resource_type"),
        ("dependencies", "cannot change _ReadOnlyList (a list)"),
        ("property_dependencies", "cannot change _ReadOnlyDict (a dict)"),
        ("property_dependencies value", "cannot change _ReadOnlyList (a list)"),
        ("opts", "cannot set PolicyResourceOptions.protect"),
        ("custom_timeouts", "cannot set PolicyCustomTimeouts.create_seconds"),
        ("provider", "cannot set PolicyProviderResource.name"),
    ]


def test_without_the_speedups_each_stack_policy_builds_its_own(monkeypatch):
    """The SDK's behaviour the shared build stands in for: each policy gets new objects it may change."""
    monkeypatch.delenv(sdk_speedups.DISABLE_ENV, raising=False)
    seen: list = []

    def policy(args, report):
        seen.append((args.resources[0], args.resources[0].name))
        args.resources[0].name = "changed"  # the SDK's objects take it; the next policy gets fresh ones

    pack, _ = _in_process(_servicer([StackValidationPolicy(n, n, policy) for n in ("a", "b")]))
    pack.analyze(_stack_regs())
    (first, name1), (second, name2) = seen
    assert (name1, name2, first.name) == ("default", "default", "changed")
    assert first is not second


def test_same_responses_with_versioned_types(request, monkeypatch):
    """The framework canonicalizes types before the shared resources are frozen: a program that uses versioned
    azure-native modules is judged the same with and without the speedups (no rule fails on a read-only write)."""
    import dataclasses

    dev = request.getfixturevalue("dev_resources")
    versioned = [dataclasses.replace(r, type=r.type.replace("azure-native:recoveryservices:",
                                                          "azure-native:recoveryservices/v20240401:"))
                 for r in dev]
    assert sum(r.type != d.type for r, d in zip(versioned, dev)) >= 3
    without, violations_without, _ = _responses(versioned)
    monkeypatch.delenv(sdk_speedups.DISABLE_ENV, raising=False)
    done = _install()
    try:
        with_, violations_with, _ = _responses(versioned)
    finally:
        done.undo()
    assert with_ == without
    assert violations_with == violations_without
    assert not [v for v in violations_with if v.policy_name.startswith("azdr-sys")]


def test_the_join_index_is_built_once_per_request(speedups):
    from azdr_policies.joins import Graph

    built: list = []
    real_init = Graph.__init__

    def counting_init(self, resources):
        built.append(len(resources))
        real_init(self, resources)

    graphs: list = []

    def policy(args, report):
        graphs.append(Graph.of_stack(args.resources))
        graphs.append(Graph.of_stack(args.resources[:2]))  # another list: its own index

    policies = [StackValidationPolicy(n, n, policy) for n in ("a", "b", "c")]
    pack, _ = _in_process(_servicer(policies))
    Graph.__init__ = counting_init  # type: ignore[method-assign]
    try:
        pack.analyze(_stack_regs())
        outside = Graph.of_stack(graphs[0].resources)
    finally:
        Graph.__init__ = real_init  # type: ignore[method-assign]
    assert built == [3, 2, 3]  # one index per list for the request's three policies; then one outside it
    assert graphs[0] is graphs[2] is graphs[4] and graphs[1] is graphs[3] is graphs[5]
    assert outside is not graphs[0]
    with pytest.raises(TypeError):
        graphs[0].by_type["x"] = ()  # type: ignore[index]
