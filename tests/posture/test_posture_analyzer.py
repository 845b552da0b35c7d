"""The unchanged fixture pack over real gRPC: info, config reconciliation, Analyze/AnalyzeStack."""

from pathlib import Path

import pytest

from posture.analyzer import PolicyPackProcess, marshal_value, parse_policy_pack_config, reconcile_config
from posture.capture import UNKNOWN, Registration, capture_program
from posture.errors import PostureError
from posture.formats import read_preview_json, read_stack_export
from posture.results import PackInfo, PolicyMeta

FIX = Path(__file__).resolve().parents[1] / "fixtures"
PACK = FIX / "packs" / "mini-pack"
MINI = FIX / "projects" / "mini"
CONSUMER_BIG = "urn:pulumi:big::mini::fixture:app:Outer$fixture:index:Thing::app-consumer"
CAN_T_RUN = ("can't run policy 'thing-count-limit' from policy pack 'fixture-pack@v0.0.1' during preview: "
             "string value at .location can't be known during preview")


@pytest.fixture(scope="module")
def pack():
    with PolicyPackProcess(PACK) as p:
        yield p


@pytest.fixture(scope="module")
def big():
    return capture_program(MINI, "big")


def triples(violations):
    return sorted((v.policyName, v.enforcementLevel, v.resourceUrn, v.message) for v in violations)


def test_info_reports_policies_levels_schema_and_metadata(pack):
    info = pack.info()
    assert (info.name, info.version) == ("fixture-pack", "1.2.3")
    assert [(p.name, p.policy_type, p.enforcement_level) for p in info.policies] == [
        ("thing-count-limit", "resource", "mandatory"),
        ("things-protected", "stack", "advisory"),
        ("stack-has-resource-group", "stack", "advisory"),
    ]
    assert info.policies[0].config_schema == {
        "properties": {"maxCount": {"type": "integer", "minimum": 1.0, "default": 2.0}}, "required": [],
    }
    assert info.policies[0].remediation_steps == "Lower `replicas` or raise `maxCount`."
    assert info.initial_config == {"things-protected": {"enforcementLevel": "advisory", "properties": None}}


def test_default_config_preview_violations(pack, big):
    assert pack.configure(None) == {
        "thing-count-limit": {"enforcementLevel": "mandatory", "properties": {"maxCount": 2.0}},
        "things-protected": {"enforcementLevel": "advisory", "properties": None},
        "stack-has-resource-group": {"enforcementLevel": "advisory", "properties": None},
    }
    assert triples(pack.analyze(big.resources)) == [
        ("thing-count-limit", "advisory", CONSUMER_BIG, CAN_T_RUN),
        ("thing-count-limit", "mandatory", CONSUMER_BIG,
         "Things stay within their count limit.\ncount 3 exceeds maxCount 2."),
        ("things-protected", "advisory", CONSUMER_BIG,
         "Every Thing is protected.\nThing 'app-consumer' (parent app) is not protected."),
    ]


def test_not_a_preview_has_no_unknown_diagnostic(pack):
    cap = capture_program(MINI, "big", preview=False)
    pack.configure({"things-protected": "disabled"})
    assert triples(pack.analyze(cap.resources)) == [
        ("thing-count-limit", "mandatory", CONSUMER_BIG,
         "Things stay within their count limit.\ncount 3 exceeds maxCount 2."),
    ]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"all": "mandatory"}, {("thing-count-limit", "mandatory"), ("things-protected", "mandatory")}),
        ({"all": "disabled"}, set()),
        ({"all": "disabled", "things-protected": "mandatory"}, {("things-protected", "mandatory")}),
        ({"thing-count-limit": {"maxCount": 3}}, {("things-protected", "advisory")}),
        ({"thing-count-limit": {"enforcementLevel": "advisory"}, "things-protected": {"enforcementLevel": "disabled"}},
         {("thing-count-limit", "advisory")}),
    ],
    ids=["all-mandatory", "all-disabled", "all-then-policy", "property-override", "per-policy-levels"],
)
def test_config_reconciliation_over_grpc(pack, big, config, expected):
    pack.configure(config)
    got = {(v.policyName, v.enforcementLevel) for v in pack.analyze(big.resources)
           if not v.message.startswith("can't run")}
    assert got == expected


