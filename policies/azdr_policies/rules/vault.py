"""Recovery Services vault rules (AZDR-RSV-*): where backups live and how they survive.

All wire paths are the azure-native v3 inputs of `azure-native:recoveryservices:Vault`
(API 2024-10-01): `properties.redundancySettings.*`, `properties.securitySettings.*`,
`properties.publicNetworkAccess`.
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from ..facts import (
    MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY,
    MAX_VMS_PER_VAULT,
    SECURE_BY_DEFAULT_API,
    SOFT_DELETE_MAX_DAYS,
    SOFT_DELETE_MIN_DAYS,
)
from ..regions import capabilities
from ..framework import ConfigKey, Finding, Rule, RuleConfig
from ..joins import UNKNOWN, Graph, norm_id, read
from ..joins import is_vm_item
from ..props import LOCK_AT_RESOURCE, LOCK_BY_SCOPE, MISSING, PROTECTED_ITEM, VAULT, as_int, as_str, get, same_text, \
    show

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


LEARN_NO_PAIR = "https://learn.microsoft.com/azure/reliability/cross-region-replication-azure"


def unpaired_best(props) -> tuple[str, str] | None:
    """(region, best redundancy) when the vault's region is known and has no Azure pair, hence no GRS: the best
    is ZoneRedundant where the region has zones, else LocallyRedundant. None otherwise (judged as usual)."""
    region = as_str(get(props, "location"))
    row = capabilities(region) if region else None
    if row is None or row["grs"]:
        return None
    return region, "ZoneRedundant" if row["zones"] else "LocallyRedundant"


# ---- AZDR-RSV-001 ------------------------------------------------------------------------------


def holds_backups(args: ResourceValidationArgs) -> bool:
    """False for a vault the program declares for Azure Site Recovery only (tag `dr-purpose: site-recovery`): it
    holds no backups, and its storage redundancy does not matter to Site Recovery
    (https://learn.microsoft.com/azure/reliability/reliability-site-recovery); AZDR-ASR-* judge it."""
    return not same_text(get(args.props, "tags.dr-purpose"), "site-recovery")


def check_geo_redundant(args: ResourceValidationArgs, cfg: RuleConfig) -> Iterable[str]:
    value = _redundancy(args.props)
    unpaired = unpaired_best(args.props)
    if unpaired is not None:  # judged by the region's capabilities: GRS does not exist there
        region, best = unpaired
        if not same_text(value, best):
            yield (
                f"vault '{args.name}' in {region} stores backups {show(value)} (not set means GeoRedundant): "
                f"{region} has no Azure paired region, so no geo-redundant storage; set {REDUNDANCY} to '{best}' "
                f"and take DR copies out of the region with Site Recovery or snapshot copies"
            )
        return
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
        "the first item is protected, so it must be right before deploy. Regions without an Azure pair have no "
        "GRS ('Regions without a pair will not have geo-redundant storage'), so there the rule asks for the best "
        "the region has (ZoneRedundant, or LocallyRedundant without zones) and the cross-region copy must come "
        "from Site Recovery or snapshot copies."
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
    links=(LEARN_VAULT, "https://learn.microsoft.com/azure/backup/backup-support-matrix", LEARN_NO_PAIR),
    unknown="advisory",
    unknown_note="An unknown redundancy cannot be judged before deploy; the SDK reports an advisory.",
    missing=(
        "Not set: Azure creates new vaults GeoRedundant, so the rule passes. A vault in a known region without an "
        "Azure pair (no GRS there, per the pack's region-capabilities table) is judged by that region instead: it "
        "must be ZoneRedundant (LocallyRedundant where the region has no zones); not set fails there (the safe "
        "side: Azure's default would be GeoRedundant, which the region cannot give). An unknown location is judged "
        "as a paired region. A Site Recovery-only vault (tag dr-purpose: site-recovery) holds no backups and is "
        "not judged."
    ),
    check=check_geo_redundant,
    applies=holds_backups,
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
    if unpaired_best(args.props) is not None and not enabled:
        return  # no pair, no cross-region restore: nothing to enable (AZDR-RSV-001 judges the redundancy)
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
        "set means GeoRedundant. In a region without an Azure pair cross-region restore does not exist, so it is "
        "not asked for there. A Site Recovery-only vault (tag dr-purpose: site-recovery) is not judged."
    ),
    check=check_cross_region_restore,
    applies=holds_backups,
    tags=("vault", "redundancy", "restore"),
)


