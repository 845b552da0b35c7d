"""Snapshots (AZDR-SNP-*): the seed's "Alternative solution: Consistent snapshots" and "Copy the
snapshots to another region".

Wire shapes (azure-native v3): `compute:Snapshot` (API 2024-03-02) `incremental`, `location`,
`creationData.createOption|sourceResourceId`. The region-pair table is the pack's own copy
(`azdr_policies.regions`).
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, ResourceValidationArgs, Severity, StackValidationArgs

from ..framework import Finding, Rule, RuleConfig
from ..joins import UNKNOWN, Graph, location, read
from ..props import DISK, MISSING, SNAPSHOT, get, same_text, show
from ..regions import paired_region

LEARN_INCREMENTAL = "https://learn.microsoft.com/azure/virtual-machines/disks-incremental-snapshots"
LEARN_COPY = "https://learn.microsoft.com/azure/virtual-machines/disks-copy-incremental-snapshot-across-regions"
LEARN_PAIRS = "https://learn.microsoft.com/azure/reliability/regions-paired"
COPY_START = "CopyStart"


# ---- AZDR-SNP-001 ------------------------------------------------------------------------------


def check_incremental(args: ResourceValidationArgs, _cfg: RuleConfig) -> Iterable[str]:
    value = get(args.props, "incremental")
    if value is True:
        return
    yield (
        f"snapshot '{args.name}' has incremental {show(value) if value is not MISSING else 'not set (false)'}: full "
        f"snapshots cannot be copied across regions with CopyStart and cost the whole disk each time; set "
        f"incremental to true"
    )


SNAPSHOT_INCREMENTAL = Rule(
    id="AZDR-SNP-001",
    name="snapshot-incremental",
    title="Snapshots used for DR must be incremental.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.MANDATORY,
    kind="resource",
    resource_types=(SNAPSHOT,),
    seed_section="Alternative solution: Consistent snapshots",
    rationale=(
        "The seed's 'Alternative solution: Consistent snapshots' takes regular disk snapshots and copies them to "
        "another region. Only incremental snapshots can be copied across regions (CopyStart) and they store only "
        "the changes since the last snapshot, so frequent DR snapshots stay affordable."
    ),
    remediation="Declare every snapshot with incremental=True.",
    snippet="""
import pulumi_azure_native.compute as compute

compute.Snapshot("db-1-data0-snap", resource_group_name=rg.name, incremental=True,
    creation_data=compute.CreationDataArgs(create_option=compute.DiskCreateOption.COPY,
        source_resource_id=disk.id))
""",
    links=(LEARN_INCREMENTAL,),
    unknown="advisory",
    unknown_note="`incremental` is normally literal; an unknown value yields the SDK advisory.",
    missing="incremental not set means false (Azure default: a full snapshot): fails. Every snapshot is judged.",
    check=check_incremental,
    tags=("snapshots",),
)


# ---- AZDR-SNP-002 / 003 (stack) ----------------------------------------------------------------


def _copies(graph: Graph):
    """(snapshot, its location, source resource, source location, createOption) for every snapshot whose
    source resolves (dependency of creationData, then creationData.sourceResourceId)."""
    for snap in graph.of(SNAPSHOT):
        ref = graph.ref(snap, "creationData", "creationData.sourceResourceId", (SNAPSHOT, DISK))
        option = read(snap, "creationData.createOption")
        yield snap, location(snap), ref, option


def check_cross_region_copy(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    for snap, loc, ref, option in _copies(graph):
        is_copy_start = same_text(option, COPY_START)
        if ref.target is None:
            if is_copy_start and ref.status == "unknown":
                yield Finding(f"snapshot '{snap.name}' copies with CopyStart from a source that is unknown during "
                              f"preview and has no dependency: the target region cannot be verified", snap)
            continue  # a source outside this stack: its region is not known to the pack
        src_loc = location(ref.target)
        if UNKNOWN in (loc, src_loc) or (option is UNKNOWN):
            if is_copy_start or option is UNKNOWN:
                yield Finding(f"snapshot '{snap.name}' copies '{ref.target.name}' but a location or createOption is "
                              f"unknown during preview: the cross-region copy cannot be verified", snap)
            continue
        if MISSING in (loc, src_loc):
            continue  # a location left to the resource group default is not compared
        if is_copy_start and loc == src_loc:
            yield Finding(
                f"snapshot '{snap.name}' uses CopyStart but stays in {loc} with its source '{ref.target.name}': a copy "
                f"in the same region does not survive a regional disaster; set location to the DR region", snap)
        elif not is_copy_start and loc != src_loc:
            yield Finding(
                f"snapshot '{snap.name}' in {loc} copies '{ref.target.name}' from {src_loc} with createOption "
                f"{show(option)}: cross-region copies of incremental snapshots need createOption 'CopyStart'", snap)


CROSS_REGION_COPY = Rule(
    id="AZDR-SNP-002",
    name="snapshot-cross-region-copy-start",
    title="Cross-region snapshot copies must use CopyStart into another region.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="stack",
    resource_types=(SNAPSHOT, DISK),
    seed_section="Copy the snapshots to another region",
    rationale=(
        "The seed's 'Copy the snapshots to another region' protects against a regional disaster by copying the "
        "snapshots out of the primary region. Azure copies incremental snapshots between regions only with "
        "createOption CopyStart, and a CopyStart into the source's own region protects nothing."
    ),
    remediation="Create the DR copy with createOption CopyStart, the source snapshot's id, and the DR region.",
    snippet="""
