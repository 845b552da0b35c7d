"""Change rules on Recovery Services vaults: settings Azure will not change back, or not change at all
once the vault holds backup items (AZDR-CHG-001..004, 008, 011, 012).

Wire paths are the azure-native v3 inputs of `azure-native:recoveryservices:Vault` (API 2024-10-01),
checked against the installed SDK (`recoveryservices/_inputs.py`: `VaultPropertiesRedundancySettingsArgs`,
`SoftDeleteSettingsArgs`, `ImmutabilitySettingsArgs`, `VaultPropertiesEncryptionArgs` ->
`CmkKeyVaultPropertiesArgs.key_uri`; `network/_inputs.py` `PrivateLinkServiceConnectionArgs`).
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, Severity

from ..framework import Rule, RuleConfig
from ..props import MISSING, VAULT
from .model import (
    PRIVATE_ENDPOINT,
    UNKNOWN,
    Change,
    ChangeFinding,
    ChangeSet,
    arm_segments,
    lookup,
    shown,
    text,
)

# https://learn.microsoft.com/azure/backup/backup-create-recovery-services-vault#set-storage-redundancy
# ("you can't change the storage replication type after the vault contains backup items"; also
# https://learn.microsoft.com/azure/backup/backup-azure-arm-vms-prepare)
LEARN_REDUNDANCY = "https://learn.microsoft.com/azure/backup/backup-create-recovery-services-vault#set-storage-redundancy"
LEARN_VM_PREPARE = "https://learn.microsoft.com/azure/backup/backup-azure-arm-vms-prepare"
# https://learn.microsoft.com/azure/backup/backup-create-recovery-services-vault#set-cross-region-restore
# (cross-region restore cannot be turned off once protection has started)
LEARN_CRR = "https://learn.microsoft.com/azure/backup/backup-create-recovery-services-vault#set-cross-region-restore"
# https://learn.microsoft.com/azure/backup/backup-azure-immutable-vault-concept (Locked is irreversible)
LEARN_IMMUTABLE = "https://learn.microsoft.com/azure/backup/backup-azure-immutable-vault-concept"
# https://learn.microsoft.com/azure/backup/secure-by-default (always-on soft delete is irreversible)
LEARN_SOFT_DELETE = "https://learn.microsoft.com/azure/backup/secure-by-default"
LEARN_SOFT_DELETE_VM = "https://learn.microsoft.com/azure/backup/backup-azure-security-feature-cloud"
# https://learn.microsoft.com/azure/backup/backup-azure-delete-vault (a vault with items cannot be deleted)
LEARN_DELETE_VAULT = "https://learn.microsoft.com/azure/backup/backup-azure-delete-vault"
# https://learn.microsoft.com/azure/backup/encryption-at-rest-with-cmk (CMK only before items are protected)
LEARN_CMK = "https://learn.microsoft.com/azure/backup/encryption-at-rest-with-cmk"
# https://learn.microsoft.com/azure/backup/private-endpoints-overview (private endpoints only on vaults
# without registered items)
LEARN_PE = "https://learn.microsoft.com/azure/backup/private-endpoints-overview"
PULUMI_RETAIN = "https://www.pulumi.com/docs/iac/concepts/options/retainondelete/"
PULUMI_PROTECT = "https://www.pulumi.com/docs/iac/concepts/options/protect/"

REDUNDANCY = "properties.redundancySettings.standardTierStorageRedundancy"
CRR = "properties.redundancySettings.crossRegionRestore"
IMMUTABILITY = "properties.securitySettings.immutabilitySettings.state"
SOFT_DELETE = "properties.securitySettings.softDeleteSettings.softDeleteState"
CMK_KEY = "properties.encryption.keyVaultProperties.keyUri"

_VAULT_SNIPPET = """
import pulumi
import pulumi_azure_native.recoveryservices as rs

rs.Vault("rsv", resource_group_name=rg.name, sku=rs.SkuArgs(name="RS0", tier="Standard"),
    properties=rs.VaultPropertiesArgs(redundancy_settings=rs.VaultPropertiesRedundancySettingsArgs(
        standard_tier_storage_redundancy=rs.StandardTierStorageRedundancy.GEO_REDUNDANT,  # as deployed
        cross_region_restore=rs.CrossRegionRestore.ENABLED)),
    opts=pulumi.ResourceOptions(protect=True, retain_on_delete=True))