# ---- AZDR-RSV-003 ------------------------------------------------------------------------------

SOFT_DELETE = "properties.securitySettings.softDeleteSettings"


def check_soft_delete(args: ResourceValidationArgs, cfg: RuleConfig) -> Iterable[str]:
    state = get(args.props, f"{SOFT_DELETE}.softDeleteState")
    days_raw = get(args.props, f"{SOFT_DELETE}.softDeleteRetentionPeriodInDays")
    always_on = same_text(state, "AlwaysON")
    on = state is MISSING or always_on or same_text(state, "Enabled")
    if not on:
        yield (
            f"vault '{args.name}' has soft delete {show(state)}: Azure no longer accepts turning it off (secure by "
            f"default from API {SECURE_BY_DEFAULT_API}; deleting an item always soft-deletes it); "
            f"set {SOFT_DELETE}.softDeleteState to 'Enabled' or 'AlwaysON'"
        )
    elif cfg["requireAlwaysOnSoftDelete"] and not always_on:
        state_text = "not set (Enabled)" if state is MISSING else show(state)
        yield (
            f"vault '{args.name}' has soft delete {state_text} but the pack config requires 'AlwaysON' "
            f"(irreversible: soft delete can then never be disabled); set {SOFT_DELETE}.softDeleteState to 'AlwaysON'"
        )
    minimum = cfg["minimumSoftDeleteRetentionDays"]
    if days_raw is MISSING:
        days = SOFT_DELETE_MIN_DAYS  # Azure default
    else:
        days = as_int(days_raw)
        if days is None:
            yield (f"vault '{args.name}' soft-delete retention {show(days_raw)} is not a whole number of days; "
                   f"set {SOFT_DELETE}.softDeleteRetentionPeriodInDays to {minimum}-{SOFT_DELETE_MAX_DAYS}")
            return
    if days < minimum or days > SOFT_DELETE_MAX_DAYS:
        shown = f"{days} days (not set means {SOFT_DELETE_MIN_DAYS})" if days_raw is MISSING else f"{days} days"
        yield (f"vault '{args.name}' keeps soft-deleted backups {shown}; "
               f"set {SOFT_DELETE}.softDeleteRetentionPeriodInDays to {minimum}-{SOFT_DELETE_MAX_DAYS} "
               f"(Azure allows {SOFT_DELETE_MIN_DAYS}-{SOFT_DELETE_MAX_DAYS})")


VAULT_SOFT_DELETE = Rule(
    id="AZDR-RSV-003",
    name="vault-soft-delete",
    title="Recovery Services vaults must keep soft delete on, with 14-180 days of retention.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="resource",
    resource_types=(VAULT,),
    seed_section="Backup and DR scenarios",
    rationale=(
        "The seed's 'Backup and DR scenarios' (scenario 4, application data issues) relies on reverting to an "
        "earlier, known-good backup. If backups can be deleted outright, by mistake or by an attacker, that "
        "last good copy is gone. Soft delete keeps deleted backup data for 14-180 days; AlwaysON makes it "
        "irreversible (required only when the pack config asks for it)."
    ),
    remediation=(
        "Keep soft delete Enabled (or AlwaysON) and its retention within 14-180 days, at least "
        "`minimumSoftDeleteRetentionDays`."
    ),
    snippet="""
rs.SecuritySettingsArgs(soft_delete_settings=rs.SoftDeleteSettingsArgs(
    soft_delete_state=rs.SoftDeleteState.ENABLED,      # ALWAYS_ON is irreversible
    soft_delete_retention_period_in_days=14,
    enhanced_security_state=rs.EnhancedSecurityState.ENABLED))
""",
    links=(LEARN_SOFT_DELETE, "https://learn.microsoft.com/azure/backup/secure-by-default"),
    unknown="advisory",
    unknown_note="An unknown state or retention cannot be judged; the SDK reports an advisory.",
    missing=(
        "softDeleteState not set means Enabled (Azure default: soft delete is on for new vaults); retention "
        "not set means 14 days. With requireAlwaysOnSoftDelete, a missing state fails."
    ),
    check=check_soft_delete,
    config=(
        ConfigKey("requireAlwaysOnSoftDelete", "boolean", False,
                  "Require softDeleteState 'AlwaysON' (irreversible) instead of accepting 'Enabled'."),
        ConfigKey("minimumSoftDeleteRetentionDays", "integer", SOFT_DELETE_MIN_DAYS,
                  "Fewest soft-delete retention days accepted (Azure allows 14-180).",
                  minimum=SOFT_DELETE_MIN_DAYS, maximum=SOFT_DELETE_MAX_DAYS),
    ),
    tags=("vault", "soft-delete", "security"),
)


