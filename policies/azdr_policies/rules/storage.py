"""Storage of DR images, templates and configuration backups (AZDR-STG-*): the seed's appendix on data
redundancy.

Wire shapes (azure-native v3): `storage:StorageAccount` (2024-01-01) `sku.name`, `tags`;
`storage:BlobServiceProperties` `accountName`, `deleteRetentionPolicy.enabled|days`.
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from ..framework import ConfigKey, Finding, Rule, RuleConfig
from ..joins import UNKNOWN, Graph, known, read
from ..props import MISSING, STORAGE_ACCOUNT, as_int, get, same_text, show

BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
LEARN_REDUNDANCY = "https://learn.microsoft.com/azure/storage/common/storage-redundancy"
LEARN_SOFT_DELETE = "https://learn.microsoft.com/azure/storage/blobs/soft-delete-blob-overview"


# ---- AZDR-STG-001 ------------------------------------------------------------------------------

GEO_SKUS = ("Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS", "StandardV2_GRS", "StandardV2_GZRS")


PURPOSE_TAG = "dr-purpose"
DEFAULT_DR_PURPOSES = "configuration-backup,images,templates"


def holds_dr_data(props, cfg: RuleConfig) -> bool:
    """Whether a storage account holds DR images, templates or configuration backups: its `dr-purpose` tag (set by
    this project, e.g. on the configuration-backup account) is one of `drPurposes`. An ordinary application
    account is out of scope (issue 12). Unknown tags raise (the rule's unknown mode applies)."""
    purpose = get(props, f"tags.{PURPOSE_TAG}")
    wanted = {p.strip().lower() for p in str(cfg["drPurposes"]).split(",") if p.strip()}
    return isinstance(purpose, str) and purpose.strip().lower() in wanted


PURPOSES_KEY = ConfigKey("drPurposes", "string", DEFAULT_DR_PURPOSES,
                         "Comma-separated dr-purpose tag values of storage accounts that hold DR images, templates or "
                         "configuration backups (only those are judged).")


def check_storage_geo(args: ResourceValidationArgs, cfg: RuleConfig) -> Iterable[str]:
    if not holds_dr_data(args.props, cfg):
        return
    sku = get(args.props, "sku.name")
    if any(same_text(sku, s) for s in GEO_SKUS):
        return
    shown = "has no sku (sku.name is required)" if sku is MISSING else f"is {show(sku)}"
    yield (
        f"storage account '{args.name}' {shown}: images and templates in it die with the region; use a "
        f"geo-redundant sku ({', '.join(GEO_SKUS)})"
    )


STORAGE_GEO = Rule(
    id="AZDR-STG-001",
    name="storage-account-geo-redundant",
    title="Storage accounts holding images or templates must be geo-redundant.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="resource",
    resource_types=(STORAGE_ACCOUNT,),
    seed_section="Appendix: Understanding the impact of data redundancy",
    rationale=(
        "The seed's 'Appendix: Understanding the impact of data redundancy' explains that locally redundant "
        "storage keeps every copy in one datacenter, while geo-redundant (and read-access geo-redundant) storage "
        "keeps three more copies in the paired region. VM images, templates and configuration backups are what a "
        "DR rebuild starts from, so they must survive the region."
    ),
    remediation="Use a GRS/RA-GRS/GZRS/RA-GZRS sku (RA-GRS lets you read the secondary at any time).",
    snippet="""
import pulumi_azure_native.storage as storage

storage.StorageAccount("stdrimages", resource_group_name=rg.name, kind=storage.Kind.STORAGE_V2,
    sku=storage.SkuArgs(name=storage.SkuName.STANDARD_RAGRS))
""",
    links=(LEARN_REDUNDANCY,),
    unknown="advisory",
    unknown_note="The sku is normally literal; an unknown value yields the SDK advisory.",
    missing=(
        "sku is required by Azure; not set fails. Only accounts whose dr-purpose tag is one of drPurposes (this "
        "program tags its configuration-backup account) are judged; other accounts are out of scope. "
        "A Site Recovery cache (tag dr-purpose: site-recovery-cache) is out of scope here: AZDR-ASR-005 judges it."
    ),
    check=check_storage_geo,
    config=(PURPOSES_KEY,),
    tags=("storage", "redundancy"),
)


# ---- AZDR-STG-002 (stack) ----------------------------------------------------------------------


def check_blob_soft_delete(args: StackValidationArgs, cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    by_account: dict[str, list[PolicyResource]] = {}
    unjoined = 0
    for svc in graph.of(BLOB_SERVICE):
        ref = graph.ref(svc, "accountName", "accountName", (STORAGE_ACCOUNT,), by_name=True)
        if ref.target is not None:
            by_account.setdefault(ref.target.urn, []).append(svc)
        elif ref.status == "unknown":
            unjoined += 1
    minimum = cfg["minimumRetentionDays"]
    for account in graph.of(STORAGE_ACCOUNT):
        in_scope = known(lambda a=account: holds_dr_data(a.props, cfg))
        if in_scope is UNKNOWN:
            yield Finding(f"storage account '{account.name}' has a {PURPOSE_TAG} tag that is unknown during preview: "
                          f"whether it holds DR images or templates cannot be verified", account)
            continue
        if not in_scope:
            continue  # not an account of DR images, templates or configuration backups
        services = by_account.get(account.urn, [])
        if not services:
            note = (f" ({unjoined} blob service(s) have an unknown accountName without a dependency and could not be "
                    f"joined)") if unjoined else ""
            yield Finding(
                f"storage account '{account.name}' has no storage.BlobServiceProperties with deleteRetentionPolicy"
                f"{note}: blob soft delete is off by default, so a deleted image or template is gone at once; declare "
                f"BlobServiceProperties(account_name=<account>.name, delete_retention_policy=enabled, days>={minimum})",
                account)
            continue
        for svc in services:
            enabled = read(svc, "deleteRetentionPolicy.enabled")
            days = read(svc, "deleteRetentionPolicy.days")
            if UNKNOWN in (enabled, days):
                yield Finding(f"storage account '{account.name}' blob soft delete on '{svc.name}' is unknown during "
                              f"preview: it cannot be verified", account)
            elif enabled is not True:
                shown = "not set (disabled)" if enabled is MISSING else show(enabled)
                yield Finding(
                    f"storage account '{account.name}' has blob soft delete {shown} on '{svc.name}': set "
                    f"deleteRetentionPolicy.enabled to true with days >= {minimum}", account)
            else:
                n = as_int(days)
                if days is not MISSING and (n is None or n < minimum):
                    yield Finding(
                        f"storage account '{account.name}' keeps deleted blobs {show(days)} days on '{svc.name}', fewer "
                        f"than {minimum}: set deleteRetentionPolicy.days to {minimum}-365", account)
                elif days is MISSING and minimum > 7:
                    yield Finding(
                        f"storage account '{account.name}' keeps deleted blobs 7 days (days not set) on '{svc.name}', "
                        f"fewer than {minimum}: set deleteRetentionPolicy.days to {minimum}-365", account)


BLOB_SOFT_DELETE = Rule(
    id="AZDR-STG-002",
    name="storage-account-blob-soft-delete",
    title="Storage accounts holding images or templates must enable blob soft delete.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.MANDATORY,
    kind="stack",
    resource_types=(STORAGE_ACCOUNT, BLOB_SERVICE),
    seed_section="Backup and DR scenarios",
    rationale=(
        "The seed's 'Backup and DR scenarios' counts accidental deletion and corruption among the failures to "
        "recover from. Geo-redundancy replicates a delete to the secondary at once; blob soft delete keeps deleted "
        "images and templates recoverable for the retention period."
    ),
    remediation="Declare BlobServiceProperties for the account with deleteRetentionPolicy enabled (>= the minimum days).",
    snippet="""
import pulumi_azure_native.storage as storage

storage.BlobServiceProperties("stdrimages-blob", resource_group_name=rg.name, account_name=account.name,
    blob_services_name="default",
    delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=14))
""",
    links=(LEARN_SOFT_DELETE,),
    unknown="fail",
    unknown_note=(
        "Blob services join their account by the accountName dependency, then by name. An unknown accountName "
        "without a dependency, or an unknown retention setting, is reported (fail closed)."
    ),
    missing=(
        "No BlobServiceProperties, or deleteRetentionPolicy.enabled not set, means soft delete is off (the ARM "
        "default): fails. days not set means 7 (Azure default). Only accounts whose dr-purpose tag is one of "
        "drPurposes are judged. A Site Recovery cache (tag dr-purpose: site-recovery-cache) is out of scope here: AZDR-ASR-005 judges it."
    ),
    check=check_blob_soft_delete,
    config=(
        PURPOSES_KEY,
        ConfigKey("minimumRetentionDays", "integer", 7, "Fewest days deleted blobs are kept (Azure allows 1-365).",
                  minimum=1, maximum=365),
    ),
    tags=("storage", "soft-delete"),
)


RULES = [STORAGE_GEO, BLOB_SOFT_DELETE]