def test_schema_invalid_config_is_bad_input(pack):
    with pytest.raises(PostureError) as exc:
        pack.configure({"thing-count-limit": {"maxCount": 0}})
    assert str(exc.value) == "policy pack config is invalid: thing-count-limit: maxCount: 0 is less than the minimum of 1.0"
    with pytest.raises(PostureError, match="'maybe' is not a valid enforcement level"):
        pack.configure({"things-protected": "maybe"})


def test_reconcile_order_defaults_initial_then_user():
    info = PackInfo(
        name="p", version="1", initial_config={"a": {"enforcementLevel": "mandatory", "properties": {"x": 5}}},
        policies=[
            PolicyMeta("a", "A", "advisory", {"properties": {"x": {"type": "integer", "default": 1},
                                                             "y": {"type": "string", "default": "d"}},
                                              "required": []}, "resource"),
            PolicyMeta("b", "B", "advisory", None, "stack"),
        ],
    )
    assert reconcile_config(info, None) == {
        "a": {"enforcementLevel": "mandatory", "properties": {"x": 5, "y": "d"}},
        "b": {"enforcementLevel": "advisory", "properties": None},
    }
    user = parse_policy_pack_config({"all": "disabled", "a": {"x": 7}})
    assert reconcile_config(info, user) == {
        "a": {"enforcementLevel": "disabled", "properties": {"x": 7, "y": "d"}},
        "b": {"enforcementLevel": "disabled", "properties": None},
        "all": {"enforcementLevel": "disabled", "properties": None},
    }
    with pytest.raises(PostureError, match=r"^policy pack config is invalid: a: x: 'no' is not of type 'integer'$"):
        reconcile_config(info, parse_policy_pack_config({"a": {"x": "no"}}))


def test_marshal_drops_internal_keys_and_flattens_resource_refs():
    ref = {"4dabf18193072939515e22adb298388d": "5cf8f73096256a8f31e491e813e4eb8e", "urn": "urn:x", "id": "/ids/1"}
    ref_no_id = {"4dabf18193072939515e22adb298388d": "5cf8f73096256a8f31e491e813e4eb8e", "urn": "urn:y"}
    secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "s"}
    assert marshal_value({"__defaults": [], "a": {"__x": 1, "b": [ref, ref_no_id]}, "s": secret, "u": UNKNOWN}) == {
        "a": {"b": ["/ids/1", "urn:y"]}, "s": secret, "u": UNKNOWN,
    }


def test_stack_export_through_the_same_pack(pack):
    resources = read_stack_export(FIX / "documents" / "stack-export-v3.json")
    assert [r.name for r in resources] == ["mini-prod", "default", "big", "small"]
    assert resources[2].inputs["token"] == "[secret]" and resources[2].outputs["token"] == "[secret]"
    pack.configure(None)
    p = "urn:pulumi:prod::mini::"
    assert triples(pack.analyze(resources)) == [
        ("stack-has-resource-group", "advisory", "",
         "The stack has a resource group.\nThe stack declares no resource group."),
        ("thing-count-limit", "mandatory", p + "fixture:index:Thing::big",
         "Things stay within their count limit.\ncount 5 exceeds maxCount 2."),
        ("thing-count-limit", "mandatory", p + "fixture:index:Thing::small",
         "Things stay within their count limit.\nlocation eastus is not westeurope."),
        ("things-protected", "advisory", p + "fixture:index:Thing::small",
         "Every Thing is protected.\nThing 'small' (parent mini-prod) is not protected."),
    ]


