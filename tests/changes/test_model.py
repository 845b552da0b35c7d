"""The change model: `pulumi preview --json` steps and `--baseline` exports into create/same/update/
replace/delete per URN, aliases followed; the export writer; bad documents named, exit 2."""

from __future__ import annotations

import json

import pytest

from posture import changes
from posture.capture import Registration
from posture.errors import PostureError
from tests.changes import documents as docs
from tests.changes.make_fixtures import FIXTURE, preview_changes_document

STACK = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"


def urn(name, type_="t:m:R"):
    return f"urn:pulumi:dev::p::{type_}::{name}"


def state(name, inputs=None, **extra):
    return {"urn": urn(name), "custom": True, "type": "t:m:R", "inputs": inputs or {}, **extra}


def write(tmp_path, doc, name="doc.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def ops(model):
    return [(c["op"], c["urn"].rsplit("::", 1)[-1], c["oldUrn"].rsplit("::", 1)[-1] if c["oldUrn"] else None,
             c["diff"]) for c in model["changes"]]


# ---------------------------------------------------------------- preview --json


def test_the_committed_fixture_is_what_the_generator_writes():
    assert json.loads(FIXTURE.read_text()) == preview_changes_document()


def test_preview_fixture_reads_into_one_change_per_urn():
    m = changes.model_from_preview_json(FIXTURE)
    assert m["source"] == "preview-json" and m["stack"] == "dev"
    assert m["complete"] is False  # written without --show-sames: unchanged resources are absent
    # cross-region restore off: the Backup vault and the Site Recovery vault (issue 14) are updated
    assert changes.summary(m) == {"create": 0, "same": 0, "update": 2, "replace": 1, "delete": 22}
    vault, disk = m["changes"][1], m["changes"][2]
    assert (vault["op"], vault["diff"], vault["replaceKnown"]) == ("update", ["properties", "tags"], True)
    assert vault["old"]["inputs"]["properties"]["redundancySettings"]["crossRegionRestore"] == "Enabled"
    assert vault["new"]["inputs"]["properties"]["redundancySettings"]["crossRegionRestore"] == "Disabled"
    assert (vault["old"]["retainOnDelete"], vault["new"]["retainOnDelete"]) == (True, True)
    assert (disk["op"], disk["diff"]) == ("replace", ["creationData"])  # replaceReasons, the provider's
    assert [c["new"] for c in m["changes"] if c["op"] == "delete"] == [None] * 22


def test_replacement_steps_merge_and_aliases_keep_the_old_urn(tmp_path):
    doc = {"steps": [
        {"op": "same", "urn": STACK, "oldState": {"urn": STACK, "custom": False, "type": "pulumi:pulumi:Stack"},
         "newState": {"urn": STACK, "custom": False, "type": "pulumi:pulumi:Stack"}, "detailedDiff": None},
        {"op": "create-replacement", "urn": urn("disk"), "oldState": state("disk", {"zone": "1"}),
         "newState": state("disk", {"zone": "2"}), "replaceReasons": ["zone"], "detailedDiff": None},
        {"op": "replace", "urn": urn("disk"), "oldState": state("disk", {"zone": "1"}),
         "newState": state("disk", {"zone": "2"}), "replaceReasons": ["zone"], "detailedDiff": None},
        {"op": "update", "urn": urn("renamed"), "oldState": state("old-name", {"a": 1}),
         "newState": state("renamed", {"a": 2}), "diffReasons": ["a"], "detailedDiff": {"a": {"kind": "update"}}},
        {"op": "same", "urn": urn("kept"), "oldState": state("kept"), "newState": state("kept"), "detailedDiff": None},
        {"op": "read", "urn": urn("external"), "newState": state("external"), "detailedDiff": None},
        {"op": "create", "urn": urn("provider", "pulumi:providers:azure-native"), "detailedDiff": None,
         "newState": {"urn": urn("provider", "pulumi:providers:azure-native"), "custom": True,
                      "type": "pulumi:providers:azure-native"}},
        {"op": "delete-replaced", "urn": urn("disk"), "oldState": state("disk", {"zone": "1"}), "detailedDiff": None},
    ]}
    m = changes.model_from_preview_json(write(tmp_path, doc))
    assert ops(m) == [("same", "p-dev", "p-dev", []), ("replace", "disk", "disk", ["zone"]),
                      ("update", "renamed", "old-name", ["a"]), ("same", "kept", "kept", [])]
    assert m["changes"][1]["new"]["inputs"] == {"zone": "2"} and m["changes"][1]["old"]["inputs"] == {"zone": "1"}
    assert m["complete"] is True  # same steps present (--show-sames)


@pytest.mark.parametrize("doc, message", [
    ({"steps": {}}, "not a `pulumi preview --json` document (no `steps` list)"),
    ({"steps": [{"op": "create"}]}, "steps[0]: each step needs an `op` and a string `urn`"),
    ({"steps": [{"op": "explode", "urn": urn("x")}]},
     "steps[0]: op 'explode' is not a Pulumi step op (pkg/resource/deploy/step.go)"),
    ({"steps": [{"op": "create", "urn": urn("x"), "newState": {"urn": urn("x")}}]},
     "steps[0]: each state needs string `urn` and `type`"),
])
def test_bad_preview_documents_are_named(tmp_path, doc, message):
    path = write(tmp_path, doc)
    with pytest.raises(PostureError) as e:
        changes.model_from_preview_json(path)
    assert str(e.value) == f"{path}: {message}"


# ---------------------------------------------------------------- --baseline


def reg(name, inputs, aliases=(), **options):
    return Registration(urn=urn(name), type="t:m:R", name=name, custom=True, inputs=inputs, id=f"id-{name}",
                        options={"aliases": list(aliases), **options})


def test_baseline_matches_by_urn_then_alias_and_compares_inputs(tmp_path):
    export = {"version": 3, "deployment": {"resources": [
        {"urn": STACK, "custom": False, "type": "pulumi:pulumi:Stack"},
        state("same", {"n": 14}), state("changed", {"n": 1, "tags": {"a": "b"}}), state("old-name", {"n": 1}),
        state("gone", {"n": 1}), state("pending", {"n": 1}, delete=True),
        state("secret", {"password": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                                      "ciphertext": "v1:abc"}}),
        {"urn": urn("default", "pulumi:providers:azure-native"), "custom": True, "type": "pulumi:providers:azure-native"},
    ]}}
    new = [
        Registration(urn=STACK, type="pulumi:pulumi:Stack", name="p-dev", custom=False),
        reg("same", {"n": 14.0}), reg("changed", {"n": 1, "tags": {"a": "c"}}),
        reg("renamed", {"n": 1}, aliases=[urn("nothing"), urn("old-name")]), reg("added", {"n": 1}),
        reg("secret", {"password": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                                    "value": "x"}}),
    ]
    m = changes.model_from_baseline(changes.read_baseline(write(tmp_path, export)), new, "dev")
    assert ops(m) == [("same", "p-dev", "p-dev", []), ("same", "same", "same", []),
                      ("update", "changed", "changed", ["tags"]), ("same", "renamed", "old-name", []),
                      ("create", "added", None, []), ("same", "secret", "secret", []),
                      ("delete", "gone", "gone", [])]
    assert m["changes"][2]["replaceKnown"] is False  # offline: only the provider knows


