"""Issue 15 components under the mock runtime: config validation of `security`/`monitoring` (exact messages),
the Resource Guard and VaultProxy, alert routing, Backup-reports diagnostic settings, private endpoint, recovery
locks and the archive tier; exact recorded inputs, names and parents."""

from pathlib import Path

import pytest

from components import config as c
from components.arm_mocks import SUBSCRIPTION_ID
from components.backup_policy import policy_properties, tiering_policy
from components.hardening import COPIES_LOCK_NAME, declare_recovery_locks
from components.monitoring import BACKUP_LOG_CATEGORIES, declare_monitoring
from components.recovery_vault import RecoveryVault, RecoveryVaultArgs
from components.resource_guard import declare_multi_user_authorization
from posture.capture import capture_program
from tests.components.helpers import run

ROOT = Path(__file__).resolve().parents[2]
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE5Bx4GJ4D3v4LaEZFWiaobemAk7sfwCr4/TQ519JQL5 test"
GUARD_ID = ("/subscriptions/99999999-9999-9999-9999-999999999999/resourceGroups/rg-sec/providers/"
            "Microsoft.DataProtection/resourceGuards/guard-weu")


def parse(**top):
    return c.parse_stack_config({"workloads": {"db": {"tier": "database", "sshPublicKey": KEY}}, **top},
                                location="westeurope")


def problems(**top):
    with pytest.raises(c.ConfigError) as info:
        parse(**top)
    return info.value.problems


# --- config -------------------------------------------------------------------------------------------------


def test_defaults_cross_subscription_restore_disabled_and_locks_on_nothing_else():
    cfg = parse()
    assert cfg.security.cross_subscription_restore == "Disabled" and cfg.security.delete_locks is True
    assert (cfg.security.resource_guard, cfg.security.customer_managed_key, cfg.security.private_endpoint,
            cfg.security.archive_tier, cfg.monitoring.alerts, cfg.monitoring.backup_reports) == (None,) * 6


def test_a_guard_beside_the_vault_is_refused():
    assert problems(security={"resourceGuard": {"resourceGroupName": "RG-DR-BACKUP-WESTEUROPE"}}) == [
        'azure-iaas-dr:security.resourceGuard.resourceGroupName: "RG-DR-BACKUP-WESTEUROPE": a resource group other'
        " than the vault's (westeurope): a guard beside the vault is administered by the vault's own administrators,"
        " which defeats multi-user authorization"]
    # the same group name in another subscription is not beside the vault
    cfg = parse(security={"resourceGuard": {"resourceGroupName": "rg-dr-backup-westeurope",
                                            "subscriptionId": "99999999-9999-9999-9999-999999999999"}})
    assert cfg.security.resource_guard.subscription_id == "99999999-9999-9999-9999-999999999999"


def test_an_existing_guard_in_the_vault_group_or_not_a_guard_is_refused():
    beside = GUARD_ID.replace("rg-sec", "rg-dr-backup-westeurope")
    assert problems(security={"resourceGuard": {"existingIds": {"westeurope": beside}}}) == [
        f"azure-iaas-dr:security.resourceGuard.existingIds.westeurope: {c._show(beside)}: a guard outside the"
        " vault's resource group rg-dr-backup-westeurope"]
    assert problems(security={"resourceGuard": {"existingIds": {"westeurope": "/subscriptions/x/vaults/y"}}}) == [
        'azure-iaas-dr:security.resourceGuard.existingIds.westeurope: "/subscriptions/x/vaults/y": an ARM id of a'
        " Microsoft.DataProtection/resourceGuards resource"]
    assert problems(security={"resourceGuard": {}}) == [
        "azure-iaas-dr:security.resourceGuard.resourceGroupName: <missing>: the resource group to declare the guard"
        " in, or existingIds (region -> guard id)"]