def test_preview_json_through_the_same_pack(pack):
    resources = read_preview_json(FIX / "documents" / "preview.json")
    assert [r.urn.rsplit("::", 1)[1] for r in resources] == ["mini-dev", "new"]
    # `--show-secrets` plaintext: the pack gets the decrypted secret, as in a live preview.
    assert resources[1].inputs == {"count": 4, "location": UNKNOWN, "token": {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "x"}}
    pack.configure(None)
    new = "urn:pulumi:dev::mini::fixture:index:Thing::new"
    assert triples(pack.analyze(resources)) == [
        ("stack-has-resource-group", "advisory", "",
         "The stack has a resource group.\nThe stack declares no resource group."),
        ("thing-count-limit", "advisory", new, CAN_T_RUN),
        ("thing-count-limit", "mandatory", new, "Things stay within their count limit.\ncount 4 exceeds maxCount 2."),
    ]


def test_large_stack_goes_through(pack):
    # ~60 MB AnalyzeStack request: above gRPC's 4 MB default on both sides.
    blob = "x" * 30_000
    resources = [Registration(urn="urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", type="pulumi:pulumi:Stack",
                              name="p-s", custom=False)]
    resources += [
        Registration(urn=f"urn:pulumi:s::p::fixture:index:Other::o{i}", type="fixture:index:Other", name=f"o{i}",
                     custom=True, parent=resources[0].urn, outputs={"blob": blob})
        for i in range(2000)
    ]
    pack.configure({"all": "disabled", "stack-has-resource-group": "advisory"})
    assert [(v.policyName, v.resourceUrn) for v in pack.analyze(resources)] == [("stack-has-resource-group", "")]


def test_pack_that_fails_to_start_is_bad_input(tmp_path):
    (tmp_path / "__main__.py").write_text("raise ValueError('broken pack')\n")
    with pytest.raises(PostureError, match=r"policy pack failed to start: .*ValueError: broken pack"):
        PolicyPackProcess(tmp_path).start()
    with pytest.raises(PostureError) as exc:
        PolicyPackProcess(tmp_path / "nope").start()
    assert str(exc.value) == f"{tmp_path / 'nope'}: policy pack directory not found"
    (tmp_path / "empty").mkdir()
    with pytest.raises(PostureError) as exc:
        PolicyPackProcess(tmp_path / "empty").start()
    assert str(exc.value) == f"{tmp_path / 'empty'}: not a Python policy pack (no __main__.py)"


# ---------------------------------------------------------------- what the pack receives (echo pack)

ECHO = FIX / "packs" / "echo-pack"


def echoed(violations):
    """{(policy, resourceUrn): decoded report} of the echo pack."""
    import json

    out = {}
    for v in violations:
        assert v.message.startswith("echo\n"), v.message
        out[(v.policyName, v.resourceUrn)] = json.loads(v.message.split("\n", 1)[1])
    return out


@pytest.fixture(scope="module")
def echo():
    with PolicyPackProcess(ECHO) as p:
        p.configure(None)
        yield p


def _options_program():
    import pulumi

    a = pulumi.CustomResource("fx:index:A", "a", {"x": 1})
    pulumi.CustomResource(
        "fx:index:B", "b",
        {"ref": a.id, "secret": pulumi.Output.secret("s3cr3t"), "nested": {"k": [1, "two"]}},
        pulumi.ResourceOptions(
            depends_on=[a], protect=True, ignore_changes=["nested"], delete_before_replace=True,
            additional_secret_outputs=["y"], replace_on_changes=["ref"], retain_on_delete=True,
            aliases=[pulumi.Alias(name="old-b"), "urn:pulumi:s::p::fx:index:B::older-b"],
            custom_timeouts=pulumi.CustomTimeouts(create="5m", update="1h30m", delete="90s"),
        ),
    )


