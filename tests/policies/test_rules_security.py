"""AZDR-MUA-001, AZDR-MON-001/002, AZDR-LCK-001 (issue 15): multi-user authorization, alert routing, Backup
reports, no lock on the instant-restore resource group. Stack rules over AnalyzeStack-shaped resources."""

import datetime
import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE as UNK

from azdr_policies import RULES_BY_ID

from .cases import Case, params
from .factories import DELETE, RG, mutate, v2_hourly_policy_props, vault_id, vault_props
from .harness import run_stack, stack_resource, urn_of

VAULT_T = "azure-native:recoveryservices:Vault"
GUARD_T = "azure-native:dataprotection:ResourceGuard"
PROXY_T = "azure-native:recoveryservices:ResourceGuardProxy"
APR_T = "azure-native:alertsmanagement:AlertProcessingRuleByName"
AG_T = "azure-native:monitor:ActionGroup"
DIAG_T = "azure-native:monitor:DiagnosticSetting"
POLICY_T = "azure-native:recoveryservices:ProtectionPolicy"
LOCK_T = "azure-native:authorization:ManagementLockByScope"
LOCK_RG_T = "azure-native:authorization:ManagementLockAtResourceGroupLevel"
RG_T = "azure-native:resources:ResourceGroup"
VURN = urn_of(VAULT_T, "rsv")
SUB = "00000000-0000-0000-0000-000000000000"
OTHER_SUB = "99999999-9999-9999-9999-999999999999"

# An exemption expiring within the pack's horizon (366 days, AZDR-SYS-003): 90 days from today.
SOON = (datetime.date.today() + datetime.timedelta(days=90)).isoformat()


def guard_id(rg="rg-security", sub=SUB, name="guard-dr-weu"):
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.DataProtection/resourceGuards/{name}"


def vault_out(**extra):
    return {**vault_props(), "name": "rsv-dr-weu", "id": vault_id(), **extra}


def proxy_props(gid):
    return {"resourceGroupName": RG, "vaultName": "rsv-dr-weu", "resourceGuardProxyName": "VaultProxy",
            "properties": {"resourceGuardResourceId": gid}}


def guard_props(rg="rg-security", **extra):
    return {"resourceGroupName": rg, "resourceGuardsName": "guard-dr-weu", "location": "westeurope",
            "properties": {"vaultCriticalOperationExclusionList": []}, **extra}


# ---- AZDR-MUA-001 ---------------------------------------------------------------------------------


def mua(proxy=None, *, guard=None, dep_vault=True, dep_guard=True, vault_extra=None):
    """A vault, optionally a declared guard and a proxy; proxy joined to the vault by dependency (or name)."""
    def build():
        vault = stack_resource(VAULT_T, "rsv", vault_out(**(vault_extra or {})))
        out = [vault]
        g = None
        if guard is not None:
            g = stack_resource(GUARD_T, "guard", guard)
            out.append(g)
        if proxy is not None:
            deps = {}
            if dep_vault:
                deps["vaultName"] = [vault]
            if g is not None and dep_guard:
                deps["properties"] = [g]
            out.append(stack_resource(PROXY_T, "proxy", proxy, property_dependencies=deps))
        return out
    return build


NO_PROXY = ("[AZDR-MUA-001] vault 'rsv' has no resource guard proxy: one administrator can disable soft delete, "
            "stop protection with delete, reduce retention or disable immutability alone; add "
            "recoveryservices.ResourceGuardProxy(resource_guard_proxy_name='VaultProxy', properties="
            "ResourceGuardProxyBaseArgs(resource_guard_resource_id=<a guard outside the vault's resource group>))",
            VURN)


def beside(detail):
    return (f"[AZDR-MUA-001] vault 'rsv' has no resource guard outside its resource group (proxy 'proxy': {detail}); "
            "put the guard in a resource group (better: a subscription) the vault's administrators cannot write",
            VURN)