def test_monitoring_and_security_input_errors_name_the_key():
    assert problems(monitoring={"alerts": {}}) == [
        "azure-iaas-dr:monitoring.alerts: no receivers: at least one of emailReceivers or webhookReceivers"]
    assert problems(monitoring={"alerts": {"emailReceivers": [{"name": "a", "address": "not-an-address"}]}}) == [
        'azure-iaas-dr:monitoring.alerts.emailReceivers[0].address: "not-an-address": an email address']
    assert problems(monitoring={"alerts": {"webhookReceivers": [{"name": "w", "serviceUri": "http://x"}]}}) == [
        'azure-iaas-dr:monitoring.alerts.webhookReceivers[0].serviceUri: "http://x": an https:// URI']
    assert problems(vault={"storageRedundancy": "ZoneRedundant", "allowWeakerPosture": True},
                    security={"archiveTier": {}}) == [
        'azure-iaas-dr:security.archiveTier: set: unset with vault.storageRedundancy "ZoneRedundant": Azure Backup'
        " has no archive tier for zone-redundant vaults"]
    assert problems(security={"archiveTier": {"afterMonths": 2}}) == [
        "azure-iaas-dr:security.archiveTier.afterMonths: 2: an integer from 3 to 1188 (Azure archives points at"
        " least 3 months old)"]
    assert problems(security={"privateEndpoint": {"subnetIds": {"northeurope": "x"}}}) == [
        'azure-iaas-dr:security.privateEndpoint.subnetIds.northeurope: "northeurope": a region that holds workloads'
        " (has a vault): westeurope"]
    assert problems(security={"crossSubscriptionRestore": "Off"}) == [
        'azure-iaas-dr:security.crossSubscriptionRestore: "Off": one of "Enabled", "Disabled" or'
        ' "PermanentlyDisabled"']


# --- components ---------------------------------------------------------------------------------------------


def _vault_and(cfg, *declare):
    def program():
        vault = RecoveryVault("vault-westeurope", RecoveryVaultArgs.from_config(cfg, "westeurope",
                                                                                "rg-dr-backup-westeurope"))
        for fn in declare:
            fn(cfg, {"westeurope": vault})
    return program


def test_guard_and_proxy_exact_inputs_and_names():
    cfg = parse(security={"resourceGuard": {"resourceGroupName": "rg-sec", "excludedOperations": ["GetSecurityPin"]}})
    cap = run(_vault_and(cfg, declare_multi_user_authorization))
    [guard] = cap.find("azure-native:dataprotection:ResourceGuard")
    assert (guard.name, guard.parent.split("::")[-1]) == ("guard-westeurope-guard", "guard-westeurope")
    assert guard.inputs == {
        "resourceGroupName": "rg-sec", "resourceGuardsName": "guard-dr-westeurope", "location": "westeurope",
        "properties": {"vaultCriticalOperationExclusionList": [
            "Microsoft.RecoveryServices/vaults/backupSecurityPIN/action"]},
        "tags": {"dr-purpose": "multi-user-authorization"}}
    [proxy] = cap.find("azure-native:recoveryservices:ResourceGuardProxy")
    assert proxy.name == "mua-westeurope-proxy"
    assert proxy.inputs == {
        "resourceGroupName": "rg-dr-backup-westeurope", "vaultName": "rsv-dr-westeurope",
        "resourceGuardProxyName": "VaultProxy",
        "properties": {"resourceGuardResourceId": f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-sec/providers/"
                                                  "Microsoft.DataProtection/resourceGuards/guard-dr-westeurope"}}
    assert guard.urn in proxy.property_dependencies["properties"]


def test_existing_guard_declares_no_guard_and_other_subscription_uses_a_provider():
    cfg = parse(security={"resourceGuard": {"existingIds": {"westeurope": GUARD_ID}}})
    cap = run(_vault_and(cfg, declare_multi_user_authorization))
    assert cap.find("azure-native:dataprotection:ResourceGuard") == []
    [proxy] = cap.find("azure-native:recoveryservices:ResourceGuardProxy")
    assert proxy.inputs["properties"] == {"resourceGuardResourceId": GUARD_ID}
    cfg = parse(security={"resourceGuard": {"resourceGroupName": "rg-sec",
                                            "subscriptionId": "99999999-9999-9999-9999-999999999999"}})
    cap = run(_vault_and(cfg, declare_multi_user_authorization))
    [provider] = cap.find("pulumi:providers:azure-native")
    assert provider.inputs["subscriptionId"] == "99999999-9999-9999-9999-999999999999"
    [guard] = cap.find("azure-native:dataprotection:ResourceGuard")
    assert guard.options["provider"].startswith(provider.urn)