# ---- AZDR-RSV-004 ------------------------------------------------------------------------------

IMMUTABILITY = "properties.securitySettings.immutabilitySettings.state"


def check_immutability(args: ResourceValidationArgs, cfg: RuleConfig) -> Iterable[str]:
    state = get(args.props, IMMUTABILITY)
    if same_text(state, "Locked"):
        return
    if same_text(state, "Unlocked"):
        if cfg["requireLockedImmutability"]:
            yield (
                f"vault '{args.name}' immutability is 'Unlocked' but the pack config requires 'Locked' "
                f"(irreversible); set {IMMUTABILITY} to 'Locked'"
            )
        return
    yield (
        f"vault '{args.name}' immutability is {show(state)} (not set means Disabled): recovery points can be "
        f"deleted or shortened before they expire; set {IMMUTABILITY} to 'Unlocked' (or 'Locked')"
    )


VAULT_IMMUTABILITY = Rule(
    id="AZDR-RSV-004",
    name="vault-immutability",
    title="Recovery Services vaults must have immutability enabled (not Disabled).",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.ADVISORY,
    kind="resource",
    resource_types=(VAULT,),
    seed_section="Backup and DR scenarios",
    rationale=(
        "'Backup and DR scenarios' (scenario 4) needs the earlier version of the data to still exist when a bug "
        "or an attacker corrupts the live data. An immutable vault refuses operations that would delete "
        "recovery points before they expire or shorten their retention. 'Unlocked' can still be disabled; "
        "'Locked' cannot and is required only when the pack config asks for it."
    ),
    remediation="Set the vault's immutability state to Unlocked (or Locked, which is irreversible).",
    snippet="""
rs.SecuritySettingsArgs(
    immutability_settings=rs.ImmutabilitySettingsArgs(state=rs.ImmutabilityState.UNLOCKED))
""",
    links=(LEARN_IMMUTABLE,),
    unknown="advisory",
    unknown_note="An unknown immutability state cannot be judged; the SDK reports an advisory.",
    missing="Not set means Disabled (Azure default for a new vault): the rule fails.",
    check=check_immutability,
    config=(
        ConfigKey("requireLockedImmutability", "boolean", False,
                  "Require immutability 'Locked' (irreversible) instead of accepting 'Unlocked'."),
    ),
    tags=("vault", "immutability", "security"),
)


# ---- AZDR-RSV-005 ------------------------------------------------------------------------------

PUBLIC_NETWORK_ACCESS = "properties.publicNetworkAccess"


def check_public_network_access(args: ResourceValidationArgs, _cfg: RuleConfig) -> Iterable[str]:
    value = get(args.props, PUBLIC_NETWORK_ACCESS)
    if not same_text(value, "Disabled"):
        yield (
            f"vault '{args.name}' public network access is {show(value)} (not set means Enabled); "
            f"set {PUBLIC_NETWORK_ACCESS} to 'Disabled' and reach the vault through private endpoints"
        )


VAULT_PUBLIC_NETWORK_ACCESS = Rule(
    id="AZDR-RSV-005",
    name="vault-public-network-access-disabled",
    title="Recovery Services vaults must disable public network access.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.ADVISORY,
    kind="resource",
    resource_types=(VAULT,),
    seed_section="Using Azure Backup",
    rationale=(
        "'Using Azure Backup' makes the Recovery Services vault the store of every business-critical recovery "
        "point. A vault reachable from public networks widens the attack surface on the last copy of the data; "
        "Azure VM backup itself does not need the vault's public endpoint."
    ),
    remediation="Disable public network access on the vault; use private endpoints for agents that need it.",
    snippet="""
rs.VaultPropertiesArgs(public_network_access=rs.PublicNetworkAccess.DISABLED)
""",
    links=(LEARN_PRIVATE,),
    unknown="advisory",
    unknown_note="An unknown value cannot be judged; the SDK reports an advisory.",
    missing="Not set means Enabled (Azure default): the rule fails.",
    check=check_public_network_access,
    tags=("vault", "network", "security"),
)


