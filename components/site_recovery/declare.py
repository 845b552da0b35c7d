"""``declare_site_recovery``: Site Recovery for every workload whose config has ``siteRecovery``.

Per target region one :class:`SiteRecoveryVault` (``asr-<target>``); per source region one
:class:`SiteRecoveryCache` (``asr-cache-<source>``); per workload a :class:`SiteRecoveryNetwork`
(``asr-<w>-network``) and a :class:`SiteRecoveryReplication` (``asr-<w>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from ..config import StackConfig
from ..workload_compute import WorkloadCompute
from .cache import SiteRecoveryCache, SiteRecoveryCacheArgs
from .network import SiteRecoveryNetwork, SiteRecoveryNetworkArgs
from .replication import SiteRecoveryReplication, SiteRecoveryReplicationArgs
from .vault import SiteRecoveryVault, SiteRecoveryVaultArgs


@dataclass(frozen=True)
class DeclaredSiteRecovery:
    """What :func:`declare_site_recovery` declared."""

    vaults: dict[str, SiteRecoveryVault]
    caches: dict[str, SiteRecoveryCache]
    networks: dict[str, SiteRecoveryNetwork]
    replications: dict[str, SiteRecoveryReplication]


def _source_network(compute: WorkloadCompute) -> tuple[pulumi.Input[str], pulumi.Input[str]]:
    """(id, name) of the workload's virtual network: the created one, or the one holding the existing subnet."""
    if compute.virtual_network is not None:
        return compute.virtual_network.id, compute.virtual_network.name
    subnet_id = str(compute.args.existing_subnet_id)
    vnet_id = subnet_id.split("/subnets/", 1)[0]
    return vnet_id, vnet_id.rsplit("/", 1)[-1]


def declare_site_recovery(cfg: StackConfig, computes: Mapping[str, WorkloadCompute], stack: str
                          ) -> DeclaredSiteRecovery:
    """Declare Site Recovery for the workloads with ``siteRecovery`` (nothing when none has it)."""
    out = DeclaredSiteRecovery({}, {}, {}, {})
    for target in cfg.site_recovery_targets():
        out.vaults[target] = SiteRecoveryVault(f"asr-{target}", SiteRecoveryVaultArgs.from_config(cfg, target))
    for name, w in cfg.workloads.items():
        sr = w.site_recovery
        if sr is None:
            continue
        if w.region not in out.caches:
            out.caches[w.region] = SiteRecoveryCache(f"asr-cache-{w.region}",
                                                     SiteRecoveryCacheArgs.from_config(cfg, w.region, stack))
        vault = out.vaults[sr.target_region]
        net_id, net_name = _source_network(computes[name])
        out.networks[name] = SiteRecoveryNetwork(f"asr-{name}-network", SiteRecoveryNetworkArgs(
            workload=name, source_region=w.region, target_region=sr.target_region, source_network_id=net_id,
            source_network_name=net_name, target_resource_group_name=sr.target_resource_group_name,
            target_address_space=sr.target_address_space, target_subnet_prefix=sr.target_subnet_prefix,
            test_address_space=sr.test_address_space, test_subnet_prefix=sr.test_subnet_prefix,
            tags={**w.tags}, retain_on_delete=cfg.retain_on_delete), vault)
        out.replications[name] = SiteRecoveryReplication(f"asr-{name}", SiteRecoveryReplicationArgs(
            workload=name, source_region=w.region, settings=sr, vms=computes[name].vms,
            cache_account_id=out.caches[w.region].account_id, retain_on_delete=cfg.retain_on_delete),
            vault, out.networks[name])
    return out
