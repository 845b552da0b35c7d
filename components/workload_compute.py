"""``WorkloadCompute``: one workload's resource group, network, availability set, VMs and managed disks.

What a workload gets (from one resolved :class:`components.config.Workload`):

* its resource group (created, or an existing one looked up by name; :class:`ResourceGroup`);
* a network: a virtual network and subnet with a network security group. For Backup-only VMs the NSG
  opens no outbound rule: Azure VM backup needs none ("Explicit outbound connectivity isn't required to
  allow backup of Azure VMs", https://learn.microsoft.com/azure/backup/backup-azure-arm-vms-prepare; the
  AzureBackup/Storage/Entra ID triad is the MARS agent's). VMs that Azure Site Recovery replicates
  (``site_recovery``) get outbound HTTPS to ``AzureSiteRecovery``, ``Storage.<region>``,
  ``EventHub.<region>`` and ``AzureActiveDirectory`` (https://learn.microsoft.com/azure/site-recovery/azure-to-azure-architecture).
  Or an existing subnet id, which is used as is (no network and no NSG is created for someone else's subnet);
* for a high-availability workload an availability set: sku ``Aligned`` (managed disks), fault domains
  from config (default the region's maximum, ``components/facts.py``), update domains (default 5);
* per VM: a NIC (no public IP unless ``publicIp``), a managed OS disk created from the image, and each
  configured data disk as its own ``compute.Disk`` (created ``Empty``, attached with ``Attach``) so backup
  and snapshot code has a handle per disk; Trusted Launch (secure boot + vTPM) by default; the VM agent
  provisioned and extension operations allowed (Azure Backup installs its snapshot extension through
  it: the seed's enablement step 4); SSH-key login on Linux, a password only from secret config;
  Premium SSD v2 / Ultra data disks only on zonal VMs (Ultra also sets ``ultraSSDEnabled``); boot
  diagnostics on managed storage. Unmanaged (VHD) disks are never declared.

Child names (Pulumi) derive from the instance name ``<name>``; Azure names from the workload name ``<w>``:

==============================  ====================================  ===================================
child                           type                                  Azure name
==============================  ====================================  ===================================
``<name>`` (component)          ResourceGroup (child ``<name>-rg``)   from config
``<name>-vnet``                 network:VirtualNetwork                ``<w>-vnet``
``<name>-nsg``                  network:NetworkSecurityGroup          ``<w>-nsg``
``<name>-subnet``               network:Subnet                        ``<w>-subnet``
``<name>-avset``                compute:AvailabilitySet               ``<w>-avset``
``<name>-vm-<i>-pip``           network:PublicIPAddress (opt-in)      ``<w>-vm-<i>-pip``
``<name>-vm-<i>-nic``           network:NetworkInterface              ``<w>-vm-<i>-nic``
``<name>-vm-<i>-data-<lun>``    compute:Disk                          ``<w>-vm-<i>-data-<lun>``
``<name>-vm-<i>``               compute:VirtualMachine                ``<w>-vm-<i>`` (OS disk ``<w>-vm-<i>-os``)
==============================  ====================================  ===================================

Data disks are keyed by LUN (not position), so reordering ``dataDisks`` in config renames nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Optional

import pulumi
import pulumi_azure_native.compute as compute
import pulumi_azure_native.network as network

from .config import ConfigError, StackConfig
from .facts import DATA_ONLY_DISK_SKUS, ZONE_REDUNDANT_DISK_SKUS
from .resource_group import ResourceGroup, ResourceGroupArgs
from .site_recovery.egress import site_recovery_security_rules

TOKEN = "azure-iaas-dr:workload_compute:WorkloadCompute"  # azure-iaas-dr:<module>:<Name> (docs/DESIGN.md)



# --- args --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataDiskSpec:
    """A managed data disk attached to every VM of the workload."""

    lun: int
    size_gb: int
    #: ``DiskStorageAccountTypes`` wire value.
    sku: str


@dataclass(frozen=True)
class ImageSpec:
    """A marketplace image (must be Generation 2 for Trusted Launch)."""

    publisher: str
    offer: str
    sku: str
    version: str = "latest"


@dataclass(frozen=True)
class WorkloadComputeArgs:
    """Inputs of :class:`WorkloadCompute`. Build from config with :meth:`from_config`."""

    workload: str
    tier: str
    region: str
    resource_group_name: str
    vm_count: int
    vm_size: str
    os_disk_sku: str
    admin_username: str
    #: Exactly one of ``image`` (marketplace) and ``image_id`` (gallery image / image version id).
    image: Optional[ImageSpec] = None
    image_id: Optional[pulumi.Input[str]] = None
    os_type: Literal["Linux", "Windows"] = "Linux"
    resource_group_existing: bool = False
    high_availability: bool = False
    fault_domains: int = 2
    update_domains: int = 5
    os_disk_size_gb: Optional[int] = None
    data_disks: Sequence[DataDiskSpec] = ()
    trusted_launch: bool = True
    #: Linux only: the OpenSSH public key; password login is then disabled.
    ssh_public_key: Optional[str] = None
    #: Only from secret config (``adminPassword``); required for Windows and for password login.
    admin_password: Optional[pulumi.Input[str]] = None
    public_ip: bool = False
    #: Availability zone ("1"-"3") of the VMs and their non-ZRS disks, or ``None`` (regional).
    zone: Optional[str] = None
    #: Use this subnet instead of creating a virtual network.
    existing_subnet_id: Optional[str] = None
    address_space: str = "10.10.0.0/16"
    subnet_prefix: str = "10.10.1.0/24"
    tags: Mapping[str, str] = field(default_factory=dict)
    #: More rules on the created NSG after the Azure Backup ones (Site Recovery egress, siteRecovery workloads).
    extra_security_rules: Sequence[network.SecurityRuleArgs] = ()

    def __post_init__(self) -> None:
        problems = []
        if (self.image is None) == (self.image_id is None):
            problems.append("exactly one of image and image_id")
        if self.high_availability and self.vm_count < 2:
            problems.append("vm_count >= 2 for a high-availability workload")
        if self.high_availability and self.zone is not None:
            problems.append("no zone for a high-availability workload (zonal VMs cannot join an availability set)")
        if self.os_disk_sku in DATA_ONLY_DISK_SKUS:
            problems.append(f"an OS disk SKU other than {self.os_disk_sku} (data-disk only)")
        if self.zone is None and any(d.sku in DATA_ONLY_DISK_SKUS for d in self.data_disks):
            problems.append("a zone: PremiumV2_LRS/UltraSSD_LRS disks attach only to zonal VMs")
        if len({d.lun for d in self.data_disks}) != len(self.data_disks):
            problems.append("unique data disk LUNs")
        if self.os_type == "Linux" and self.ssh_public_key is None and self.admin_password is None:
            problems.append("ssh_public_key or admin_password")
        if self.os_type == "Windows" and self.admin_password is None:
            problems.append("admin_password for a Windows image")
        if problems:
            raise ValueError(f"WorkloadComputeArgs({self.workload!r}) needs " + "; ".join(problems))

    @classmethod
    def from_config(cls, cfg: StackConfig, workload: str, *,
                    image_id: Optional[pulumi.Input[str]] = None) -> WorkloadComputeArgs:
        """Args for ``workload`` of the resolved stack config. ``image_id`` is the gallery image (version) id
        for a workload with ``customImage``."""
        w = cfg.workloads[workload]
        if w.custom_image is not None and image_id is None:
            raise ValueError(f"WorkloadComputeArgs.from_config({workload!r}): the workload has customImage: pass"
                             " image_id, its gallery image version id (components.image_gallery.declare_galleries)")
        password = None
        if w.authentication == "password" or (w.custom_image is not None and w.custom_image.os_type == "Windows"):
            if cfg.admin_password is None:
                raise ConfigError(["azure-iaas-dr:adminPassword: <missing>: a secret password: "
                                   "`pulumi config set --secret adminPassword`"])
            password = pulumi.Output.secret(cfg.admin_password.get_secret_value())
        image = None
        if w.image is not None and w.custom_image is None:
            image = ImageSpec(publisher=w.image.publisher, offer=w.image.offer, sku=w.image.sku,
                              version=w.image.version)
        return cls(
            workload=w.name, tier=w.tier, region=w.region, resource_group_name=w.resource_group_name,
            resource_group_existing=w.resource_group_existing, vm_count=w.vm_count, vm_size=w.vm_size,
            image=image, image_id=image_id if w.custom_image is not None else None,
            os_type=w.custom_image.os_type if w.custom_image is not None else "Linux",
            os_disk_sku=w.os_disk_sku, os_disk_size_gb=w.os_disk_size_gb,
            data_disks=tuple(DataDiskSpec(lun=d.lun, size_gb=d.size_gb, sku=d.sku) for d in w.data_disks),
            high_availability=w.high_availability, fault_domains=w.fault_domains,
            update_domains=w.update_domains, trusted_launch=w.trusted_launch, admin_username=w.admin_username,
            ssh_public_key=w.ssh_public_key if w.authentication == "ssh" else None, admin_password=password,
            public_ip=w.public_ip, zone=w.zone, existing_subnet_id=w.existing_subnet_id,
            address_space=w.address_space, subnet_prefix=w.subnet_prefix, tags=dict(w.tags),
            extra_security_rules=tuple(site_recovery_security_rules(w.region)) if w.site_recovery is not None else (),
        )


# --- outputs -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComputeDisk:
    """A managed disk of a VM: the handle backup and snapshot code needs."""

    #: ``None`` for the OS disk.
    lun: Optional[int]
    sku: str
    disk_name: str
    disk_id: pulumi.Output[str]


@dataclass(frozen=True)
class ComputeVm:
    """One VM, with what VM protection and snapshots need."""

    index: int
    vm_id: pulumi.Output[str]
    vm_name: pulumi.Output[str]
    #: The VM's own resource group (protected-item container names are built from it).
    resource_group_name: pulumi.Output[str]
    region: str
    zone: Optional[str]
    #: ``"TrustedLaunch"`` or ``"Standard"``.
    security_type: str
    os_disk: ComputeDisk
    data_disks: tuple[ComputeDisk, ...]

    @property
    def disk_skus(self) -> frozenset[str]:
        """SKUs of all the VM's disks (Premium SSD v2 / Ultra need an Enhanced backup policy)."""
        return frozenset([self.os_disk.sku, *(d.sku for d in self.data_disks)])