# ---- AZDR-RSV-006 (stack) ----------------------------------------------------------------------


VAULT_SCOPE_SEGMENT = "/providers/microsoft.recoveryservices/vaults/"


class _VaultIndex:
    """Vaults by URN, ARM id and name (with their resource group), built once: each lock is matched
    with dict lookups, never against every vault (the rule is linear in the number of resources)."""

    def __init__(self, vaults: list[PolicyResource]):
        self.urns = {v.urn for v in vaults}
        self.by_id: dict[str, PolicyResource] = {}
        self.by_name: dict[str, list[tuple[PolicyResource, str | None]]] = {}
        for v in vaults:
            vid = as_str(read(v, "id"))
            if vid:
                self.by_id[norm_id(vid)] = v
            name = as_str(read(v, "name")) or as_str(read(v, "vaultName"))
            if name:
                rg = as_str(read(v, "resourceGroupName"))
                self.by_name.setdefault(name.lower(), []).append((v, rg.lower() if rg else None))

    def linked(self, lock: PolicyResource, prop: str) -> set[str]:
        """Vault URNs `lock` names through the property dependency of `prop` or its parent."""
        out = {d.urn for d in lock.property_dependencies.get(prop, []) or [] if d is not None and d.urn in self.urns}
        if lock.parent is not None and lock.parent.urn in self.urns:
            out.add(lock.parent.urn)
        return out

    def named(self, name: str, rg_matches) -> set[str]:
        return {v.urn for v, rg in self.by_name.get(name.lower(), []) if rg is None or rg_matches(rg)}

    def targets(self, lock: PolicyResource) -> set[str]:
        """URNs of the vaults `lock` applies to (dependency, parent, then id or name and resource group)."""
        if lock.resource_type == LOCK_BY_SCOPE:
            out = self.linked(lock, "scope")
            scope = as_str(read(lock, "scope"))
            if scope:
                s = norm_id(scope)
                if s in self.by_id:
                    out.add(self.by_id[s].urn)
                head, sep, name = s.rpartition(VAULT_SCOPE_SEGMENT)
                if sep and name and "/" not in name:
                    out |= self.named(name, lambda rg: f"/resourcegroups/{rg}/" in head + "/")
            return out
        # ManagementLockAtResourceLevel
        if not (same_text(read(lock, "resourceProviderNamespace"), "Microsoft.RecoveryServices")
                and same_text(read(lock, "resourceType"), "vaults")):
            return set()
        out = self.linked(lock, "resourceName")
        lname = as_str(read(lock, "resourceName"))
        if lname:
            lrg = as_str(read(lock, "resourceGroupName"))
            out |= self.named(lname, lambda rg: lrg is None or lrg.lower() == rg)
        return out


