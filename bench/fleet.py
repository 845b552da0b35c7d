"""Fleet generator: stack configs of N VMs for the benchmark (issue 6).

``fleet_config(n)`` returns the namespaced config (``azure-native:location`` and the ``azure-iaas-dr:*``
keys that ``components.config`` validates) of a stack with exactly ``n`` VMs:

* workloads of at most ``vms_per_workload`` VMs (default 10; the config model caps a workload at 100),
  at least ``min(5, n // 2)`` workloads so every tier preset appears once there are 10 VMs;
* workload ``i`` has tier ``TIERS[i % 5]`` and primary region ``regions[i % len(regions)]``: up to 500 VMs
  ``REGIONS``, ``westeurope`` (DR in its pair ``northeurope``) and ``eastus2`` (DR in ``centralus``), two primary
  regions with distinct pairs, so with 10 or more workloads every tier x region combination occurs. A bigger
  fleet takes as many of ``EXTRA_REGIONS`` as keep every vault within Azure's 250 new VM registrations per vault
  per day, which the program refuses to exceed in one ``pulumi up`` (``components/prior_state.py``); the number
  of regions is never a multiple of 5, so every tier still meets every region;
* each workload has at least 2 VMs (high-availability tiers need an availability set of >= 2), its own
  virtual network ``10.<a>.<b>.0/24`` (no overlap between workloads) and the tier's usual data disks
  (database: two, reporting: OS disk only, others: one).

``python -m bench.fleet N`` prints the equivalent ``Pulumi.<stack>.yaml`` document.
"""

from __future__ import annotations

import math
import sys
from typing import Any

NAMESPACE = "azure-iaas-dr"
LOCATION_KEY = "azure-native:location"
TIERS = ("database", "cluster", "app-server", "reporting", "critical-data")
#: Two primary regions with distinct Azure pairs (westeurope <-> northeurope, eastus2 <-> centralus).
REGIONS = ("westeurope", "eastus2")
#: More primary regions, each with availability zones and a two-way Azure pair as its DR region
#: (components/facts.py REGION_CAPABILITIES), for fleets of more than 500 VMs: japaneast -> japanwest, eastasia -> southeastasia, australiaeast -> australiasoutheast,
#: uksouth -> ukwest, canadacentral -> canadaeast, koreacentral -> koreasouth.
EXTRA_REGIONS = ("japaneast", "eastasia", "australiaeast", "uksouth", "canadacentral", "koreacentral")
SIZES = (10, 100, 500, 1000, 2000)
SSH_KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE5Bx4GJ4D3v4LaEZFWiaobemAk7sfwCr4/TQ519JQL5 "
           "dr-bench-admin")
MAX_VMS_PER_WORKLOAD = 100  # components.config WorkloadInput.vm_count le=100


class FleetError(ValueError):
    """A fleet that cannot be generated (bad size)."""