CASES = [
    Case("AZDR-MUA-001", "pass-external-guard-in-another-group", mua(proxy_props(guard_id()))),
    Case("AZDR-MUA-001", "pass-guard-in-another-subscription-same-group-name",
         mua(proxy_props(guard_id(rg=RG, sub=OTHER_SUB)))),
    Case("AZDR-MUA-001", "pass-declared-guard-joined-by-dependency-id-unknown",
         mua(proxy_props(UNK), guard=guard_props())),
    Case("AZDR-MUA-001", "pass-proxy-joined-by-vault-name", mua(proxy_props(guard_id()), dep_vault=False)),
    Case("AZDR-MUA-001", "pass-no-vaults", lambda: []),
    Case("AZDR-MUA-001", "fail-no-proxy", mua(), [NO_PROXY]),
    Case("AZDR-MUA-001", "fail-guard-beside-the-vault", mua(proxy_props(guard_id(rg=RG))),
         [beside(f"resource guard {guard_id(rg=RG)!r} is in the vault's own resource group 'rg-dr-weu': the vault's "
                 "administrators administer the guard too")]),
    Case("AZDR-MUA-001", "fail-declared-guard-beside-the-vault", mua(proxy_props(UNK), guard=guard_props(rg=RG)),
         [beside("resource guard 'guard' is in the vault's own resource group 'rg-dr-weu': the vault's "
                 "administrators administer the guard too")]),
    Case("AZDR-MUA-001", "fail-not-a-guard-id",
         mua(proxy_props(vault_id("rsv-other"))),
         [beside(f"properties.resourceGuardResourceId {vault_id('rsv-other')!r} is not a "
                 "Microsoft.DataProtection/resourceGuards id")]),
    Case("AZDR-MUA-001", "fail-unknown-guard-id-without-dependency", mua(proxy_props(UNK)),
         [beside("properties.resourceGuardResourceId is unknown during preview and nothing declares a dependency "
                 "on the target")]),
    Case("AZDR-MUA-001", "fail-declared-guard-with-unknown-group", mua(proxy_props(UNK), guard=guard_props(rg=UNK)),
         [beside("the resource group of resource guard 'guard' is unknown during preview")]),
    Case("AZDR-MUA-001", "fail-missing-guard-id", mua({**proxy_props(guard_id()), "properties": {}}),
         [beside("properties.resourceGuardResourceId is not set")]),
    Case("AZDR-MUA-001", "fail-proxy-of-another-vault",
         mua({**proxy_props(guard_id()), "vaultName": "rsv-other"}, dep_vault=False), [NO_PROXY]),
]


# ---- AZDR-MON-001 ---------------------------------------------------------------------------------

JOB_ALERTS = "properties.monitoringSettings.azureMonitorAlertSettings.alertsForAllJobFailures"
AG_ID = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Insights/actionGroups/ag-dr-backup"


def apr_props(scopes, *, group_ids=(AG_ID,), enabled=True, action_type="AddActionGroups"):
    props = {"scopes": list(scopes), "actions": [{"actionType": action_type, "actionGroupIds": list(group_ids)}]}
    if enabled is not None:
        props["enabled"] = enabled
    return {"resourceGroupName": RG, "alertProcessingRuleName": "apr-dr-backup-alerts", "location": "Global",
            "properties": props}


def alerting(apr=None, *, vault_alerts="Enabled", dep_vault=False, dep_group=False):
    def build():
        vprops = vault_out()
        vprops = mutate(vprops, JOB_ALERTS, vault_alerts)
        vault = stack_resource(VAULT_T, "rsv", vprops)
        group = stack_resource(AG_T, "ag", {"resourceGroupName": RG, "actionGroupName": "ag-dr-backup", "id": AG_ID,
                                            "location": "Global", "groupShortName": "drbackup", "enabled": True})
        out = [vault, group]
        if apr is not None:
            deps = [d for d, on in ((vault, dep_vault), (group, dep_group)) if on]
            out.append(stack_resource(APR_T, "apr", apr, property_dependencies={"properties": deps} if deps else None))
        return out
    return build


def unrouted(shown="on"):
    return (f"[AZDR-MON-001] vault 'rsv' raises Azure Monitor alerts for all job failures ({shown}) but no enabled "
            "alert processing rule routes them to an action group: a failed backup reaches nobody; add "
            "alertsmanagement.AlertProcessingRuleByName(scopes=[<vault>.id], actions=[AddActionGroupsArgs("
            "action_type='AddActionGroups', action_group_ids=[<action group>.id])])", VURN)


