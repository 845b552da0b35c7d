"""Azure IaaS DR: the Pulumi program. Config is validated (and every problem reported) before any
resource is declared; components do the rest."""

import pulumi

from components.backup_policy import declare_backup_policies
from components.config import load_stack_config
from components.config_backup import ConfigBackup, ConfigBackupArgs, config_resource_group_name
from components.hardening import declare_private_endpoints, declare_recovery_locks
from components.image_gallery import declare_galleries
from components.monitoring import declare_monitoring
from components.restore_points import declare_consistent_snapshots
from components.outputs import build_stack_outputs, export_stack_outputs
from components.prior_state import guard_prior_state
from components.recovery_vault import RecoveryVault, RecoveryVaultArgs
from components.resource_group import ResourceGroup, ResourceGroupArgs
from components.resource_guard import declare_multi_user_authorization
from components.site_recovery.declare import declare_site_recovery
from components.vm_protection import protect_workload_vms
from components.workload_compute import WorkloadCompute, WorkloadComputeArgs

cfg = load_stack_config()
# Issue 11: changes Azure refuses or cannot sequence, judged against the previous deployment's record (read
# through a StackReference to this stack) before any resource is declared.
deployment_record = guard_prior_state(cfg)

vaults = {}
for region in cfg.regions:
    existing = region in cfg.vault.existing_resource_groups
    rg = ResourceGroup(f"backup-{region}", ResourceGroupArgs(
        resource_group_name=cfg.vault_resource_group_name(region), location=region, existing=existing,
        tags=cfg.tags))
    vaults[region] = RecoveryVault(f"vault-{region}", RecoveryVaultArgs.from_config(cfg, region, rg.name))

# Issue 15: multi-user authorization (Resource Guard + VaultProxy), alert routing and Backup reports, and
# private endpoints, which Azure allows only before the first item is protected: the policies (and through them
# the protected items) wait for them.
declare_multi_user_authorization(cfg, vaults)
declare_monitoring(cfg, vaults)
endpoints = declare_private_endpoints(cfg, vaults)

# Top-level components: a vault registers its outputs when built, so the policies are not its children; they
# depend on it through vaultName.
policies = {
    region: declare_backup_policies(region, cfg.workloads_in(region), resource_group_name=v.resource_group_name,
                                    vault_name=v.vault_name, archive=cfg.security.archive_tier,
                                    depends_on=[endpoints[region].endpoint] if region in endpoints else ())
    for region, v in vaults.items()
}

# Configuration backup (seed: "back up the configuration"): RA-GRS account for state/templates, and custom
# images replicated to the DR region. image_version_ids: workload -> gallery image version id.
config_backup, config_rg, image_version_ids = None, None, {}
if cfg.config_backup.enabled or any(w.custom_image for w in cfg.workloads.values()):
    config_rg = ResourceGroup("config", ResourceGroupArgs(
        resource_group_name=config_resource_group_name(cfg.name_prefix, cfg.location), location=cfg.location,
        tags=cfg.tags))
    if cfg.config_backup.enabled:
        config_backup = ConfigBackup("config-backup", ConfigBackupArgs.from_config(cfg, config_rg.name,
                                                                                   pulumi.get_stack()))
    image_version_ids = declare_galleries(cfg, config_rg.name)

workloads = {}
for name, w in cfg.workloads.items():
    workloads[name] = WorkloadCompute(f"workload-{name}", WorkloadComputeArgs.from_config(
        cfg, name, image_id=image_version_ids.get(name)))
    protect_workload_vms(w, workloads[name].vms, vault=vaults[w.region], policies=policies[w.region],
                         retain_on_delete=cfg.retain_on_delete)

# Consistent multi-disk restore points / snapshot sets copied to the DR region (workloads.<w>.consistentSnapshots).
snapshots = declare_consistent_snapshots(cfg, {n: c.vms for n, c in workloads.items()})
# CanNotDelete locks on the DR region's recovery resource groups and the configuration-backup account (issue 15).
declare_recovery_locks(cfg, snapshots, None if config_backup is None else config_backup.account_id)

# Azure Site Recovery (workloads.<w>.siteRecovery): a vault in the target region, replication of every VM.
site_recovery = declare_site_recovery(cfg, workloads, pulumi.get_stack())

export_stack_outputs(build_stack_outputs(
    cfg, vaults=vaults, policies=policies,
    availability_set_ids={n: c.availability_set_id for n, c in workloads.items() if c.availability_set_id is not None},
    workload_resource_groups={n: c.resource_group_name for n, c in workloads.items()},
    config_backup=config_backup, config_backup_resource_group_name=None if config_backup is None else config_rg.name,
    image_version_ids=image_version_ids, deployment_record=deployment_record))
