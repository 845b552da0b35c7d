"""``BackupAlerts`` and ``BackupReports``: alerts that reach a person, and Backup reports.

The vaults raise built-in Azure Monitor alerts for job failures (``vault.jobFailureAlerts``), but Azure delivers
them to nobody until an **alert processing rule** routes them to an **action group**
(https://learn.microsoft.com/azure/backup/backup-azure-monitoring-alerts).

* ``BackupAlerts`` (``azure-iaas-dr:monitoring:BackupAlerts``), from ``monitoring.alerts``: child
  ``<name>-action-group`` (``azure-native:monitor:ActionGroup`` ``ag-<namePrefix>-backup``, location ``Global``,
  the email and webhook receivers of the config, common alert schema) and child ``<name>-routing``
  (``azure-native:alertsmanagement:AlertProcessingRuleByName`` ``apr-<namePrefix>-backup-alerts``, location
  ``Global``, ``scopes`` = the vault ids, one ``AddActionGroups`` action), both in the primary region's vault
  resource group.
* ``BackupReports`` (``azure-iaas-dr:monitoring:BackupReports``), from ``monitoring.backupReports``: child
  ``<name>-workspace`` (``azure-native:operationalinsights:Workspace`` ``log-<namePrefix>-<region>``, PerGB2018)
  unless ``workspaceId`` names an existing one, and per vault a child ``<name>-<region>``
  (``azure-native:monitor:DiagnosticSetting`` ``dr-backup-reports`` on the vault) in resource-specific mode
  (``logAnalyticsDestinationType: Dedicated``) with Azure Backup's six log categories, what Backup reports read
  (https://learn.microsoft.com/azure/backup/configure-reports,
  https://learn.microsoft.com/azure/backup/backup-azure-diagnostic-events).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_azure_native.alertsmanagement as alertsmanagement
import pulumi_azure_native.monitor as monitor
import pulumi_azure_native.operationalinsights as operationalinsights

from .config import AlertsInput, BackupReportsInput, StackConfig

#: The resource-specific log categories of a Recovery Services vault that Backup reports use, all six
#: (https://learn.microsoft.com/azure/backup/backup-azure-diagnostic-events; the built-in Azure Policy
#: c717fb0c-d118-4c43-ab3d-ece30ac81fb3 requires the same six with ``Dedicated``).
BACKUP_LOG_CATEGORIES = (
    "CoreAzureBackup",
    "AddonAzureBackupJobs",
    "AddonAzureBackupAlerts",
    "AddonAzureBackupPolicy",
    "AddonAzureBackupStorage",
    "AddonAzureBackupProtectedInstance",
)
DIAGNOSTIC_SETTING_NAME = "dr-backup-reports"
#: Action groups and alert processing rules are global resources.
GLOBAL = "Global"


@dataclass(frozen=True)
class BackupAlertsArgs:
    """Inputs of :class:`BackupAlerts`."""

    resource_group_name: pulumi.Input[str]
    action_group_name: str
    rule_name: str
    settings: AlertsInput
    #: ARM ids of the vaults whose alerts are routed.
    vault_ids: Sequence[pulumi.Input[str]]
    tags: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, cfg: StackConfig, resource_group_name: pulumi.Input[str],
                    vault_ids: Sequence[pulumi.Input[str]]) -> BackupAlertsArgs:
        assert cfg.monitoring.alerts is not None
        return cls(resource_group_name=resource_group_name, action_group_name=f"ag-{cfg.name_prefix}-backup",
                   rule_name=f"apr-{cfg.name_prefix}-backup-alerts", settings=cfg.monitoring.alerts,
                   vault_ids=list(vault_ids), tags=dict(cfg.tags))


class BackupAlerts(pulumi.ComponentResource):
    """An action group (child ``<name>-action-group``) and the alert processing rule routing the vaults'
    alerts to it (child ``<name>-routing``)."""

    action_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: BackupAlertsArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("azure-iaas-dr:monitoring:BackupAlerts", name, None, opts)
        s = args.settings
        group = monitor.ActionGroup(
            f"{name}-action-group",
            resource_group_name=args.resource_group_name,
            action_group_name=args.action_group_name,
            location=GLOBAL,
            group_short_name=s.short_name,
            enabled=True,
            email_receivers=[monitor.MicrosoftCommonEmailReceiverArgs(name=r.name, email_address=r.address,
                                                                      use_common_alert_schema=True)
                             for r in s.email_receivers],
            webhook_receivers=[monitor.WebhookReceiverArgs(name=r.name, service_uri=r.service_uri,
                                                           use_common_alert_schema=True)
                               for r in s.webhook_receivers],
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        rule = alertsmanagement.AlertProcessingRuleByName(
            f"{name}-routing",
            resource_group_name=args.resource_group_name,
            alert_processing_rule_name=args.rule_name,
            location=GLOBAL,
            properties=alertsmanagement.AlertProcessingRulePropertiesArgs(
                scopes=list(args.vault_ids),
                actions=[alertsmanagement.AddActionGroupsArgs(
                    action_type=alertsmanagement.ActionType.ADD_ACTION_GROUPS, action_group_ids=[group.id])],
                enabled=True,
                description="Deliver the Recovery Services vaults' built-in Azure Monitor backup alerts.",
            ),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.action_group = group
        self.rule = rule
        self.action_group_id = group.id
        self.register_outputs({"actionGroupId": self.action_group_id, "ruleId": rule.id})


@dataclass(frozen=True)
class BackupReportsArgs:
    """Inputs of :class:`BackupReports`."""

    resource_group_name: pulumi.Input[str]
    location: str
    workspace_name: str
    settings: BackupReportsInput
    #: Region -> ARM id of the vault to send diagnostics from.
    vault_ids: Mapping[str, pulumi.Input[str]]
    tags: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, cfg: StackConfig, resource_group_name: pulumi.Input[str],
                    vault_ids: Mapping[str, pulumi.Input[str]]) -> BackupReportsArgs:
        assert cfg.monitoring.backup_reports is not None
        return cls(resource_group_name=resource_group_name, location=cfg.location,
                   workspace_name=f"log-{cfg.name_prefix}-{cfg.location}", settings=cfg.monitoring.backup_reports,
                   vault_ids=dict(vault_ids), tags=dict(cfg.tags))


class BackupReports(pulumi.ComponentResource):
    """A Log Analytics workspace (child ``<name>-workspace``, unless an existing one is given) and a diagnostic
    setting per vault (child ``<name>-<region>``)."""

    workspace_id: pulumi.Output[str]

    def __init__(self, name: str, args: BackupReportsArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("azure-iaas-dr:monitoring:BackupReports", name, None, opts)
        s = args.settings
        self.workspace: Optional[operationalinsights.Workspace] = None
        if s.workspace_id is not None:
            workspace_id: pulumi.Input[str] = s.workspace_id
        else:
            self.workspace = operationalinsights.Workspace(
                f"{name}-workspace",
                resource_group_name=args.resource_group_name,
                workspace_name=args.workspace_name,
                location=args.location,
                sku=operationalinsights.WorkspaceSkuArgs(name=operationalinsights.WorkspaceSkuNameEnum.PER_GB2018),
                retention_in_days=s.retention_days,
                tags=dict(args.tags),
                opts=pulumi.ResourceOptions(parent=self),
            )
            workspace_id = self.workspace.id
        self.settings: dict[str, monitor.DiagnosticSetting] = {}
        for region, vault_id in args.vault_ids.items():
            self.settings[region] = monitor.DiagnosticSetting(
                f"{name}-{region}",
                name=DIAGNOSTIC_SETTING_NAME,
                resource_uri=vault_id,
                workspace_id=workspace_id,
                # resource-specific tables (AddonAzureBackup*), what Backup reports need
                log_analytics_destination_type="Dedicated",
                logs=[monitor.DiagnosticsLogSettingsArgs(category=c, enabled=True) for c in BACKUP_LOG_CATEGORIES],
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.workspace_id = pulumi.Output.from_input(workspace_id)
        self.register_outputs({"workspaceId": self.workspace_id})


def declare_monitoring(cfg: StackConfig, vaults: Mapping[str, Any]) -> tuple[Optional[BackupAlerts],
                                                                              Optional[BackupReports]]:
    """The alert routing and Backup reports the config asks for (each None when not configured). ``vaults``:
    region -> :class:`components.recovery_vault.RecoveryVault`; the shared resources go in the primary region's
    vault resource group."""
    if not vaults:
        return None, None
    primary = vaults.get(cfg.location) or next(iter(vaults.values()))
    alerts = reports = None
    if cfg.monitoring.alerts is not None:
        alerts = BackupAlerts("backup-alerts", BackupAlertsArgs.from_config(
            cfg, primary.resource_group_name, [v.vault_id for v in vaults.values()]))
    if cfg.monitoring.backup_reports is not None:
        reports = BackupReports("backup-reports", BackupReportsArgs.from_config(
            cfg, primary.resource_group_name, {r: v.vault_id for r, v in vaults.items()}))
    return alerts, reports