"""


def _items_text(cs: ChangeSet, vault) -> str:
    names = sorted(c.name for c in cs.items_of_vault(vault))
    shown_names = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"{len(names)} protected item(s) ({shown_names})"


def _vault_name(c: Change) -> str:
    st = c.new or c.old
    name = st.get("vaultName") if st is not None else MISSING
    return name if isinstance(name, str) and name else c.name


def _updates(cs: ChangeSet) -> Iterable[Change]:
    for c in cs.of_type(VAULT):
        if c.op == "update" and c.old is not None and c.new is not None:
            yield c


def _backup_updates(cs: ChangeSet) -> Iterable[Change]:
    """Updated vaults that hold backups: a vault declared for Azure Site Recovery only (tag `dr-purpose:
    site-recovery`, as AZDR-RSV-001/002 skip it) never holds backup items, so the rules about redundancy and
    cross-region restore once protection has started do not apply to it."""
    for c in _updates(cs):
        if text(c.old.get("tags.dr-purpose")) != "site-recovery":
            yield c


# ---- AZDR-CHG-001 ------------------------------------------------------------------------------


def _redundancy(value):
    return "georedundant" if value is MISSING else (UNKNOWN if value is UNKNOWN else text(value))


def check_redundancy_changed(cs: ChangeSet, _cfg: RuleConfig) -> Iterable[ChangeFinding]:
    for c in _backup_updates(cs):
        old_raw, new_raw = c.old.get(REDUNDANCY), c.new.get(REDUNDANCY)
        old, new = _redundancy(old_raw), _redundancy(new_raw)
        if old is UNKNOWN or old == new:
            continue
        has_items = cs.protects_items(c.old)
        if has_items is False:
            continue
        if new is UNKNOWN or has_items is UNKNOWN:
            why = ("the new redundancy is known only after `pulumi up`" if new is UNKNOWN else
                   "this document does not show whether the vault holds items (run `pulumi preview --json "
                   "--show-sames`)")
            yield ChangeFinding(
                f"vault '{_vault_name(c)}' may change storage redundancy from {shown(old_raw, 'GeoRedundant')}: "
                f"{why}; Azure refuses the change once the vault holds backup items", c, unknown=True)
            continue
        yield ChangeFinding(
            f"vault '{_vault_name(c)}' changes storage redundancy {shown(old_raw, 'GeoRedundant (not set)')} -> "
            f"{shown(new_raw, 'GeoRedundant (not set)')} while it holds {_items_text(cs, c.old)}: Azure refuses "
            f"to change the redundancy of a vault with backup items, so `pulumi up` would fail halfway; "
            f"keep {REDUNDANCY} as deployed, or back up into a new vault", c)


REDUNDANCY_CHANGED = Rule(
    id="AZDR-CHG-001",
    name="change-vault-redundancy-with-items",
    title="A vault that holds backup items must keep its storage redundancy.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="change",
    resource_types=(VAULT,),
    seed_section="Disaster recovery solution: Azure Backup",
    rationale=(
        "The seed asks for a geo-redundant vault chosen before backup starts. Azure locks a vault's storage "
        "replication type once it contains backup items, so a pull request that changes it does not weaken "
        "the posture: it makes `pulumi up` fail on the vault after other resources have already changed."
    ),
    remediation=(
        "Keep the deployed storage redundancy. To move backups to other redundancy, create a new vault, "
        "protect the VMs there and retire the old vault when its recovery points expire."
    ),
    snippet=_VAULT_SNIPPET,
    links=(LEARN_REDUNDANCY, LEARN_VM_PREPARE),
    unknown="advisory",
    unknown_note=(
        "An unknown new redundancy, or a document that cannot show the vault's items (a `preview --json` "
        "written without `--show-sames`), is reported as an advisory finding."
    ),
    missing="Not set on either side means GeoRedundant (Azure's default for a new vault).",
    check=check_redundancy_changed,
    tags=("change", "vault", "redundancy"),
)


# ---- AZDR-CHG-002 ------------------------------------------------------------------------------


def check_crr_disabled(cs: ChangeSet, _cfg: RuleConfig) -> Iterable[ChangeFinding]:
    for c in _backup_updates(cs):
        old_raw, new_raw = c.old.get(CRR), c.new.get(CRR)
        if text(old_raw) != "enabled" or text(new_raw) == "enabled":
            continue
        has_items = cs.protects_items(c.old)
        if has_items is False:  # before the first backup Azure still allows it (AZDR-RSV-002 judges the result)
            continue
        if new_raw is UNKNOWN or has_items is UNKNOWN:
            why = ("its new value is known only after `pulumi up`" if new_raw is UNKNOWN else
                   "this document does not show whether the vault holds items (run `pulumi preview --json "
                   "--show-sames`)")
            yield ChangeFinding(
                f"vault '{_vault_name(c)}' cross-region restore is Enabled and {why}: Azure cannot turn "
                "cross-region restore off once protection has started", c, unknown=True)
        else:
            yield ChangeFinding(
                f"vault '{_vault_name(c)}' turns cross-region restore Enabled -> "
                f"{shown(new_raw, 'not set (Disabled)')}: Azure cannot turn it off once protection has started, so "
                f"`pulumi up` would fail on the vault; keep {CRR} 'Enabled'", c)


CRR_DISABLED = Rule(
    id="AZDR-CHG-002",
    name="change-vault-cross-region-restore-off",
    title="Cross-region restore, once Enabled on a vault, must stay Enabled.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="change",
    resource_types=(VAULT,),
    seed_section="Steps for recovery",
    rationale=(
        "The seed's 'Steps for recovery' restores VMs in the paired region from the geo-redundant vault. "
        "Cross-region restore is what makes that copy usable before Microsoft declares an outage, and Azure "
        "does not allow turning it off after protection starts: the change would weaken DR or fail the `up`."
    ),
    remediation="Keep cross-region restore Enabled on the vault (config `vault.crossRegionRestore: true`).",
    snippet=_VAULT_SNIPPET,
    links=(LEARN_CRR,),
    unknown="advisory",
    unknown_note=(
        "An unknown new value, or a document that cannot show the vault's items, is reported as an advisory "
        "finding. A vault without items may still turn it off (the pack's AZDR-RSV-002 judges the result)."
    ),
    missing="A new value that is not set reads as Disabled (the pack's AZDR-RSV-002 reads it the same way).",
    check=check_crr_disabled,
    tags=("change", "vault", "cross-region-restore"),
)


# ---- AZDR-CHG-003 / 004 ------------------------------------------------------------------------


def _irreversible(setting: str, path: str, frozen: str, what: str):
    def check(cs: ChangeSet, _cfg: RuleConfig) -> Iterable[ChangeFinding]:
        for c in cs.of_type(VAULT):
            if c.old is None or c.new is None or c.op not in ("update", "replace"):
                continue
            old_raw, new_raw = c.old.get(path), c.new.get(path)
            if text(old_raw) != frozen.lower():
                continue
            if new_raw is UNKNOWN:
                yield ChangeFinding(
                    f"vault '{_vault_name(c)}' {setting} is {frozen} and its new value is known only after "
                    f"`pulumi up`: {what}", c, unknown=True)
            elif text(new_raw) != frozen.lower():
                verb = "replaces the vault and" if c.op == "replace" else "changes"
                yield ChangeFinding(
                    f"vault '{_vault_name(c)}' {verb} {setting} {frozen} -> {shown(new_raw)}: {what}, so "
                    f"`pulumi up` would fail halfway; keep {path} '{frozen}'", c)

    return check


IMMUTABILITY_UNLOCKED = Rule(
    id="AZDR-CHG-003",
    name="change-vault-immutability-locked",
    title="A vault's immutability, once Locked, cannot change.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="change",
    resource_types=(VAULT,),
    seed_section="Other considerations",
    rationale=(
        "A Locked immutable vault is irreversible by design (it protects recovery points from early deletion). "
        "Azure refuses any change away from Locked, so such a pull request can only fail the `up` halfway."
    ),
    remediation="Keep `vault.immutability: Locked` once a vault is Locked.",
    snippet="""
