"""AZDR-SNP-*: incremental snapshots and their cross-region copies (rules/snapshots.py): pass, fail,
unknown and missing cases (the region tables: tests/test_facts.py)."""

import pytest
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE, UNKNOWN_STRING_VALUE as UNK, UnknownValueError

from azdr_policies import RULES_BY_ID

from .cases import Case, advisory, params
from .factories import DELETE, arm_id, mutate, snapshot_props
from .harness import run_resource, stack_resource, urn_of


SNAP_T = "azure-native:compute:Snapshot"
DISK_T = "azure-native:compute:Disk"
SNAP = snapshot_props()


def _not_incremental(shown):
    return (f"[AZDR-SNP-001] snapshot 'snap' has incremental {shown}: full snapshots cannot be copied across regions "
            f"with CopyStart and cost the whole disk each time; set incremental to true")


CASES = [
    Case("AZDR-SNP-001", "pass-incremental", SNAP, name="snap"),
    Case("AZDR-SNP-001", "fail-full", mutate(SNAP, "incremental", False), [_not_incremental("False")], name="snap"),
    Case("AZDR-SNP-001", "fail-missing-means-full", mutate(SNAP, "incremental", DELETE),
         [_not_incremental("not set (false)")], name="snap"),
    Case("AZDR-SNP-001", "fail-string-true", mutate(SNAP, "incremental", "true"), [_not_incremental("'true'")],
         name="snap"),
]


def test_incremental_unknown_is_advisory():
    with pytest.raises(UnknownValueError):
        run_resource(RULES_BY_ID["AZDR-SNP-001"], mutate(SNAP, "incremental", UNKNOWN_BOOLEAN_VALUE), name="snap")


# ---- AZDR-SNP-002 / 003 (stack) -----------------------------------------------------------------

SRC_ID = arm_id("Microsoft.Compute/snapshots", "src")


def copy(name, target_loc, option="CopyStart", *, src_loc="westeurope", dep=True, source_id=SRC_ID):
    def build():
        src = stack_resource(SNAP_T, "src", {**snapshot_props(src_loc), "id": SRC_ID, "name": "src"})
        dr = stack_resource(SNAP_T, name, {**snapshot_props(target_loc, option, source_id), "name": name},
                            property_dependencies={"creationData": [src]} if dep else None)
        return [src, dr]
    return build


def _same_region(name, loc="westeurope"):
    return (f"[AZDR-SNP-002] snapshot '{name}' uses CopyStart but stays in {loc} with its source 'src': a copy in the "
            f"same region does not survive a regional disaster; set location to the DR region", urn_of(SNAP_T, name))


CASES += [
    Case("AZDR-SNP-002", "pass-copy-start-to-pair", copy("pass-dr", "northeurope")),
    Case("AZDR-SNP-002", "pass-copy-start-by-id", copy("pass-dr", "northeurope", dep=False)),
    Case("AZDR-SNP-002", "pass-same-region-copy-is-not-a-dr-copy", copy("pass-local", "westeurope", "Copy")),
    Case("AZDR-SNP-002", "pass-external-source-not-judged", copy("pass-ext", "westeurope", dep=False,
                                                                 source_id="/ext/snap")),
    Case("AZDR-SNP-002", "fail-copy-start-same-region", copy("fail-dr", "westeurope"), [_same_region("fail-dr")]),
    Case("AZDR-SNP-002", "fail-copy-start-same-region-display-name", copy("fail-dr", "West Europe"),
         [_same_region("fail-dr")]),
    Case("AZDR-SNP-002", "fail-cross-region-without-copy-start", copy("fail-dr", "northeurope", "Copy"),
         [("[AZDR-SNP-002] snapshot 'fail-dr' in northeurope copies 'src' from westeurope with createOption 'Copy': "
           "cross-region copies of incremental snapshots need createOption 'CopyStart'", urn_of(SNAP_T, "fail-dr"))]),
    Case("AZDR-SNP-002", "fail-unknown-source-without-dependency", copy("fail-dr", "northeurope", dep=False,
                                                                        source_id=UNK),
         [("[AZDR-SNP-002] snapshot 'fail-dr' copies with CopyStart from a source that is unknown during preview and "
           "has no dependency: the target region cannot be verified", urn_of(SNAP_T, "fail-dr"))]),
    Case("AZDR-SNP-002", "fail-unknown-target-location", copy("fail-dr", UNK),
         [("[AZDR-SNP-002] snapshot 'fail-dr' copies 'src' but a location or createOption is unknown during preview: "
           "the cross-region copy cannot be verified", urn_of(SNAP_T, "fail-dr"))]),
    Case("AZDR-SNP-003", "pass-to-pair", copy("pass-dr", "northeurope")),
    Case("AZDR-SNP-003", "pass-unpaired-source-any-target", copy("pass-dr", "germanywestcentral",
                                                                 src_loc="polandcentral")),
    Case("AZDR-SNP-003", "pass-same-region-left-to-snp-002", copy("pass-dr", "westeurope")),
    Case("AZDR-SNP-003", "fail-not-the-pair", copy("fail-dr", "eastus"),
         [("[AZDR-SNP-003] snapshot 'fail-dr' copies 'src' from westeurope to eastus, not to its paired region "
           "northeurope: paired regions get sequential platform updates and priority recovery; prefer northeurope "
           "unless eastus is a deliberate DR choice", urn_of(SNAP_T, "fail-dr"))]),
    Case("AZDR-SNP-003", "fail-one-way-pair-followed", copy("fail-dr", "northcentralus", src_loc="brazilsouth"),
         [("[AZDR-SNP-003] snapshot 'fail-dr' copies 'src' from brazilsouth to northcentralus, not to its paired "
           "region southcentralus: paired regions get sequential platform updates and priority recovery; prefer "
           "southcentralus unless northcentralus is a deliberate DR choice", urn_of(SNAP_T, "fail-dr"))]),
]


# ---- unknown (preview) and missing -----------------------------------------------------------------

CASES += [
    advisory("AZDR-SNP-001", "incremental", snapshot_props(), "incremental", UNKNOWN_BOOLEAN_VALUE, name="snap"),
    Case("AZDR-SNP-003", "pass-unknown-target-location-left-to-snp-002", copy("pass-dr", UNK)),
    Case("AZDR-SNP-003", "pass-target-location-missing-not-compared", copy("pass-dr", None)),
    Case("AZDR-SNP-003", "pass-source-location-missing-not-compared", copy("pass-dr", "eastus", src_loc=None)),
    Case("AZDR-SNP-002", "pass-target-location-missing-not-compared", copy("pass-dr", None)),
]


@pytest.mark.parametrize("case", params(CASES))
def test_case(case):
    case.check()
