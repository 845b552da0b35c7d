"""Outbound NSG rules a VM replicated by Azure Site Recovery needs.

The Mobility service on the VM sends HTTPS to Site Recovery, the cache storage account, Event Hubs and Microsoft
Entra ID; with an NSG that filters outbound traffic, allow the service tags ``AzureSiteRecovery``, ``Storage.<region>``,
``EventHub.<region>`` and ``AzureActiveDirectory``
(https://learn.microsoft.com/azure/site-recovery/azure-to-azure-about-networking, "Outbound connectivity using
service tags"). The workload's NSG gets only these (Azure VM backup needs no outbound rule; priorities from 100).
"""

from __future__ import annotations

import pulumi_azure_native.network as network

from ..facts import SITE_RECOVERY_SERVICE_TAGS

SITE_RECOVERY_RULE_PRIORITY = 100


def site_recovery_security_rules(region: str) -> list[network.SecurityRuleArgs]:
    """Outbound HTTPS Allow rules to the Site Recovery service tags of the source ``region`` (``Storage.<region>``,
    ``EventHub.<region>``; priorities 100, 110, ...). Azure VM backup itself needs none (components/facts.py)."""
    return [
        network.SecurityRuleArgs(
            name=f"allow-{tag.split('.')[0].lower()}-https-out",
            description=f"Azure Site Recovery: outbound HTTPS to the {tag} service tag",
            priority=SITE_RECOVERY_RULE_PRIORITY + 10 * k,
            direction=network.SecurityRuleDirection.OUTBOUND,
            access=network.SecurityRuleAccess.ALLOW,
            protocol=network.SecurityRuleProtocol.TCP,
            source_address_prefix="VirtualNetwork",
            source_port_range="*",
            destination_address_prefix=tag,
            destination_port_range="443",
        )
        for k, tag in enumerate(t.format(region=region) for t in SITE_RECOVERY_SERVICE_TAGS)
    ]
