"""Recovery runbook generated from the DECLARED resources (``python -m posture runbook``).

Per workload, in the seed's order ("Steps for recovery", then "Recovery from snapshots", then "back up the
configuration"): find the recovery points; restore the VM or its disks from the vault in the primary region;
cross-region restore into the DR region from the geo-redundant vault's secondary copy; promote a copied
restore point or snapshot set in the DR region; rebuild from the replicated custom image. Every command is a
real Azure CLI command filled in with this stack's names (vaults, container and item names, policies,
restore point collections, snapshots, galleries); values only Azure knows at recovery time (the recovery point
you choose, a staging storage account) are shell variables set by the command before. Values the engine does
not know (preview) read ``<name known after pulumi up>``.

Command syntax checked against the Azure CLI sources (``backup`` module ``_params.py``/``_help.py``) and
Microsoft docs (VM restore points: ``az restore-point show`` + ``az disk create --source <disk restore point
id>``; incremental snapshots: ``az snapshot show --query completionPercent``).
"""

from __future__ import annotations

import shlex
from typing import Any

from . import site_recovery
from .report import Model, SnapshotSet, Vm, Workload, build
from .values import known, show


def _q(value: Any, what: str = "name") -> str:
    """A shell word: known values quoted when needed, unknown ones as a visible placeholder."""
    if not known(value):
        return f"'{show(value, what)}'"
    return shlex.quote(str(value))


def _code(lines: list[str]) -> list[str]:
    return ["```bash", *lines, "```", ""]


def _vault_args(p: Any) -> str:
    return f"--resource-group {_q(p.vault_resource_group)} --vault-name {_q(p.vault_name)}"


def _item_args(p: Any) -> str:
    return f"--container-name {_q(p.container_name)} --item-name {_q(p.item_name)}"


def _list_items(vms: list[Vm], *, secondary: bool) -> list[str]:
    """``az backup item list`` once per vault of these VMs."""
    crr = " --use-secondary-region" if secondary else ""
    seen, lines = set(), []
    for vm in vms:
        p = vm.protection
        key = (str(p.vault_resource_group), str(p.vault_name))
        if key not in seen:
            seen.add(key)
            lines.append(f"az backup item list {_vault_args(p)} --backup-management-type AzureIaasVM{crr} --output table")
    return lines


def _list_points(vm: Vm, *, secondary: bool) -> list[str]:
    p = vm.protection
    assert p is not None
    crr = " --use-secondary-region" if secondary else ""
    return [f"az backup recoverypoint list {_vault_args(p)} \\",
            f"  {_item_args(p)} --backup-management-type AzureIaasVM{crr} --output table"]


def _choose_point(vm: Vm, *, secondary: bool) -> list[str]:
    """Sets ``RP`` for this VM (each VM's block sets its own: blocks can run in any order)."""
    p = vm.protection
    assert p is not None
    crr = " --use-secondary-region" if secondary else ""
    return [f"RP=$(az backup recoverypoint list {_vault_args(p)} \\",
            f"  {_item_args(p)} --backup-management-type AzureIaasVM{crr} \\",
            "  --query \"[0].name\" --output tsv)   # newest first; pick an older one for data corruption"]


def _restore_disks(vm: Vm, *, secondary: bool, target_rg: str, staging: str) -> list[str]:
    p = vm.protection
    assert p is not None
    crr = " --use-secondary-region" if secondary else ""
    return [
        f"az backup restore restore-disks {_vault_args(p)} \\",
        f"  {_item_args(p)} --rp-name \"$RP\" \\",
        f"  --storage-account {staging} --target-resource-group {target_rg}" + (" \\\n  --use-secondary-region" if secondary else ""),
        f"JOB=$(az backup job list {_vault_args(p)} --operation Restore{crr} --query \"[0].name\" --output tsv)",
        f"az backup job wait {_vault_args(p)} --name \"$JOB\"{crr}",
    ]


def _restore_new_vm(vm: Vm, *, staging: str) -> list[str]:
    """The seed's first option: a new VM as a point-in-time copy (Alternate Location restore, same subnet)."""
    p, net = vm.protection, vm.subnet
    assert p is not None and net is not None
    return [
        f"az backup restore restore-disks {_vault_args(p)} \\",
        f"  {_item_args(p)} --rp-name \"$RP\" \\",
        f"  --storage-account {staging} --target-resource-group {_q(vm.resource_group)} \\",
        f"  --restore-mode AlternateLocation --target-vm-name {_q(f'{show(vm.name)}-restored')} \\",
        f"  --target-vnet-name {_q(net.vnet)} --target-vnet-resource-group {_q(net.resource_group)}"
        f" --target-subnet-name {_q(net.name)}",
    ]


