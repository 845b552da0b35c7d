"""Each normalisation of the differential test (docs/offline-engine.md, "Known gaps of the offline engine"), pinned: it
applies to exactly the documented case and hides nothing else. No real engine needed."""

from tests.real_engine.differential import differences
from tests.real_engine.harness import UNKNOWN, Preview

S = "urn:pulumi:dev::p::"
RG = S + "azure-native:resources:ResourceGroup::rg"
ITEM = S + "azure-native:recoveryservices:ProtectedItem::item"
ARM = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"


def real(*resources, violations=()):
    events = [{"resourcePreEvent": {"metadata": {"new": {"urn": u, "type": t, "parent": "", "inputs": i}}}}
              for u, t, i in resources]
    events += [{"policyEvent": {"policyName": p, "resourceUrn": u}} for p, u in violations]
    return Preview(0, events, "")


def offline(*resources, violations=()):
    return {"resources": [{"urn": u, "type": t, "parent": "", "inputs": i} for u, t, i in resources],
            "violations": [{"policyName": p, "resourceUrn": u} for p, u in violations]}


def test_default_providers_are_dropped_but_any_other_extra_resource_is_a_difference():
    prov = S + "pulumi:providers:azure-native::default_3_29_0"
    assert differences(offline(), real((prov, "pulumi:providers:azure-native", {}))) == []
    # the offline JSON lists the default providers; the CLI's events hide their steps
    assert differences(offline((prov, "pulumi:providers:azure-native", {"version": "3.29.0"})), real()) == []
    explicit = S + "pulumi:providers:azure-native::eu"
    assert differences(offline((explicit, "pulumi:providers:azure-native", {})), real()) == [
        f"only offline: {explicit}"]
    assert differences(offline(), real((RG, "azure-native:resources:ResourceGroup", {}))) == [f"only real: {RG}"]


def test_stack_reference_reads_are_dropped_but_no_other_pulumi_type():
    ref = S + "pulumi:pulumi:StackReference::prior-state"
    assert differences(offline(), real((ref, "pulumi:pulumi:StackReference", {"name": "o/p/dev"}))) == []
    other = S + "pulumi:pulumi:Stash::s"
    assert differences(offline(), real((other, "pulumi:pulumi:Stash", {}))) == [f"only real: {other}"]


def test_unknown_id_in_a_real_preview_matches_only_an_offline_arm_id():
    typ = "azure-native:recoveryservices:ProtectedItem"
    assert differences(offline((ITEM, typ, {"sourceResourceId": ARM})),
                       real((ITEM, typ, {"sourceResourceId": UNKNOWN}))) == []
    assert differences(offline((ITEM, typ, {"sourceResourceId": "vm-id"})),
                       real((ITEM, typ, {"sourceResourceId": UNKNOWN}))) != []
    assert differences(offline((ITEM, typ, {"sourceResourceId": ARM})),
                       real((ITEM, typ, {"sourceResourceId": ARM + "x"}))) != []


def test_autonamed_own_name_input_is_dropped_only_when_it_is_the_pulumi_name_and_absent_offline():
    typ = "azure-native:resources:ResourceGroup"
    assert differences(offline((RG, typ, {})), real((RG, typ, {"resourceGroupName": "rg"}))) == []
    assert differences(offline((RG, typ, {})), real((RG, typ, {"resourceGroupName": "other"}))) != []
    assert differences(offline((RG, typ, {"resourceGroupName": "x"})),
                       real((RG, typ, {"resourceGroupName": "rg"}))) != []
    thing = S + "fixture:index:Thing::rg"  # a type the mocks do not model: nothing is dropped
    assert differences(offline((thing, "fixture:index:Thing", {})),
                       real((thing, "fixture:index:Thing", {"resourceGroupName": "rg"}))) != []


def test_secret_envelope_matches_only_the_offline_secret_marker():
    typ = "fixture:index:Thing"
    env = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "[secret]"}
    assert differences(offline((RG, typ, {"token": "[secret]"})), real((RG, typ, {"token": env}))) == []
    assert differences(offline((RG, typ, {"token": "plain"})), real((RG, typ, {"token": env}))) != []


def test_violations_compare_as_sets_of_policy_and_urn():
    typ = "fixture:index:Thing"
    assert differences(offline((RG, typ, {}), violations=[("p", RG)]),
                       real((RG, typ, {}), violations=[("p", RG)])) == []
    assert differences(offline((RG, typ, {}), violations=[("p", RG)]), real((RG, typ, {}))) == [
        f"violation only offline: ('p', '{RG}')"]


def test_unknown_offline_matches_only_the_pulumi_name_of_a_resource_the_stand_in_autonamed():
    rgt, typ = "azure-native:resources:ResourceGroup", "fixture:index:Thing"
    thing = S + "fixture:index:Thing::consumer"
    assert differences(offline((RG, rgt, {}), (thing, typ, {"resourceGroupName": UNKNOWN})),
                       real((RG, rgt, {"resourceGroupName": "rg"}), (thing, typ, {"resourceGroupName": "rg"}))) == []
    assert differences(offline((RG, rgt, {}), (thing, typ, {"resourceGroupName": UNKNOWN})),
                       real((RG, rgt, {"resourceGroupName": "rg"}), (thing, typ, {"resourceGroupName": "x"}))) != []
    # the group named itself: nothing was autonamed, an unknown offline is a difference
    assert differences(offline((RG, rgt, {"resourceGroupName": "rg"}), (thing, typ, {"resourceGroupName": UNKNOWN})),
                       real((RG, rgt, {"resourceGroupName": "rg"}), (thing, typ, {"resourceGroupName": "rg"}))) != []