def check_delete_lock(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    vaults = graph.of(VAULT)
    if not vaults:
        return
    index = _VaultIndex(vaults)
    levels: dict[str, list[object]] = {}
    for lock in graph.of(LOCK_BY_SCOPE, LOCK_AT_RESOURCE):
        targets = index.targets(lock)
        if targets:
            level = read(lock, "level")
            for urn in targets:
                levels.setdefault(urn, []).append(level)
    for vault in vaults:
        found = levels.get(vault.urn, [])
        if any(same_text(level, "CanNotDelete") for level in found):
            continue
        others = sorted({"unknown during preview" if level is UNKNOWN else show(level) for level in found})
        note = f" (locks found: {', '.join(others)})" if others else ""
        yield Finding(
            f"vault '{vault.name}' has no CanNotDelete management lock{note}: one delete of the vault or its "
            f"resource group removes the backups; add authorization.ManagementLockByScope(level='CanNotDelete', "
            f"scope=<vault>.id)",
            vault,
        )


VAULT_DELETE_LOCK = Rule(
    id="AZDR-RSV-006",
    name="vault-delete-lock",
    title="Every Recovery Services vault must carry a CanNotDelete management lock.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.ADVISORY,
    kind="stack",
    resource_types=(VAULT, LOCK_BY_SCOPE, LOCK_AT_RESOURCE),
    seed_section="Disaster recovery solution: Azure Backup",
    rationale=(
        "'Disaster recovery solution: Azure Backup' puts the long-term retention of every recovery point in the "
        "vault. A CanNotDelete lock on the vault stops an accidental `pulumi destroy`, a portal delete or a "
        "resource-group delete from removing the vault with the backups in it."
    ),
    remediation=(
        "Declare a CanNotDelete lock scoped to the vault in the same program (joined by its scope/resourceName "
        "dependency on the vault). Resource-group-level locks are not counted."
    ),
    snippet="""
import pulumi_azure_native.authorization as authorization

authorization.ManagementLockByScope("rsv-lock", scope=vault.id,
    level=authorization.LockLevel.CAN_NOT_DELETE, notes="Protects DR backups")
""",
    links=("https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources",),
    unknown="fail",
    unknown_note=(
        "Joins use property dependencies and parents first, so unknown ids during preview still join; a lock "
        "whose scope is unknown and that has no dependency on the vault cannot be joined, and the vault is "
        "reported. A joined lock whose level is unknown does not count either (the message says 'locks found: "
        "unknown during preview'). Vaults and locks are indexed once: linear in the number of resources."
    ),
    missing="No lock resource, or a lock without `level`, means the vault is unlocked: the rule fails.",
    check=check_delete_lock,
    tags=("vault", "lock"),
)


# ---- AZDR-RSV-007 (stack) ----------------------------------------------------------------------


def check_vms_per_vault(args: StackValidationArgs, cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    counts: dict[str, int] = {}
    for item in graph.of(PROTECTED_ITEM):
        if not is_vm_item(item):
            continue
        ref = graph.ref(item, "vaultName", "vaultName", (VAULT,), by_name=True)
        if ref.target is not None:
            counts[ref.target.urn] = counts.get(ref.target.urn, 0) + 1
    limit = cfg["maximumVmsPerVault"]
    for vault in graph.of(VAULT):
        n = counts.get(vault.urn, 0)
        if n > limit:
            yield Finding(
                f"vault '{vault.name}' protects {n} VMs, more than {limit}: Azure Backup protects up to "
                f"{MAX_VMS_PER_VAULT} VMs in one vault and registers at most {MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY} "
                f"a day; spread the VMs over more vaults (regions or stacks)", vault)


VAULT_VMS_LIMIT = Rule(
    id="AZDR-RSV-007",
    name="vault-vm-limit",
    title="A Recovery Services vault must protect at most 1,000 VMs (Azure's limit).",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.MANDATORY,
    kind="stack",
    resource_types=(VAULT, PROTECTED_ITEM),
    seed_section="Steps to enable a backup",
    rationale=(
        "'Steps to enable a backup' protects every VM in a vault. Azure Backup supports 'up to 1,000 Azure VMs in "
        "a single vault' and 'only 250 VM registrations are allowed per day': past 1,000 the protection of the "
        "extra VMs fails. The daily limit depends on what was registered before, which a preview cannot see: the "
        "program announces more than 250 VMs in one vault in its preview, and this rule judges the total."
    ),
    remediation="Spread the protected VMs over several vaults (one per region here), at most 1,000 each.",
    snippet="""
# one vault per region; more than 1,000 VMs in one region: a second stack (and vault) for the rest
rs.Vault("rsv-2", resource_group_name=rg.name, sku=rs.SkuArgs(name="RS0", tier="Standard"))
""",
    links=("https://learn.microsoft.com/azure/backup/backup-support-matrix",),
    unknown="skip",
    unknown_note=(
        "Protected items join their vault by the vaultName dependency, then by name; an item whose vault name is "
        "unknown and has no dependency is not counted (it cannot be placed), so the count can only be low."
    ),
    missing="An item without vaultName is not counted; a vault without items protects 0 VMs (passes).",
    check=check_vms_per_vault,
    config=(
        ConfigKey("maximumVmsPerVault", "integer", MAX_VMS_PER_VAULT, "Most VMs one vault may protect.",
                  minimum=1, maximum=MAX_VMS_PER_VAULT),
    ),
    tags=("vault", "scale"),
)


RULES = [
    VAULT_GEO_REDUNDANT,
    VAULT_CROSS_REGION_RESTORE,
    VAULT_SOFT_DELETE,
    VAULT_IMMUTABILITY,
    VAULT_PUBLIC_NETWORK_ACCESS,
    VAULT_DELETE_LOCK,
    VAULT_VMS_LIMIT,
]