def _deploy_template(vm: Vm, *, rg: str, secondary: bool) -> list[str]:
    """Rebuild the VM from the restored disks with the template the restore job wrote (seed: "restore the disks,
    and then use the template for the VM to customize and rebuild the restored VM")."""
    p = vm.protection
    assert p is not None
    crr = " --use-secondary-region" if secondary else ""
    return [
        f"TEMPLATE_URI=$(az backup job show {_vault_args(p)} --name \"$JOB\"{crr} \\",
        "  --query 'properties.extendedInfo.propertyBag.\"Template Blob Uri\"' --output tsv)",
        "az storage blob download --blob-url \"$TEMPLATE_URI\" --file azuredeploy.json --auth-mode login",
        f"az deployment group create --resource-group {rg} --template-file azuredeploy.json"
        "   # edit its parameters (VM name, network, availability set) first",
    ]


def _attach_commands(vm: Vm, *, rg: str, location: str, suffix: str, os_source: str,
                     data_sources: list[tuple[str, str]]) -> list[str]:
    lines = []
    os_name = f"{show(vm.os_disk.name)}{suffix}"
    lines.append(f"az disk create --resource-group {rg} --location {location} --name {_q(os_name)} "
                 f"--source {os_source}" + (f" --sku {vm.os_disk.sku}" if vm.os_disk.sku else ""))
    data_names = []
    for key, src in data_sources:
        disk = next((d for d in vm.data_disks if d.key == key), None)
        name = f"{show(disk.name) if disk else show(vm.name) + '-' + key}{suffix}"
        data_names.append(_q(name))
        lines.append(f"az disk create --resource-group {rg} --location {location} --name {_q(name)} --source {src}"
                     + (f" --sku {disk.sku}" if disk and disk.sku else ""))
    lines.append(f"az vm create --resource-group {rg} --location {location} --name {_q(f'{show(vm.name)}{suffix}')} \\")
    lines.append(f"  --attach-os-disk {_q(os_name)} --os-type {vm.os_type} --size {_q(vm.size, 'size')}{_tl(vm)} \\")
    if data_names:
        lines.append(f"  --attach-data-disks {' '.join(data_names)} \\")
    lines.append("  --subnet \"$SUBNET_ID\" --public-ip-address \"\" --nsg \"\"")
    return lines


def _tl(vm: Vm) -> str:
    return " --security-type TrustedLaunch --enable-secure-boot true --enable-vtpm true" \
        if vm.security_type == "TrustedLaunch" else ""


def _promote_set(vm: Vm, s: SnapshotSet, *, in_dr: bool) -> list[str]:
    region = s.dr_region if in_dr else s.region
    rg = _q(s.dr_resource_group if in_dr else s.resource_group)
    loc = _q(region, "region")
    suffix = f"-{s.point}"
    if s.method == "restorePoints":
        coll = _q(s.dr_collection if in_dr else s.collection)
        rp = _q((s.dr_names if in_dr else s.names)[0])
        show_rp = f"az restore-point show --resource-group {rg} --collection-name {coll} --name {rp}"
        lines = [f"{show_rp} --expand instanceView \\",
                 "  --query \"instanceView.diskRestorePoints[].replicationStatus.completionPercent\""
                 "   # usable when every disk restore point is at 100"]
        lines.append(f"OS_DRP=$({show_rp} \\")
        lines.append("  --query \"sourceMetadata.storageProfile.osDisk.diskRestorePoint.id\" --output tsv)")
        data = []
        for d in vm.data_disks:
            var = f"DRP_{d.key.upper()}"
            # by the source disk's name: the CLI's restore point output has no LUN, and its order is not promised
            lines.append(f"{var}=$({show_rp} \\")
            lines.append(f"  --query \"sourceMetadata.storageProfile.dataDisks[?name=='{show(d.name)}']"
                         ".diskRestorePoint.id | [0]\" --output tsv)")
            data.append((d.key, f"\"${var}\""))
        return lines + _attach_commands(vm, rg=rg, location=loc, suffix=suffix, os_source="\"$OS_DRP\"",
                                        data_sources=data)
    names = s.dr_names if in_dr else s.names
    by_key = {}
    for n in names:
        key = next((k for k in ["os", *(d.key for d in vm.data_disks)] if f"-{k}-{s.point}" in str(n)), None)
        if key:
            by_key[key] = n
    lines = []
    if in_dr:
        for n in names:
            lines.append(f"az snapshot show --resource-group {rg} --name {_q(n)} --query completionPercent   # must be 100")
    src = {k: f"\"$(az snapshot show --resource-group {rg} --name {_q(n)} --query id --output tsv)\""
           for k, n in by_key.items()}
    return lines + _attach_commands(vm, rg=rg, location=loc, suffix=suffix, os_source=src.get("os", "'<os snapshot>'"),
                                    data_sources=[(d.key, src[d.key]) for d in vm.data_disks if d.key in src])


