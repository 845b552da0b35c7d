"""Outbound NSG rules a VM replicated by Azure Site Recovery needs.

The Mobility service on the VM sends HTTPS to Site Recovery, the cache storage account, Event Hubs and Microsoft
Entra ID; with an NSG that filters outbound traffic, allow the service tags ``AzureSiteRecovery``, ``Storage``,
``EventHub`` and ``AzureActiveDirectory``
(https://learn.microsoft.com/azure/site-recovery/azure-to-azure-about-networking, "Outbound connectivity using
service tags"). The workload's NSG gets them after the Azure Backup rules (priorities from 130).
"""

from __future__ import annotations

import pulumi_azure_native.network as network

#: Outbound service tags (HTTPS) Site Recovery needs. Real service-tag names.
SITE_RECOVERY_SERVICE_TAGS: tuple[str, ...] = ("AzureSiteRecovery", "Storage", "EventHub", "AzureActiveDirectory")
SITE_RECOVERY_RULE_PRIORITY = 130


def site_recovery_security_rules() -> list[network.SecurityRuleArgs]:
    """Outbound HTTPS Allow rules to the Site Recovery service tags (priorities 130, 140, ...)."""
    return [
        network.SecurityRuleArgs(
            name=f"allow-asr-{tag.lower()}-https-out",
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
        for k, tag in enumerate(SITE_RECOVERY_SERVICE_TAGS)
    ]
