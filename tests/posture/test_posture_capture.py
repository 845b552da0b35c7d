"""The recording monitor: URNs, graph, options and inputs exactly as the engine receives them."""

from pathlib import Path

import pulumi
import pytest

from posture.capture import UNKNOWN, EchoMocks, capture_program, engine_urn, run_in_mocks
from posture.errors import PostureError

MINI = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "mini"
P = "urn:pulumi:dev::mini::"
STACK = P + "pulumi:pulumi:Stack::mini-dev"
RG = P + "azure-native:resources:ResourceGroup::rg"
OUTER = P + "fixture:app:Outer::app"
INNER = P + "fixture:app:Outer$fixture:app:Inner::app-inner"
INNER_THING = P + "fixture:app:Outer$fixture:app:Inner$fixture:index:Thing::app-inner-thing"
CONSUMER = P + "fixture:app:Outer$fixture:index:Thing::app-consumer"
# The engine's default providers (issue 12), registered before their first user with the package's config.
AZ_PROVIDER = P + "pulumi:providers:azure-native::default_3_29_0"
FX_PROVIDER = P + "pulumi:providers:fixture::default"
SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "s3cr3t"}


@pytest.fixture(scope="module")
def preview():
    return capture_program(MINI, "dev")


@pytest.fixture(scope="module")
def update():
    return capture_program(MINI, "dev", preview=False)


def test_urns_as_the_engine_forms_them_with_full_nested_chain(preview):
    assert [r.urn for r in preview.resources] == [STACK, AZ_PROVIDER, RG, OUTER, INNER, FX_PROVIDER, INNER_THING,
                                                  CONSUMER]


def test_default_providers_with_their_config_and_references(preview, update):
    by = preview.by_urn()
    assert by[AZ_PROVIDER].inputs == {"location": "westeurope", "version": "3.29.0"}
    assert by[FX_PROVIDER].inputs == {}
    assert (by[AZ_PROVIDER].custom, by[AZ_PROVIDER].id, by[AZ_PROVIDER].parent) == (True, None, "")
    assert by[RG].provider == AZ_PROVIDER + "::" + UNKNOWN  # a provider being created: id unknown in preview
    assert by[CONSUMER].provider == FX_PROVIDER + "::" + UNKNOWN
    assert update.by_urn()[RG].provider == AZ_PROVIDER + "::default_3_29_0-id"


def test_engine_urn_drops_root_stack_and_keeps_full_parent_chain():
    assert engine_urn("s", "p", "", "pulumi:pulumi:Stack", "p-s") == "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s"
    assert engine_urn("s", "p", "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", "a:b:C", "c") == (
        "urn:pulumi:s::p::a:b:C::c"
    )
    assert engine_urn("s", "p", "urn:pulumi:s::p::x:y:A$x:y:B::b", "a:b:C", "n::m") == (
        "urn:pulumi:s::p::x:y:A$x:y:B$a:b:C::n::m"
    )


def test_parents_dependencies_and_property_dependencies(preview):
    by = preview.by_urn()
    assert {u: r.parent for u, r in by.items()} == {
        STACK: "", RG: STACK, OUTER: STACK, INNER: OUTER, INNER_THING: INNER, CONSUMER: OUTER,
        AZ_PROVIDER: "", FX_PROVIDER: "",
    }
    consumer = by[CONSUMER]
    assert consumer.dependencies == [RG, INNER_THING]
    assert consumer.property_dependencies == {
        "count": [], "labels": [], "location": [RG], "ratio": [], "resourceGroupName": [RG], "token": [],
    }
    assert [r.custom for r in preview.resources] == [False, True, True, False, False, True, True, True]


def test_inputs_exactly_as_serialized_with_unknowns_in_preview(preview, update):
    consumer = preview.by_urn()[CONSUMER]
    # The group is autonamed (its name is not an input): unknown in preview, as the engine gives it; its location
    # is the provider's default (azure-native:location), filled in before its outputs exist.
    assert consumer.inputs == {
        "resourceGroupName": UNKNOWN, "location": "westeurope", "count": 2.0, "ratio": 0.5,
        "labels": {"a": "b"}, "token": SECRET,
    }
    assert preview.by_urn()[RG].inputs == {"location": "westeurope", "tags": {"owner": "fixture"}}
    assert isinstance(consumer.inputs["count"], float)
    # Not a preview: the default mocks echo inputs and add `name`.
    assert update.by_urn()[CONSUMER].inputs == {
        "resourceGroupName": "rg", "location": "westeurope", "count": 2.0, "ratio": 0.5, "labels": {"a": "b"},
        "token": SECRET,
    }
    assert preview.by_urn()[INNER_THING].inputs == {"size": 2.0, "kind": "inner"}


def test_options_recorded(preview):
    by = preview.by_urn()
    assert by[INNER_THING].options["protect"] is True
    assert by[CONSUMER].options["protect"] is False
    assert by[CONSUMER].options["retainOnDelete"] is True
    assert by[CONSUMER].options["ignoreChanges"] == ["labels"]
    assert by[RG].options["version"] == "3.29.0"
    assert by[RG].options["customTimeouts"] is None


