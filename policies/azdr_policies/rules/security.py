"""Protected and watched (issue 15): multi-user authorization, alerts that reach a person, Backup reports, and
the lock Azure Backup cannot live with (AZDR-MUA-*, AZDR-MON-*, AZDR-LCK-*).

All stack rules: they join vaults to resource guard proxies (`vaultName`), alert processing rules
(`properties.scopes`), diagnostic settings (`resourceUri`) and locks (`scope`), property dependencies first and
ARM ids as the fallback (`joins.Graph`), so they work during preview when ids are unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, PolicyResource, Severity, StackValidationArgs

from ..framework import Finding, Rule, RuleConfig
from ..joins import UNKNOWN, Graph, at, backup_vaults, backup_vaults_joined, items, norm_id, read
from ..props import LOCK_AT_RESOURCE_GROUP, LOCK_BY_SCOPE, MISSING, PROTECTION_POLICY, VAULT, as_str, same_text, show

RESOURCE_GUARD = "azure-native:dataprotection:ResourceGuard"
GUARD_PROXY = "azure-native:recoveryservices:ResourceGuardProxy"
ALERT_PROCESSING_RULE = "azure-native:alertsmanagement:AlertProcessingRuleByName"
ACTION_GROUP = "azure-native:monitor:ActionGroup"
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
LOCK_AT_SUBSCRIPTION = "azure-native:authorization:ManagementLockAtSubscriptionLevel"

LEARN_MUA = "https://learn.microsoft.com/azure/backup/multi-user-authorization-concept"
LEARN_MUA_HOWTO = "https://learn.microsoft.com/azure/backup/multi-user-authorization"
LEARN_ALERTS = "https://learn.microsoft.com/azure/backup/backup-azure-monitoring-alerts"
LEARN_DIAGNOSTICS = "https://learn.microsoft.com/azure/backup/backup-azure-diagnostic-events"
LEARN_REPORTS = "https://learn.microsoft.com/azure/backup/configure-reports"
LEARN_LOCKS = "https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources"

_ARM_ID = re.compile(r"^/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/", re.IGNORECASE)
_GUARD_ID = re.compile(r"^/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/microsoft\.dataprotection/"
                       r"resourceguards/[^/]+$", re.IGNORECASE)


def _sub_rg(value: object) -> tuple[str, str] | None:
    """(subscription, resource group), lower-case, of a known ARM id."""
    text = as_str(value)
    m = _ARM_ID.match(text) if text else None
    return (m.group(1).lower(), m.group(2).lower()) if m else None


def _vault_place(vault: PolicyResource) -> tuple[str | None, str | None]:
    """The vault's (subscription or None, resource group or None), lower-case."""
    from_id = _sub_rg(read(vault, "id"))
    if from_id:
        return from_id
    rg = as_str(read(vault, "resourceGroupName"))
    return None, rg.lower() if rg else None


# ---- AZDR-MUA-001 ---------------------------------------------------------------------------------


def _proxy_verdict(graph: Graph, proxy: PolicyResource, vault: PolicyResource) -> str | None:
    """None when the proxy points at a guard outside the vault's resource group, else why not."""
    ref = graph.ref(proxy, "properties", "properties.resourceGuardResourceId", (RESOURCE_GUARD,))
    v_sub, v_rg = _vault_place(vault)
    if ref.target is not None:
        guard = ref.target
        placed = _sub_rg(read(guard, "id"))
        if placed is not None:
            g_sub, g_rg = placed
        else:
            raw = read(guard, "resourceGroupName")
            if raw is UNKNOWN or not as_str(raw):
                return f"the resource group of resource guard '{guard.name}' is {show(raw) if raw is not UNKNOWN else 'unknown during preview'}"
            g_sub, g_rg = None, as_str(raw).lower()
        where = f"resource guard '{guard.name}'"
    else:
        if ref.status in ("unknown", "missing"):
            return ref.why("properties.resourceGuardResourceId")
        m = _GUARD_ID.match(str(ref.raw))
        if m is None:
            return f"properties.resourceGuardResourceId {ref.raw!r} is not a Microsoft.DataProtection/resourceGuards id"
        g_sub, g_rg = m.group(1).lower(), m.group(2).lower()
        where = f"resource guard {ref.raw!r}"
    if g_sub is not None and v_sub is not None and g_sub != v_sub:
        return None  # another subscription: the best isolation
    if v_rg is None:
        return "the vault's resource group is unknown"
    if g_rg == v_rg:
        return (f"{where} is in the vault's own resource group '{g_rg}': the vault's administrators administer the "
                "guard too")
    return None