def test_options_are_recorded_and_reach_the_pack_as_the_engine_sends_them(echo):
    from posture.capture import run_in_mocks

    cap = run_in_mocks(_options_program, config={}, project="p", stack="s", preview=False)
    a_urn, b_urn = "urn:pulumi:s::p::fx:index:A::a", "urn:pulumi:s::p::fx:index:B::b"
    b = cap.by_urn()[b_urn]
    assert b.options == {
        "protect": True, "retainOnDelete": True, "ignoreChanges": ["nested"], "deleteBeforeReplace": True,
        "deleteBeforeReplaceDefined": True, "additionalSecretOutputs": ["y"], "replaceOnChanges": ["ref"],
        "aliases": ["urn:pulumi:s::p::fx:index:B::older-b", "urn:pulumi:s::p::fx:index:B::old-b"],
        "provider": "", "deletedWith": "", "version": "", "importId": "",
        "customTimeouts": {"create": "5m", "update": "1h30m", "delete": "90s"},
    }
    assert b.dependencies == [a_urn]
    assert b.property_dependencies == {"nested": [], "ref": [a_urn], "secret": []}
    got = echoed(echo.analyze(cap.resources))
    expected_opts = {
        "protect": True, "ignoreChanges": ["nested"], "deleteBeforeReplace": True,
        "aliases": ["urn:pulumi:s::p::fx:index:B::older-b", "urn:pulumi:s::p::fx:index:B::old-b"],
        "customTimeouts": [300.0, 5400.0, 90.0], "additionalSecretOutputs": ["y"],
    }
    # Analyze: inputs, the secret unwrapped for the policy as the SDK does, the reference as the id.
    assert got[("echo-resource", b_urn)] == {
        "type": "fx:index:B", "name": "b", "provider": None, "opts": expected_opts,
        "props": {"ref": "a-id", "secret": "s3cr3t", "nested": {"k": [1.0, "two"]}},
    }
    # AnalyzeStack: outputs, parent, dependencies and property dependencies.
    stack_b = got[("echo-stack", b_urn)]
    assert (stack_b["parent"], stack_b["dependencies"], stack_b["propertyDependencies"]) == (
        "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", [a_urn], {"nested": [], "ref": [a_urn], "secret": []},
    )
    assert stack_b["props"] == {"name": "b", "ref": "a-id", "secret": "s3cr3t", "nested": {"k": [1.0, "two"]}}
    assert got[("echo-stack", a_urn)]["opts"]["customTimeouts"] == [0, 0, 0]  # the SDK default when unset


def test_bad_custom_timeout_is_bad_input(echo):
    reg = Registration(urn="urn:pulumi:s::p::fx:index:A::a", type="fx:index:A", name="a", custom=True,
                       options={"customTimeouts": {"create": "5 minutes", "update": "", "delete": ""}})
    with pytest.raises(PostureError) as exc:
        echo.analyze([reg])
    assert str(exc.value) == ('urn:pulumi:s::p::fx:index:A::a: customTimeouts.create: \'5 minutes\' is not a valid '
                              'duration (Go duration such as "30s", "5m", "1h30m")')


@pytest.mark.parametrize(("value", "seconds"), [
    ("5m", 300.0), ("1h30m", 5400.0), ("1.5h", 5400.0), ("300ms", 0.3), ("0", 0.0), ("", 0.0), (None, 0.0),
    (120, 120.0), ("-1s", -1.0),
])
def test_timeout_seconds_parses_go_durations(value, seconds):
    from posture.analyzer import timeout_seconds

    assert timeout_seconds(value, "x") == seconds


QA = "urn:pulumi:qa::mini::"


