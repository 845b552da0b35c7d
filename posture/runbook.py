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

from .report_dr import Model, SnapshotSet, Vm, Workload, build, known, show


def _q(value: Any, what: str = "name") -> str:
    """A shell word: known values quoted when needed, unknown ones as a visible placeholder."""
    if not known(value):
        return f"'{show(value, what)}'"
    return shlex.quote(str(value))


def _code(lines: list[str]) -> list[str]:
    return ["```bash", *lines, "```", ""]


def _find_points(vm: Vm, *, secondary: bool) -> list[str]:
    p = vm.protection
    assert p is not None
    flag = " \\\n  --use-secondary-region" if secondary else ""
    return [
        f"az backup item list --resource-group {_q(p.vault_resource_group)} --vault-name {_q(p.vault_name)} "
        f"--backup-management-type AzureIaasVM{' --use-secondary-region' if secondary else ''} --output table",
        f"az backup recoverypoint list --resource-group {_q(p.vault_resource_group)} --vault-name {_q(p.vault_name)} \\",
        f"  --container-name {_q(p.container_name)} --item-name {_q(p.item_name)} \\",
        f"  --backup-management-type AzureIaasVM{flag} --output table",
        f"RP=$(az backup recoverypoint list --resource-group {_q(p.vault_resource_group)} "
        f"--vault-name {_q(p.vault_name)} \\",
        f"  --container-name {_q(p.container_name)} --item-name {_q(p.item_name)} "
        f"--backup-management-type AzureIaasVM{' --use-secondary-region' if secondary else ''} \\",
        "  --query \"[0].name\" --output tsv)   # newest first; pick an older one for data corruption",
    ]


def _restore_disks(vm: Vm, *, secondary: bool, target_rg: str, staging: str) -> list[str]:
    p = vm.protection
    assert p is not None
    lines = [
        f"az backup restore restore-disks --resource-group {_q(p.vault_resource_group)} --vault-name {_q(p.vault_name)} \\",
        f"  --container-name {_q(p.container_name)} --item-name {_q(p.item_name)} --rp-name \"$RP\" \\",
        f"  --storage-account {staging} --target-resource-group {target_rg}"
        + (" \\\n  --use-secondary-region" if secondary else ""),
        f"az backup job list --resource-group {_q(p.vault_resource_group)} --vault-name {_q(p.vault_name)} "
        f"--operation Restore{' --use-secondary-region' if secondary else ''} --output table",
    ]
    return lines


def _attach_commands(vm: Vm, *, rg: str, location: str, suffix: str, os_source: str,
                     data_sources: list[tuple[str, str]], os_type: str = "linux") -> list[str]:
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
    tl = " --security-type TrustedLaunch --enable-secure-boot true --enable-vtpm true" \
        if vm.security_type == "TrustedLaunch" else ""
    lines.append(f"az vm create --resource-group {rg} --location {location} --name {_q(f'{show(vm.name)}{suffix}')} \\")
    lines.append(f"  --attach-os-disk {_q(os_name)} --os-type {os_type} --size {_q(vm.size, 'size')}{tl} \\")
    if data_names:
        lines.append(f"  --attach-data-disks {' '.join(data_names)} \\")
    lines.append("  --subnet \"$SUBNET_ID\" --public-ip-address \"\" --nsg \"\"")
    return lines


def _promote_set(vm: Vm, s: SnapshotSet, *, in_dr: bool) -> list[str]:
    region = s.dr_region if in_dr else s.region
    rg = _q(s.dr_resource_group if in_dr else s.resource_group)
    loc = _q(region, "region")
    suffix = f"-{s.point}"
    if s.method == "restorePoints":
        coll = _q(s.dr_collection if in_dr else s.collection)
        rp = _q((s.dr_names if in_dr else s.names)[0])
        lines = [f"az restore-point show --resource-group {rg} --collection-name {coll} --name {rp} \\",
                 "  --instance-view --query \"instanceView.diskRestorePoints[].replicationStatus\"   "
                 "# copies are usable when every disk restore point has completed"]
        lines.append(f"OS_DRP=$(az restore-point show --resource-group {rg} --collection-name {coll} --name {rp} "
                     "--query \"sourceMetadata.storageProfile.osDisk.diskRestorePoint.id\" --output tsv)")
        data = []
        for i, d in enumerate(vm.data_disks):
            var = f"DRP_{d.key.upper()}"
            lines.append(f"{var}=$(az restore-point show --resource-group {rg} --collection-name {coll} --name {rp} "
                         f"--query \"sourceMetadata.storageProfile.dataDisks[{i}].diskRestorePoint.id\" --output tsv)")
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