rs.ImmutabilitySettingsArgs(state=rs.ImmutabilityState.LOCKED)  # as deployed: Locked never changes
""",
    links=(LEARN_IMMUTABLE,),
    unknown="advisory",
    unknown_note="An unknown new state is reported as an advisory finding.",
    missing="A new state that is not set is a change away from Locked (reported).",
    check=_irreversible("immutability", IMMUTABILITY, "Locked",
                        "Azure refuses to change a Locked immutable vault (Locked is irreversible)"),
    tags=("change", "vault", "immutability"),
)

SOFT_DELETE_ALWAYS_ON = Rule(
    id="AZDR-CHG-004",
    name="change-vault-soft-delete-always-on",
    title="A vault's soft delete, once AlwaysON, cannot change.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="change",
    resource_types=(VAULT,),
    seed_section="Other considerations",
    rationale=(
        "Always-on soft delete is irreversible: Azure keeps deleted backup data for the retention period and "
        "refuses to turn soft delete back to Enabled or Disabled, so the change fails the `up` halfway."
    ),
    remediation="Keep `vault.softDelete: AlwaysON` once a vault has it.",
    snippet="""
rs.SoftDeleteSettingsArgs(soft_delete_state=rs.SoftDeleteState.ALWAYS_ON, soft_delete_retention_period_in_days=14)
""",
    links=(LEARN_SOFT_DELETE, LEARN_SOFT_DELETE_VM),
    unknown="advisory",
    unknown_note="An unknown new state is reported as an advisory finding.",
    missing="A new state that is not set is a change away from AlwaysON (reported).",
    check=_irreversible("soft delete", SOFT_DELETE, "AlwaysON",
                        "Azure refuses to turn always-on soft delete off (AlwaysON is irreversible)"),
    tags=("change", "vault", "soft-delete"),
)


# ---- AZDR-CHG-008 ------------------------------------------------------------------------------


def check_retain_or_protect_off(cs: ChangeSet, _cfg: RuleConfig) -> Iterable[ChangeFinding]:
    for c in cs.of_type(VAULT):
        if c.old is None or c.new is None:
            continue
        lost = [opt for opt, old, new in (("retainOnDelete", c.old.retain_on_delete, c.new.retain_on_delete),
                                          ("protect", c.old.protect, c.new.protect)) if old and not new]
        if lost:
            yield ChangeFinding(
                f"vault '{_vault_name(c)}' turns off Pulumi {' and '.join(lost)}: a later `pulumi destroy` or a "
                "removal from the program would delete the vault and its backups instead of leaving them in "
                "Azure; keep config `protect` / `retainOnDelete` true", c)


RETAIN_OR_PROTECT_OFF = Rule(
    id="AZDR-CHG-008",
    name="change-vault-retain-or-protect-off",
    title="A vault keeps Pulumi retainOnDelete and protect once it has them.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.MANDATORY,
    kind="change",
    resource_types=(VAULT,),
    seed_section="Backup and disaster recovery",
    rationale=(
        "Backups must outlive mistakes. `protect` makes Pulumi refuse to delete the vault and `retainOnDelete` "
        "leaves it in Azure when it leaves the stack; turning either off in a pull request is the step before "
        "losing the vault and every recovery point in it."
    ),
    remediation="Keep `azure-iaas-dr:protect` and `azure-iaas-dr:retainOnDelete` true for stacks with backups.",
    snippet="""