RG_SCOPE = f"/subscriptions/{SUB}/resourceGroups/{RG}"
CASES += [
    Case("AZDR-MON-001", "pass-scoped-to-the-vault-id", alerting(apr_props([vault_id()]))),
    Case("AZDR-MON-001", "pass-scoped-to-the-resource-group", alerting(apr_props([RG_SCOPE]))),
    Case("AZDR-MON-001", "pass-scoped-to-the-subscription", alerting(apr_props([f"/subscriptions/{SUB}"]))),
    Case("AZDR-MON-001", "pass-unknown-ids-joined-by-dependencies",
         alerting(apr_props([UNK], group_ids=[UNK]), dep_vault=True, dep_group=True)),
    Case("AZDR-MON-001", "pass-missing-enabled-means-enabled", alerting(apr_props([vault_id()], enabled=None))),
    Case("AZDR-MON-001", "pass-alerts-disabled-on-the-vault", alerting(vault_alerts="Disabled")),
    Case("AZDR-MON-001", "fail-no-rule", alerting(), [unrouted()]),
    Case("AZDR-MON-001", "fail-missing-alert-setting-means-enabled", alerting(vault_alerts=DELETE),
         [unrouted("on (not set means Enabled)")]),
    Case("AZDR-MON-001", "fail-rule-disabled", alerting(apr_props([vault_id()], enabled=False)), [unrouted()]),
    Case("AZDR-MON-001", "fail-rule-removes-action-groups",
         alerting(apr_props([vault_id()], action_type="RemoveAllActionGroups")), [unrouted()]),
    Case("AZDR-MON-001", "fail-rule-without-action-group", alerting(apr_props([vault_id()], group_ids=())),
         [unrouted()]),
    Case("AZDR-MON-001", "fail-rule-scoped-elsewhere", alerting(apr_props([vault_id("rsv-other")])), [unrouted()]),
    Case("AZDR-MON-001", "fail-unknown-scope-without-dependency", alerting(apr_props([UNK])), [unrouted()]),
    Case("AZDR-MON-001", "fail-unknown-group-id-without-dependency",
         alerting(apr_props([vault_id()], group_ids=[UNK])), [unrouted()]),
    Case("AZDR-MON-001", "fail-unknown-alert-setting-counts-as-on", alerting(vault_alerts=UNK),
         [unrouted("unknown during preview")]),
]


# ---- AZDR-MON-002 ---------------------------------------------------------------------------------

CATS = ["CoreAzureBackup", "AddonAzureBackupJobs", "AddonAzureBackupAlerts", "AddonAzureBackupPolicy",
        "AddonAzureBackupStorage", "AddonAzureBackupProtectedInstance"]
WS_ID = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.OperationalInsights/workspaces/log-dr"


def diag_props(uri=None, **extra):
    base = {"name": "dr-backup-reports", "resourceUri": vault_id() if uri is None else uri, "workspaceId": WS_ID,
            "logAnalyticsDestinationType": "Dedicated", "logs": [{"category": c, "enabled": True} for c in CATS]}
    return {**base, **extra}


def reports(setting=None, *, dep=False):
    def build():
        vault = stack_resource(VAULT_T, "rsv", vault_out())
        out = [vault]
        if setting is not None:
            out.append(stack_resource(DIAG_T, "diag", setting,
                                      property_dependencies={"resourceUri": [vault]} if dep else None))
        return out
    return build


FIX = ("add monitor.DiagnosticSetting(resource_uri=<vault>.id, workspace_id=<workspace>.id, "
       "log_analytics_destination_type='Dedicated', logs=[<the six categories, enabled>])")


def incomplete(*problems):
    return (f"[AZDR-MON-002] vault 'rsv' sends no complete Backup-reports data ('diag': {', '.join(problems)}); {FIX}",
            VURN)


NOT_DEDICATED = "logAnalyticsDestinationType is {}, not 'Dedicated' (resource-specific tables)"
CASES += [
    Case("AZDR-MON-002", "pass-six-categories-dedicated", reports(diag_props())),
    Case("AZDR-MON-002", "pass-unknown-uri-and-workspace-joined-by-dependency",
         reports(diag_props(UNK, workspaceId=UNK), dep=True)),
    Case("AZDR-MON-002", "pass-all-logs-category-group",
         reports(diag_props(logs=[{"categoryGroup": "allLogs", "enabled": True}]))),
    Case("AZDR-MON-002", "fail-no-setting", reports(),
         [(f"[AZDR-MON-002] vault 'rsv' has no diagnostic setting: Backup reports have no data for it; {FIX}", VURN)]),
    Case("AZDR-MON-002", "fail-missing-destination-type-means-azure-diagnostics",
         reports(mutate(diag_props(), "logAnalyticsDestinationType", DELETE)),
         [incomplete(NOT_DEDICATED.format("not set (AzureDiagnostics, the legacy table)"))]),
    Case("AZDR-MON-002", "fail-azure-diagnostics-mode",
         reports(diag_props(logAnalyticsDestinationType="AzureDiagnostics")),
         [incomplete(NOT_DEDICATED.format("'AzureDiagnostics'"))]),
    Case("AZDR-MON-002", "fail-unknown-destination-type", reports(diag_props(logAnalyticsDestinationType=UNK)),
         [incomplete(NOT_DEDICATED.format("unknown during preview"))]),
    Case("AZDR-MON-002", "fail-two-categories-missing-one-disabled",
         reports(diag_props(logs=[{"category": c, "enabled": c != "AddonAzureBackupJobs"} for c in CATS[:4]])),
         [incomplete("log categories not enabled: AddonAzureBackupJobs, AddonAzureBackupStorage, "
                     "AddonAzureBackupProtectedInstance")]),
    Case("AZDR-MON-002", "fail-no-workspace", reports(mutate(diag_props(), "workspaceId", DELETE)),
         [incomplete("no workspaceId (Backup reports read a Log Analytics workspace)")]),
    Case("AZDR-MON-002", "fail-setting-on-another-vault", reports(diag_props(vault_id("rsv-other"))),
         [(f"[AZDR-MON-002] vault 'rsv' has no diagnostic setting: Backup reports have no data for it; {FIX}", VURN)]),
]