import pulumi_azure_native.compute as compute

compute.Snapshot("db-1-data0-snap-dr", resource_group_name=dr_rg.name, location="northeurope",
    incremental=True, creation_data=compute.CreationDataArgs(
        create_option=compute.DiskCreateOption.COPY_START, source_resource_id=snapshot.id))
""",
    links=(LEARN_COPY,),
    unknown="fail",
    unknown_note=(
        "The source joins by the creationData dependency, then by id. A CopyStart whose source is unknown without "
        "a dependency, or an unknown location/createOption, is reported as 'cannot be verified'."
    ),
    missing=(
        "A snapshot whose source is not in this stack, or whose location (or its source's) is not set, is not "
        "compared (the pack cannot know the region)."
    ),
    check=check_cross_region_copy,
    tags=("snapshots", "cross-region"),
)


def check_paired_copy(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    for snap, loc, ref, option in _copies(graph):
        if ref.target is None or not same_text(option, COPY_START):
            continue
        src_loc = location(ref.target)
        if not (isinstance(loc, str) and isinstance(src_loc, str)) or loc == src_loc:
            continue  # unknown/missing/same region: AZDR-SNP-002
        pair = paired_region(src_loc)
        if pair is not None and pair != loc:
            yield Finding(
                f"snapshot '{snap.name}' copies '{ref.target.name}' from {src_loc} to {loc}, not to its paired region "
                f"{pair}: paired regions get sequential platform updates and priority recovery; prefer {pair} unless "
                f"{loc} is a deliberate DR choice", snap)


PAIRED_COPY = Rule(
    id="AZDR-SNP-003",
    name="snapshot-copy-to-paired-region",
    title="Cross-region snapshot copies should go to the source region's Azure pair.",
    severity=Severity.LOW,
    enforcement=EnforcementLevel.ADVISORY,
    kind="stack",
    resource_types=(SNAPSHOT, DISK),
    seed_section="Copy the snapshots to another region",
    rationale=(
        "The seed's 'Copy the snapshots to another region' copies to a paired region (West US to East US, its "
        "geo-redundant example). Azure recovers one region of each pair first and never updates both at once; "
        "another region can be a valid DR target, so this is advisory."
    ),
    remediation="Copy to the paired region of the source (see the Azure region-pair table), or exempt deliberately.",
    snippet="""
compute.Snapshot("db-1-snap-dr", resource_group_name=dr_rg.name, location="northeurope",  # pair of westeurope
    incremental=True, creation_data=compute.CreationDataArgs(create_option="CopyStart",
        source_resource_id=snapshot.id))
""",
    links=(LEARN_PAIRS, LEARN_COPY),
    unknown="skip",
    unknown_note="Copies whose regions are unknown are judged by AZDR-SNP-002 (fail closed) and skipped here.",
    missing="A source region without a pair (e.g. polandcentral) or not in the table accepts any target region.",
    check=check_paired_copy,
    tags=("snapshots", "cross-region"),
)


RULES = [SNAPSHOT_INCREMENTAL, CROSS_REGION_COPY, PAIRED_COPY]