def check_multi_user_authorization(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    for vault, proxies in backup_vaults_joined(graph, GUARD_PROXY, "vaultName", "vaultName", by_name=True):
        if not proxies:
            yield Finding(
                f"vault '{vault.name}' has no resource guard proxy: one administrator can disable soft delete, "
                "stop protection with delete, reduce retention or disable immutability alone; add "
                "recoveryservices.ResourceGuardProxy(resource_guard_proxy_name='VaultProxy', properties="
                "ResourceGuardProxyBaseArgs(resource_guard_resource_id=<a guard outside the vault's resource group>))",
                vault)
            continue
        reasons = [(p, _proxy_verdict(graph, p, vault)) for p in proxies]
        if any(r is None for _, r in reasons):
            continue
        detail = "; ".join(f"proxy '{p.name}': {r}" for p, r in reasons)
        yield Finding(
            f"vault '{vault.name}' has no resource guard outside its resource group ({detail}); put the guard in a "
            "resource group (better: a subscription) the vault's administrators cannot write", vault)


VAULT_MULTI_USER_AUTHORIZATION = Rule(
    id="AZDR-MUA-001",
    name="vault-multi-user-authorization",
    title="Every vault has a resource guard proxy to a guard outside the vault's resource group.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.ADVISORY,
    kind="stack",
    resource_types=(VAULT, GUARD_PROXY, RESOURCE_GUARD),
    seed_section="Backup and DR scenarios",
    rationale=(
        "'Backup and DR scenarios' (scenario 4, application data issues) depends on an older recovery point still "
        "existing when the live data is bad. Soft delete and immutability protect it from accidents, not from a "
        "compromised or careless administrator, who can turn them off. Multi-user authorization makes the critical "
        "operations (disable soft delete, remove MUA, stop protection with delete, reduce retention, disable "
        "immutability) also need a role on a Resource Guard, which is only a control if the vault's administrators "
        "do not administer it: a guard in the vault's own resource group is not."
    ),
    remediation=(
        "Create a Resource Guard in the vault's region, in a resource group (better: a subscription or tenant) that "
        "a security administrator owns, and associate the vault with it (config `security.resourceGuard`). To make "
        "the rule mandatory, set it in the pack config: {\"vault-multi-user-authorization\": \"mandatory\"}."
    ),
    snippet="""
import pulumi_azure_native.recoveryservices as rs

rs.ResourceGuardProxy("mua", resource_group_name=vault_rg, vault_name=vault.name,
    resource_guard_proxy_name="VaultProxy",
    properties=rs.ResourceGuardProxyBaseArgs(resource_guard_resource_id=guard_id_in_security_subscription))
""",
    links=(LEARN_MUA, LEARN_MUA_HOWTO),
    unknown="fail",
    unknown_note=(
        "Proxies join their vault by the vaultName dependency (or name) and their guard by the properties "
        "dependency (or the guard id). A proxy whose guard id is unknown and that depends on no declared guard, "
        "or a declared guard whose resource group is unknown, cannot be judged: the vault is reported."
    ),
    missing=(
        "No proxy means no multi-user authorization (Azure's default): the vault is reported. A proxy without "
        "properties.resourceGuardResourceId does not count."
    ),
    check=check_multi_user_authorization,
    tags=("vault", "security", "multi-user-authorization"),
)


# ---- AZDR-MON-001 ---------------------------------------------------------------------------------

JOB_FAILURE_ALERTS = "properties.monitoringSettings.azureMonitorAlertSettings.alertsForAllJobFailures"


def _routes(graph: Graph, rule: PolicyResource) -> bool:
    """The alert processing rule is enabled and adds at least one action group."""
    enabled = read(rule, "properties.enabled")
    if enabled is False:
        return False
    depends_on_group = bool(Graph.deps(rule, "properties", (ACTION_GROUP,)))
    for action in items(read(rule, "properties.actions")):
        if not same_text(at(action, "actionType"), "AddActionGroups"):
            continue
        ids = items(at(action, "actionGroupIds"))
        if any(as_str(i) for i in ids) or (UNKNOWN in ids and depends_on_group):
            return True
    return False


def _covered(graph: Graph, rule: PolicyResource, vaults: list[PolicyResource]) -> set[str]:
    """URNs of the vaults the rule's scopes cover: a dependency, the vault id, or its resource group or
    subscription."""
    out = {v.urn for v in Graph.deps(rule, "properties", (VAULT,))}
    scopes = [norm_id(s) for s in (as_str(x) for x in items(read(rule, "properties.scopes"))) if s]
    if not scopes:
        return out
    for vault in vaults:
        vid = as_str(read(vault, "id"))
        if vid and any(norm_id(vid) == s or norm_id(vid).startswith(s + "/") for s in scopes):
            out.add(vault.urn)
    return out


def check_alerts_routed(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    vaults = backup_vaults(graph)
    if not vaults:
        return
    routed: set[str] = set()
    for rule in graph.of(ALERT_PROCESSING_RULE):
        if _routes(graph, rule):
            routed |= _covered(graph, rule, vaults)
    for vault in vaults:
        state = read(vault, JOB_FAILURE_ALERTS)
        if same_text(state, "Disabled") or vault.urn in routed:
            continue
        shown = "unknown during preview" if state is UNKNOWN else ("on (not set means Enabled)" if state is MISSING
                                                                    else "on")
        yield Finding(
            f"vault '{vault.name}' raises Azure Monitor alerts for all job failures ({shown}) but no enabled alert "
            "processing rule routes them to an action group: a failed backup reaches nobody; add "
            "alertsmanagement.AlertProcessingRuleByName(scopes=[<vault>.id], actions=[AddActionGroupsArgs("
            "action_type='AddActionGroups', action_group_ids=[<action group>.id])])", vault)


BACKUP_ALERTS_ROUTED = Rule(
    id="AZDR-MON-001",
    name="backup-alerts-routed",
    title="A vault's job-failure alerts reach an action group through an alert processing rule.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.ADVISORY,
    kind="stack",
    resource_types=(VAULT, ALERT_PROCESSING_RULE, ACTION_GROUP),
    seed_section="Azure Backup flow",
    rationale=(
        "'Azure Backup flow' runs backups on the policy's schedule without anyone watching; a recovery point that "
        "was never taken is found at restore time, too late. The vault raises built-in Azure Monitor alerts for "
        "job failures, but Azure delivers them to nobody until an alert processing rule routes them to an action "
        "group (email, webhook, ...)."
    ),
    remediation=(
        "Declare an action group with the receivers who act on failed backups and an alert processing rule whose "
        "scopes cover the vault (its id, resource group or subscription) with an AddActionGroups action (config "
        "`monitoring.alerts`)."
    ),
    snippet="""
import pulumi_azure_native.alertsmanagement as alertsmanagement

alertsmanagement.AlertProcessingRuleByName("backup-alerts", resource_group_name=rg, location="Global",
    properties=alertsmanagement.AlertProcessingRulePropertiesArgs(scopes=[vault.id], enabled=True,
        actions=[alertsmanagement.AddActionGroupsArgs(action_type="AddActionGroups",
                                                      action_group_ids=[action_group.id])]))
""",
    links=(LEARN_ALERTS,),
    unknown="fail",
    unknown_note=(
        "Rules join vaults through their properties dependency or known scope ids, and count an unknown action "
        "group id only when they depend on a declared action group; an unknown job-failure setting counts as on. "
        "What cannot be joined is reported."
    ),
    missing=(
        "alertsForAllJobFailures not set means Enabled (Azure's built-in job-failure alerts are on by default), so "
        "the vault needs a route; a rule without `enabled` is enabled; a vault with the alerts Disabled is not "
        "judged here."
    ),
    check=check_alerts_routed,
    tags=("vault", "monitoring", "alerts"),
)


# ---- AZDR-MON-002 ---------------------------------------------------------------------------------

#: Azure Backup's resource-specific log categories for Recovery Services vaults (all six feed Backup reports;
#: the built-in Azure Policy c717fb0c-d118-4c43-ab3d-ece30ac81fb3 requires the same six).
BACKUP_LOG_CATEGORIES = ("CoreAzureBackup", "AddonAzureBackupJobs", "AddonAzureBackupAlerts",
                         "AddonAzureBackupPolicy", "AddonAzureBackupStorage", "AddonAzureBackupProtectedInstance")


def _setting_problems(setting: PolicyResource) -> list[str]:
    problems = []
    workspace = read(setting, "workspaceId")
    if workspace is not UNKNOWN and not as_str(workspace) and not setting.property_dependencies.get("workspaceId"):
        problems.append("no workspaceId (Backup reports read a Log Analytics workspace)")
    mode = read(setting, "logAnalyticsDestinationType")
    if not same_text(mode, "Dedicated"):
        shown = "unknown during preview" if mode is UNKNOWN else \
            ("not set (AzureDiagnostics, the legacy table)" if mode is MISSING else show(mode))
        problems.append(f"logAnalyticsDestinationType is {shown}, not 'Dedicated' (resource-specific tables)")
    enabled: set[str] = set()
    all_logs = False
    for log in items(read(setting, "logs")):
        if at(log, "enabled") is not True:
            continue
        cat = as_str(at(log, "category"))
        if cat:
            enabled.add(cat.lower())
        if same_text(at(log, "categoryGroup"), "allLogs"):
            all_logs = True
    missing = [c for c in BACKUP_LOG_CATEGORIES if c.lower() not in enabled]
    if missing and not all_logs:
        problems.append("log categories not enabled: " + ", ".join(missing))
    return problems


def check_backup_reports(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    for vault, settings in backup_vaults_joined(graph, DIAGNOSTIC_SETTING, "resourceUri", "resourceUri"):
        fix = ("add monitor.DiagnosticSetting(resource_uri=<vault>.id, workspace_id=<workspace>.id, "
               "log_analytics_destination_type='Dedicated', logs=[<the six categories, enabled>])")
        if not settings:
            yield Finding(f"vault '{vault.name}' has no diagnostic setting: Backup reports have no data for it; {fix}",
                          vault)
            continue
        found = [(s, _setting_problems(s)) for s in settings]
        if any(not p for _, p in found):
            continue
        detail = "; ".join(f"'{s.name}': " + ", ".join(p) for s, p in found)
        yield Finding(f"vault '{vault.name}' sends no complete Backup-reports data ({detail}); {fix}", vault)


BACKUP_REPORTS_DIAGNOSTICS = Rule(
    id="AZDR-MON-002",
    name="backup-reports-diagnostics",
    title="Every vault sends Azure Backup's six log categories to Log Analytics in resource-specific mode.",
    severity=Severity.MEDIUM,
    enforcement=EnforcementLevel.ADVISORY,
    kind="stack",
    resource_types=(VAULT, DIAGNOSTIC_SETTING),
    seed_section="Azure Backup flow",
    rationale=(
        "'Azure Backup flow' keeps taking recovery points; whether they still meet the RPO and retention the tiers "
        "promise is only visible in Backup reports, which read the vault's diagnostic logs from a Log Analytics "
        "workspace in the resource-specific tables (CoreAzureBackup and the AddonAzureBackup* tables)."
    ),
    remediation=(
        "Declare a diagnostic setting per vault to a Log Analytics workspace with logAnalyticsDestinationType "
        "'Dedicated' and the six categories enabled (config `monitoring.backupReports`)."
    ),
    snippet="""
import pulumi_azure_native.monitor as monitor

monitor.DiagnosticSetting("rsv-reports", name="dr-backup-reports", resource_uri=vault.id,
    workspace_id=workspace.id, log_analytics_destination_type="Dedicated",
    logs=[monitor.DiagnosticsLogSettingsArgs(category=c, enabled=True) for c in (
        "CoreAzureBackup", "AddonAzureBackupJobs", "AddonAzureBackupAlerts", "AddonAzureBackupPolicy",
        "AddonAzureBackupStorage", "AddonAzureBackupProtectedInstance")])
""",
    links=(LEARN_DIAGNOSTICS, LEARN_REPORTS),
    unknown="fail",
    unknown_note=(
        "Settings join their vault by the resourceUri dependency or id. An unknown workspace id counts as set (it "
        "is an id of a declared or given workspace); an unknown destination type or log list is reported."
    ),
    missing=(
        "No setting means no Backup-reports data; logAnalyticsDestinationType not set means AzureDiagnostics (the "
        "legacy table Backup reports do not read): both fail. A category without enabled=true does not count."
    ),
    check=check_backup_reports,
    tags=("vault", "monitoring", "reports"),
)


# ---- AZDR-LCK-001 ---------------------------------------------------------------------------------

#: Azure Backup's own name for the instant-restore resource group when a policy sets no prefix.
DEFAULT_IRP_GROUP = re.compile(r"^azurebackuprg_[a-z0-9]+_\d+$", re.IGNORECASE)
_RG_SCOPE = re.compile(r"^/subscriptions/[^/]+/resourcegroups/([^/]+)$", re.IGNORECASE)
_SUB_SCOPE = re.compile(r"^/subscriptions/[^/]+$", re.IGNORECASE)


def _irp_patterns(graph: Graph) -> list[tuple[re.Pattern[str], str]]:
    out = [(DEFAULT_IRP_GROUP, "Azure Backup's default AzureBackupRG_<region>_<n>")]
    for policy in graph.of(PROTECTION_POLICY):
        prefix = as_str(read(policy, "properties.instantRPDetails.azureBackupRGNamePrefix"))
        if not prefix:
            continue
        suffix = as_str(read(policy, "properties.instantRPDetails.azureBackupRGNameSuffix")) or ""
        out.append((re.compile(re.escape(prefix) + r"\d+" + re.escape(suffix) + "$", re.IGNORECASE),
                    f"prefix '{prefix}' of policy '{policy.name}'"))
    return out


def _lock_target(lock: PolicyResource) -> tuple[str, str] | None:
    """('group', name) or ('subscription', id) the lock applies to, or None (a resource, or unknown)."""
    if lock.resource_type == LOCK_AT_SUBSCRIPTION:
        return "subscription", "the subscription"
    if lock.resource_type == LOCK_AT_RESOURCE_GROUP:
        rg = as_str(read(lock, "resourceGroupName"))
        return ("group", rg) if rg else None
    scope = read(lock, "scope")
    text = as_str(scope)
    if text:
        m = _RG_SCOPE.match(text.rstrip("/"))
        if m:
            return "group", m.group(1)
        if _SUB_SCOPE.match(text.rstrip("/")):
            return "subscription", text
        return None
    for group in Graph.deps(lock, "scope", (RESOURCE_GROUP,)):
        name = as_str(read(group, "resourceGroupName"))
        if name:
            return "group", name
    return None


def check_no_lock_on_instant_restore_group(args: StackValidationArgs, _cfg: RuleConfig) -> Iterable[Finding]:
    graph = Graph.of_stack(args.resources)
    policies = graph.of(PROTECTION_POLICY)
    patterns = _irp_patterns(graph)
    for lock in graph.of(LOCK_BY_SCOPE, LOCK_AT_RESOURCE_GROUP, LOCK_AT_SUBSCRIPTION):
        target = _lock_target(lock)
        if target is None:
            continue
        kind, name = target
        level = read(lock, "level")
        shown = "unknown level" if level is UNKNOWN else show(level)
        if kind == "subscription":
            if policies:
                yield Finding(
                    f"lock '{lock.name}' ({shown}) is on {name}: every resource group inherits it, including the "
                    "ones Azure Backup creates for instant-restore snapshots, and backups fail there; lock the "
                    "vaults and the recovery resource groups instead", lock)
            continue
        hit = next((why for pattern, why in patterns if pattern.match(name)), None)
        if hit is not None:
            yield Finding(
                f"lock '{lock.name}' ({shown}) is on resource group '{name}', which Azure Backup creates for "
                f"instant-restore snapshots ({hit}): backups fail when Azure Backup cannot clean it up; remove "
                "the lock (lock the vault and the recovery resource groups instead)", lock)


NO_LOCK_ON_INSTANT_RESTORE_GROUP = Rule(
    id="AZDR-LCK-001",
    name="no-lock-on-instant-restore-group",
    title="No management lock on a resource group Azure Backup creates for instant-restore snapshots.",
    severity=Severity.HIGH,
    enforcement=EnforcementLevel.MANDATORY,
    kind="stack",
    resource_types=(LOCK_BY_SCOPE, LOCK_AT_RESOURCE_GROUP, LOCK_AT_SUBSCRIPTION, PROTECTION_POLICY, RESOURCE_GROUP),
    seed_section="Azure Backup flow",
    rationale=(
        "In the 'Azure Backup flow' the first phase is a snapshot kept in a resource group Azure Backup creates and "
        "cleans up itself (the policy's instant-restore group, <prefix><N><suffix>). Microsoft: backups fail when "
        "there's a cannot-delete lock on the resource group created by Azure Backup Service. Locking the DR copies "
        "is right; locking that group, or the whole subscription it inherits from, breaks every backup."
    ),
    remediation=(
        "Remove the lock from the instant-restore resource group (or the subscription); lock the vault and the "
        "recovery resource groups instead (config `vault.deleteLock`, `security.deleteLocks`)."
    ),
    snippet="""
import pulumi_azure_native.authorization as authorization

# lock the DR copies, never rg-<prefix>-<tier>-irp-<N>
authorization.ManagementLockByScope("copies-lock", scope=recovery_group.id,
    level=authorization.LockLevel.CAN_NOT_DELETE)
""",
    links=(LEARN_LOCKS, "https://learn.microsoft.com/azure/backup/backup-azure-troubleshoot-vm-backup-fails-snapshot-timeout"),
    unknown="skip",
    unknown_note=(
        "A lock whose scope is unknown during preview and that depends on no declared resource group cannot be "
        "placed; it is not judged (the program never declares such a lock on an instant-restore group)."
    ),
    missing=(
        "A policy without instantRPDetails uses Azure's default group name AzureBackupRG_<region>_<n>, which is "
        "always checked; a lock without scope or resource group is not judged."
    ),
    check=check_no_lock_on_instant_restore_group,
    tags=("lock", "backup-policy"),
)


RULES = [
    VAULT_MULTI_USER_AUTHORIZATION,
    BACKUP_ALERTS_ROUTED,
    BACKUP_REPORTS_DIAGNOSTICS,
    NO_LOCK_ON_INSTANT_RESTORE_GROUP,
]