pulumi.ResourceOptions(protect=True, retain_on_delete=True)
""",
    links=(LEARN_DELETE_VAULT, PULUMI_RETAIN, PULUMI_PROTECT),
    unknown="skip",
    unknown_note=(
        "Resource options are always known. A `preview --json` written without `--show-sames` omits a vault "
        "whose only change is retainOnDelete (a same step): the report then says unchanged resources are absent."
    ),
    missing="Not set means false (Pulumi's default) on either side.",
    check=check_retain_or_protect_off,
    tags=("change", "vault", "retain-on-delete"),
)


# ---- AZDR-CHG-011 / 012 ------------------------------------------------------------------------


def check_cmk_added(cs: ChangeSet, _cfg: RuleConfig) -> Iterable[ChangeFinding]:
    for c in _updates(cs):
        old_key, new_key = c.old.get(CMK_KEY), c.new.get(CMK_KEY)
        if old_key is not MISSING or new_key is MISSING:
            continue
        has_items = cs.protects_items(c.old)
        if has_items is False:
            continue
        if has_items is UNKNOWN:
            yield ChangeFinding(
                f"vault '{_vault_name(c)}' gets a customer-managed key and this document does not show whether it "
                "holds backup items (run `pulumi preview --json --show-sames`): Azure accepts a CMK only before "
                "the first item is protected", c, unknown=True)
            continue
        yield ChangeFinding(
            f"vault '{_vault_name(c)}' gets a customer-managed key while it holds {_items_text(cs, c.old)}: Azure "
            "sets vault encryption with a CMK only before any item is protected, so `pulumi up` would fail "
            "halfway; encrypt a new vault and protect the VMs there", c)


CMK_ADDED = Rule(
    id="AZDR-CHG-011",
    name="change-vault-cmk-added-with-items",
    title="A customer-managed key is set on a vault only before it protects items.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.MANDATORY,
    kind="change",
    resource_types=(VAULT,),
    seed_section="Other considerations",
    rationale=(
        "Azure Backup accepts CMK encryption of a Recovery Services vault only before any item is protected, "
        "and the choice is irreversible: adding it to a vault in use fails the `up`."
    ),
    remediation="Create a new CMK-encrypted vault, protect the VMs there, retire the old vault later.",
    snippet="""
