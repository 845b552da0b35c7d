"""Azure Site Recovery (Azure-to-Azure) for a cross-region RPO of minutes: one concern per module.

* ``vault``: ``SiteRecoveryVault``, the Recovery Services vault in the TARGET region, its fabrics and protection
  containers (ARM deployments: azure-native 3.29.0 has no container resource);
* ``cache``: ``SiteRecoveryCache``, the cache storage account in the SOURCE region;
* ``network``: ``SiteRecoveryNetwork``, the target and isolated test networks and the network mappings;
* ``replication``: ``SiteRecoveryReplication``, the A2A policy, container mappings, protected items, recovery plan;
* ``egress``: the outbound NSG rules the Mobility service needs;
* ``declare``: ``declare_site_recovery``, which wires them for every workload with ``siteRecovery``.

Type tokens are ``azure-iaas-dr:site_recovery:<Name>``; the classes are importable from this package (lazily:
``workload_compute`` imports ``egress`` and must not pull in ``replication``, which imports it back).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "SiteRecoveryVault": "vault", "SiteRecoveryVaultArgs": "vault",
    "SiteRecoveryCache": "cache", "SiteRecoveryCacheArgs": "cache",
    "SiteRecoveryNetwork": "network", "SiteRecoveryNetworkArgs": "network",
    "SiteRecoveryReplication": "replication", "SiteRecoveryReplicationArgs": "replication",
    "declare_site_recovery": "declare",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