# ---- AZDR-LCK-001 ---------------------------------------------------------------------------------

IRP_PREFIX = "rg-dr-database-irp-"
LURN = urn_of(LOCK_T, "lock")


def policy_with_prefix(prefix=IRP_PREFIX, suffix=None):
    p = v2_hourly_policy_props()
    p["properties"]["instantRPDetails"] = {"azureBackupRGNamePrefix": prefix}
    if suffix:
        p["properties"]["instantRPDetails"]["azureBackupRGNameSuffix"] = suffix
    return p


def locked(scope, *, policy=None, level="CanNotDelete", lock_type=LOCK_T, extra=None, group=None):
    def build():
        out = [stack_resource(POLICY_T, "pol", policy if policy is not None else policy_with_prefix())]
        deps = None
        if group is not None:
            rg = stack_resource(RG_T, "rg", {"resourceGroupName": group, "location": "westeurope"})
            out.append(rg)
            deps = {"scope": [rg]}
        props = {"level": level, **({"scope": scope} if scope is not None else {}), **(extra or {})}
        out.append(stack_resource(lock_type, "lock", props, property_dependencies=deps))
        return out
    return build


def irp_lock(rg, why=f"prefix '{IRP_PREFIX}' of policy 'pol'", level="'CanNotDelete'", urn=LURN):
    return (f"[AZDR-LCK-001] lock 'lock' ({level}) is on resource group '{rg}', which Azure Backup creates for "
            f"instant-restore snapshots ({why}): backups fail when Azure Backup cannot clean it up; remove the lock "
            "(lock the vault and the recovery resource groups instead)", urn)


def rg_scope(name):
    return f"/subscriptions/{SUB}/resourceGroups/{name}"


CASES += [
    Case("AZDR-LCK-001", "pass-lock-on-the-recovery-group", locked(rg_scope("rg-dr-recovery-northeurope"))),
    Case("AZDR-LCK-001", "pass-lock-on-the-vault", locked(vault_id())),
    Case("AZDR-LCK-001", "pass-prefix-without-number-is-not-the-group", locked(rg_scope("rg-dr-database-irp-x"))),
    Case("AZDR-LCK-001", "pass-unknown-scope-is-not-judged", locked(UNK)),
    Case("AZDR-LCK-001", "pass-missing-scope-is-not-judged", locked(None)),
    Case("AZDR-LCK-001", "pass-subscription-lock-without-backup-policies", lambda: [
        stack_resource(LOCK_T, "lock", {"level": "CanNotDelete", "scope": f"/subscriptions/{SUB}"})]),
    Case("AZDR-LCK-001", "fail-lock-on-the-instant-restore-group", locked(rg_scope("rg-dr-database-irp-1")),
         [irp_lock("rg-dr-database-irp-1")]),
    Case("AZDR-LCK-001", "fail-case-insensitive-with-suffix",
         locked(rg_scope("RG-DR-DATABASE-IRP-12-weu"), policy=policy_with_prefix(suffix="-weu")),
         [irp_lock("RG-DR-DATABASE-IRP-12-weu")]),
    Case("AZDR-LCK-001", "fail-missing-prefix-default-azure-backup-group",
         locked(rg_scope("AzureBackupRG_westeurope_1"), policy=v2_hourly_policy_props()),
         [irp_lock("AzureBackupRG_westeurope_1", "Azure Backup's default AzureBackupRG_<region>_<n>")]),
    Case("AZDR-LCK-001", "fail-read-only-lock-at-resource-group-level",
         locked(None, lock_type=LOCK_RG_T, level="ReadOnly", extra={"resourceGroupName": "rg-dr-database-irp-2"}),
         [irp_lock("rg-dr-database-irp-2", level="'ReadOnly'", urn=urn_of(LOCK_RG_T, "lock"))]),
    Case("AZDR-LCK-001", "fail-unknown-scope-joined-to-a-declared-group",
         locked(UNK, group="rg-dr-database-irp-3"), [irp_lock("rg-dr-database-irp-3")]),
    Case("AZDR-LCK-001", "fail-subscription-lock-with-backup-policies", locked(f"/subscriptions/{SUB}"),
         [(f"[AZDR-LCK-001] lock 'lock' ('CanNotDelete') is on /subscriptions/{SUB}: every resource group inherits "
           "it, including the ones Azure Backup creates for instant-restore snapshots, and backups fail there; lock "
           "the vaults and the recovery resource groups instead", LURN)]),
]