def _subnet_var(region: str) -> str:
    return f'SUBNET_ID="${{SUBNET_ID:?set SUBNET_ID to the id of a subnet in {region}}}"'


def workload_runbook(m: Model, w: Workload) -> list[str]:
    region = show(w.region, "region")
    dr = next((s.dr_region for vm in w.vms for s in vm.snapshot_sets if s.dr_region), None) or m.dr_region_of(w.region)
    dr_text = show(dr, "region") if dr else "<DR region>"
    restore_rg = _q(f"rg-{w.name}-restore-{dr_text}")
    out = [f"## Workload `{w.name}` ({w.tier})", "",
           f"Primary region **{region}**, DR region **{dr_text}**. VMs: "
           + ", ".join(f"`{show(vm.name)}` (resource group `{show(vm.resource_group)}`)" for vm in w.vms) + ".", ""]
    protected = [vm for vm in w.vms if vm.protection is not None]
    in_set = w.availability_set is not None
    step = 1
    if protected:
        out += [f"### {step}. Find the recovery points (vault in {region})", ""]
        out += _code(_list_items(protected, secondary=False)
                     + [line for vm in protected for line in _list_points(vm, secondary=False)])
        step += 1
        out += [f"### {step}. Restore the VM or its disks from the vault in {region}", "",
                "The source document's two options: a new VM as a point-in-time copy of the backed-up one, or"
                " restore the disks (managed disks in the target resource group, plus the VM's configuration and a"
                " deployment template in the staging storage account) and rebuild the VM from the template.", ""]
        if in_set:
            out += ["Azure cannot restore a new VM straight into an availability set: restore the disks, add the"
                    f" availability set (`{show(w.availability_set.name)}`) to the template, then deploy it.", ""]
        for vm in protected:
            out += [f"`{show(vm.name)}`: choose the recovery point", ""]
            out += _code([f'STAGING="${{STAGING:?set STAGING to a storage account in {region} (VM configuration and'
                          ' template)}"'] + _choose_point(vm, secondary=False))
            if not in_set and vm.subnet is not None:
                out += ["then either a new VM in its subnet:", ""] + _code(_restore_new_vm(vm, staging="\"$STAGING\""))
                out += ["or its disks, then the template:", ""]
            else:
                out += ["then its disks, then the template:", ""]
            out += _code(_restore_disks(vm, secondary=False, target_rg=_q(vm.resource_group), staging="\"$STAGING\"")
                         + _deploy_template(vm, rg=_q(vm.resource_group), secondary=False))
        step += 1
        out += [f"### {step}. Cross-region restore into {dr_text}", "",
                f"If {region} is down, restore from the geo-redundant vault's secondary copy (cross-region restore):"
                " the recovery points listed with `--use-secondary-region` lag the primary's. Create the target"
                " resource group and a staging storage account in the DR region once:", ""]
        out += _code([f"az group create --name {restore_rg} --location {dr_text}",
                      'STAGING_DR="${STAGING_DR:?set STAGING_DR to a new storage account name}"',
                      f"az storage account create --name \"$STAGING_DR\" --resource-group {restore_rg}"
                      f" --location {dr_text} --sku Standard_LRS"]
                     + _list_items(protected, secondary=True))
        for vm in protected:
            out += [f"`{show(vm.name)}`:", ""] + _code(
                _choose_point(vm, secondary=True)
                + _restore_disks(vm, secondary=True, target_rg=restore_rg, staging="\"$STAGING_DR\"")
                + _deploy_template(vm, rg=restore_rg, secondary=True))
        step += 1
    else:
        out += ["No Azure Backup protected item is declared for this workload's VMs.", ""]
    sets = [(vm, s) for vm in w.vms for s in vm.snapshot_sets]
    if sets:
        method = sets[0][1].method
        title = "restore point" if method == "restorePoints" else "snapshot set"
        latest = max(s.point for _, s in sets)
        copied = any(s.dr_region for _, s in sets)
        where = dr_text if copied else region
        out += [f"### {step}. Promote a copied {title} (in {where})", "",
                "Use all disks of the same point in time together (one coordinated set per VM): create a disk from"
                " each, then a VM from the disks. Declared points: "
                + ", ".join(f"`{p}`" for p in sorted({s.point for _, s in sets})) + f"; shown: `{latest}`.", ""]
        for vm, s in sets:
            if s.point != latest:
                continue
            out += [f"`{show(vm.name)}`:", ""] + _code([_subnet_var(where)] + _promote_set(vm, s, in_dr=bool(s.dr_region)))
        step += 1
    if w.image is not None:
        img = w.image
        out += [f"### {step}. Rebuild from the replicated image", "",
                f"Image version `{show(img.version)}` of `{show(img.definition)}` in gallery `{show(img.gallery)}` is"
                " replicated to " + ", ".join(f"{show(n, 'region')} ({c} replicas, {show(t, 'type')})"
                                               for n, c, t in img.target_regions) + ".", ""]
        block = [
            f"az sig image-version show --resource-group {_q(img.resource_group)} --gallery-name {_q(img.gallery)} \\",
            f"  --gallery-image-definition {_q(img.definition)} --gallery-image-version {_q(img.version)} \\",
            "  --query \"publishingProfile.targetRegions[].{region:name, replicas:regionalReplicaCount}\"",
            f"az group create --name {restore_rg} --location {dr_text}",
            _subnet_var(dr_text),
        ]
        for vm in w.vms:
            user = _q(vm.admin_username or "azureuser")
            login = (f"--admin-username {user} --admin-password \"${{ADMIN_PASSWORD:?set ADMIN_PASSWORD}}\""
                     if vm.os_type == "windows" else f"--admin-username {user} --generate-ssh-keys")
            block += [f"az vm create --resource-group {restore_rg} --location {dr_text} --name {_q(f'{show(vm.name)}-dr')} \\",
                      f"  --image {_q(img.id, 'id')} --size {_q(vm.size, 'size')}{_tl(vm)} \\",
                      f"  --subnet \"$SUBNET_ID\" --public-ip-address \"\" --nsg \"\" {login}"]
        out += _code(block)
        step += 1
    out += [f"### {step}. Rebuild from the template", "",
            "The program is the template: run it against a stack whose `azure-native:location` is the DR region"
            " (its state lives in the configuration-backup account), then attach the restored disks.", ""]
    return out