# --- the component -----------------------------------------------------------------------------------------


def _computer_name(workload: str, index: int, os_type: str) -> str:
    """Host name: the VM name on Linux; on Windows at most 15 characters, no '-' at the end."""
    if os_type == "Linux":
        return f"{workload}-vm-{index}"
    return re.sub(r"[^a-z0-9]", "", workload)[:11] + f"vm{index:02d}"


class WorkloadCompute(pulumi.ComponentResource):
    """A workload's resource group, network, availability set (HA), VMs and disks. See the module docstring."""

    #: The workload's resource group name.
    resource_group_name: pulumi.Output[str]
    #: Subnet of the VMs' NICs (created or existing).
    subnet_id: pulumi.Output[str]
    #: Availability set id (``None`` for a workload without high availability).
    availability_set_id: Optional[pulumi.Output[str]]
    #: The VMs, in index order.
    vms: list[ComputeVm]
    #: VM ids and names, in index order.
    vm_ids: list[pulumi.Output[str]]
    vm_names: list[pulumi.Output[str]]

    def __init__(self, name: str, args: WorkloadComputeArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(TOKEN, name, None, opts)
        self.args = args
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        w = args.workload

        rg = ResourceGroup(name, ResourceGroupArgs(
            resource_group_name=args.resource_group_name, location=args.region,
            existing=args.resource_group_existing, tags=tags), opts=child)
        self.resource_group = rg
        self.resource_group_name = rg.name

        # network
        self.virtual_network: Optional[network.VirtualNetwork] = None
        self.network_security_group: Optional[network.NetworkSecurityGroup] = None
        self.subnet: Optional[network.Subnet] = None
        if args.existing_subnet_id is not None:
            self.subnet_id = pulumi.Output.from_input(args.existing_subnet_id)
        else:
            self.virtual_network = network.VirtualNetwork(
                f"{name}-vnet",
                virtual_network_name=f"{w}-vnet",
                resource_group_name=rg.name,
                location=args.region,
                address_space=network.AddressSpaceArgs(address_prefixes=[args.address_space]),
                tags=tags,
                opts=child,
            )
            self.network_security_group = network.NetworkSecurityGroup(
                f"{name}-nsg",
                network_security_group_name=f"{w}-nsg",
                resource_group_name=rg.name,
                location=args.region,
                security_rules=list(args.extra_security_rules),
                tags=tags,
                opts=child,
            )
            self.subnet = network.Subnet(
                f"{name}-subnet",
                subnet_name=f"{w}-subnet",
                resource_group_name=rg.name,
                virtual_network_name=self.virtual_network.name,
                address_prefix=args.subnet_prefix,
                network_security_group=network.NetworkSecurityGroupArgs(id=self.network_security_group.id),
                opts=child,
            )
            self.subnet_id = self.subnet.id

        # availability set
        self.availability_set: Optional[compute.AvailabilitySet] = None
        self.availability_set_id = None
        if args.high_availability:
            self.availability_set = compute.AvailabilitySet(
                f"{name}-avset",
                availability_set_name=f"{w}-avset",
                resource_group_name=rg.name,
                location=args.region,
                sku=compute.SkuArgs(name="Aligned"),
                platform_fault_domain_count=args.fault_domains,
                platform_update_domain_count=args.update_domains,
                tags=tags,
                opts=child,
            )
            self.availability_set_id = self.availability_set.id

        self.virtual_machines: list[compute.VirtualMachine] = []
        self.disks: dict[int, dict[int, compute.Disk]] = {}
        self.vms = [self._vm(name, i, rg.name, tags, child) for i in range(args.vm_count)]
        self.vm_ids = [v.vm_id for v in self.vms]
        self.vm_names = [v.vm_name for v in self.vms]

        self.register_outputs({
            "resourceGroupName": self.resource_group_name,
            "subnetId": self.subnet_id,
            "availabilitySetId": self.availability_set_id,
            "vmIds": self.vm_ids,
            "vmNames": self.vm_names,
            "diskIds": [
                {"os": v.os_disk.disk_id, **{str(d.lun): d.disk_id for d in v.data_disks}} for v in self.vms
            ],
        })

    def _vm(self, name: str, i: int, rg_name: pulumi.Output[str], tags: dict[str, str],
            child: pulumi.ResourceOptions) -> ComputeVm:
        args = self.args
        vm_name = f"{args.workload}-vm-{i}"
        zones = [args.zone] if args.zone is not None else None

        public_ip = None
        if args.public_ip:
            public_ip = network.PublicIPAddress(
                f"{name}-vm-{i}-pip",
                public_ip_address_name=f"{vm_name}-pip",
                resource_group_name=rg_name,
                location=args.region,
                sku=network.PublicIPAddressSkuArgs(name=network.PublicIPAddressSkuName.STANDARD),
                public_ip_allocation_method=network.IPAllocationMethod.STATIC,
                zones=zones,
                tags=tags,
                opts=child,
            )
        nic = network.NetworkInterface(
            f"{name}-vm-{i}-nic",
            network_interface_name=f"{vm_name}-nic",
            resource_group_name=rg_name,
            location=args.region,
            ip_configurations=[network.NetworkInterfaceIPConfigurationArgs(
                name="ipconfig1",
                primary=True,
                private_ip_allocation_method=network.IPAllocationMethod.DYNAMIC,
                subnet=network.SubnetArgs(id=self.subnet_id),
                public_ip_address=network.PublicIPAddressArgs(id=public_ip.id) if public_ip is not None else None,
            )],
            tags=tags,
            opts=child,
        )

        disks: dict[int, compute.Disk] = {}
        for d in sorted(args.data_disks, key=lambda d: d.lun):
            disks[d.lun] = compute.Disk(
                f"{name}-vm-{i}-data-{d.lun}",
                disk_name=f"{vm_name}-data-{d.lun}",
                resource_group_name=rg_name,
                location=args.region,
                sku=compute.DiskSkuArgs(name=d.sku),
                disk_size_gb=d.size_gb,
                creation_data=compute.CreationDataArgs(create_option=compute.DiskCreateOption.EMPTY),
                # a zone-redundant disk has no zone; any other disk of a zonal VM sits in the VM's zone
                zones=zones if d.sku not in ZONE_REDUNDANT_DISK_SKUS else None,
                network_access_policy=compute.NetworkAccessPolicy.DENY_ALL,
                public_network_access=compute.PublicNetworkAccess.DISABLED,
                tags=tags,
                opts=child,
            )
        self.disks[i] = disks

        os_disk_name = f"{vm_name}-os"
        vm = compute.VirtualMachine(
            f"{name}-vm-{i}",
            vm_name=vm_name,
            resource_group_name=rg_name,
            location=args.region,
            zones=zones,
            availability_set=(compute.SubResourceArgs(id=self.availability_set_id)
                              if self.availability_set_id is not None else None),
            hardware_profile=compute.HardwareProfileArgs(vm_size=args.vm_size),
            security_profile=(compute.SecurityProfileArgs(
                security_type=compute.SecurityTypes.TRUSTED_LAUNCH,
                uefi_settings=compute.UefiSettingsArgs(secure_boot_enabled=True, v_tpm_enabled=True),
            ) if args.trusted_launch else None),
            additional_capabilities=(compute.AdditionalCapabilitiesArgs(ultra_ssd_enabled=True)
                                     if any(d.sku == "UltraSSD_LRS" for d in args.data_disks) else None),
            storage_profile=compute.StorageProfileArgs(
                image_reference=(compute.ImageReferenceArgs(publisher=args.image.publisher, offer=args.image.offer,
                                                            sku=args.image.sku, version=args.image.version)
                                 if args.image is not None else compute.ImageReferenceArgs(id=args.image_id)),
                os_disk=compute.OSDiskArgs(
                    name=os_disk_name,
                    create_option=compute.DiskCreateOptionTypes.FROM_IMAGE,
                    caching=compute.CachingTypes.READ_WRITE,
                    disk_size_gb=args.os_disk_size_gb,
                    # the OS disk lives and dies with its VM; backups of it live in the vault
                    delete_option=compute.DiskDeleteOptionTypes.DELETE,
                    managed_disk=compute.ManagedDiskParametersArgs(storage_account_type=args.os_disk_sku),
                ),
                data_disks=[
                    compute.DataDiskArgs(
                        lun=lun,
                        create_option=compute.DiskCreateOptionTypes.ATTACH,
                        managed_disk=compute.ManagedDiskParametersArgs(id=disk.id),
                        # host caching is not supported on Premium SSD v2 / Ultra
                        caching=(compute.CachingTypes.NONE
                                 if _sku(args, lun) in DATA_ONLY_DISK_SKUS else compute.CachingTypes.READ_ONLY),
                        # the disk is its own Pulumi resource: deleting the VM must not delete it
                        delete_option=compute.DiskDeleteOptionTypes.DETACH,
                    )
                    for lun, disk in disks.items()
                ],
            ),
            os_profile=self._os_profile(i),
            network_profile=compute.NetworkProfileArgs(
                network_interfaces=[compute.NetworkInterfaceReferenceArgs(id=nic.id, primary=True)]),
            diagnostics_profile=compute.DiagnosticsProfileArgs(
                boot_diagnostics=compute.BootDiagnosticsArgs(enabled=True)),  # managed storage
            tags=tags,
            opts=child,
        )
        self.virtual_machines.append(vm)

        def _disk_id(vm_id: str) -> str:  # the OS disk sits in the VM's resource group, named os_disk_name
            return vm_id.split("/providers/", 1)[0] + f"/providers/Microsoft.Compute/disks/{os_disk_name}"

        return ComputeVm(
            index=i,
            vm_id=vm.id,
            vm_name=vm.name,
            resource_group_name=rg_name,
            region=args.region,
            zone=args.zone,
            security_type="TrustedLaunch" if args.trusted_launch else "Standard",
            os_disk=ComputeDisk(lun=None, sku=args.os_disk_sku, disk_name=os_disk_name,
                                disk_id=vm.id.apply(_disk_id)),
            data_disks=tuple(ComputeDisk(lun=lun, sku=_sku(args, lun), disk_name=f"{vm_name}-data-{lun}",
                                         disk_id=disk.id) for lun, disk in disks.items()),
        )

    def _os_profile(self, i: int) -> compute.OSProfileArgs:
        args = self.args
        common = dict(
            computer_name=_computer_name(args.workload, i, args.os_type),
            admin_username=args.admin_username,
            admin_password=args.admin_password,
            allow_extension_operations=True,  # Azure Backup installs its snapshot extension
        )
        if args.os_type == "Windows":
            return compute.OSProfileArgs(
                **common,
                windows_configuration=compute.WindowsConfigurationArgs(provision_vm_agent=True,
                                                                       enable_automatic_updates=True),
            )
        ssh = None
        if args.ssh_public_key is not None:
            ssh = compute.SshConfigurationArgs(public_keys=[compute.SshPublicKeyArgs(
                key_data=args.ssh_public_key, path=f"/home/{args.admin_username}/.ssh/authorized_keys")])
        return compute.OSProfileArgs(
            **common,
            linux_configuration=compute.LinuxConfigurationArgs(
                disable_password_authentication=args.admin_password is None,
                provision_vm_agent=True,
                ssh=ssh,
            ),
        )


def _sku(args: WorkloadComputeArgs, lun: int) -> str:
    return next(d.sku for d in args.data_disks if d.lun == lun)