@pytest.mark.parametrize("doc, message", [
    ({"resources": []}, "--baseline needs a `pulumi stack export` document (no `deployment` object)"),
    ({"version": 2, "deployment": {}}, "deployment version 2 is not supported (supported: 3, 4)"),
    ({"version": 3, "deployment": {"resources": {}}}, "`deployment.resources` must be a list"),
])
def test_bad_baselines_are_named(tmp_path, doc, message):
    path = write(tmp_path, doc)
    with pytest.raises(PostureError) as e:
        changes.read_baseline(path)
    assert str(e.value) == f"{path}: {message}"


def test_export_of_the_dev_capture_reads_back_as_an_unchanged_stack():
    doc = docs.baseline()
    assert doc["version"] == 3 and doc["deployment"]["manifest"]["version"] == "posture-offline-capture"
    resources = doc["deployment"]["resources"]
    assert resources[0]["type"] == "pulumi:pulumi:Stack"
    assert [r["type"] for r in resources].count("pulumi:pulumi:Stack") == 1
    vault = next(r for r in resources if r["type"] == "azure-native:recoveryservices:Vault")
    assert (vault["retainOnDelete"], "protect" in vault, vault["id"]) == (
        True, False, "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr-backup-westeurope/"
        "providers/Microsoft.RecoveryServices/vaults/rsv-dr-westeurope")
    m = docs.model()
    # every resource but the stack and the default providers (not in the model) is unchanged
    modelled = [r for r in resources[1:] if not r["type"].startswith("pulumi:providers:")]
    assert len(modelled) == len(resources) - 2  # one default provider, azure-native's
    assert changes.summary(m) == {"create": 0, "same": len(modelled), "update": 0, "replace": 0, "delete": 0}


def test_export_never_writes_a_secret_value():
    from posture.capture import Capture

    cap = Capture(resources=[reg("s", {"pw": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                                              "value": "hunter2"}})],
                  stack_outputs={}, diagnostics=[], project="p", stack="dev", preview=True)
    text = json.dumps(changes.stack_export_from_capture(cap))
    assert "hunter2" not in text and '"ciphertext": "offline-capture"' in text
