"""Change-rule fixture (issue 16): what the dev stack's program refuses to declare, so that AZDR-CHG-013 and
AZDR-CHG-014 can be judged on a real `pulumi preview --json`.

* ``fx:points`` (list of labels, default one): per label an incremental snapshot of one managed disk
  (``createOption: Copy``) and its cross-region copy (``createOption: CopyStart`` in North Europe), each copy
  depending on the previous one, as components/restore_points.py declares them;
* ``fx:vms`` (default 1): that many VM protected items in one vault (the VMs are named by ARM id only: the stand-in
  provider and the change rules need no VM resource).
"""

import pulumi
import pulumi_azure_native.compute as compute
import pulumi_azure_native.recoveryservices as rs
import pulumi_azure_native.resources as resources

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
cfg = pulumi.Config("fx")
points = cfg.get_object("points") or ["20260101t0000z"]
vms = cfg.get_int("vms") or 1

rg = resources.ResourceGroup("rg", resource_group_name="rg-fx", location="westeurope")
dr = resources.ResourceGroup("rg-dr", resource_group_name="rg-fx-dr", location="northeurope")
disk = compute.Disk("data", resource_group_name=rg.name, disk_name="fx-data", location="westeurope",
                    disk_size_gb=64, sku=compute.DiskSkuArgs(name="Premium_ZRS"),
                    creation_data=compute.CreationDataArgs(create_option=compute.DiskCreateOption.EMPTY))
previous = None
for point in points:
    snap = compute.Snapshot(f"snap-{point}", resource_group_name=rg.name, snapshot_name=f"snap-fx-data-{point}",
                            location="westeurope", incremental=True,
                            creation_data=compute.CreationDataArgs(create_option=compute.DiskCreateOption.COPY,
                                                                   source_resource_id=disk.id))
    previous = compute.Snapshot(
        f"snap-{point}-dr", resource_group_name=dr.name, snapshot_name=f"snap-fx-data-{point}-northeurope",
        location="northeurope", incremental=True,
        creation_data=compute.CreationDataArgs(create_option=compute.DiskCreateOption.COPY_START,
                                               source_resource_id=snap.id),
        opts=pulumi.ResourceOptions(depends_on=[previous] if previous else None))

vault = rs.Vault("vault", resource_group_name=rg.name, vault_name="rsv-fx", location="westeurope",
                 sku=rs.SkuArgs(name="RS0", tier="Standard"),
                 properties=rs.VaultPropertiesArgs(public_network_access="Disabled"))
policy = rs.ProtectionPolicy("policy", resource_group_name=rg.name, vault_name=vault.name, policy_name="fx-daily",
                             properties=rs.AzureIaaSVMProtectionPolicyArgs(backup_management_type="AzureIaasVM",
                                                                           policy_type="V2"))
for i in range(vms):
    vm = f"fx-vm-{i:03d}"
    rs.ProtectedItem(
        f"item-{vm}", resource_group_name=rg.name, vault_name=vault.name, fabric_name="Azure",
        container_name=f"iaasvmcontainer;iaasvmcontainerv2;rg-fx;{vm}",
        protected_item_name=f"vm;iaasvmcontainerv2;rg-fx;{vm}",
        properties=rs.AzureIaaSComputeVMProtectedItemArgs(
            protected_item_type="Microsoft.Compute/virtualMachines", policy_id=policy.id,
            source_resource_id=f"{SUB}/resourceGroups/rg-fx/providers/Microsoft.Compute/virtualMachines/{vm}"),
        opts=pulumi.ResourceOptions(retain_on_delete=True))