def test_outputs_ids_stack_outputs_and_secure_keys(preview, update):
    by = preview.by_urn()
    # Preview: a resource being created has an unknown id and only the outputs the program gave as inputs.
    assert by[INNER_THING].id is None
    assert by[INNER_THING].outputs == {"size": 2.0, "kind": "inner"}
    assert by[INNER].id is None and by[INNER].outputs == {"thingId": UNKNOWN}
    assert by[OUTER].outputs == {}
    assert preview.stack_outputs == {"rgName": UNKNOWN, "owner": "team-a",
                                     "settings": {"tier": "gold", "sizes": [1.0, 2.0]}}
    up = update.by_urn()
    assert (up[INNER_THING].id, up[INNER].outputs) == ("app-inner-thing-id", {"thingId": "app-inner-thing-id"})
    assert up[INNER_THING].outputs == {"size": 2.0, "kind": "inner", "name": "app-inner-thing"}
    assert by[STACK].outputs == preview.stack_outputs
    assert preview.unavailable_secure_keys == ["mini:apiToken"]
    assert [(d.severity, d.message) for d in preview.diagnostics] == [("warning", "fixture warning: owner is team-a")]


def test_repeated_runs_do_not_leak_root_stack_or_config():
    def program():
        cfg = pulumi.Config("t")
        pulumi.export("v", cfg.get("a"))

    first = run_in_mocks(program, config={"t:a": "one"}, project="t", stack="s", preview=False)
    second = run_in_mocks(program, config={}, project="t", stack="s", preview=False)
    assert [r.urn for r in first.resources] == ["urn:pulumi:s::t::pulumi:pulumi:Stack::t-s"]
    assert [r.urn for r in second.resources] == ["urn:pulumi:s::t::pulumi:pulumi:Stack::t-s"]
    assert first.stack_outputs == {"v": "one"}
    assert second.stack_outputs == {}


def test_run_in_mocks_uses_given_mocks_and_call_returns_dict():
    class Mocks(EchoMocks):
        def new_resource(self, args):
            return f"/ids/{args.name}", {**args.inputs, "computed": 7}

    def program():
        import pulumi_azure_native as an

        cc = an.authorization.get_client_config()
        r = pulumi.CustomResource("fx:index:R", "r", {"sub": cc.subscription_id, "computed": None})
        pulumi.export("computed", r.computed if hasattr(r, "computed") else None)
        pulumi.export("id", r.id)

    cap = run_in_mocks(program, config={}, project="p", stack="s", preview=True, mocks=Mocks())
    r = cap.find("fx:index:R", "r")[0]
    assert r.inputs == {"sub": "00000000-0000-0000-0000-000000000000"}
    assert r.outputs == {"sub": "00000000-0000-0000-0000-000000000000", "computed": 7.0}
    assert r.id == "/ids/r"
    assert cap.stack_outputs["id"] == "/ids/r"


def test_run_in_mocks_propagates_program_errors():
    def program():
        raise pulumi.RunError("bad config: x")

    with pytest.raises(pulumi.RunError, match="bad config: x"):
        run_in_mocks(program, config={}, project="p", stack="s", preview=True)
    # and the runtime is usable again afterwards
    ok = run_in_mocks(lambda: None, config={}, project="p", stack="s", preview=True)
    assert [r.type for r in ok.resources] == ["pulumi:pulumi:Stack"]


def test_config_from_project_defaults_and_override():
    cap = capture_program(MINI, "dev", preview=False, config_override={"mini:replicas": 3})
    assert cap.by_urn()[INNER_THING].inputs == {"size": 3.0, "kind": "inner"}


@pytest.mark.parametrize(
    ("stack", "message"),
    [
        ("badreplicas", "mini:replicas must be >= 1, got 0"),
        ("nosuchstack", "Pulumi.nosuchstack.yaml: stack config file not found"),
        ("broken", "Pulumi.broken.yaml: not valid YAML (line 3, column 1)"),
    ],
)
def test_bad_input_raises_posture_error(stack, message):
    with pytest.raises(PostureError) as exc:
        capture_program(MINI, stack)
    assert message in str(exc.value)


def test_program_crash_reports_last_frame():
    with pytest.raises(PostureError) as exc:
        capture_program(MINI, "crash")
    assert str(exc.value) == f"program failed: KeyError: 'boom' (at {MINI / '__main__.py'}:13 in <module>)"


def test_bad_project_file(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: x\nruntime: nodejs\n")
    with pytest.raises(PostureError, match="runtime` is 'nodejs'; the offline engine runs only `python`"):
        capture_program(tmp_path, "dev")
    (tmp_path / "__main__.py").write_text("")
    (tmp_path / "Pulumi.yaml").write_text("name: [1]\nruntime: python\n")
    with pytest.raises(PostureError, match=r"Pulumi.yaml: `name` is invalid: \[1\] is not of type 'string'"):
        capture_program(tmp_path, "dev")
