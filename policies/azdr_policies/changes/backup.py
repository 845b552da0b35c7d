"""Change rules on backup policies and protected items (AZDR-CHG-005, 006, 007, 010, 014).

Joins are by the names the inputs carry (checked against the installed azure-native SDK,
`recoveryservices/protected_item.py` and `protection_policy.py`): a policy or item names its vault by
`resourceGroupName` + `vaultName`; an item names its policy by `properties.policyId` (an ARM id ending
`/vaults/<vault>/backupPolicies/<policy>`; when unknown, by the item's property dependency on a
policy) and its VM by `properties.sourceResourceId`.
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, Severity

from ..facts import (
    BACKUP_LIMITS_URL,
    IMMUTABILITY_ENABLED_STATES,
    MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY,
    MAX_VMS_PER_VAULT,
)
from ..framework import ConfigKey, Rule, RuleConfig
from ..props import MISSING, PROTECTED_ITEM, PROTECTION_POLICY, VAULT
from .model import UNKNOWN, Change, ChangeFinding, ChangeSet, State, location, number, policy_key, shown, text, vault_key, vm_key
from .vault import IMMUTABILITY, LEARN_DELETE_VAULT, LEARN_IMMUTABLE, LEARN_VM_PREPARE, PULUMI_RETAIN

# https://learn.microsoft.com/azure/backup/backup-azure-vms-enhanced-policy ("Backup doesn't allow changing
# the policy type to Standard after you enable a VM backup with the Enhanced policy")
LEARN_ENHANCED = "https://learn.microsoft.com/azure/backup/backup-azure-vms-enhanced-policy"
# https://learn.microsoft.com/azure/backup/backup-azure-manage-vms (stop protection and delete backup data;
# a policy with associated items cannot be deleted)
LEARN_MANAGE_VMS = "https://learn.microsoft.com/azure/backup/backup-azure-manage-vms"

SCHEDULES = ("dailySchedule", "weeklySchedule", "monthlySchedule", "yearlySchedule")
_DAYS = {"days": 1, "weeks": 7, "months": 30, "years": 365}
ITEM_IDENTITY = ("vaultName", "resourceGroupName", "protectedItemName", "containerName", "fabricName")
VAULT_IDENTITY = ("vaultName", "resourceGroupName", "location")
POLICY_IDENTITY = ("vaultName", "resourceGroupName", "policyName")
ENABLED = tuple(s.lower() for s in IMMUTABILITY_ENABLED_STATES)


def _retention(policy: State, schedule: str) -> tuple[object, float | None]:
    """(raw count, count in days) of one retention schedule of a policy."""
    raw = policy.get(f"properties.retentionPolicy.{schedule}.retentionDuration.count")
    n = number(raw)
    unit = text(policy.get(f"properties.retentionPolicy.{schedule}.retentionDuration.durationType"))
    return raw, (n * _DAYS.get(unit or "days", 1) if n is not None else None)


def lowered_retention(old: State, new: State) -> tuple[list[str], bool]:
    """(descriptions of the schedules whose retention the new policy lowers or drops, whether any
    new count is unknown)."""
    lowered, unknown = [], False
    for schedule in SCHEDULES:
        old_raw, old_days = _retention(old, schedule)
        if old_days is None:
            continue
        new_raw, new_days = _retention(new, schedule)
        if new_raw is UNKNOWN:
            unknown = True
        elif new_raw is MISSING and new.get(f"properties.retentionPolicy.{schedule}") is MISSING:
            lowered.append(f"{schedule} {shown(old_raw)} -> dropped")
        elif new_days is not None and new_days < old_days:
            lowered.append(f"{schedule} {shown(old_raw)} -> {shown(new_raw)}")
    return lowered, unknown


def _vault_immutability(cs: ChangeSet, state: State) -> object:
    """Whether the vault a policy/item lives in has immutability enabled (issue 11 item 5: `Unlocked` is enabled
    immutability, as `Locked` is: the pack's fact IMMUTABILITY_ENABLED_STATES) on either side of the change:
    its prior state (the vault as deployed) or its new one (a vault turned immutable in the same update is
    updated before its policies, which depend on it). True / False / UNKNOWN (a new value known only after
    `pulumi up`, or the vault is not in a document without unchanged resources)."""
    key = vault_key(state)
    c = cs.vault_change(key, "old") or cs.vault_change(key, "new")
    if c is None:
        return UNKNOWN if not cs.complete else False
    values = [st.get(IMMUTABILITY) for st in (c.old, c.new) if st is not None]
    if any(text(v) in ENABLED for v in values):
        return True
    return UNKNOWN if any(v is UNKNOWN for v in values) else False


def _moves(cs: ChangeSet) -> Iterable[tuple[Change, object, object]]:
    """VMs whose protection continues across the change, with (the item's change, prior policy, new policy): an
    item on both sides, or an item of the prior state deleted and a new one created for the same VM (a renamed
    item: Azure sees one VM's protection modified). For a pair the change is the new item's."""
    gone: dict[str, Change] = {}
    born: dict[str, Change] = {}
    for c in cs.of_type(PROTECTED_ITEM):
        if c.old is not None and c.new is not None:
            yield c, cs.item_policy(c.old, "old"), cs.item_policy(c.new, "new")
        elif c.old is not None and vm_key(c.old):
            gone[vm_key(c.old)] = c
        elif c.new is not None and vm_key(c.new):
            born[vm_key(c.new)] = c
    for vm in sorted(set(gone) & set(born)):
        old, new = gone[vm], born[vm]
        yield Change(op=new.op, urn=new.urn, old_urn=old.urn, type=new.type, replace_known=new.replace_known,
                     diff=new.diff, old=old.old, new=new.new), cs.item_policy(old.old, "old"), \
            cs.item_policy(new.new, "new")


def _vm_of(item: State) -> str:
    key = vm_key(item)
    return key.split("/", 1)[1] if key else item.name


# ---- AZDR-CHG-005 ------------------------------------------------------------------------------


def check_retention_lowered(cs: ChangeSet, _cfg: RuleConfig) -> Iterable[ChangeFinding]:
    for c in cs.of_type(PROTECTION_POLICY):
        if c.op not in ("update", "replace") or c.old is None or c.new is None:
            continue
        lowered, unknown = lowered_retention(c.old, c.new)
        if not lowered and not unknown:
            continue
        imm = _vault_immutability(cs, c.old)
        if imm is False:
            continue
        if imm is UNKNOWN or not lowered:
            yield ChangeFinding(
                f"backup policy '{c.name}' may lower its retention "
                f"({'; '.join(lowered) or 'new counts known only after `pulumi up`'}) and this document cannot "
                "show whether its vault is immutable: an immutable vault refuses lower retention", c, unknown=True)
            continue
        yield ChangeFinding(
            f"backup policy '{c.name}' lowers retention ({'; '.join(lowered)}) in an immutable vault: Azure refuses "
            "to reduce retention under immutability (Unlocked or Locked), so `pulumi up` would fail halfway", c)
    for c, old_pol, new_pol in _moves(cs):
        if not isinstance(old_pol, State) or (isinstance(new_pol, State) and new_pol.urn == old_pol.urn):
            continue
        if isinstance(new_pol, State):
            lowered, unknown = lowered_retention(old_pol, new_pol)
            target = f"policy '{new_pol.name}'"
        elif new_pol is UNKNOWN:
            lowered, unknown, target = [], True, "a policy known only after `pulumi up`"
        else:
            continue
        if not lowered and not unknown:
            continue
        imm = _vault_immutability(cs, c.old)
        if imm is False:
            continue
        if imm is UNKNOWN or not lowered:
            yield ChangeFinding(
                f"VM '{_vm_of(c.old)}' moves from policy '{old_pol.name}' to {target}, which may keep points for "
                "less time, and this document cannot tell: an immutable vault refuses a move to lower retention",
                c, unknown=True)
            continue
        yield ChangeFinding(
            f"VM '{_vm_of(c.old)}' moves from policy '{old_pol.name}' to {target} with lower retention "
            f"({'; '.join(lowered)}) in an immutable vault: Azure refuses to switch an item to a policy with lower "
            "retention under immutability, so `pulumi up` would fail halfway", c)


RETENTION_LOWERED = Rule(
    id="AZDR-CHG-005",
    name="change-retention-lowered-under-immutability",
    title="Retention is never lowered in an immutable vault (Unlocked or Locked).",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="change",
    resource_types=(PROTECTION_POLICY, PROTECTED_ITEM, VAULT),
    seed_section="Backup and DR scenarios",
    rationale=(
        "Immutability (`Unlocked` is the API value for Enabled) restricts reducing retention in a policy and "
        "switching an item to a policy with lower retention. The project's plans name policies by content, so "
        "a plan change that shortens retention moves VMs to a new policy: Azure refuses the move."
    ),
    remediation=(
        "Keep retention at least as long as deployed, or disable immutability first (only possible while it is "
        "Unlocked, never once Locked) in a separate change."
    ),
    snippet="""
rs.RetentionDurationArgs(count=30, duration_type=rs.RetentionDurationType.DAYS)  # >= the deployed count
""",
    links=(LEARN_IMMUTABLE,),
    unknown="advisory",
    unknown_note="Unknown new counts, an unknown new policy or a vault not in the document give an advisory finding.",
    missing=(
        "A schedule that the new policy drops counts as lowered; a vault whose immutability is not set is not "
        "immutable."
    ),
    check=check_retention_lowered,
    tags=("change", "backup-policy", "immutability"),
)


# ---- AZDR-CHG-006 ------------------------------------------------------------------------------


def _enhanced(policy: State) -> object:
    value = policy.get("properties.policyType")
    return UNKNOWN if value is UNKNOWN else text(value) == "v2"


def check_enhanced_to_standard(cs: ChangeSet, _cfg: RuleConfig) -> Iterable[ChangeFinding]:
    for c, old_pol, new_pol in _moves(cs):
        if not isinstance(old_pol, State) or _enhanced(old_pol) is not True:
            continue
        if isinstance(new_pol, State) and new_pol.urn == old_pol.urn:
            continue  # the same policy changed in place: reported once, on the policy (below)
        if new_pol is UNKNOWN or (isinstance(new_pol, State) and _enhanced(new_pol) is UNKNOWN):
            yield ChangeFinding(
                f"VM '{_vm_of(c.old)}' is protected by Enhanced policy '{old_pol.name}' and its new policy is known "
                "only after `pulumi up`: Azure cannot move an Enhanced-protected VM to a Standard policy",
                c, unknown=True)
        elif isinstance(new_pol, State) and _enhanced(new_pol) is False:
            yield ChangeFinding(
                f"VM '{_vm_of(c.old)}' moves from Enhanced policy '{old_pol.name}' to Standard policy "
                f"'{new_pol.name}': Azure does not allow changing a VM's backup to Standard once it has used an "
                "Enhanced policy, so `pulumi up` would fail halfway; keep the workload on an Enhanced (V2) plan", c)
    for c in cs.of_type(PROTECTION_POLICY):
        if c.op == "update" and c.old is not None and c.new is not None and _enhanced(c.old) is True \
                and _enhanced(c.new) is False:
            yield ChangeFinding(
                f"backup policy '{c.name}' changes from Enhanced (V2) to Standard: Azure cannot turn an Enhanced "
                "VM policy Standard; keep policyType 'V2'", c)


ENHANCED_TO_STANDARD = Rule(
    id="AZDR-CHG-006",
    name="change-protected-vm-enhanced-to-standard",
    title="A VM protected by an Enhanced policy is never moved to a Standard policy.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="change",
    resource_types=(PROTECTED_ITEM, PROTECTION_POLICY),
    seed_section="Using Azure Backup",
    rationale=(
        "Azure Backup does not allow changing a VM's protection to a Standard policy after it was enabled with "
        "an Enhanced policy. A config change that turns a V2 plan into V1 (e.g. a longer RPO) makes the "
        "protected item's update fail in the middle of `pulumi up`."
    ),
    remediation="Keep Enhanced-protected workloads on V2 plans (tier or rpoHours that keep an Enhanced policy).",
    snippet="""
rs.AzureIaaSVMProtectionPolicyArgs(backup_management_type="AzureIaasVM", policy_type=rs.IAASVMPolicyType.V2)
""",
    links=(LEARN_ENHANCED,),
    unknown="advisory",
    unknown_note="A new policy known only after `pulumi up` gives an advisory finding.",
    missing="A policy without policyType is Standard (V1), Azure's default.",
    check=check_enhanced_to_standard,
    tags=("change", "protected-item", "enhanced-policy"),
)


# ---- AZDR-CHG-007 ------------------------------------------------------------------------------


def _removed(c: Change) -> str:
    return "deleted from the stack" if c.op == "delete" else "replaced"


def check_backup_removed(cs: ChangeSet, _cfg: RuleConfig) -> Iterable[ChangeFinding]:
    for c in cs.of_type(PROTECTED_ITEM):
        if c.removes_old and not c.old.retain_on_delete:
            yield ChangeFinding(
                f"protected item '{c.name}' (VM '{_vm_of(c.old)}') is {_removed(c)} without retainOnDelete: Pulumi "
                "deletes the item, which stops protection and deletes its backup data (soft delete keeps it only "
                "for its retention days); set config `retainOnDelete: true` first", c)
        elif c.provider_decides() and any(k in c.diff for k in ITEM_IDENTITY) and not c.old.retain_on_delete:
            yield ChangeFinding(
                f"protected item '{c.name}' changes {', '.join(k for k in c.diff if k in ITEM_IDENTITY)} (offline: "
                "only the provider knows whether this replaces the item, deleting its backup data)", c, unknown=True)
    for c in cs.of_type(PROTECTION_POLICY):
        if not c.removes_old or c.old.retain_on_delete:
            continue
        key = policy_key(c.old)
        bound, maybe = [], []
        for item in cs.of_type(PROTECTED_ITEM):
            if item.old is None or cs.item_policy(item.old, "old") is not c.old:
                continue
            if item.new is None:
                if item.old.retain_on_delete:
                    bound.append(item.name)  # left in Azure, still associated with the policy
                continue
            new_pol = cs.item_policy(item.new, "new")
            if new_pol is UNKNOWN:
                maybe.append(item.name)
            elif isinstance(new_pol, State) and policy_key(new_pol) == key:
                bound.append(item.name)
        if maybe and not bound:
            yield ChangeFinding(
                f"backup policy '{c.name}' is {_removed(c)} and the new policy of {len(maybe)} of its item(s) "
                f"({', '.join(sorted(maybe))}) is known only after `pulumi up`: Azure refuses to delete a policy "
                "with associated items", c, unknown=True)
        if bound:
            yield ChangeFinding(
                f"backup policy '{c.name}' is {_removed(c)} while it still protects {len(bound)} item(s) "
                f"({', '.join(sorted(bound))}): Azure refuses to delete a policy with associated items, so "
                "`pulumi up` would fail halfway; move the items to another policy first", c)
    for c in cs.of_type(VAULT):
        if c.removes_old and not c.old.retain_on_delete:
            items = cs.items_of_vault(c.old)
            held = f" with {len(items)} protected item(s)" if items else ""
            guard = " (Pulumi protect refuses the delete: the `up` fails)" if c.old.protect else ""
            yield ChangeFinding(
                f"vault '{c.name}'{held} is {_removed(c)} without retainOnDelete{guard}: the vault and every recovery "
                "point in it would be deleted (Azure refuses while items remain, failing the `up`); keep config "
                "`retainOnDelete: true`", c)
        elif c.provider_decides() and any(k in c.diff for k in VAULT_IDENTITY) and not c.old.retain_on_delete:
            yield ChangeFinding(
                f"vault '{c.name}' changes {', '.join(k for k in c.diff if k in VAULT_IDENTITY)} (offline: only the "
                "provider knows whether this replaces the vault and deletes its recovery points)", c, unknown=True)


BACKUP_REMOVED = Rule(
    id="AZDR-CHG-007",
    name="change-backup-removed-without-retain",
    title="A protected item, a policy that protects items, or a vault is never deleted or replaced without retainOnDelete.",
    severity=Severity.CRITICAL,
    enforcement=EnforcementLevel.MANDATORY,
    kind="change",
    resource_types=(PROTECTED_ITEM, PROTECTION_POLICY, VAULT),
    seed_section="Backup and disaster recovery",
    rationale=(
        "Dropping a workload, renaming a component or a replace-forcing change deletes the old resource. For a "
        "protected item that means stop protection with delete data; a policy with items cannot be deleted and "
        "a vault with items cannot either, so the `up` fails halfway after the VMs were already changed."
    ),
    remediation=(
        "Keep `retainOnDelete: true` for vaults and protected items (the default); move items off a policy "
        "before the policy leaves the stack; retire backups deliberately with the runbook, not by a diff."
    ),
    snippet="""
pulumi.ResourceOptions(retain_on_delete=True)  # vaults and protected items
""",
    links=(LEARN_MANAGE_VMS, LEARN_DELETE_VAULT, PULUMI_RETAIN),
    unknown="advisory",
    unknown_note=(
        "Offline (`--baseline`), a changed vault/item name or location may force a replace: only the provider "
        "knows, so the finding is advisory. A real `preview --json` names the replace."
    ),
    missing="retainOnDelete not set means false (Pulumi's default).",
    check=check_backup_removed,
    tags=("change", "protected-item", "retain-on-delete"),
)


# ---- AZDR-CHG-010 ------------------------------------------------------------------------------


def check_vm_moved_region(cs: ChangeSet, _cfg: RuleConfig) -> Iterable[ChangeFinding]:
    old_vault: dict[str, tuple[Change, State]] = {}
    new_vault: dict[str, tuple[Change, State]] = {}
    for c in cs.of_type(PROTECTED_ITEM):
        if c.old is not None and vm_key(c.old):
            old_vault[vm_key(c.old)] = (c, c.old)
        if c.new is not None and vm_key(c.new):
            new_vault[vm_key(c.new)] = (c, c.new)
    for vm in sorted(set(old_vault) & set(new_vault)):
        (_, old_item), (new_c, new_item) = old_vault[vm], new_vault[vm]
        if vault_key(old_item) == vault_key(new_item) or vault_key(new_item) is None:
            continue
        before, after = cs.item_vault(old_item, "old"), cs.item_vault(new_item, "new")
        loc_before, loc_after = location(before), location(after)
        name_before, name_after = old_item.get("vaultName"), new_item.get("vaultName")
        if loc_before is None or loc_after is None:
            yield ChangeFinding(
                f"VM '{vm.split('/', 1)[1]}' moves from vault {shown(name_before)} to {shown(name_after)} and this "
                "document cannot show both vaults' regions: Azure backs a VM up only to a vault in the VM's region",
                new_c, unknown=True)
        elif loc_before != loc_after:
            yield ChangeFinding(
                f"VM '{vm.split('/', 1)[1]}' moves from vault {shown(name_before)} ({loc_before}) to "
                f"{shown(name_after)} ({loc_after}): Azure protects a VM only in a vault of its own region and in one "
                "vault at a time, so the `up` fails (or, after stopping protection, the old recovery points stay "
                "behind in the old vault); keep the VM's backup in its region's vault", new_c)


VM_MOVED_REGION = Rule(
    id="AZDR-CHG-010",
    name="change-vm-moved-to-other-region-vault",
    title="A protected VM is never moved to another region's vault.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="change",
    resource_types=(PROTECTED_ITEM, VAULT),
    seed_section="Azure Backup flow",
    rationale=(
        "A Recovery Services vault backs up VMs of its own region, and a VM is protected in one vault at a "
        "time: moving a VM's protected item to another region's vault fails, and stopping protection first "
        "leaves the existing recovery points in the old vault."
    ),
    remediation="Keep each VM's backup in the vault of the VM's region (the program's default).",
    snippet="""
enroll_vm(vm, vault=vaults[vm_region], policy=policies[vm_region])  # the region's own vault
""",
    links=(LEARN_VM_PREPARE,),
    unknown="advisory",
    unknown_note="A vault whose region the document does not show gives an advisory finding.",
    missing="A vault without location input is read from its outputs; neither known is unknown.",
    check=check_vm_moved_region,
    tags=("change", "protected-item", "region"),
)


# ---- AZDR-CHG-014 ------------------------------------------------------------------------------

# https://learn.microsoft.com/azure/backup/backup-support-matrix ("Up to 1,000 Azure VMs in a single vault ...
# only 250 VM registrations are allowed per day"): the pack's generated fact MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY.
LEARN_BACKUP_LIMITS = BACKUP_LIMITS_URL
#: `properties.protectedItemType` of VM protected items (installed SDK `recoveryservices/_inputs.py`:
#: AzureIaaSComputeVMProtectedItemArgs, AzureIaaSClassicComputeVMProtectedItemArgs, AzureIaaSVMProtectedItemArgs)
VM_ITEM_TYPES = ("microsoft.compute/virtualmachines", "microsoft.classiccompute/virtualmachines",
                 "azureiaasvmprotecteditem")


def _is_vm_item(item: State) -> bool:
    """A VM protected item; an unknown type counts (it may protect a VM)."""
    value = item.get("properties.protectedItemType")
    return value is UNKNOWN or text(value) in VM_ITEM_TYPES


def _item_vault(cs: ChangeSet, item: State) -> tuple[object, Change | None, str] | None:
    """(grouping key, the vault's change if in the model, vault name shown) of the vault an item registers in: by
    its resourceGroupName + vaultName, else (names known only after `pulumi up`) by its property dependency on a
    vault of the stack; None when neither tells."""
    key = vault_key(item)
    if key is not None:
        c = cs.vault_change(key, "new") or cs.vault_change(key, "old")
        return (c.urn if c is not None else key), c, shown(item.get("vaultName"))
    for urn in sorted(item.property_dependencies.get("vaultName") or ()):
        c = cs.new_by_urn.get(urn) or cs.old_by_urn.get(urn)
        if c is not None and c.type == VAULT:
            name = (c.new or c.old).get("vaultName")
            return c.urn, c, shown(name) if isinstance(name, str) else f"'{c.name}'"
    return None


def new_registrations(cs: ChangeSet) -> dict[object, tuple[Change | None, str, list[Change]]]:
    """VM protected items the update registers, per vault: items the prior state does not have, and items that
    move to another vault or protect another VM. {key: (the vault's change or None, vault name, items)}."""
    out: dict[object, tuple[Change | None, str, list[Change]]] = {}
    for c in cs.of_type(PROTECTED_ITEM):
        if c.new is None or c.op == "delete" or not _is_vm_item(c.new):
            continue
        where = _item_vault(cs, c.new)
        if where is None:
            continue
        key, vault, name = where
        if c.old is not None:
            before = _item_vault(cs, c.old)
            if before is not None and before[0] == key and vm_key(c.new) in (None, vm_key(c.old)):
                continue
        out.setdefault(key, (vault, name, []))[2].append(c)
    return out


def check_registrations_per_vault(cs: ChangeSet, cfg: RuleConfig) -> Iterable[ChangeFinding]:
    limit = int(cfg["maximumNewRegistrationsPerVault"])
    for vault, name, items in new_registrations(cs).values():
        if len(items) <= limit:
            continue
        yield ChangeFinding(
            f"{len(items)} new VM protected items in vault {name} in one update (more than {limit}): Azure "
            f"Backup registers at most {MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY} VMs per vault per day, so `pulumi "
            "up` would fail halfway through the registrations; add the VMs over several days (at most "
            f"{limit} new per vault per update)", vault if vault is not None else items[limit])


REGISTRATIONS_PER_VAULT = Rule(
    id="AZDR-CHG-014",
    name="change-vm-registrations-per-vault",
    title=f"One update registers at most {MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY} new VMs in one vault.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.MANDATORY,
    kind="change",
    resource_types=(PROTECTED_ITEM, VAULT),
    seed_section="Using Azure Backup",
    rationale=(
        f"The seed protects VMs at scale with Azure Backup. A Recovery Services vault holds up to "
        f"{MAX_VMS_PER_VAULT:,} Azure VMs but allows only {MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY} VM registrations "
        "per day: a change that registers more (a first deployment of a "
        "large fleet, a vmCount raised by hundreds, VMs moved into the vault) fails partway, leaving VMs "
        "unprotected."
    ),
    remediation=(
        f"Register at most {MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY} VMs per vault per day: raise vmCount (or add "
        "workloads) over several updates on "
        "different days, or spread the VMs over more vaults."
    ),
    snippet="""
import pulumi_azure_native.recoveryservices as rs

# at most 250 new VM items per vault per update: protect the fleet over several days
for vm in vms[:already_protected + 250]:
    rs.ProtectedItem(f"backup-{vm.name}", vault_name=vault.name, ...)
""",
    links=(LEARN_BACKUP_LIMITS,),
    unknown="skip",
    unknown_note=(
        "An item whose protected item type is unknown counts as a VM item. An item whose vault name is known only "
        "after `pulumi up` is counted in the vault its property dependency names; with neither it is not counted."
    ),
    missing="An item without protectedItemType is not a VM item and is not counted.",
    check=check_registrations_per_vault,
    config=(
        ConfigKey("maximumNewRegistrationsPerVault", "integer", MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY,
                  "Most new VM protected items one update may register in one vault (lower it when other stacks "
                  "register VMs in the same vault on the same day).",
                  minimum=1, maximum=MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY),
    ),
    tags=("change", "protected-item", "scale"),
)

RULES = [RETENTION_LOWERED, ENHANCED_TO_STANDARD, BACKUP_REMOVED, VM_MOVED_REGION, REGISTRATIONS_PER_VAULT]