rs.VaultPropertiesArgs(encryption=rs.VaultPropertiesEncryptionArgs(
    key_vault_properties=rs.CmkKeyVaultPropertiesArgs(key_uri=key.key_uri_with_version),
    kek_identity=rs.CmkKekIdentityArgs(use_system_assigned_identity=True)))  # on a NEW vault
""",
    links=(LEARN_CMK,),
    unknown="advisory",
    unknown_note="When the document cannot show the vault's items the finding is advisory.",
    missing="No key URI on the prior side means the vault uses platform-managed keys.",
    check=check_cmk_added,
    tags=("change", "vault", "encryption"),
)


def _endpoint_vault(cs: ChangeSet, endpoint) -> Change | None:
    """The vault a private endpoint connects to: a property dependency on a vault, or a
    `privateLinkServiceId` naming one."""
    for urn in sorted(endpoint.depends_on()):
        c = cs.new_by_urn.get(urn) or cs.old_by_urn.get(urn)
        if c is not None and c.type == VAULT:
            return c
    for field in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        conns = lookup(endpoint.inputs, field)
        for conn in conns if isinstance(conns, list) else []:
            target = lookup(conn, "privateLinkServiceId")
            if isinstance(target, str):
                seg = arm_segments(target)
                if "resourcegroups" in seg and "vaults" in seg:
                    c = cs.vault_change((seg["resourcegroups"], seg["vaults"]), "old")
                    if c is not None:
                        return c
    return None


def check_private_endpoint_added(cs: ChangeSet, _cfg: RuleConfig) -> Iterable[ChangeFinding]:
    for pe in cs.of_type(PRIVATE_ENDPOINT):
        if pe.op != "create" or pe.new is None:
            continue
        vault = _endpoint_vault(cs, pe.new)
        if vault is None or vault.old is None:
            continue
        has_items = cs.protects_items(vault.old)
        if has_items is False:
            continue
        if has_items is UNKNOWN:
            yield ChangeFinding(
                f"private endpoint '{pe.name}' is added to vault '{_vault_name(vault)}' and this document does not "
                "show whether the vault holds items (run `pulumi preview --json --show-sames`): Azure creates a "
                "Backup private endpoint only on a vault without registered items", pe, unknown=True)
            continue
        yield ChangeFinding(
            f"private endpoint '{pe.name}' is added to vault '{_vault_name(vault)}' which holds "
            f"{_items_text(cs, vault.old)}: Azure creates Backup private endpoints only on vaults without "
            "registered items, so `pulumi up` would fail; put the endpoint on a new vault before protecting VMs",
            pe)


PRIVATE_ENDPOINT_ADDED = Rule(
    id="AZDR-CHG-012",
    name="change-vault-private-endpoint-added-with-items",
    title="A Backup private endpoint is added to a vault only before it protects items.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.MANDATORY,
    kind="change",
    resource_types=(PRIVATE_ENDPOINT, VAULT),
    seed_section="Other considerations",
    rationale=(
        "Private endpoints for Azure Backup can be created only for Recovery Services vaults that have no "
        "items registered or protected; adding one to a vault in use fails the `up`."
    ),
    remediation="Create the private endpoint with a new vault, before any VM is protected in it.",
    snippet="""
import pulumi_azure_native.network as network

network.PrivateEndpoint("rsv-pe", resource_group_name=rg.name, subnet=network.SubnetArgs(id=subnet.id),
    private_link_service_connections=[network.PrivateLinkServiceConnectionArgs(
        name="rsv", private_link_service_id=new_vault.id, group_ids=["AzureBackup"])])
""",
    links=(LEARN_PE,),
    unknown="advisory",
    unknown_note="When the document cannot show the vault's items the finding is advisory.",
    missing="An endpoint that names no vault of the stack is not judged.",
    check=check_private_endpoint_added,
    tags=("change", "vault", "private-endpoint"),
)

RULES = [REDUNDANCY_CHANGED, CRR_DISABLED, IMMUTABILITY_UNLOCKED, SOFT_DELETE_ALWAYS_ON, RETAIN_OR_PROTECT_OFF,
         CMK_ADDED, PRIVATE_ENDPOINT_ADDED]
