"""Azure IaaS DR: the Pulumi program. Config is validated (and every problem reported) before any
resource is declared; components do the rest."""

import pulumi

from components.config import load_stack_config
from components.recovery_vault import RecoveryVault, RecoveryVaultArgs
from components.resource_group import ResourceGroup, ResourceGroupArgs

cfg = load_stack_config()

vaults = {}
for region in cfg.regions:
    existing = region in cfg.vault.existing_resource_groups
    rg = ResourceGroup(f"backup-{region}", ResourceGroupArgs(
        resource_group_name=cfg.vault_resource_group_name(region), location=region, existing=existing,
        tags=cfg.tags))
    vaults[region] = RecoveryVault(f"vault-{region}", RecoveryVaultArgs.from_config(cfg, region, rg.name))

pulumi.export("primaryRegion", cfg.location)
pulumi.export("drRegion", cfg.dr_region)
pulumi.export("vaults", {
    region: {"id": v.vault_id, "name": v.vault_name, "resourceGroupName": v.resource_group_name}
    for region, v in vaults.items()
})