def test_alert_routing_and_backup_reports_exact_inputs():
    cfg = parse(monitoring={"alerts": {"emailReceivers": [{"name": "oncall", "address": "oncall@example.com"}],
                                       "webhookReceivers": [{"name": "hook", "serviceUri": "https://h.example.com/x"}]},
                            "backupReports": {"retentionDays": 60}})
    cap = run(_vault_and(cfg, declare_monitoring))
    vault_id = (f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-dr-backup-westeurope/providers/"
                "Microsoft.RecoveryServices/vaults/rsv-dr-westeurope")
    [group] = cap.find("azure-native:monitor:ActionGroup")
    assert group.name == "backup-alerts-action-group"
    assert group.inputs == {
        "resourceGroupName": "rg-dr-backup-westeurope", "actionGroupName": "ag-dr-backup", "location": "Global",
        "groupShortName": "drbackup", "enabled": True,
        "emailReceivers": [{"name": "oncall", "emailAddress": "oncall@example.com", "useCommonAlertSchema": True}],
        # useAadAuth False: the SDK's default for a webhook receiver
        "webhookReceivers": [{"name": "hook", "serviceUri": "https://h.example.com/x", "useAadAuth": False,
                              "useCommonAlertSchema": True}],
        "tags": {}}
    [rule] = cap.find("azure-native:alertsmanagement:AlertProcessingRuleByName")
    assert rule.inputs["properties"] == {
        "scopes": [vault_id], "enabled": True,
        "actions": [{"actionType": "AddActionGroups", "actionGroupIds": [
            f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-dr-backup-westeurope/providers/Microsoft.Insights/"
            "actionGroups/ag-dr-backup"]}],
        "description": "Deliver the Recovery Services vaults' built-in Azure Monitor backup alerts."}
    [workspace] = cap.find("azure-native:operationalinsights:Workspace")
    assert (workspace.inputs["workspaceName"], workspace.inputs["sku"], workspace.inputs["retentionInDays"]) == (
        "log-dr-westeurope", {"name": "PerGB2018"}, 60.0)
    [diag] = cap.find("azure-native:monitor:DiagnosticSetting")
    assert diag.name == "backup-reports-westeurope"
    assert diag.inputs == {
        "name": "dr-backup-reports", "resourceUri": vault_id, "workspaceId": workspace.id,
        "logAnalyticsDestinationType": "Dedicated",
        "logs": [{"category": cat, "enabled": True} for cat in BACKUP_LOG_CATEGORIES]}
    assert len(BACKUP_LOG_CATEGORIES) == 6


def test_vault_settings_cross_subscription_restore_and_cmk():
    cmk = {"keyUri": "https://kv-x.vault.azure.net/keys/k1", "userAssignedIdentityId":
           "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1",
           "infrastructureEncryption": True}
    cfg = parse(security={"crossSubscriptionRestore": "PermanentlyDisabled", "customerManagedKey": cmk})
    cap = run(_vault_and(cfg))
    [vault] = cap.find("azure-native:recoveryservices:Vault")
    props = vault.inputs["properties"]
    assert props["restoreSettings"] == {"crossSubscriptionRestoreSettings": {
        "crossSubscriptionRestoreState": "PermanentlyDisabled"}}
    assert props["encryption"] == {"keyVaultProperties": {"keyUri": cmk["keyUri"]}, "infrastructureEncryption": "Enabled",
                                   "kekIdentity": {"useSystemAssignedIdentity": False,
                                                   "userAssignedIdentity": cmk["userAssignedIdentityId"]}}
    assert vault.inputs["identity"] == {"type": "UserAssigned",
                                        "userAssignedIdentities": [cmk["userAssignedIdentityId"]]}
    cap = run(_vault_and(parse()))
    [vault] = cap.find("azure-native:recoveryservices:Vault")
    assert "encryption" not in vault.inputs["properties"] and "identity" not in vault.inputs


