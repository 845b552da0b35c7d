"""Azure names of the Site Recovery objects (one place, so components, tests and docs agree).

Fabric and container names follow the portal's ``asr-a2a-default-<region>`` pattern without ``default``
(any name is accepted; the portal's own naming is unverified, see ``../shared/reference/site-recovery.md``).
"""

from __future__ import annotations


def fabric_name(region: str) -> str:
    """The Azure (A2A) replication fabric of ``region`` in an ASR vault."""
    return f"asr-a2a-{region}"


def container_name(region: str) -> str:
    """The protection container inside the fabric of ``region``."""
    return f"asr-a2a-{region}-container"


def policy_name(workload: str) -> str:
    """The A2A replication policy of ``workload``."""
    return f"a2a-{workload}"


def container_mapping_name(workload: str, source: str, target: str) -> str:
    """The container mapping that replicates ``workload`` from ``source`` to ``target``."""
    return f"{workload}-{source}-to-{target}"


def network_mapping_name(source_vnet: str, target_vnet: str) -> str:
    """The network mapping of ``source_vnet`` onto ``target_vnet``."""
    return f"{source_vnet}-to-{target_vnet}"


def recovery_plan_name(workload: str) -> str:
    """The recovery plan of ``workload``."""
    return f"rp-{workload}"


def container_deployment_name(vault: str, region: str) -> str:
    """The ARM deployment (resources:Deployment) that creates the container of ``region`` (<= 64 chars)."""
    return f"{vault}-{region}-container"[:64]