def test_stack_export_v4_secrets_plaintext_decrypted_ciphertext_redacted(echo):
    resources = read_stack_export(FIX / "documents" / "stack-export-v4.json")
    assert [r.urn for r in resources] == [QA + "pulumi:pulumi:Stack::mini-qa", QA + "azure-native:resources:ResourceGroup::rg",
                                          QA + "fixture:index:Thing::vault"]
    vault = resources[2]
    assert (vault.id, vault.parent, vault.dependencies, vault.property_dependencies, vault.options["protect"]) == (
        "vault-id", QA + "pulumi:pulumi:Stack::mini-qa", [QA + "azure-native:resources:ResourceGroup::rg"],
        {"location": [QA + "azure-native:resources:ResourceGroup::rg"]}, True,
    )
    got = echoed(echo.analyze(resources))
    assert got[("echo-resource", QA + "fixture:index:Thing::vault")]["props"] == {
        "count": 1.0, "location": "westeurope", "plain": {"user": "admin", "pin": 1234.0}, "cipher": "[secret]",
    }
    stack_vault = got[("echo-stack", QA + "fixture:index:Thing::vault")]
    assert stack_vault["props"]["plain"] == {"user": "admin", "pin": 1234.0}
    assert stack_vault["props"]["cipher"] == "[secret]"
    assert stack_vault["opts"]["customTimeouts"] == [600.0, 0.0, 120.0]  # state holds seconds
    assert stack_vault["propertyDependencies"] == {"location": [QA + "azure-native:resources:ResourceGroup::rg"]}
    assert got[("echo-stack", QA + "pulumi:pulumi:Stack::mini-qa")]["props"] == {"password": "p4ss"}


def test_preview_json_same_update_replace_steps_no_deletes(pack):
    resources = read_preview_json(FIX / "documents" / "preview-steps.json")
    d = "urn:pulumi:dev::mini::"
    assert [r.urn for r in resources] == [d + "pulumi:pulumi:Stack::mini-dev", d + "azure-native:resources:ResourceGroup::rg",
                                          d + "fixture:index:Thing::upd", d + "fixture:index:Thing::rep"]
    # the new state of an update and of a replacement, never the old one
    assert resources[2].inputs == {"count": 9, "location": "westeurope"}
    assert resources[3].inputs == {"count": 1, "location": "northeurope"}
    pack.configure(None)
    assert triples(pack.analyze(resources)) == [
        ("thing-count-limit", "mandatory", d + "fixture:index:Thing::rep",
         "Things stay within their count limit.\nlocation northeurope is not westeurope."),
        ("thing-count-limit", "mandatory", d + "fixture:index:Thing::upd",
         "Things stay within their count limit.\ncount 9 exceeds maxCount 2."),
    ]


@pytest.mark.parametrize(("doc", "message"), [
    ({"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:a::b::t:m:T::n", "type": "t:m:T", "inputs": {
        "s": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "plaintext": "{oops"}}}]}},
     "urn:pulumi:a::b::t:m:T::n inputs: a secret's `plaintext` is not valid JSON"),
    ({"version": 3, "deployment": {"resources": {"a": 1}}}, "`deployment.resources` must be a list"),
    ({"version": 4, "deployment": [1]}, "`deployment` must be an object with a `resources` list"),
    ({"version": 3, "deployment": {"resources": [{"urn": "x", "type": "t"}]}},
     "'x' is not a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>)"),
    ({"version": 3, "deployment": {"resources": [{"type": "t"}]}}, "each resource needs string `urn` and `type`"),
    ([1], "not a `pulumi stack export` document (no `deployment`)"),
    ({"version": 5, "deployment": {}}, "deployment version 5 is not supported (supported: 3, 4)"),
])
def test_bad_stack_export_documents(tmp_path, doc, message):
    import json

    f = tmp_path / "export.json"
    f.write_text(json.dumps(doc))
    with pytest.raises(PostureError) as exc:
        read_stack_export(f)
    assert str(exc.value) == f"{f}: {message}"


def test_unreadable_pulumipolicy_yaml_keeps_the_packs_own_version(tmp_path):
    import shutil

    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack, ignore=shutil.ignore_patterns("__pycache__"))
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\nversion: [unclosed\n")
    with PolicyPackProcess(pack) as p:
        assert p.info().version == "0.0.1"