def workload_runbook(m: Model, w: Workload) -> list[str]:
    region = show(w.region, "region")
    dr = next((s.dr_region for vm in w.vms for s in vm.snapshot_sets if s.dr_region), None) or m.dr_region_of(w.region)
    dr_text = show(dr, "region") if dr else "<DR region>"
    out = [f"## Workload `{w.name}` ({w.tier})", "",
           f"Primary region **{region}**, DR region **{dr_text}**. VMs: "
           + ", ".join(f"`{show(vm.name)}` (resource group `{show(vm.resource_group)}`)" for vm in w.vms) + ".", ""]
    protected = [vm for vm in w.vms if vm.protection is not None]
    step = 1
    if protected:
        out += [f"### {step}. Find the recovery points (vault in {region})", ""]
        for vm in protected:
            out += [f"`{show(vm.name)}`:", ""] + _code(_find_points(vm, secondary=False))
        step += 1
        out += [f"### {step}. Restore the VM or its disks from the vault in {region}", "",
                "Restore the disks (managed disks in the target resource group, plus the VM's configuration and a"
                " deployment template in the staging storage account), then rebuild the VM from them; Azure cannot"
                " restore straight into an availability set, so attach the disks to a VM created in the set"
                " (`az vm create --availability-set ...`).", ""]
        for vm in protected:
            out += [f"`{show(vm.name)}`:", ""] + _code(
                [f'STAGING="${{STAGING:?set STAGING to a storage account in {region} (VM configuration and template)}}"']
                + _restore_disks(vm, secondary=False, target_rg=_q(vm.resource_group), staging="\"$STAGING\""))
        step += 1
        out += [f"### {step}. Cross-region restore into {dr_text}", "",
                f"If {region} is down, restore from the geo-redundant vault's secondary copy (cross-region restore):"
                " the recovery points listed with `--use-secondary-region` lag the primary's.", ""]
        for vm in protected:
            out += [f"`{show(vm.name)}`:", ""] + _code(
                [f"az group create --name {_q(f'rg-{w.name}-restore-{dr_text}')} --location {dr_text}",
                 f'STAGING_DR="${{STAGING_DR:?set STAGING_DR to a new storage account name}}"',
                 f"az storage account create --name \"$STAGING_DR\" --resource-group {_q(f'rg-{w.name}-restore-{dr_text}')}"
                 f" --location {dr_text} --sku Standard_LRS"]
                + _find_points(vm, secondary=True)
                + _restore_disks(vm, secondary=True, target_rg=_q(f"rg-{w.name}-restore-{dr_text}"),
                                 staging="\"$STAGING_DR\""))
        step += 1
    else:
        out += ["No Azure Backup protected item is declared for this workload's VMs.", ""]
    sets = [(vm, s) for vm in w.vms for s in vm.snapshot_sets]
    if sets:
        method = sets[0][1].method
        title = "restore point" if method == "restorePoints" else "snapshot set"
        latest = max(s.point for _, s in sets)
        copied = any(s.dr_region for _, s in sets)
        out += [f"### {step}. Promote a copied {title} ({'in ' + dr_text if copied else 'in ' + region})", "",
                "Use all disks of the same point in time together (one coordinated set per VM). Declared points: "
                + ", ".join(f"`{p}`" for p in sorted({s.point for _, s in sets})) + f"; shown: `{latest}`.", ""]
        for vm, s in sets:
            if s.point != latest:
                continue
            out += [f"`{show(vm.name)}`:", ""] + _code(['SUBNET_ID="${SUBNET_ID:?set SUBNET_ID to a subnet id in the target region}"']
                                                          + _promote_set(vm, s, in_dr=bool(s.dr_region)))
        step += 1
    if w.image is not None:
        img = w.image
        out += [f"### {step}. Rebuild from the replicated image", "",
                f"Image version `{show(img.version)}` of `{show(img.definition)}` in gallery `{show(img.gallery)}` is"
                " replicated to " + ", ".join(f"{show(n, 'region')} ({c} replicas, {show(t, 'type')})"
                                               for n, c, t in img.target_regions) + ".", ""]
        out += _code([
            f"az sig image-version show --resource-group {_q(img.resource_group)} --gallery-name {_q(img.gallery)} \\",
            f"  --gallery-image-definition {_q(img.definition)} --gallery-image-version {_q(img.version)} \\",
            "  --query \"publishingProfile.targetRegions[].{region:name, replicas:regionalReplicaCount}\"",
            f"az vm create --resource-group {_q(f'rg-{w.name}-restore-{dr_text}')} --location {dr_text} "
            f"--name {_q(f'{w.name}-vm-0-dr')} \\",
            f"  --image {_q(img.id, 'id')} --size {_q(w.vms[0].size if w.vms else None, 'size')} "
            "--subnet \"$SUBNET_ID\" --public-ip-address \"\" --generate-ssh-keys",
        ])
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
    if not m.workloads:
        out += ["No VMs tagged with `dr-workload` are declared.", ""]
    for w in m.workloads:
        out += workload_runbook(m, w)
    return "\n".join(out).rstrip() + "\n"


def runbook_for(resources, stack: str = "") -> str:
    return render(build(resources, stack))