def test_archive_tier_only_for_plans_with_monthly_or_yearly_points():
    cfg = parse(security={"archiveTier": {"afterMonths": 6}},
                workloads={"db": {"tier": "database", "sshPublicKey": KEY},
                           "pricing": {"tier": "critical-data", "sshPublicKey": KEY}})
    db, pricing = cfg.workloads["db"].backup, cfg.workloads["pricing"].backup
    assert tiering_policy(db, cfg.security.archive_tier) is None  # 30 d + 12 w: nothing monthly or yearly
    [(key, t)] = tiering_policy(pricing, cfg.security.archive_tier).items()
    assert (key, t.tiering_mode, t.duration, t.duration_type) == ("ArchivedRP", "TierAfter", 6, "Months")
    rec = tiering_policy(pricing, c.ArchiveTierInput.model_validate({"mode": "TierRecommended"}))
    assert (rec["ArchivedRP"].tiering_mode, rec["ArchivedRP"].duration) == ("TierRecommended", None)
    assert policy_properties(pricing).tiering_policy is None


def test_recovery_locks_scope_the_dr_group_and_the_config_account_never_an_irp_group():
    cfg = parse(workloads={"db": {"tier": "database", "sshPublicKey": KEY,
                                  "consistentSnapshots": {"pointsInTime": ["20260101t0000z"]}}})

    def program():
        declare_recovery_locks(cfg, {}, "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/"
                               "storageAccounts/cfg", subscription_id=SUBSCRIPTION_ID)
    cap = run(program)
    locks = {r.name: r.inputs for r in cap.find("azure-native:authorization:ManagementLockByScope")}
    assert locks == {
        "locks-northeurope": {"scope": f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-dr-recovery-northeurope",
                              "level": "CanNotDelete", "lockName": COPIES_LOCK_NAME, "notes":
                              "DR copies: remove this lock deliberately before retiring restore points or snapshots."},
        "locks-config-backup": {"scope": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/"
                                         "storageAccounts/cfg", "level": "CanNotDelete",
                                "lockName": "dr-do-not-delete-config", "notes":
                                "Configuration backup (templates, stack state): remove this lock deliberately first."}}
    off = parse(security={"deleteLocks": False})
    assert declare_recovery_locks(off, {}, "x") is None


def test_dev_stack_declares_every_issue_15_resource_and_policies_wait_for_the_private_endpoint():
    cap = capture_program(ROOT, "dev", preview=True)
    types = {r.type for r in cap.resources}
    assert {"azure-native:dataprotection:ResourceGuard", "azure-native:recoveryservices:ResourceGuardProxy",
            "azure-native:monitor:ActionGroup", "azure-native:alertsmanagement:AlertProcessingRuleByName",
            "azure-native:operationalinsights:Workspace", "azure-native:monitor:DiagnosticSetting",
            "azure-native:network:PrivateEndpoint"} <= types
    [endpoint] = cap.find("azure-native:network:PrivateEndpoint")
    policies = cap.find("azure-native:recoveryservices:ProtectionPolicy")
    assert policies and all(endpoint.urn in p.dependencies for p in policies)
    [pe] = cap.find("azure-native:network:PrivateEndpoint")
    assert pe.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["AzureBackup"]
    archived = [p for p in cap.find("azure-native:recoveryservices:ProtectionPolicy")
                if "tieringPolicy" in p.inputs["properties"]]
    assert [p.inputs["properties"]["tieringPolicy"] for p in archived] == [
        {"ArchivedRP": {"tieringMode": "TierAfter", "duration": 3.0, "durationType": "Months"}}]
    lock_names = sorted(r.inputs["lockName"] for r in cap.find("azure-native:authorization:ManagementLockByScope"))
    # the Backup vault's and the Site Recovery vault's (issue 14) own lock, then the config and copies locks
    assert lock_names == ["dr-do-not-delete-backups", "dr-do-not-delete-backups", "dr-do-not-delete-config",
                          "dr-do-not-delete-copies"]