def workload_sizes(n_vms: int, vms_per_workload: int = 10) -> list[int]:
    """VM counts of the workloads of an ``n_vms`` fleet (sum = ``n_vms``, each from 2 to
    ``vms_per_workload``, as even as possible)."""
    if not isinstance(n_vms, int) or isinstance(n_vms, bool) or n_vms < 2:
        raise FleetError(f"fleet size {n_vms!r}: an integer of at least 2 VMs (HA workloads need 2)")
    if not 2 <= vms_per_workload <= MAX_VMS_PER_WORKLOAD:
        raise FleetError(f"vms_per_workload {vms_per_workload!r}: an integer from 2 to {MAX_VMS_PER_WORKLOAD}")
    count = max(math.ceil(n_vms / vms_per_workload), min(len(TIERS), n_vms // 2), 1)
    base, extra = divmod(n_vms, count)
    return [base + (1 if i < extra else 0) for i in range(count)]


def workload_name(i: int) -> str:
    """Name of workload ``i`` (``<tier>-<nnnn>``, within the 24-character limit)."""
    return f"{TIERS[i % len(TIERS)]}-{i:04d}"


def _network(i: int) -> dict[str, str]:
    a, b = 1 + i // 256, i % 256
    if a > 255:
        raise FleetError(f"workload index {i}: too many workloads for distinct 10.a.b.0/24 networks")
    return {"addressSpace": f"10.{a}.{b}.0/24", "subnetPrefix": f"10.{a}.{b}.0/25"}


def _workload(i: int, vm_count: int, regions: tuple[str, ...] = REGIONS) -> dict[str, Any]:
    tier = TIERS[i % len(TIERS)]
    w: dict[str, Any] = {
        "tier": tier,
        "vmCount": vm_count,
        "description": f"bench fleet workload {i} ({tier})",
        "sshPublicKey": SSH_KEY,
        "network": _network(i),
    }
    region = regions[i % len(regions)]
    if region != REGIONS[0]:
        w["region"] = region
    if tier == "database":
        w["dataDisks"] = [{"lun": 0, "sizeGb": 256}, {"lun": 1, "sizeGb": 128}]
    elif tier == "reporting":
        w["backupScope"] = "osDiskOnly"
    else:
        w["dataDisks"] = [{"lun": 0, "sizeGb": 128}]
    return w


def primary_regions(sizes: list[int]) -> tuple[str, ...]:
    """The primary regions of a fleet of workloads of ``sizes`` VMs (workload ``i`` in region ``i % count``):
    ``REGIONS``, or more when a vault would get more than 250 new VMs (never a multiple of 5 regions)."""
    from components.facts import MAX_VM_REGISTRATIONS_PER_VAULT_PER_DAY as per_vault

    every = REGIONS + EXTRA_REGIONS
    for count in range(len(REGIONS), len(every) + 1):
        if count % len(TIERS) == 0:
            continue
        if max(sum(sizes[r::count]) for r in range(count)) <= per_vault:
            return every[:count]
    raise FleetError(f"a fleet of {sum(sizes)} VMs needs more than {len(every)} primary regions "
                     f"({per_vault} new VMs per vault)")


def fleet_workloads(n_vms: int, vms_per_workload: int = 10) -> dict[str, dict[str, Any]]:
    """The ``azure-iaas-dr:workloads`` value of an ``n_vms`` fleet."""
    sizes = workload_sizes(n_vms, vms_per_workload)
    regions = primary_regions(sizes)
    return {workload_name(i): _workload(i, c, regions) for i, c in enumerate(sizes)}


def fleet_config(n_vms: int, vms_per_workload: int = 10) -> dict[str, Any]:
    """Namespaced stack config (values decoded, as in ``Pulumi.<stack>.yaml``) of an ``n_vms`` fleet.

    Every key a stack file could set for the program is given, so it can override a whole stack
    (``posture.capture.capture_program(..., config_override=fleet_config(n))``)."""
    return {
        LOCATION_KEY: REGIONS[0],
        f"{NAMESPACE}:workloads": fleet_workloads(n_vms, vms_per_workload),
        f"{NAMESPACE}:protect": False,
        f"{NAMESPACE}:tags": {"environment": "bench", "owner": "platform-team"},
    }


def stack_document(n_vms: int, vms_per_workload: int = 10) -> dict[str, Any]:
    """The ``Pulumi.<stack>.yaml`` document of an ``n_vms`` fleet."""
    return {"config": fleet_config(n_vms, vms_per_workload)}


def main(argv: list[str] | None = None) -> int:
    import yaml

    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: python -m bench.fleet N   (N = number of VMs, at least 2)", file=sys.stderr)
        return 2
    try:
        doc = stack_document(int(argv[0]))
    except FleetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"# bench fleet: {argv[0]} VMs (generated by python -m bench.fleet)")
    print(yaml.safe_dump(doc, sort_keys=False), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