def render(m: Model) -> str:
    out = [f"# Recovery runbook{f' for stack `{m.stack}`' if m.stack else ''}", "",
           "Generated by `python -m posture runbook` from the resources the program declares (offline). "
           "Steps follow the source document's order: restore from the vault, restore in the paired region, "
           "promote consistent copies, rebuild from images and templates.", ""]
    if m.config_store is not None:
        c = m.config_store
        out += ["## Before you start: the configuration backup", "",
                f"Stack state and templates are in storage account `{show(c.account)}` ({c.sku}, "
                f"{show(c.location, 'region')}); when that region is down, read the secondary endpoint.", ""]
        out += _code([f"pulumi login 'azblob://pulumi-state?storage_account={show(c.account)}'",
                      "az storage blob list --auth-mode login --container-name templates "
                      f"--blob-endpoint https://{show(c.account)}-secondary.blob.core.windows.net --output table"])
    out += _mua_section(m)
    if not m.workloads:
        out += ["No VMs tagged with `dr-workload` are declared.", ""]
    for w in m.workloads:
        out += workload_runbook(m, w)
        if w.name in m.site_recovery:  # Azure Site Recovery failover (posture.dr.site_recovery)
            out += site_recovery.runbook_section(m.site_recovery[w.name], _q, show)
    return "\n".join(out).rstrip() + "\n"


def _mua_section(m: Model) -> list[str]:
    """How a critical operation gets approved when a vault is behind a Resource Guard (issue 15;
    https://learn.microsoft.com/azure/backup/multi-user-authorization)."""
    guarded = [vs for vs in m.security if vs.guard is not None]
    if not guarded:
        return []
    out = ["## Before a critical operation: multi-user authorization", "",
           "These vaults are behind a Resource Guard: disabling soft delete, stopping protection with delete data,"
           " reducing retention (policy or item), disabling immutability, changing encryption or removing the"
           " guard fail for the backup administrator until a security administrator (not the backup"
           " administrator) grants the Backup MUA Operator role on the guard, for that operation only. With"
           " Privileged Identity Management the role is eligible with approval: the backup administrator requests"
           " it, an approver approves, and it expires on its own.", ""]
    for vs in guarded:
        guard = _q(vs.guard, "id")
        out += [f"Vault `{show(vs.vault)}`:", ""]
        out += _code([
            f"az backup vault resource-guard-mapping show --resource-group {_q(vs.resource_group)} --name {_q(vs.vault)}",
            'BACKUP_ADMIN="${BACKUP_ADMIN:?set BACKUP_ADMIN to the backup administrator (user or group object id)}"',
            f"az role assignment create --assignee \"$BACKUP_ADMIN\" --role \"Backup MUA Operator\" --scope {guard}"
            "   # security administrator",
            "# ... the backup administrator runs the critical operation ...",
            f"az role assignment delete --assignee \"$BACKUP_ADMIN\" --role \"Backup MUA Operator\" --scope {guard}",
        ])
    return out


def runbook_for(resources, stack: str = "") -> str:
    return render(build(resources, stack))
