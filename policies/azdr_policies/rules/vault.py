"""Recovery Services vault rules (AZDR-RSV-*): where backups live and how they survive.

All wire paths are the azure-native v3 inputs of `azure-native:recoveryservices:Vault`
(API 2024-10-01): `properties.redundancySettings.*`, `properties.securitySettings.*`,
`properties.publicNetworkAccess`.
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, ResourceValidationArgs, Severity

from ..framework import ConfigKey, RuleConfig, Rule
from ..props import MISSING, VAULT, as_int, get, same_text, show

LEARN_VAULT = "https://learn.microsoft.com/azure/backup/backup-create-recovery-services-vault"
LEARN_CRR = "https://learn.microsoft.com/azure/backup/backup-create-recovery-services-vault#set-cross-region-restore"
LEARN_SOFT_DELETE = "https://learn.microsoft.com/azure/backup/backup-azure-security-feature-cloud"
LEARN_IMMUTABLE = "https://learn.microsoft.com/azure/backup/backup-azure-immutable-vault-concept"
LEARN_PRIVATE = "https://learn.microsoft.com/azure/backup/private-endpoints-overview"

REDUNDANCY = "properties.redundancySettings.standardTierStorageRedundancy"
CRR = "properties.redundancySettings.crossRegionRestore"


def _redundancy(props) -> object:
    return get(props, REDUNDANCY)


def is_geo_redundant(value: object) -> bool:
    """GeoRedundant explicitly, or not set (Azure creates a new vault GeoRedundant)."""
    return value is MISSING or same_text(value, "GeoRedundant")


# ---- AZDR-RSV-001 ------------------------------------------------------------------------------


def check_geo_redundant(args: ResourceValidationArgs, cfg: RuleConfig) -> Iterable[str]:
    value = _redundancy(args.props)
    if is_geo_redundant(value):
        return
    if cfg["allowZoneRedundant"] and same_text(value, "ZoneRedundant"):
        return
    allowed = "'GeoRedundant' (or 'ZoneRedundant', allowed by config)" if cfg["allowZoneRedundant"] else "'GeoRedundant'"
    yield (
        f"vault '{args.name}' stores backups {show(value)}: a regional disaster would take the only copy; "
        f"set {REDUNDANCY} to {allowed}"
    )


VAULT_GEO_REDUNDANT = Rule(
    id="AZDR-RSV-001",
    name="vault-storage-geo-redundant",
    title="Recovery Services vaults must store backups geo-redundantly (GeoRedundant).",
    severity=Severity.CRITICAL,
    enforcement=EnforcementLevel.MANDATORY,
    kind="resource",
    resource_types=(VAULT,),
    seed_section="Disaster recovery solution: Azure Backup",
    rationale=(
        "The seed ('Disaster recovery solution: Azure Backup') says: choose the geo-redundant storage option "
        "for the backup recovery services vault, so backups are replicated to a different Azure region for "
        "safeguarding from regional disasters; 'Steps to enable a backup' step 2 repeats it. Locally or "
        "zone-redundant vault storage keeps every copy in the primary region. Azure locks the redundancy once "
        "the first item is protected, so it must be right before deploy."
    ),
    remediation=(
        "Set the vault's standard-tier storage redundancy to GeoRedundant (before the first VM is protected). "
        "Zone-redundant storage is accepted only when `allowZoneRedundant` is true in the pack config."
    ),
    snippet="""
import pulumi_azure_native.recoveryservices as rs

rs.Vault("rsv", resource_group_name=rg.name, sku=rs.SkuArgs(name="RS0", tier="Standard"),
    properties=rs.VaultPropertiesArgs(
        redundancy_settings=rs.VaultPropertiesRedundancySettingsArgs(
            standard_tier_storage_redundancy=rs.StandardTierStorageRedundancy.GEO_REDUNDANT,
            cross_region_restore=rs.CrossRegionRestore.ENABLED)))
""",
    links=(LEARN_VAULT, "https://learn.microsoft.com/azure/backup/backup-support-matrix"),
    unknown="advisory",
    unknown_note="An unknown redundancy cannot be judged before deploy; the SDK reports an advisory.",
    missing="Not set: Azure creates new vaults GeoRedundant, so the rule passes.",
    check=check_geo_redundant,
    config=(
        ConfigKey("allowZoneRedundant", "boolean", False,
                  "Accept ZoneRedundant vault storage (survives a zone, not a region)."),
    ),
    tags=("vault", "redundancy"),
)


# ---- AZDR-RSV-002 ------------------------------------------------------------------------------


def check_cross_region_restore(args: ResourceValidationArgs, _cfg: RuleConfig) -> Iterable[str]:
    redundancy = _redundancy(args.props)
    crr = get(args.props, CRR)
    enabled = same_text(crr, "Enabled")
    if is_geo_redundant(redundancy):
        if not enabled:
            yield (
                f"vault '{args.name}' is GeoRedundant but cross-region restore is {show(crr)} "
                f"(not set means Disabled): backups in the paired region cannot be restored until Microsoft "
                f"declares a regional outage; set {CRR} to 'Enabled'"
            )
    elif enabled:
        yield (
            f"vault '{args.name}' enables cross-region restore with {show(redundancy)} storage: Azure accepts "
            f"cross-region restore only on GeoRedundant vaults; set {REDUNDANCY} to 'GeoRedundant'"
        )


VAULT_CROSS_REGION_RESTORE = Rule(
    id="AZDR-RSV-002",
    name="vault-cross-region-restore",
    title="Geo-redundant Recovery Services vaults must enable cross-region restore.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="resource",
    resource_types=(VAULT,),
    seed_section="Steps for recovery",
    rationale=(
        "The seed's 'Steps for recovery' describes restoring backed-up VMs to a paired datacenter from the "
        "geo-redundant vault when the primary datacenter has a disaster. Without cross-region restore the "
        "secondary copy is only usable after Microsoft declares a region outage. Cross-region restore "
        "requires GeoRedundant storage and cannot be turned off once protection starts."
    ),
    remediation="Enable cross-region restore on every GeoRedundant vault (it needs GeoRedundant storage).",
    snippet="""
rs.VaultPropertiesRedundancySettingsArgs(
    standard_tier_storage_redundancy=rs.StandardTierStorageRedundancy.GEO_REDUNDANT,
    cross_region_restore=rs.CrossRegionRestore.ENABLED)
""",
    links=(LEARN_CRR, "https://learn.microsoft.com/azure/backup/backup-azure-arm-restore-vms#cross-region-restore"),
    unknown="advisory",
    unknown_note="An unknown redundancy or cross-region-restore value cannot be judged; the SDK reports an advisory.",
    missing=(
        "crossRegionRestore not set means Disabled (Azure default): a GeoRedundant vault fails. Redundancy not "
        "set means GeoRedundant."
    ),
    check=check_cross_region_restore,
    tags=("vault", "redundancy", "restore"),
)


RULES = [VAULT_GEO_REDUNDANT, VAULT_CROSS_REGION_RESTORE]