@pytest.mark.parametrize("case", params(CASES))
def test_case(case):
    case.check()


def test_exemption_applies_to_a_vault_finding():
    res = run_stack(RULES_BY_ID["AZDR-MON-001"], alerting()(), config={"exemptions": [
        {"resource": "rsv", "reason": "alerts routed by the central platform team", "expires": SOON}]})
    assert res.violations == [] and res.failures == []


def test_alert_routing_join_is_per_vault():
    """Two vaults, one rule scoped to one of them: only the other is reported."""
    vault1 = stack_resource(VAULT_T, "rsv1", vault_out(name="rsv-1", vaultName="rsv-1", id=vault_id("rsv-1")))
    vault2 = stack_resource(VAULT_T, "rsv2", vault_out(name="rsv-2", vaultName="rsv-2", id=vault_id("rsv-2")))
    rule = stack_resource(APR_T, "apr", apr_props([vault_id("rsv-1")]))
    res = run_stack(RULES_BY_ID["AZDR-MON-001"], [vault1, vault2, rule])
    assert [u for _, u in res.violations] == [urn_of(VAULT_T, "rsv2")] and res.failures == []


@pytest.mark.parametrize("rule_id", ["AZDR-MUA-001", "AZDR-MON-001", "AZDR-MON-002"])
def test_a_site_recovery_only_vault_is_not_judged(rule_id):
    """A vault tagged dr-purpose: site-recovery holds no backups: no guard, alert route or Backup reports asked."""
    asr = stack_resource(VAULT_T, "rsv", vault_out(tags={"dr-purpose": "site-recovery"}))
    res = run_stack(RULES_BY_ID[rule_id], [asr])
    assert res.violations == [] and res.failures == []
    backup = stack_resource(VAULT_T, "rsv", vault_out(tags={"dr-purpose": "backup"}))
    assert [u for _, u in run_stack(RULES_BY_ID[rule_id], [backup]).violations] == [VURN]


# ---- the shared join (azdr_policies.joins.backup_vaults_joined) that MUA-001 and MON-002 are built on ----------


def test_backup_vaults_joined_groups_by_vault_skips_site_recovery_vaults_and_strays():
    from azdr_policies.joins import Graph, backup_vaults_joined

    backup = stack_resource(VAULT_T, "rsv", {**vault_props(), "name": "rsv-dr-weu", "id": vault_id()})
    asr = stack_resource(VAULT_T, "rsv-asr", {**vault_props(), "name": "rsv-asr", "id": vault_id("rsv-asr"),
                                              "tags": {"dr-purpose": "site-recovery"}})
    p1 = stack_resource(PROXY_T, "p1", {"vaultName": "rsv-dr-weu", "resourceGroupName": RG})
    p2 = stack_resource(PROXY_T, "p2", {"vaultName": "x"}, property_dependencies={"vaultName": [backup]})
    stray = stack_resource(PROXY_T, "p3", {"vaultName": "elsewhere", "resourceGroupName": RG})
    on_asr = stack_resource(PROXY_T, "p4", {"vaultName": "rsv-asr", "resourceGroupName": RG})
    graph = Graph([backup, asr, p1, p2, stray, on_asr])
    joined = backup_vaults_joined(graph, PROXY_T, "vaultName", "vaultName", by_name=True)
    assert [(v.name, [p.name for p in ps]) for v, ps in joined] == [("rsv", ["p1", "p2"])]
    assert backup_vaults_joined(Graph([asr, on_asr]), PROXY_T, "vaultName", "vaultName", by_name=True) == []
    lone = backup_vaults_joined(Graph([backup]), PROXY_T, "vaultName", "vaultName", by_name=True)
    assert [(v.name, ps) for v, ps in lone] == [("rsv", [])]
